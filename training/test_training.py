"""Self-checks of the offline training pipeline (CPU, ~1 min): /usr/bin/python3 -m unittest training/test_training.py

Needs CIFAR-10 at $CIFAR10_DIR (default ../shared/cifar10 from the repo root) and fails if it is missing.
"""

from __future__ import annotations

import gzip
import hashlib
import os
import sys
import tempfile
import unittest
from pathlib import Path

import numpy as np
import torch

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))
import cifar_codec  # noqa: E402
import export  # noqa: E402
import models  # noqa: E402
import train  # noqa: E402

CIFAR = Path(os.environ.get('CIFAR10_DIR', str(HERE.parent.parent / 'shared' / 'cifar10')))


def need_cifar() -> None:
    if not (CIFAR / 'test_batch.bin.gz').exists():
        raise AssertionError(f'CIFAR-10 not found at {CIFAR} (set CIFAR10_DIR)')


class ModelTests(unittest.TestCase):
    def test_parameter_counts_match_the_paper_companion_code(self) -> None:
        # closed-form totals from docs/reference/paper-companion-code.md §1-2
        self.assertEqual(models.count_params(models.build('vgg8')), 1_347_610)
        self.assertEqual(models.count_params(models.build('googlenet')), 6_166_250)

    def test_output_shapes(self) -> None:
        for name in models.MODELS:
            with torch.no_grad():
                self.assertEqual(tuple(models.build(name).eval()(torch.zeros(2, 3, 32, 32)).shape), (2, 10))


class CodecTests(unittest.TestCase):
    def test_round_trip_is_exact_on_real_and_adversarial_records(self) -> None:
        need_cifar()
        raw = gzip.open(CIFAR / 'test_batch.bin.gz', 'rb').read(300 * 3073)
        rng = np.random.default_rng(1)
        noise = rng.integers(0, 256, 200 * 3073, dtype=np.uint8).tobytes()  # worst case for the predictor
        edges = np.tile(np.array([0, 255], np.uint8), 100 * 3073 // 2 + 1)[: 100 * 3073].tobytes()
        for data in (raw, noise, edges):
            self.assertEqual(cifar_codec.decode_batch(cifar_codec.encode_batch(data, preset=1)), data)


class AugmentTests(unittest.TestCase):
    def test_crop_and_flip_equal_a_window_of_the_zero_padded_image(self) -> None:
        g = torch.Generator().manual_seed(3)
        x = torch.randint(0, 256, (64, 3, 32, 32), dtype=torch.uint8)
        y = train.augment(x, g, chunk=20)
        padded = torch.nn.functional.pad(x, (4, 4, 4, 4))
        for i in range(64):
            hits = [(oy, ox, f) for oy in range(9) for ox in range(9) for f in (0, 1)
                    if torch.equal(y[i], padded[i, :, oy:oy + 32, ox:ox + 32].flip(2) if f
                                   else padded[i, :, oy:oy + 32, ox:ox + 32])]
            self.assertTrue(hits, f'image {i} is not a (flipped) crop')

    def test_normalisation_maps_0_and_255_to_minus_one_and_one(self) -> None:
        x = torch.tensor([0, 255], dtype=torch.uint8).reshape(1, 2, 1, 1).expand(1, 2, 1, 1)
        self.assertEqual(train.normalise(x).flatten().tolist(), [-1.0, 1.0])

    def test_lr_schedule_warms_up_then_decays_to_zero(self) -> None:
        self.assertEqual(train.lr_at(0.0, 0.4), 0.0)
        self.assertAlmostEqual(train.lr_at(train.WARMUP_FRACTION, 0.4), 0.4)
        self.assertAlmostEqual(train.lr_at(1.0, 0.4), 0.0)
        self.assertAlmostEqual(train.lr_at((1 + train.WARMUP_FRACTION) / 2, 0.4), 0.2)


class ExportTests(unittest.TestCase):
    def test_fc1_row_permutation_matches_the_contract(self) -> None:
        w = torch.randn(384, 2304)
        k = export.fc1_to_tf(w)
        rng = np.random.default_rng(2)
        for _ in range(200):
            o, c, h, x = int(rng.integers(384)), int(rng.integers(144)), int(rng.integers(4)), int(rng.integers(4))
            self.assertEqual(k[h * 4 * 144 + x * 144 + c, o].item(), w[o, c * 16 + h * 4 + x].item())
        self.assertTrue(torch.equal(export.fc1_from_tf(k), w))

    def test_vgg8_export_round_trip_and_golden(self) -> None:
        need_cifar()
        with tempfile.TemporaryDirectory() as d:
            out = Path(d)
            state = export.random_state('vgg8', 5, CIFAR)
            mj = export.write_model('vgg8', state, export.trainer_block('vgg8', None, 5), out)
            gj = export.golden('vgg8', mj, out / 'golden', CIFAR)
            report = export.self_check('vgg8', mj, gj, CIFAR, state)
            self.assertLess(report['maxDiffNhwc'], 1e-9 * max(1.0, report['maxAbsLogit']))
            # a corrupted shard must be rejected by its hash
            shard = out / 'vgg8' / 'weights-1.bin'
            b = bytearray(shard.read_bytes())
            b[100] ^= 1
            shard.write_bytes(bytes(b))
            with self.assertRaises(ValueError):
                export.read_model(mj)

    def test_partition_of_googlenet_checkpoint_fits_16_mib(self) -> None:
        state = train.cpu_state(models.build('googlenet'))
        with tempfile.TemporaryDirectory() as d:
            files = train.save_weights('googlenet', state, Path(d))
            for f, digest in files.items():
                self.assertLessEqual((Path(d) / f).stat().st_size, 16 * 2**20)
                self.assertEqual(hashlib.sha256((Path(d) / f).read_bytes()).hexdigest(), digest)
            back = export.load_state('googlenet', Path(d))
            self.assertEqual(set(back), set(state))


if __name__ == '__main__':
    unittest.main()
