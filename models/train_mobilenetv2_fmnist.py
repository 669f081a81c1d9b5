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
import time

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


def main():
    args = common.parse_args(__doc__.splitlines()[0])
    common.seed_everything(SEED)
    t_start = time.time()
    train_u8, y_train = common.load_fashion_mnist("train")
    test_u8, y_test = common.load_fashion_mnist("t10k")
    x_train, x_test = common.to_input(train_u8), common.to_input(test_u8)
    print(f"Fashion-MNIST: {len(y_train)} train / {len(y_test)} t10k test", flush=True)

    model = MobileNetV2FMNIST()
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
        onnx_path, expect_ops=("Conv", "BatchNormalization", "Clip", "Add", "GlobalAveragePool", "Gemm"))
    nodes = onnx_model.graph.node
    n_dw = 0
    for n in nodes:
        if n.op_type == "Conv":
            group = next((a.i for a in n.attribute if a.name == "group"), 1)
            n_dw += group > 1
    assert n_dw == len(MobileNetV2FMNIST.CONFIG), n_dw
    assert sum(n.op_type == "Relu" for n in nodes) == 0, "ReLU6 must export as Clip"
    d_onnx, d_rerun = common.check_onnx_matches_torch(model, onnx_model, x_test, logits)
    ref_path = common.save_reference(NAME, logits)

    print(f"ops: {' '.join(ops)}; {sum(n.op_type == 'Conv' for n in nodes)} Conv ({n_dw} depthwise), "
          f"{sum(n.op_type == 'BatchNormalization' for n in nodes)} BatchNormalization, "
          f"{sum(n.op_type == 'Add' for n in nodes)} Add")
    print(f"ONNX graph vs torch max |diff| {d_onnx:.2e}, torch re-run max |diff| {d_rerun:.2e}")
    print(f"parameters: {common.count_params(model)}")
    print(f"wrote {onnx_path} ({os.path.getsize(onnx_path)} bytes), {ref_path}")
    print(f"{NAME}: t10k accuracy {acc * 100:.2f}% ({int(round(acc * len(y_test)))}/{len(y_test)}), "
          f"total {time.time() - t_start:.0f} s")


if __name__ == "__main__":
    main()
