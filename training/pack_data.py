"""Pack CIFAR-10 (gzip'd binary batches) into compact, hash-listed parts for the GPU machine.

Usage: /usr/bin/python3 training/pack_data.py [--src DIR] [--out .carry] [--jobs 2] [--no-cache]
Writes <out>/part-a/, <out>/part-b/, ... each <= 60 MiB with a part.json listing every file with its
SHA-256 and the SHA-256 of the original .bin it decodes to. Every encoded batch is decoded again here
and compared with the original bytes before it is written (the codec must be lossless).
"""

from __future__ import annotations

import argparse
import gzip
import hashlib
import json
import lzma
import os
import sys
import time
from concurrent.futures import ProcessPoolExecutor
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
import cifar_codec  # noqa: E402

HERE = Path(__file__).resolve().parent
REPO = HERE.parent
BATCHES = ['data_batch_1', 'data_batch_2', 'data_batch_3', 'data_batch_4', 'data_batch_5', 'test_batch']
# part-a holds test_batch so that the first (staging) call can already run the GPU check of
# device_run.sh --gpu-check on data_batch_1-2 + test_batch.
PARTS = {'a': ['data_batch_1', 'data_batch_2', 'test_batch'], 'b': ['data_batch_3', 'data_batch_4', 'data_batch_5']}
PART_LIMIT_BYTES = 60 * 1024 * 1024


def read_sums(path: Path) -> dict[str, str]:
    sums = {}
    for line in path.read_text().splitlines():
        if line.strip():
            h, name = line.split()
            sums[name.lstrip('*')] = h
    return sums


def encode_one(args: tuple[str, str, int, str | None]) -> tuple[str, bytes, str, float]:
    src, name, preset, cached = args
    t0 = time.time()
    raw = gzip.open(os.path.join(src, name + '.bin.gz'), 'rb').read()
    digest = hashlib.sha256(raw).hexdigest()
    # Re-use an earlier encoding (any part folder) when it still decodes to exactly these bytes.
    blob = Path(cached).read_bytes() if cached else None
    if blob is None or cifar_codec.decode_batch(blob) != raw:
        blob = cifar_codec.encode_batch(raw, preset=preset)
    if cifar_codec.decode_batch(blob) != raw:
        raise RuntimeError(f'{name}: codec round trip is not lossless')
    return name, blob, digest, time.time() - t0


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument('--src', default=os.environ.get('CIFAR10_DIR', str(REPO.parent / 'shared' / 'cifar10')))
    ap.add_argument('--out', default=str(REPO / '.carry'))
    ap.add_argument('--jobs', type=int, default=2)
    ap.add_argument('--preset', type=int, default=9 | lzma.PRESET_EXTREME)
    ap.add_argument('--no-cache', action='store_true', help='re-encode even if .carry holds a valid encoding')
    args = ap.parse_args()
    src = Path(args.src)
    sums = read_sums(src / 'SHA256SUMS')
    ref = read_sums(HERE / 'cifar10.SHA256SUMS')
    if sums != ref:
        raise SystemExit('SHA256SUMS of the source differs from training/cifar10.SHA256SUMS')
    out = Path(args.out)
    results = {}
    cached = {p.stem: str(p) for p in sorted(out.glob('part-*/*.cbz'))} if not args.no_cache else {}
    with ProcessPoolExecutor(max_workers=args.jobs) as ex:
        jobs = [(str(src), b, args.preset, cached.get(b)) for b in BATCHES]
        for name, blob, digest, secs in ex.map(encode_one, jobs):
            if digest != sums[name + '.bin']:
                raise SystemExit(f'{name}.bin: SHA-256 {digest} does not match SHA256SUMS')
            results[name] = (blob, digest)
            print(f'{name}: {len(blob):,} B ({8 * len(blob) / (10_000 * 3072):.3f} bits/pixel) in {secs:.1f} s',
                  flush=True)
    total = 0
    for part, names in PARTS.items():
        d = out / f'part-{part}'
        d.mkdir(parents=True, exist_ok=True)
        for old in d.iterdir():
            old.unlink()
        files = []
        for name in names:
            blob, digest = results[name]
            (d / f'{name}.cbz').write_bytes(blob)
            files.append({'name': f'{name}.cbz', 'bytes': len(blob), 'sha256': hashlib.sha256(blob).hexdigest(),
                          'decodesTo': f'{name}.bin', 'decodedBytes': 10_000 * 3073, 'decodedSha256': digest})
        size = sum(f['bytes'] for f in files)
        if size > PART_LIMIT_BYTES:
            raise SystemExit(f'part-{part} is {size} B > 60 MiB')
        manifest = {'format': 'crossbar-cifar-pack', 'formatVersion': 1, 'part': part,
                    'allParts': sorted(PARTS), 'codec': 'training/cifar_codec.py (MED predictor, RGB '
                    'residual decorrelation, xz)', 'files': files}
        (d / 'part.json').write_text(json.dumps(manifest, indent=1) + '\n')
        total += size
        print(f'part-{part}: {size:,} B = {size / 2**20:.2f} MiB ({", ".join(names)})', flush=True)
    print(f'total: {total:,} B = {total / 2**20:.2f} MiB (raw 184,380,000 B; gzip {sum((src / (b + ".bin.gz")).stat().st_size for b in BATCHES):,} B)')


if __name__ == '__main__':
    main()
