"""Backends from Python: the registry, set_tensor_address/enqueue on arrays (numpy, DLPack, an
int address) and what they refuse: device arrays for a host engine, wrong shapes or dtypes,
strided arrays, a stream for a host engine. (The same calls on a GPU, with PyTorch and CuPy
tensors, are tests/python_gpu/.)"""

import numpy as np
import pytest

import int8rt
from conftest import lenet_config, lenet_network


@pytest.fixture(scope="module")
def engine():
    builder = int8rt.Builder()
    return builder.build(lenet_network(builder), lenet_config(builder, 4))


def test_registry_names_the_backends():
    names = int8rt.backend_names()
    assert names[:2] == ["cpu", "reference"] and int8rt.DEFAULT_BACKEND == "cpu"
    cpu = int8rt.get_backend_info("cpu")
    assert cpu.available and cpu.location == int8rt.TensorLocation.HOST
    assert cpu.device.startswith("oneDNN ") and not cpu.fast_fp16
    with pytest.raises(int8rt.Error, match='backend "tpu" is not one this int8rt has'):
        int8rt.get_backend_info("tpu")
    if "cuda" in names:
        cuda = int8rt.get_backend_info("cuda")
        assert cuda.location == int8rt.TensorLocation.DEVICE
        assert cuda.available or cuda.reason
    assert int8rt.Builder().platform("cpu").name == "cpu"


def test_fp16_flag_is_accepted_on_the_cpu_and_changes_nothing():
    builder = int8rt.Builder()
    x = np.random.default_rng(3).random((4, 1, 28, 28), dtype=np.float32)
    plain = builder.build(lenet_network(builder), lenet_config(builder, 4))
    config = lenet_config(builder, 4)
    config.set_flag(int8rt.BuilderFlag.FP16)
    fp16 = builder.build(lenet_network(builder), config)
    np.testing.assert_array_equal(fp16.create_execution_context().execute([x])[0],
                                  plain.create_execution_context().execute([x])[0])


class DLPackOnly:
    """Exposes an array through DLPack alone (as a framework tensor would)."""

    def __init__(self, array):
        self.array = array

    def __dlpack__(self, stream=None):
        return self.array.__dlpack__()

    def __dlpack_device__(self):
        return self.array.__dlpack_device__()


def test_enqueue_on_bound_arrays_equals_execute(engine):
    assert engine.io_location == int8rt.TensorLocation.HOST
    assert engine.get_tensor_location("input") == int8rt.TensorLocation.HOST
    x = np.random.default_rng(4).random((4, 1, 28, 28), dtype=np.float32)
    expected = engine.create_execution_context().execute([x])[0]
    context = engine.create_execution_context()
    for wrap in (lambda a: a, DLPackOnly, lambda a: a.ctypes.data):
        y = np.zeros((4, 10), np.float32)
        context.set_tensor_address("input", wrap(x))
        context.set_tensor_address("logits", wrap(y))
        context.enqueue()
        context.synchronize()
        np.testing.assert_array_equal(y, expected)
        assert context.get_tensor_address("logits") == y.ctypes.data


class FakeDeviceArray:
    """A __cuda_array_interface__ over host memory: it claims to be device memory."""

    def __init__(self, array):
        self.array = array
        self.__cuda_array_interface__ = {"data": (array.ctypes.data, False), "shape": array.shape,
                                         "typestr": array.dtype.str, "strides": None,
                                         "version": 3}


def test_bad_arrays_are_refused_naming_the_tensor(engine):
    context = engine.create_execution_context()
    x = np.zeros((4, 1, 28, 28), np.float32)
    cases = [
        (FakeDeviceArray(x), "the array is in device memory, the engine's inputs and outputs are "
                             "in host memory"),
        (np.zeros((4, 28, 28), np.float32), r"has shape 4x28x28, expected 4x1x28x28"),
        (x.astype(np.float64), "is <f8, expected float32"),
        (np.zeros((4, 1, 28, 56), np.float32)[..., ::2], "not C-contiguous"),
        ("input", "got str"),
    ]
    for value, message in cases:
        with pytest.raises(int8rt.Error, match=message):
            context.set_tensor_address("input", value)
    with pytest.raises(int8rt.Error, match='no input or output "nope"'):
        context.set_tensor_address("nope", x)
    with pytest.raises(int8rt.Error, match='output "logits" has no address'):
        context.set_tensor_address("input", x)
        context.enqueue()
    context.set_tensor_address("logits", np.zeros((4, 10), np.float32))
    with pytest.raises(int8rt.Error, match="takes no stream"):
        context.enqueue(1234)
    with pytest.raises(int8rt.Error, match="the stream is a str"):
        context.enqueue("stream")


class DeviceBatchCalibrator(int8rt.IInt8EntropyCalibrator2):
    """Says its batches are in device memory (TensorRT's convention), handing addresses."""

    batch_location = int8rt.TensorLocation.DEVICE

    def __init__(self, images):
        super().__init__()
        self.images = images
        self.done = False

    def get_batch_size(self):
        return 4

    def get_batch(self, names):
        if self.done:
            return None
        self.done = True
        return [self.images.ctypes.data]


def test_a_device_memory_calibrator_needs_a_gpu_backend():
    builder = int8rt.Builder()
    images = np.zeros((4, 1, 28, 28), np.float32)
    config = lenet_config(builder, 4)
    config.set_flag(int8rt.BuilderFlag.INT8)
    config.int8_calibrator = DeviceBatchCalibrator(images)
    with pytest.raises(int8rt.Error, match="batches in device memory"):
        builder.build(lenet_network(builder), config)
