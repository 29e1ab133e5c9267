"""VGG-8 and the CIFAR GoogLeNet exactly as in docs/reference/paper-companion-code.md §1-2.

Module names mirror the weight-format names of notes/weights-contract.md ('a3.b2.conv1' <-> 'a3/b2/conv1'),
so the exporter maps them one to one. `width` < 1 shrinks channels; it exists only for the CPU smoke
test of the training pipeline (train.py refuses it outside --smoke; export.py refuses it always).
"""

from __future__ import annotations

import torch
from torch import nn
import torch.nn.functional as F

VGG8_PARAMS = 1_347_610
GOOGLENET_PARAMS = 6_166_250


def _w(c: int, width: float) -> int:
    return max(1, int(round(c * width)))


class VGG8(nn.Module):
    """conv->ReLU->conv->BN->ReLU->maxpool x3 (48, 96, 144 channels), fc 2304->384->10 (§1)."""

    def __init__(self, width: float = 1.0, num_classes: int = 10) -> None:
        super().__init__()
        c1, c2, c3 = _w(48, width), _w(96, width), _w(144, width)
        fc = _w(384, width)
        self.conv1 = nn.Conv2d(3, c1, 3, padding=1)
        self.conv2 = nn.Conv2d(c1, c1, 3, padding=1)
        self.bn2 = nn.BatchNorm2d(c1)
        self.conv3 = nn.Conv2d(c1, c2, 3, padding=1)
        self.conv4 = nn.Conv2d(c2, c2, 3, padding=1)
        self.bn4 = nn.BatchNorm2d(c2)
        self.conv5 = nn.Conv2d(c2, c3, 3, padding=1)
        self.conv6 = nn.Conv2d(c3, c3, 3, padding=1)
        self.bn6 = nn.BatchNorm2d(c3)
        self.fc1 = nn.Linear(c3 * 16, fc)
        self.fc2 = nn.Linear(fc, num_classes)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        x = F.relu(self.conv1(x))
        x = F.max_pool2d(F.relu(self.bn2(self.conv2(x))), 2, 2)
        x = F.relu(self.conv3(x))
        x = F.max_pool2d(F.relu(self.bn4(self.conv4(x))), 2, 2)
        x = F.relu(self.conv5(x))
        x = F.max_pool2d(F.relu(self.bn6(self.conv6(x))), 2, 2)
        x = torch.flatten(x, 1)  # NCHW flatten (c*16 + h*4 + w); export.py permutes fc1 for NHWC
        x = F.relu(self.fc1(x))
        return self.fc2(x)


class _Branch(nn.Module):
    """A plain container, so that parameter names read 'a3.b2.conv1.weight' like the weight names."""


class Inception(nn.Module):
    """Inception(in, n1x1, n3x3red, n3x3, n5x5red, n5x5, pool_proj) of §2; every conv has bias and BN+ReLU."""

    def __init__(self, cin: int, n1: int, n3r: int, n3: int, n5r: int, n5: int, pp: int) -> None:
        super().__init__()
        self.b1 = _Branch()
        self.b1.conv = nn.Conv2d(cin, n1, 1)
        self.b1.bn = nn.BatchNorm2d(n1)
        self.b2 = _Branch()
        self.b2.conv1 = nn.Conv2d(cin, n3r, 1)
        self.b2.bn1 = nn.BatchNorm2d(n3r)
        self.b2.conv2 = nn.Conv2d(n3r, n3, 3, padding=1)
        self.b2.bn2 = nn.BatchNorm2d(n3)
        self.b3 = _Branch()  # the '5x5' branch: two stacked 3x3 convs
        self.b3.conv1 = nn.Conv2d(cin, n5r, 1)
        self.b3.bn1 = nn.BatchNorm2d(n5r)
        self.b3.conv2 = nn.Conv2d(n5r, n5, 3, padding=1)
        self.b3.bn2 = nn.BatchNorm2d(n5)
        self.b3.conv3 = nn.Conv2d(n5, n5, 3, padding=1)
        self.b3.bn3 = nn.BatchNorm2d(n5)
        self.b4 = _Branch()  # maxpool 3x3 stride 1 pad 1, then 1x1 conv
        self.b4.conv = nn.Conv2d(cin, pp, 1)
        self.b4.bn = nn.BatchNorm2d(pp)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        b1, b2, b3, b4 = self.b1, self.b2, self.b3, self.b4
        y1 = F.relu(b1.bn(b1.conv(x)))
        y2 = F.relu(b2.bn1(b2.conv1(x)))
        y2 = F.relu(b2.bn2(b2.conv2(y2)))
        y3 = F.relu(b3.bn1(b3.conv1(x)))
        y3 = F.relu(b3.bn2(b3.conv2(y3)))
        y3 = F.relu(b3.bn3(b3.conv3(y3)))
        y4 = F.relu(b4.bn(b4.conv(F.max_pool2d(x, 3, 1, 1))))
        return torch.cat([y1, y2, y3, y4], 1)


# (name, in, n1x1, n3x3red, n3x3, n5x5red, n5x5, pool_proj) from the §2 table
GOOGLENET_BLOCKS = [
    ('a3', 192, 64, 96, 128, 16, 32, 32),
    ('b3', 256, 128, 128, 192, 32, 96, 64),
    ('a4', 480, 192, 96, 208, 16, 48, 64),
    ('b4', 512, 160, 112, 224, 24, 64, 64),
    ('c4', 512, 128, 128, 256, 24, 64, 64),
    ('d4', 512, 112, 144, 288, 32, 64, 64),
    ('e4', 528, 256, 160, 320, 32, 128, 128),
    ('a5', 832, 256, 160, 320, 32, 128, 128),
    ('b5', 832, 384, 192, 384, 48, 128, 128),
]
BLOCK_NAMES = [b[0] for b in GOOGLENET_BLOCKS]


class GoogLeNet(nn.Module):
    """pytorch-cifar GoogLeNet of §2: stem 3->192, a3 b3 | pool | a4..e4 | pool | a5 b5, avgpool 8, linear."""

    def __init__(self, width: float = 1.0, num_classes: int = 10) -> None:
        super().__init__()
        self.pre = _Branch()
        self.pre.conv = nn.Conv2d(3, _w(192, width), 3, padding=1)
        self.pre.bn = nn.BatchNorm2d(_w(192, width))
        out = 0
        for name, cin, *ch in GOOGLENET_BLOCKS:
            c = [_w(v, width) for v in ch]
            cin_w = _w(192, width) if name == 'a3' else out
            setattr(self, name, Inception(cin_w, *c))
            out = c[0] + c[2] + c[4] + c[5]
        self.linear = nn.Linear(out, num_classes)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        x = F.relu(self.pre.bn(self.pre.conv(x)))
        x = self.b3(self.a3(x))
        x = F.max_pool2d(x, 3, 2, 1)  # symmetric -inf padding: 32 -> 16
        for name in ('a4', 'b4', 'c4', 'd4', 'e4'):
            x = getattr(self, name)(x)
        x = F.max_pool2d(x, 3, 2, 1)  # 16 -> 8
        x = self.b5(self.a5(x))
        x = F.avg_pool2d(x, 8, 1)
        return self.linear(torch.flatten(x, 1))


MODELS = {'vgg8': VGG8, 'googlenet': GoogLeNet}
EXPECTED_PARAMS = {'vgg8': VGG8_PARAMS, 'googlenet': GOOGLENET_PARAMS}


def build(name: str, width: float = 1.0) -> nn.Module:
    return MODELS[name](width=width)


def count_params(model: nn.Module) -> int:
    return sum(p.numel() for p in model.parameters())


def self_check() -> None:
    for name, expected in EXPECTED_PARAMS.items():
        n = count_params(build(name))
        assert n == expected, f'{name}: {n} parameters, expected {expected}'


if __name__ == '__main__':
    self_check()
    for name in MODELS:
        print(name, count_params(build(name)))
