"""Decode staged CIFAR-10 parts (.cbz, see cifar_codec.py) back to the official .bin batches and verify them.

Usage: python3 training/unpack_data.py --stage /tmp/cifar/stage --raw /tmp/cifar/raw [--only a.cbz ...] [--jobs 6]
Every decoded batch must match the SHA-256 of the official file (training/cifar10.SHA256SUMS); a batch
already decoded with the right hash is kept. Without --only, all six batches must be present at the end.
"""

from __future__ import annotations

import argparse
import hashlib
import os
import sys
import time
from concurrent.futures import ProcessPoolExecutor
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
import cifar_codec  # noqa: E402
from pack_data import BATCHES, read_sums  # noqa: E402

HERE = Path(__file__).resolve().parent


def sha256_file(p: Path) -> str:
    return hashlib.sha256(p.read_bytes()).hexdigest()


def decode_one(args: tuple[str, str, str]) -> tuple[str, str, float]:
    src, dst, expected = args
    t0 = time.time()
    raw = cifar_codec.decode_batch(Path(src).read_bytes())
    digest = hashlib.sha256(raw).hexdigest()
    if digest != expected:
        raise RuntimeError(f'{src}: decoded SHA-256 {digest} != official {expected}')
    tmp = dst + '.tmp'
    Path(tmp).write_bytes(raw)
    os.replace(tmp, dst)
    return dst, digest, time.time() - t0


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument('--stage', type=Path, default=Path('/tmp/cifar/stage'))
    ap.add_argument('--raw', type=Path, default=Path('/tmp/cifar/raw'))
    ap.add_argument('--only', nargs='*', default=None, help='batch names (without extension) to decode')
    ap.add_argument('--jobs', type=int, default=6)
    a = ap.parse_args()
    sums = read_sums(HERE / 'cifar10.SHA256SUMS')
    a.raw.mkdir(parents=True, exist_ok=True)
    names = a.only if a.only is not None else BATCHES
    todo = []
    for name in names:
        dst = a.raw / f'{name}.bin'
        if dst.exists() and sha256_file(dst) == sums[f'{name}.bin']:
            print(f'{name}.bin: already decoded and verified', flush=True)
            continue
        src = a.stage / f'{name}.cbz'
        if not src.exists():
            raise SystemExit(f'{src} is missing: stage its part first (training/device_stage.sh)')
        todo.append((str(src), str(dst), sums[f'{name}.bin']))
    if todo:
        with ProcessPoolExecutor(max_workers=max(1, min(a.jobs, len(todo)))) as ex:
            for dst, digest, secs in ex.map(decode_one, todo):
                print(f'{Path(dst).name}: decoded in {secs:.1f} s, SHA-256 {digest[:16]}... matches', flush=True)
    if a.only is None:
        missing = [b for b in BATCHES if not (a.raw / f'{b}.bin').exists()]
        if missing:
            raise SystemExit(f'missing batches: {missing}')
        print(f'all {len(BATCHES)} batches verified in {a.raw}', flush=True)


if __name__ == '__main__':
    main()
