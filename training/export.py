"""Export trained PyTorch state dicts to Crossbar Lab's weight format and write golden logits.

Format: notes/weights-contract.md. model.json + weights-N.bin shards (<= 4 MiB, float16 little-endian,
tfjs WeightsManifestConfig), layouts converted to tfjs conventions:
  conv OIHW -> HWIO (permute 2,3,1,0); dense [out,in] -> [in,out];
  VGG-8 fc1: PyTorch flattens NCHW (index c*16 + h*4 + w), tfjs flattens NHWC, so kernel row
  h*4*144 + w*144 + c holds PyTorch column c*16 + h*4 + w.
Golden logits: float64 PyTorch forward on the float16-dequantised weights (read back from the shards),
eval mode, on the first N records of test_batch.bin, normalised x = (pixel/255 - 0.5)/0.5.

  trained:  /usr/bin/python3 training/export.py --weights-dir DIR            (DIR from the GPU run: vgg8.pt,
            googlenet-1.pt, googlenet-2.pt, result.json) -> public/models/, src/models/golden/
  fixtures: /usr/bin/python3 training/export.py --random --out-dir /tmp/crossbar-fixtures
            (random init, BN statistics calibrated on 256 training images, random BN affine)
  check:    /usr/bin/python3 training/export.py --check-only --out-dir DIR --golden-dir DIR

Every export ends with a self-check that reads model.json back, verifies the shard hashes, dequantises,
inverts the layouts, rebuilds the PyTorch model and reproduces the golden logits; and a second, independent
NHWC forward pass that consumes the exported tfjs-layout tensors directly (no inverse permutation).
"""

from __future__ import annotations

import argparse
import gzip
import hashlib
import json
import os
import sys
import time
from pathlib import Path

import numpy as np
import torch
import torch.nn.functional as F

sys.path.insert(0, str(Path(__file__).resolve().parent))
import models  # noqa: E402

HERE = Path(__file__).resolve().parent
REPO = HERE.parent
SHARD_BYTES = 4 * 1024 * 1024
GOLDEN_COUNT = {'vgg8': 64, 'googlenet': 16}
NORMALISATION = 'x = (pixel/255 - 0.5) / 0.5 per channel, NHWC'
COMPUTED_WITH = 'pytorch float64 on the shipped (float16-dequantised) weights, eval mode'
BN_FIELDS = [('gamma', 'weight'), ('beta', 'bias'), ('movingMean', 'running_mean'), ('movingVariance', 'running_var')]
INCEPTION_LAYERS = [('b1/conv', 'conv'), ('b1/bn', 'bn'), ('b2/conv1', 'conv'), ('b2/bn1', 'bn'),
                    ('b2/conv2', 'conv'), ('b2/bn2', 'bn'), ('b3/conv1', 'conv'), ('b3/bn1', 'bn'),
                    ('b3/conv2', 'conv'), ('b3/bn2', 'bn'), ('b3/conv3', 'conv'), ('b3/bn3', 'bn'),
                    ('b4/conv', 'conv'), ('b4/bn', 'bn')]


def layers(model_name: str) -> list[tuple[str, str]]:
    """(contract layer name, kind) in the manifest order the contract prescribes."""
    if model_name == 'vgg8':
        return [('conv1', 'conv'), ('conv2', 'conv'), ('bn2', 'bn'), ('conv3', 'conv'), ('conv4', 'conv'),
                ('bn4', 'bn'), ('conv5', 'conv'), ('conv6', 'conv'), ('bn6', 'bn'), ('fc1', 'fc1'), ('fc2', 'dense')]
    out = [('pre/conv', 'conv'), ('pre/bn', 'bn')]
    for blk in models.BLOCK_NAMES:
        out += [(f'{blk}/{name}', kind) for name, kind in INCEPTION_LAYERS]
    return out + [('linear', 'dense')]


def fc1_to_tf(w: torch.Tensor) -> torch.Tensor:
    """[out, c*16+h*4+w] -> [h*4*C + w*C + c, out]."""
    out, n_in = w.shape
    c = n_in // 16
    return w.reshape(out, c, 4, 4).permute(2, 3, 1, 0).reshape(n_in, out)


def fc1_from_tf(k: torch.Tensor) -> torch.Tensor:
    n_in, out = k.shape
    c = n_in // 16
    return k.reshape(4, 4, c, out).permute(3, 2, 0, 1).reshape(out, n_in)


def to_tf(model_name: str, state: dict[str, torch.Tensor]) -> list[tuple[str, torch.Tensor]]:
    """State dict -> [(weight name, tensor in tfjs layout)] in manifest order; every tensor is used once."""
    used = set()
    out = []

    def take(key: str) -> torch.Tensor:
        used.add(key)
        return state[key].detach().to('cpu', torch.float32)

    for name, kind in layers(model_name):
        p = name.replace('/', '.')
        if kind == 'bn':
            out += [(f'{name}/{tf}', take(f'{p}.{pt}')) for tf, pt in BN_FIELDS]
            used.add(f'{p}.num_batches_tracked')
            continue
        w = take(f'{p}.weight')
        k = {'conv': lambda t: t.permute(2, 3, 1, 0), 'dense': lambda t: t.t(), 'fc1': fc1_to_tf}[kind](w)
        out += [(f'{name}/kernel', k.contiguous()), (f'{name}/bias', take(f'{p}.bias'))]
    unused = set(state) - used
    if unused:
        raise ValueError(f'state dict entries not exported: {sorted(unused)}')
    return out


def from_tf(model_name: str, tensors: dict[str, torch.Tensor]) -> dict[str, torch.Tensor]:
    """Inverse of to_tf (num_batches_tracked is not exported and is not needed in eval mode)."""
    state = {}
    for name, kind in layers(model_name):
        p = name.replace('/', '.')
        if kind == 'bn':
            for tf, pt in BN_FIELDS:
                state[f'{p}.{pt}'] = tensors[f'{name}/{tf}']
            continue
        k = tensors[f'{name}/kernel']
        state[f'{p}.weight'] = {'conv': lambda t: t.permute(3, 2, 0, 1), 'dense': lambda t: t.t(),
                                'fc1': fc1_from_tf}[kind](k).contiguous()
        state[f'{p}.bias'] = tensors[f'{name}/bias']
    return state


def load_test_records(cifar_dir: Path, count: int) -> tuple[np.ndarray, list[int]]:
    raw = gzip.open(cifar_dir / 'test_batch.bin.gz', 'rb').read()
    sums = dict(reversed(line.split()) for line in (HERE / 'cifar10.SHA256SUMS').read_text().splitlines() if line)
    if hashlib.sha256(raw).hexdigest() != sums['test_batch.bin']:
        raise SystemExit('test_batch.bin does not match its official SHA-256')
    rec = np.frombuffer(raw, np.uint8).reshape(-1, 3073)[:count]
    return rec[:, 1:].reshape(-1, 3, 32, 32), rec[:, 0].astype(int).tolist()


def normalise64(x_u8: np.ndarray) -> torch.Tensor:
    return (torch.from_numpy(x_u8.astype(np.float64)) / 255.0 - 0.5) / 0.5


def load_state(model_name: str, weights_dir: Path, expected_sha: dict[str, str] | None = None
               ) -> dict[str, torch.Tensor]:
    """Merge the trainer's state-dict files. expected_sha (result.json 'files') proves that both GoogLeNet
    halves come from the same checkpoint, even if a timeout struck between the two writes."""
    files = ['vgg8.pt'] if model_name == 'vgg8' else ['googlenet-1.pt', 'googlenet-2.pt']
    state: dict[str, torch.Tensor] = {}
    for f in files:
        if expected_sha is not None:
            got = hashlib.sha256((weights_dir / f).read_bytes()).hexdigest()
            if got != expected_sha.get(f):
                raise SystemExit(f'{f}: SHA-256 {got[:16]}... is not the one result.json records '
                                 f'({str(expected_sha.get(f))[:16]}...): files from different checkpoints?')
        part = torch.load(weights_dir / f, map_location='cpu')
        if set(part) & set(state):
            raise ValueError(f'{f}: duplicate keys')
        state.update(part)
    return state


def random_state(model_name: str, seed: int, cifar_dir: Path) -> dict[str, torch.Tensor]:
    """Random init (PyTorch defaults) with realistic BN statistics and a non-trivial BN affine, so a parity
    test exercises every tensor: running stats from a train-mode pass over 256 training images."""
    torch.manual_seed(seed)
    model = models.build(model_name)  # float32: only the statistics are needed, and float64 convs are slow
    with torch.no_grad():
        for m in model.modules():
            if isinstance(m, torch.nn.BatchNorm2d):
                m.weight.uniform_(0.5, 1.5)
                m.bias.normal_(0.0, 0.2)
                m.momentum = None  # cumulative average
        raw = gzip.open(cifar_dir / 'data_batch_1.bin.gz', 'rb').read(256 * 3073)
        x = np.frombuffer(raw, np.uint8).reshape(-1, 3073)[:, 1:].reshape(-1, 3, 32, 32)
        model.train()
        for s in range(0, 256, 64):
            model(normalise64(x[s : s + 64]).float())
    return {k: v.float() for k, v in model.state_dict().items()}


def write_model(model_name: str, state: dict[str, torch.Tensor], trainer: dict, out_dir: Path) -> Path:
    d = out_dir / model_name
    d.mkdir(parents=True, exist_ok=True)
    for old in d.glob('weights-*.bin'):
        old.unlink()
    entries, chunks = [], []
    for name, t in to_tf(model_name, state):
        a = t.numpy().astype('<f4')
        h = a.astype('<f2')
        if not np.all(np.isfinite(h)):
            raise ValueError(f'{name}: not representable in float16')
        entries.append({'name': name, 'shape': list(a.shape), 'dtype': 'float32',
                        'quantization': {'dtype': 'float16', 'original_dtype': 'float32'}})
        chunks.append(h.tobytes())
    blob = b''.join(chunks)
    paths, sha = [], {}
    for i in range(0, len(blob), SHARD_BYTES):
        name = f'weights-{i // SHARD_BYTES + 1}.bin'
        piece = blob[i : i + SHARD_BYTES]
        (d / name).write_bytes(piece)
        paths.append(name)
        sha[name] = hashlib.sha256(piece).hexdigest()
    doc = {
        'format': 'crossbar-lab-weights',
        'formatVersion': 1,
        'model': model_name,
        'weightsManifest': [{'paths': paths, 'weights': entries}],
        'manifest': {
            'sha256': sha,
            'top1TestAccuracy': None,
            'trainer': trainer,
            'normalisation': NORMALISATION,
            'createdAt': time.strftime('%Y-%m-%dT%H:%M:%SZ', time.gmtime()),
        },
    }
    (d / 'model.json').write_text(json.dumps(doc, indent=1) + '\n')
    return d / 'model.json'


def read_model(model_json: Path) -> tuple[dict, dict[str, torch.Tensor]]:
    """Read model.json + shards back; verify hashes; dequantise float16 -> float64 tensors in tfjs layout."""
    doc = json.loads(model_json.read_text())
    assert doc['format'] == 'crossbar-lab-weights' and doc['formatVersion'] == 1
    group = doc['weightsManifest'][0]
    blob = b''
    for p in group['paths']:
        b = (model_json.parent / p).read_bytes()
        if len(b) > SHARD_BYTES:
            raise ValueError(f'{p}: {len(b)} bytes > 4 MiB')
        if hashlib.sha256(b).hexdigest() != doc['manifest']['sha256'][p]:
            raise ValueError(f'{p}: SHA-256 mismatch')
        blob += b
    tensors, off = {}, 0
    for e in group['weights']:
        n = int(np.prod(e['shape']))
        q = e.get('quantization')
        dt, size = (np.dtype('<f2'), 2) if q and q['dtype'] == 'float16' else (np.dtype('<f4'), 4)
        a = np.frombuffer(blob, dt, count=n, offset=off).astype(np.float64).reshape(e['shape'])
        tensors[e['name']] = torch.from_numpy(a.copy())
        off += n * size
    if off != len(blob):
        raise ValueError(f'{len(blob) - off} trailing bytes in the shards')
    return doc, tensors


def rebuild(model_name: str, tensors: dict[str, torch.Tensor]) -> torch.nn.Module:
    model = models.build(model_name).double()
    state = from_tf(model_name, tensors)
    missing, unexpected = model.load_state_dict(state, strict=False)
    if unexpected or [k for k in missing if not k.endswith('num_batches_tracked')]:
        raise ValueError(f'missing {missing}, unexpected {unexpected}')
    return model.eval()


# ---- independent forward pass in tfjs conventions (NHWC, HWIO, [in,out], NHWC flatten) ----------------
def _conv(x, t, name, pad):
    k = t[f'{name}/kernel']  # HWIO; conv2d wants OIHW, so run it on NCHW views of the NHWC data
    y = F.conv2d(x.permute(0, 3, 1, 2), k.permute(3, 2, 0, 1), t[f'{name}/bias'], padding=pad)
    return y.permute(0, 2, 3, 1)


def _bn(x, t, name, eps=1e-5):
    g, b, m, v = (t[f'{name}/{f}'] for f, _ in BN_FIELDS)
    return (x - m) / torch.sqrt(v + eps) * g + b


def _maxpool(x, k, s, p):
    y = F.max_pool2d(x.permute(0, 3, 1, 2), k, s, p)
    return y.permute(0, 2, 3, 1)


def forward_tf(model_name: str, t: dict[str, torch.Tensor], x_nhwc: torch.Tensor) -> torch.Tensor:
    relu = F.relu
    if model_name == 'vgg8':
        x = relu(_conv(x_nhwc, t, 'conv1', 1))
        x = _maxpool(relu(_bn(_conv(x, t, 'conv2', 1), t, 'bn2')), 2, 2, 0)
        x = relu(_conv(x, t, 'conv3', 1))
        x = _maxpool(relu(_bn(_conv(x, t, 'conv4', 1), t, 'bn4')), 2, 2, 0)
        x = relu(_conv(x, t, 'conv5', 1))
        x = _maxpool(relu(_bn(_conv(x, t, 'conv6', 1), t, 'bn6')), 2, 2, 0)
        x = x.reshape(x.shape[0], -1)  # NHWC flatten
        x = relu(x @ t['fc1/kernel'] + t['fc1/bias'])
        return x @ t['fc2/kernel'] + t['fc2/bias']

    def cbr(x, conv, bn, pad):
        return relu(_bn(_conv(x, t, conv, pad), t, bn))

    x = cbr(x_nhwc, 'pre/conv', 'pre/bn', 1)
    for blk in models.BLOCK_NAMES:
        if blk in ('a4', 'a5'):
            x = _maxpool(x, 3, 2, 1)
        y1 = cbr(x, f'{blk}/b1/conv', f'{blk}/b1/bn', 0)
        y2 = cbr(cbr(x, f'{blk}/b2/conv1', f'{blk}/b2/bn1', 0), f'{blk}/b2/conv2', f'{blk}/b2/bn2', 1)
        y3 = cbr(x, f'{blk}/b3/conv1', f'{blk}/b3/bn1', 0)
        y3 = cbr(cbr(y3, f'{blk}/b3/conv2', f'{blk}/b3/bn2', 1), f'{blk}/b3/conv3', f'{blk}/b3/bn3', 1)
        y4 = cbr(_maxpool(x, 3, 1, 1), f'{blk}/b4/conv', f'{blk}/b4/bn', 0)
        x = torch.cat([y1, y2, y3, y4], dim=3)
    x = x.mean(dim=(1, 2))
    return x @ t['linear/kernel'] + t['linear/bias']


def golden(model_name: str, model_json: Path, golden_dir: Path, cifar_dir: Path) -> Path:
    doc, tensors = read_model(model_json)
    n = GOLDEN_COUNT[model_name]
    x, labels = load_test_records(cifar_dir, n)
    with torch.no_grad():
        logits = rebuild(model_name, tensors)(normalise64(x))
    out = {'model': model_name, 'weightsSha256': doc['manifest']['sha256'],
           'imageSource': f'test_batch.bin first {n} records', 'count': n, 'labels': labels,
           'logits': logits.tolist(), 'computedWith': COMPUTED_WITH}
    golden_dir.mkdir(parents=True, exist_ok=True)
    path = golden_dir / f'{model_name}.golden.json'
    path.write_text(json.dumps(out) + '\n')
    return path


def self_check(model_name: str, model_json: Path, golden_json: Path, cifar_dir: Path,
               state: dict[str, torch.Tensor] | None = None) -> dict:
    """Read back, dequantise, invert layouts, rebuild, reproduce the golden logits (two ways)."""
    doc, tensors = read_model(model_json)
    names = [e['name'] for e in doc['weightsManifest'][0]['weights']]
    expected = [n for n, _ in to_tf(model_name, models.build(model_name).state_dict())]
    assert names == expected, 'manifest order differs from the contract order'
    for p in doc['weightsManifest'][0]['paths']:
        assert (model_json.parent / p).stat().st_size <= SHARD_BYTES
    if state is not None:  # the round trip is exact: every tensor equals its float16 rounding
        back = from_tf(model_name, tensors)
        for k, v in back.items():
            ref = state[k].to(torch.float32).half().double()
            if not torch.equal(v, ref):
                raise AssertionError(f'{k}: read-back tensor differs from the float16-rounded original')
    g = json.loads(golden_json.read_text())
    assert g['weightsSha256'] == doc['manifest']['sha256'], 'golden file belongs to other weights'
    x, labels = load_test_records(cifar_dir, g['count'])
    assert labels == g['labels']
    ref = torch.tensor(g['logits'], dtype=torch.float64)
    with torch.no_grad():
        rebuilt = rebuild(model_name, tensors)(normalise64(x))
        nhwc = forward_tf(model_name, tensors, normalise64(x).permute(0, 2, 3, 1))
    scale = max(1.0, ref.abs().max().item())
    d_rebuilt = (rebuilt - ref).abs().max().item()
    d_nhwc = (nhwc - ref).abs().max().item()
    if d_rebuilt > 1e-9 * scale or d_nhwc > 1e-9 * scale:
        raise AssertionError(f'{model_name}: golden logits not reproduced: {d_rebuilt:.3e}, {d_nhwc:.3e}')
    report = {'maxAbsLogit': ref.abs().max().item(), 'maxDiffRebuilt': d_rebuilt, 'maxDiffNhwc': d_nhwc,
              'goldenTop1': float((ref.argmax(1) == torch.tensor(labels)).double().mean())}
    if state is not None:  # float32 original weights vs shipped float16: informative only
        m32 = models.build(model_name).double()
        m32.load_state_dict({k: v.double() if v.is_floating_point() else v for k, v in state.items()})
        with torch.no_grad():
            report['maxDiffVsFloat32Weights'] = (m32.eval()(normalise64(x)) - ref).abs().max().item()
    return report


def trainer_block(model_name: str, result: dict | None, random_seed: int | None) -> dict:
    versions = {'python': sys.version.split()[0], 'torch': torch.__version__, 'numpy': np.__version__}
    if result is None:
        return {'framework': f'pytorch {torch.__version__}', 'device': 'cpu (not trained)',
                'top1Float32': 0.0, 'top1Float16': 0.0,
                'recipe': f'TEST FIXTURE: random initialisation, seed {random_seed}, BN statistics from 256 '
                          'training images, random BN affine; untrained (accuracy fields are 0, not measured)',
                'epochs': 0, 'batchSize': 0, 'seed': random_seed, 'wallSeconds': 0, 'tools': versions}
    m = result['models'][model_name]
    if m.get('status') != 'done':
        raise SystemExit(f'{model_name}: training status is {m.get("status")!r}, not done; '
                         'export a partial checkpoint only with --allow-partial')
    return {'framework': f'pytorch {m["tools"]["torch"]}', 'device': m['device'],
            'top1Float32': m['top1Float32'], 'top1Float16': m['top1Float16'], 'recipe': m['recipe'],
            'epochs': m['epochs'], 'batchSize': m['batchSize'], 'seed': m['seed'], 'wallSeconds': m['wallSeconds'],
            'tools': m['tools']}


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument('--models', nargs='+', default=['vgg8', 'googlenet'], choices=sorted(models.MODELS))
    src = ap.add_mutually_exclusive_group(required=True)
    src.add_argument('--weights-dir', type=Path, help='folder with vgg8.pt, googlenet-1/2.pt, result.json')
    src.add_argument('--random', action='store_true', help='random-init fixtures for parity tests')
    src.add_argument('--check-only', action='store_true')
    ap.add_argument('--seed', type=int, default=7, help='seed of the --random fixtures')
    ap.add_argument('--out-dir', type=Path, default=None, help='default public/models (--random: required)')
    ap.add_argument('--golden-dir', type=Path, default=None,
                    help='default src/models/golden without --out-dir, else <out-dir>/golden')
    ap.add_argument('--cifar', type=Path,
                    default=Path(os.environ.get('CIFAR10_DIR', str(REPO.parent / 'shared' / 'cifar10'))))
    ap.add_argument('--allow-partial', action='store_true', help='export a checkpoint of an unfinished run')
    a = ap.parse_args()
    if a.random and a.out_dir is None:
        raise SystemExit('--random needs an explicit --out-dir (fixtures never go to public/)')
    # Only the default destination (the real, shipped export) writes into the repo; any --out-dir keeps
    # its golden logits beside it unless --golden-dir says otherwise.
    out_dir = a.out_dir or REPO / 'public' / 'models'
    golden_dir = a.golden_dir or (out_dir / 'golden' if a.out_dir else REPO / 'src' / 'models' / 'golden')
    torch.set_num_threads(max(1, min(2, os.cpu_count() or 1)))
    result = None
    if a.weights_dir:
        result = json.loads((a.weights_dir / 'result.json').read_text())
        if a.allow_partial:
            for m in result['models'].values():
                m.setdefault('top1Float32', None)
                m.setdefault('top1Float16', None)
                m.setdefault('recipe', 'PARTIAL checkpoint of an unfinished run')
                m['status'] = 'done'
    for name in a.models:
        t0 = time.time()
        state = None
        if not a.check_only:
            m = result['models'][name] if result else None
            state = random_state(name, a.seed, a.cifar) if a.random else load_state(name, a.weights_dir, m['files'])
            if m is not None and m.get('width', 1.0) != 1.0:
                raise SystemExit(f'{name}: width {m["width"]} is a smoke-test model, not the contract architecture')
            model_json = write_model(name, state, trainer_block(name, result, a.seed if a.random else None), out_dir)
            golden(name, model_json, golden_dir, a.cifar)
        report = self_check(name, out_dir / name / 'model.json', golden_dir / f'{name}.golden.json', a.cifar, state)
        sizes = [(out_dir / name / p).stat().st_size for p in json.loads(
            (out_dir / name / 'model.json').read_text())['weightsManifest'][0]['paths']]
        print(f'{name}: {out_dir / name}/model.json, shards {sizes} B, golden {golden_dir / (name + ".golden.json")}; '
              f'self-check OK {json.dumps(report)} ({time.time() - t0:.1f} s)', flush=True)


if __name__ == '__main__':
    main()
