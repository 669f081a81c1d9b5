#!/usr/bin/python3
"""Train a small MobileNetV2-style network on Fashion-MNIST and export models/mobilenetv2_fmnist.onnx.

Regenerate with:  /usr/bin/python3 models/train_mobilenetv2_fmnist.py
(needs /usr/share/datasets/fashion-mnist: apt-get install dataset-fashion-mnist)

Writes (next to this script):
  mobilenetv2_fmnist.onnx                  input `input` f32 [N,1,28,28] (u8/255), output `logits` f32 [N,10]
  reference/mobilenetv2_fmnist_logits.npy  FP32 logits on the 10,000 t10k images, in file order
"""

import os
import sys

import torch
import torch.nn as nn

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import common  # noqa: E402

NAME = "mobilenetv2_fmnist"
SEED = 20240503
FMNIST_MEAN, FMNIST_STD = 0.2860, 0.3530
EPOCHS = 4


def conv_bn(cin, cout, k, stride, groups=1, act=True):
    layers = [nn.Conv2d(cin, cout, k, stride, k // 2, groups=groups, bias=False), nn.BatchNorm2d(cout)]
    if act:
        layers.append(nn.ReLU6())  # exports as Clip(min=0, max=6)
    return nn.Sequential(*layers)


class InvertedResidual(nn.Module):
    """1x1 expand (BN, ReLU6) -> 3x3 depthwise (groups=channels, BN, ReLU6) -> 1x1 linear projection (BN).

    Residual add when stride is 1 and input and output channels match.
    """

    def __init__(self, cin, cout, stride, expand):
        super().__init__()
        hidden = cin * expand
        self.use_residual = stride == 1 and cin == cout
        self.block = nn.Sequential(
            conv_bn(cin, hidden, 1, 1),
            conv_bn(hidden, hidden, 3, stride, groups=hidden),
            conv_bn(hidden, cout, 1, 1, act=False),
        )

    def forward(self, x):
        y = self.block(x)
        return x + y if self.use_residual else y


class MobileNetV2FMNIST(nn.Module):
    """stem 3x3/16 -> IR blocks (t, c, s): (4,16,1)+res, (4,24,2), (4,24,1)+res, (4,32,2),
    (4,32,1)+res, (4,64,1) -> 1x1/128 -> GAP -> fc10.  Spatial 28 -> 14 -> 7."""

    CONFIG = ((4, 16, 1), (4, 24, 2), (4, 24, 1), (4, 32, 2), (4, 32, 1), (4, 64, 1))

    def __init__(self, stem=16, last=128, num_classes=10):
        super().__init__()
        self.normalize = common.Normalize(FMNIST_MEAN, FMNIST_STD)
        self.stem = conv_bn(1, stem, 3, 1)
        blocks, cin = [], stem
        for t, c, s in self.CONFIG:
            blocks.append(InvertedResidual(cin, c, s, t))
            cin = c
        self.blocks = nn.Sequential(*blocks)
        self.head = conv_bn(cin, last, 1, 1)
        self.pool = nn.AdaptiveAvgPool2d(1)
        self.fc = nn.Linear(last, num_classes)

    def forward(self, x):
        x = self.head(self.blocks(self.stem(self.normalize(x))))
        return self.fc(torch.flatten(self.pool(x), 1))


def check_graph(nodes):
    n_dw = 0
    for n in nodes:
        if n.op_type == "Conv":
            group = next((a.i for a in n.attribute if a.name == "group"), 1)
            n_dw += group > 1
    assert n_dw == len(MobileNetV2FMNIST.CONFIG), n_dw
    assert sum(n.op_type == "Relu" for n in nodes) == 0, "ReLU6 must export as Clip"
    return (f"{sum(n.op_type == 'Conv' for n in nodes)} Conv ({n_dw} depthwise), "
            f"{sum(n.op_type == 'BatchNormalization' for n in nodes)} BatchNormalization, "
            f"{sum(n.op_type == 'Add' for n in nodes)} Add")


def main():
    common.run_fmnist(__doc__.splitlines()[0], NAME, SEED, MobileNetV2FMNIST, EPOCHS,
                      ("Conv", "BatchNormalization", "Clip", "Add", "GlobalAveragePool", "Gemm"),
                      check_graph)


if __name__ == "__main__":
    main()
