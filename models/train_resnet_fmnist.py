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
import time

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


def main():
    args = common.parse_args(__doc__.splitlines()[0])
    common.seed_everything(SEED)
    t_start = time.time()
    train_u8, y_train = common.load_fashion_mnist("train")
    test_u8, y_test = common.load_fashion_mnist("t10k")
    x_train, x_test = common.to_input(train_u8), common.to_input(test_u8)
    print(f"Fashion-MNIST: {len(y_train)} train / {len(y_test)} t10k test", flush=True)

    model = ResNetFMNIST()
    if args.state_in:
        common.load_state(model, args.state_in)
    else:
        common.train(model, x_train, y_train, epochs=EPOCHS, batch_size=128, lr=4e-3,
                     weight_decay=5e-4, seed=SEED,
                     augment=common.random_hflip,
                     x_val=x_test, y_val=y_test, device=args.device)
    if args.state_out:
        common.save_state(model, args.state_out)
    if args.train_only:
        return

    logits = common.predict_logits(model, x_test).numpy()
    acc = common.accuracy(torch.from_numpy(logits), y_test)

    onnx_path = os.path.join(common.MODELS_DIR, f"{NAME}.onnx")
    common.export_onnx(model, onnx_path)
    onnx_model, ops = common.check_onnx(
        onnx_path, expect_ops=("Conv", "BatchNormalization", "Add", "Relu", "GlobalAveragePool", "Gemm"))
    n_conv = sum(n.op_type == "Conv" for n in onnx_model.graph.node)
    n_bn = sum(n.op_type == "BatchNormalization" for n in onnx_model.graph.node)
    assert n_conv >= 8 and n_bn == n_conv, (n_conv, n_bn)
    d_onnx, d_rerun = common.check_onnx_matches_torch(model, onnx_model, x_test, logits)
    ref_path = common.save_reference(NAME, logits)

    print(f"ops: {' '.join(ops)}; {n_conv} Conv, {n_bn} BatchNormalization")
    print(f"ONNX graph vs torch max |diff| {d_onnx:.2e}, torch re-run max |diff| {d_rerun:.2e}")
    print(f"parameters: {common.count_params(model)}")
    print(f"wrote {onnx_path} ({os.path.getsize(onnx_path)} bytes), {ref_path}")
    print(f"{NAME}: t10k accuracy {acc * 100:.2f}% ({int(round(acc * len(y_test)))}/{len(y_test)}), "
          f"total {time.time() - t_start:.0f} s")


if __name__ == "__main__":
    main()
