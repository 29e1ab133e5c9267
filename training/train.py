"""Time-budgeted CIFAR-10 trainer for VGG-8 and the CIFAR GoogLeNet (one model per process).

Recipe (a documented faster schedule than the paper's 256 epochs, see training/README.md):
SGD momentum 0.9 Nesterov, weight decay 5e-4 on all parameters, cross-entropy with label smoothing 0.1,
batch 512, bf16 autocast, channels_last. The learning rate is a function of the fraction of a fixed
wall-clock budget that has elapsed: linear warm-up from 0 to the peak over the first 15 %, then linear
decay to 0 at the end of the budget ("budgeted training", Li, Yumer, Ramanan, ICLR 2020). Training
stops when the budget is spent (possibly mid-epoch); the epochs done are recorded.
Data lives on the device as uint8; augmentation on the device, as the paper: zero-pad 4, random 32x32
crop, random horizontal flip. Normalisation x = (pixel/255 - 0.5)/0.5.
At the end the test set (10,000 images, no augmentation, BN in eval mode) is evaluated in float32
(TF32 off) and with every parameter and buffer rounded to float16 and back.

Outputs (under --out): <model>.pt (vgg8) or googlenet-1.pt + googlenet-2.pt (float32 state_dict split in
two files <= 16 MiB), train-<model>.log, and this model's entry of result.json (shared by both trainers,
updated under a file lock). Checkpoints are written every --ckpt-every-s seconds so that a run killed by
a timeout still returns weights.
"""

from __future__ import annotations

import argparse
import copy
import fcntl
import hashlib
import json
import math
import os
import platform
import random
import sys
import time
from pathlib import Path

import numpy as np
import torch
import torch.nn.functional as F

sys.path.insert(0, str(Path(__file__).resolve().parent))
import models  # noqa: E402

TRAIN_FILES = [f'data_batch_{i}.bin' for i in range(1, 6)]
TEST_FILE = 'test_batch.bin'
RECORD = 3073
WARMUP_FRACTION = 0.15
MOMENTUM = 0.9
WEIGHT_DECAY = 5e-4
LABEL_SMOOTHING = 0.1


class Logger:
    def __init__(self, path: Path, tag: str) -> None:
        self.f = open(path, 'a', buffering=1)
        self.tag = tag
        self.t0 = time.time()

    def __call__(self, msg: str) -> None:
        stamp = time.strftime('%H:%M:%S', time.gmtime())
        line = f'[{stamp} +{time.time() - self.t0:6.1f}s {self.tag}] {msg}'
        print(line, flush=True)
        self.f.write(line + '\n')


def load_records(path: Path, limit: int | None = None) -> tuple[np.ndarray, np.ndarray]:
    rec = np.fromfile(path, np.uint8).reshape(-1, RECORD)
    if limit is not None:
        rec = rec[:limit]
    return rec[:, 1:].reshape(-1, 3, 32, 32).copy(), rec[:, 0].astype(np.int64)


def load_cifar(data_dir: Path, n_train: int | None, n_test: int | None, partial: bool = False):
    files = [f for f in TRAIN_FILES if (data_dir / f).exists()] if partial else TRAIN_FILES
    if not files:
        raise SystemExit(f'no training batches in {data_dir}')
    xs, ys = zip(*(load_records(data_dir / f) for f in files))
    x_train, y_train = np.concatenate(xs), np.concatenate(ys)
    if n_train is not None:
        x_train, y_train = x_train[:n_train], y_train[:n_train]
    x_test, y_test = load_records(data_dir / TEST_FILE, n_test)
    return x_train, y_train, x_test, y_test


def normalise(x_u8: torch.Tensor) -> torch.Tensor:
    """uint8 NCHW -> float32 (x/255 - 0.5)/0.5, channels_last memory format."""
    x = x_u8.float().div_(255.0).sub_(0.5).div_(0.5)
    return x.contiguous(memory_format=torch.channels_last)


def augment(x_u8: torch.Tensor, gen: torch.Generator, chunk: int = 10_000) -> torch.Tensor:
    """Zero-pad 4 (torchvision Pad(4), fill 0 = black), random 32x32 crop, random horizontal flip."""
    n, c = x_u8.shape[:2]
    dev = x_u8.device
    out = torch.empty_like(x_u8)
    ar = torch.arange(32, device=dev)
    for s in range(0, n, chunk):
        xb = F.pad(x_u8[s : s + chunk], (4, 4, 4, 4))
        m = xb.shape[0]
        oy = torch.randint(0, 9, (m,), generator=gen, device=dev)
        ox = torch.randint(0, 9, (m,), generator=gen, device=dev)
        flip = torch.randint(0, 2, (m,), generator=gen, device=dev).bool()
        rows = (oy[:, None] + ar[None, :])[:, None, :, None]
        cols = ox[:, None] + ar[None, :]
        cols = torch.where(flip[:, None], cols.flip(1), cols)[:, None, None, :]
        bi = torch.arange(m, device=dev)[:, None, None, None]
        ci = torch.arange(c, device=dev)[None, :, None, None]
        out[s : s + m] = xb[bi, ci, rows, cols]
    return out


def lr_at(frac: float, peak: float) -> float:
    if frac < WARMUP_FRACTION:
        return peak * frac / WARMUP_FRACTION
    return peak * max(0.0, (1.0 - frac) / (1.0 - WARMUP_FRACTION))


@torch.no_grad()
def evaluate(model, x_u8, y, batch: int, amp_dtype=None) -> float:
    """Top-1 on uint8 test images, BN in eval mode, no augmentation. amp_dtype None = float32."""
    was_training = model.training
    model.eval()
    correct = torch.zeros((), dtype=torch.int64, device=y.device)
    for s in range(0, x_u8.shape[0], batch):
        xb = normalise(x_u8[s : s + batch])
        with torch.autocast(device_type=xb.device.type, dtype=amp_dtype or torch.bfloat16,
                            enabled=amp_dtype is not None):
            out = model(xb)
        correct += (out.argmax(1) == y[s : s + batch]).sum()
    model.train(was_training)
    return correct.item() / x_u8.shape[0]


def fp16_rounded(model):
    """Copy of the model with every floating parameter and buffer rounded to float16 and back."""
    m = copy.deepcopy(model)
    with torch.no_grad():
        for t in list(m.parameters()) + list(m.buffers()):
            if t.is_floating_point():
                t.copy_(t.half().float())
    return m


def disable_tf32() -> str:
    """TF32 off for float32 convs and matmuls; torch >= 2.9 has a new API and warns about the old flags."""
    try:
        if hasattr(torch.backends, 'fp32_precision'):
            torch.backends.cuda.matmul.fp32_precision = 'ieee'
            torch.backends.cudnn.conv.fp32_precision = 'ieee'
            return 'off (fp32_precision = ieee)'
        torch.backends.cuda.matmul.allow_tf32 = False
        torch.backends.cudnn.allow_tf32 = False
        return 'off (allow_tf32 = False)'
    except Exception as e:  # never let a settings API change stop the one GPU run
        return f'COULD NOT DISABLE ({e!r})'


def cpu_state(model) -> dict[str, torch.Tensor]:
    return {k: v.detach().to('cpu').clone().contiguous() for k, v in model.state_dict().items()}


def save_atomic(obj, path: Path) -> str:
    tmp = path.with_name('.' + path.name + '.tmp')
    torch.save(obj, tmp)
    os.replace(tmp, path)
    return hashlib.sha256(path.read_bytes()).hexdigest()


def save_weights(model_name: str, state: dict[str, torch.Tensor], out: Path) -> dict[str, str]:
    """vgg8 -> vgg8.pt; googlenet -> googlenet-1.pt + googlenet-2.pt split at half the bytes (<= 16 MiB each)."""
    if model_name != 'googlenet':
        return {f'{model_name}.pt': save_atomic(state, out / f'{model_name}.pt')}
    total = sum(v.numel() * v.element_size() for v in state.values())
    first, second, acc = {}, {}, 0
    for k, v in state.items():
        (first if acc < total / 2 else second)[k] = v
        acc += v.numel() * v.element_size()
    return {'googlenet-1.pt': save_atomic(first, out / 'googlenet-1.pt'),
            'googlenet-2.pt': save_atomic(second, out / 'googlenet-2.pt')}


def update_result(out: Path, model_name: str, entry: dict) -> None:
    """Read-modify-write result.json under an flock (the lock file lives in /tmp, not in $OUT)."""
    path = out / 'result.json'
    lock = Path('/tmp') / f'crossbar-result-{hashlib.sha1(str(path.resolve()).encode()).hexdigest()[:12]}.lock'
    with open(lock, 'w') as lf:
        fcntl.flock(lf, fcntl.LOCK_EX)
        data = json.loads(path.read_text()) if path.exists() else {}
        data.setdefault('format', 'crossbar-lab-training-result')
        data.setdefault('models', {})[model_name] = entry
        data['updatedAt'] = time.strftime('%Y-%m-%dT%H:%M:%SZ', time.gmtime())
        tmp = path.with_name('.result.json.tmp')
        tmp.write_text(json.dumps(data, indent=1) + '\n')
        os.replace(tmp, path)


def tool_versions() -> dict[str, str]:
    v = {'python': platform.python_version(), 'torch': torch.__version__, 'numpy': np.__version__}
    if torch.cuda.is_available():
        v['cuda'] = str(torch.version.cuda)
        v['cudnn'] = str(torch.backends.cudnn.version())
    return v


def recipe_text(a, epochs: float, budget: float) -> str:
    return (
        f'SGD momentum {MOMENTUM} Nesterov, weight decay {WEIGHT_DECAY:g} on all parameters, batch {a.batch}, '
        f'peak LR {a.lr:g}: linear warm-up over the first {WARMUP_FRACTION:.0%} of a fixed wall-clock budget of '
        f'{budget:.0f} s, then linear decay to 0 at the end of the budget; {epochs:.2f} epochs done '
        f'({"smoke test" if a.smoke else "all 50,000 training images"}). Cross-entropy with label smoothing '
        f'{LABEL_SMOOTHING}, bf16 autocast, channels_last. Augmentation (train only, as the paper): zero-pad 4, '
        f'random 32x32 crop, random horizontal flip; normalisation x = (pixel/255 - 0.5)/0.5. Seed {a.seed}. '
        'A faster schedule than the paper\'s (Lammie et al. 2022 companion code: 256 epochs, SGD lr 0.1 '
        'momentum 0.9, no weight decay, LR /10 at epochs 100, 200, 250, batch 128, fp16 AMP).'
    )


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument('--model', choices=sorted(models.MODELS), required=True)
    ap.add_argument('--data', type=Path, required=True, help='folder with the decoded .bin batches')
    ap.add_argument('--out', type=Path, required=True)
    ap.add_argument('--budget-s', type=float, required=True, help='wall-clock training budget')
    ap.add_argument('--deadline', type=float, default=None,
                    help='unix time by which the training loop must end (caps the budget)')
    ap.add_argument('--batch', type=int, default=512)
    ap.add_argument('--lr', type=float, required=True, help='peak learning rate')
    ap.add_argument('--seed', type=int, default=1)
    ap.add_argument('--device', default='cuda')
    ap.add_argument('--eval-batch', type=int, default=1000)
    ap.add_argument('--eval-every-s', type=float, default=60.0, help='bf16 test accuracy in the log')
    ap.add_argument('--ckpt-every-s', type=float, default=60.0)
    ap.add_argument('--smoke', action='store_true', help='tiny CPU run of the same code paths')
    ap.add_argument('--n-train', type=int, default=None)
    ap.add_argument('--n-test', type=int, default=None)
    ap.add_argument('--width', type=float, default=1.0)
    ap.add_argument('--threads', type=int, default=0)
    ap.add_argument('--no-amp', action='store_true')
    a = ap.parse_args()
    if not a.smoke and (a.width != 1.0 or a.n_train is not None or a.n_test is not None):
        raise SystemExit('--width/--n-train/--n-test are only allowed with --smoke')

    t_process = time.time()
    a.out.mkdir(parents=True, exist_ok=True)
    log = Logger(a.out / f'train-{a.model}.log', a.model)
    # Seed everything (paper: seed 1 for python, numpy and torch). Wall-clock budgets make the step count,
    # and so the exact weights, depend on the machine's speed; the seed fixes init, order and augmentation.
    random.seed(a.seed)
    np.random.seed(a.seed)
    torch.manual_seed(a.seed)
    if a.threads:
        torch.set_num_threads(a.threads)
    dev = torch.device(a.device)
    if dev.type == 'cuda':
        torch.cuda.manual_seed_all(a.seed)
        torch.backends.cudnn.benchmark = True
    # Float32 evaluation must be true float32: TF32 off (training itself runs under bf16 autocast).
    log(f'tf32: {disable_tf32()}')
    amp = not a.no_amp
    device_name = torch.cuda.get_device_name(dev) if dev.type == 'cuda' else platform.processor() or 'cpu'
    log(f'start: torch {torch.__version__}, device {device_name}, args {vars(a)}')

    x_train, y_train, x_test, y_test = load_cifar(a.data, a.n_train, a.n_test, partial=a.smoke)
    log(f'data: train {x_train.shape}, test {x_test.shape}, label counts {np.bincount(y_train).tolist()}')
    xtr = torch.from_numpy(x_train).to(dev)
    ytr = torch.from_numpy(y_train).to(dev)
    xte = torch.from_numpy(x_test).to(dev)
    yte = torch.from_numpy(y_test).to(dev)

    model = models.build(a.model, width=a.width)
    n_params = models.count_params(model)
    if a.width == 1.0:
        assert n_params == models.EXPECTED_PARAMS[a.model], n_params
    model = model.to(dev).to(memory_format=torch.channels_last)
    opt = torch.optim.SGD(model.parameters(), lr=0.0, momentum=MOMENTUM, nesterov=True,
                          weight_decay=WEIGHT_DECAY)
    gen = torch.Generator(device=dev)
    gen.manual_seed(a.seed)

    n = xtr.shape[0]
    steps_per_epoch = n // a.batch  # drop the last partial batch: fixed shapes for cudnn.benchmark
    if steps_per_epoch < 1:
        raise SystemExit(f'batch {a.batch} larger than the training set {n}')
    t_start = time.time()
    budget = a.budget_s
    if a.deadline is not None:
        budget = min(budget, a.deadline - t_start)
    if budget <= 0:
        raise SystemExit(f'no time left for training (budget {budget:.1f} s)')
    log(f'model {a.model}: {n_params:,} parameters; budget {budget:.1f} s, batch {a.batch}, peak lr {a.lr}, '
        f'{steps_per_epoch} steps/epoch, amp {amp}')

    base = {'model': a.model, 'parameters': n_params, 'batchSize': a.batch, 'peakLr': a.lr, 'seed': a.seed,
            'budgetSeconds': round(budget, 1), 'device': device_name, 'tools': tool_versions(),
            'smoke': a.smoke, 'width': a.width, 'momentum': MOMENTUM, 'nesterov': True,
            'weightDecay': WEIGHT_DECAY, 'labelSmoothing': LABEL_SMOOTHING, 'warmupFraction': WARMUP_FRACTION}
    update_result(a.out, a.model, {**base, 'status': 'running'})

    history: list[dict] = []
    lr_scale = 1.0  # halved if the loss diverges (guard for a run that cannot be repeated)
    step = 0
    epoch = 0
    last_ckpt = last_eval = t_start
    snapshot = None
    done = False
    model.train()
    while not done:
        if snapshot is None or epoch % 5 == 0:
            snapshot = (copy.deepcopy(model.state_dict()), copy.deepcopy(opt.state_dict()), step)
        t_ep = time.time()
        xa = augment(xtr, gen)
        perm = torch.randperm(n, generator=gen, device=dev)
        loss_sum = torch.zeros((), device=dev)
        correct = torch.zeros((), dtype=torch.int64, device=dev)
        seen = 0
        for i in range(steps_per_epoch):
            frac = (time.time() - t_start) / budget
            if frac >= 1.0:
                done = True
                break
            lr = lr_at(frac, a.lr) * lr_scale
            for g in opt.param_groups:
                g['lr'] = lr
            idx = perm[i * a.batch : (i + 1) * a.batch]
            xb = normalise(xa[idx])
            yb = ytr[idx]
            with torch.autocast(device_type=dev.type, dtype=torch.bfloat16, enabled=amp):
                out = model(xb)
                loss = F.cross_entropy(out.float(), yb, label_smoothing=LABEL_SMOOTHING)
            opt.zero_grad(set_to_none=True)
            loss.backward()
            opt.step()
            loss_sum += loss.detach()
            correct += (out.argmax(1) == yb).sum()
            seen += yb.shape[0]
            step += 1
        if seen == 0:
            break
        if time.time() - t_start >= budget:
            done = True  # no evaluation, checkpoint or augmentation after the budget
        mean_loss = loss_sum.item() / (seen / a.batch)
        now = time.time()
        if not math.isfinite(mean_loss):
            lr_scale *= 0.5
            model.load_state_dict(snapshot[0])
            opt.load_state_dict(snapshot[1])
            step = snapshot[2]
            log(f'epoch {epoch + 1}: loss not finite; restored the snapshot of step {step}, lr scale {lr_scale}')
            continue
        epoch += 1
        epochs_done = step / steps_per_epoch
        line = (f'epoch {epochs_done:6.2f} step {step:6d} loss {mean_loss:.4f} train-acc {correct.item() / seen:.4f} '
                f'lr {lr:.4f} {seen / (now - t_ep):8.0f} img/s elapsed {now - t_start:7.1f}s')
        if now - last_eval >= a.eval_every_s and not done:
            acc = evaluate(model, xte, yte, a.eval_batch, amp_dtype=torch.bfloat16 if amp else None)
            history.append({'epoch': round(epochs_done, 3), 'elapsed': round(now - t_start, 1), 'top1Bf16': acc})
            line += f' test-acc(bf16) {acc:.4f}'
            last_eval = time.time()
        log(line)
        if now - last_ckpt >= a.ckpt_every_s and not done:
            files = save_weights(a.model, cpu_state(model), a.out)
            log(f'checkpoint: {", ".join(files)} at epoch {epochs_done:.2f}')
            update_result(a.out, a.model, {**base, 'status': 'partial', 'epochs': round(epochs_done, 3),
                                          'steps': step, 'wallSeconds': round(time.time() - t_start, 1),
                                          'history': history, 'files': files})
            last_ckpt = time.time()
    if dev.type == 'cuda':
        torch.cuda.synchronize()
    wall = time.time() - t_start
    epochs_done = step / steps_per_epoch
    log(f'training done: {step} steps = {epochs_done:.2f} epochs in {wall:.1f} s')

    files = save_weights(a.model, cpu_state(model), a.out)
    top1_32 = evaluate(model, xte, yte, a.eval_batch, amp_dtype=None)
    top1_16 = evaluate(fp16_rounded(model), xte, yte, a.eval_batch, amp_dtype=None)
    log(f'test top-1 float32 {top1_32:.4f}, float16-rounded weights {top1_16:.4f} '
        f'(delta {100 * (top1_16 - top1_32):+.2f} points) on {xte.shape[0]} images')
    update_result(a.out, a.model, {
        **base, 'status': 'done', 'top1Float32': top1_32, 'top1Float16': top1_16, 'testImages': xte.shape[0],
        'epochs': round(epochs_done, 3), 'steps': step, 'wallSeconds': round(wall, 1),
        'processSeconds': round(time.time() - t_process, 1), 'history': history, 'files': files,
        'recipe': recipe_text(a, epochs_done, budget)})
    log(f'wrote {", ".join(files)} and result.json; process time {time.time() - t_process:.1f} s')


if __name__ == '__main__':
    main()
