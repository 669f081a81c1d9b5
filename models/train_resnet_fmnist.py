#!/usr/bin/python3
"""Train a small ResNet-style network on Fashion-MNIST and export models/resnet_fmnist.onnx.

Regenerate with:  /usr/bin/python3 models/train_resnet_fmnist.py
(needs /usr/share/datasets/fashion-mnist: apt-get install dataset-fashion-mnist)

Writes (next to this script):
  resnet_fmnist.onnx                  input `input` f32 [N,1,28,28] (u8/255), output `logits` f32 [N,10]
  reference/resnet_fmnist_logits.npy  FP32 logits on the 10,000 t10k images, in file order
"""

import os
import sys

import torch
import torch.nn as nn

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import common  # noqa: E402

NAME = "resnet_fmnist"
SEED = 20240502
FMNIST_MEAN, FMNIST_STD = 0.2860, 0.3530
EPOCHS = 6


def conv_bn(cin, cout, k, stride):
    return nn.Sequential(nn.Conv2d(cin, cout, k, stride, k // 2, bias=False), nn.BatchNorm2d(cout))


class BasicBlock(nn.Module):
    """conv3x3-BN-ReLU-conv3x3-BN, plus identity or 1x1-conv-BN projection shortcut, then ReLU."""

    def __init__(self, cin, cout, stride):
        super().__init__()
        self.conv1 = conv_bn(cin, cout, 3, stride)
        self.relu1 = nn.ReLU()
        self.conv2 = conv_bn(cout, cout, 3, 1)
        self.shortcut = conv_bn(cin, cout, 1, stride) if (stride != 1 or cin != cout) else nn.Identity()
        self.relu2 = nn.ReLU()

    def forward(self, x):
        y = self.conv2(self.relu1(self.conv1(x)))
        return self.relu2(y + self.shortcut(x))


class ResNetFMNIST(nn.Module):
    """stem 3x3/16 -> block(16,s1) -> block(32,s2,proj) -> block(64,s2,proj) -> GAP -> fc10.

    28x28 -> 28x28 -> 14x14 -> 7x7; 9 convolutions (7 3x3, 2 1x1 projections), each followed by BN.
    """

    def __init__(self, widths=(16, 32, 64), num_classes=10):
        super().__init__()
        self.normalize = common.Normalize(FMNIST_MEAN, FMNIST_STD)
        self.stem = nn.Sequential(conv_bn(1, widths[0], 3, 1), nn.ReLU())
        self.layer1 = BasicBlock(widths[0], widths[0], 1)
        self.layer2 = BasicBlock(widths[0], widths[1], 2)
        self.layer3 = BasicBlock(widths[1], widths[2], 2)
        self.pool = nn.AdaptiveAvgPool2d(1)
        self.fc = nn.Linear(widths[2], num_classes)

    def forward(self, x):
        x = self.stem(self.normalize(x))
        x = self.layer3(self.layer2(self.layer1(x)))
        return self.fc(torch.flatten(self.pool(x), 1))


def check_graph(nodes):
    n_conv = sum(n.op_type == "Conv" for n in nodes)
    n_bn = sum(n.op_type == "BatchNormalization" for n in nodes)
    assert n_conv >= 8 and n_bn == n_conv, (n_conv, n_bn)
    return f"{n_conv} Conv, {n_bn} BatchNormalization"


def main():
    common.run_fmnist(__doc__.splitlines()[0], NAME, SEED, ResNetFMNIST, EPOCHS,
                      ("Conv", "BatchNormalization", "Add", "Relu", "GlobalAveragePool", "Gemm"),
                      check_graph)


if __name__ == "__main__":
    main()
