"""The Python package on a GPU, with PyTorch: device tensors bound without host copies (DLPack,
__cuda_array_interface__, raw addresses), enqueue on a torch stream, a calibrator handing device
batches, FP16 engines. Run by scripts/test-gpu --packed on a GPU machine whose Python has
PyTorch (it builds the package for that Python first); CI has no GPU and does not run it.

    PYTHONPATH=<built package> INT8RT_SOURCE_DIR=<checkout> python3 tests/python_gpu/test_cuda.py
"""

import os
import sys

import numpy as np
import torch

import int8rt

SOURCE_DIR = os.environ.get("INT8RT_SOURCE_DIR", os.path.join(os.path.dirname(__file__), "..", ".."))
LENET = os.path.join(SOURCE_DIR, "models", "lenet5_mnist.onnx")


def lenet(batch, int8=False, fp16=False, calibrator=None, backend="cuda"):
    builder = int8rt.Builder()
    network = builder.create_network()
    int8rt.OnnxParser(network).parse_from_file(LENET)
    config = builder.create_builder_config()
    config.backend = backend
    config.set_input_shape("input", (batch, 1, 28, 28))
    if int8:
        config.set_flag(int8rt.BuilderFlag.INT8)
        config.int8_calibrator = calibrator
    if fp16:
        config.set_flag(int8rt.BuilderFlag.FP16)
    return builder.build(network, config)


def images(batch, seed=0):
    return np.random.default_rng(seed).random((batch, 1, 28, 28), dtype=np.float32)


def test_backend_is_available():
    info = int8rt.get_backend_info("cuda")
    assert info.available, info.reason
    assert info.location == int8rt.TensorLocation.DEVICE
    assert int8rt.Builder().platform("cuda").fast_fp16


def test_torch_tensors_in_and_out_without_host_copies():
    engine = lenet(8)
    assert engine.io_location == int8rt.TensorLocation.DEVICE
    x = images(8)
    expected = engine.create_execution_context().execute([x])[0]
    context = engine.create_execution_context()
    stream = torch.cuda.Stream()
    x_dev = torch.from_numpy(x).cuda()
    for bind in ("dlpack", "interface", "address"):
        y_dev = torch.zeros((8, 10), device="cuda")
        if bind == "dlpack":
            context.set_tensor_address("input", x_dev)
            context.set_tensor_address("logits", y_dev)
        elif bind == "interface":
            class Interface:  # only __cuda_array_interface__, as Numba and CuPy expose it
                def __init__(self, t):
                    self.t = t
                    self.__cuda_array_interface__ = t.__cuda_array_interface__
            context.set_tensor_address("input", Interface(x_dev))
            context.set_tensor_address("logits", Interface(y_dev))
        else:
            context.set_tensor_address("input", x_dev.data_ptr())
            context.set_tensor_address("logits", y_dev.data_ptr())
        torch.cuda.synchronize()
        context.enqueue(stream)
        stream.synchronize()
        np.testing.assert_allclose(y_dev.cpu().numpy(), expected, rtol=1e-5, atol=1e-5,
                                   err_msg=bind)


def test_host_arrays_are_refused_for_a_gpu_engine():
    context = lenet(2).create_execution_context()
    try:
        context.set_tensor_address("input", images(2))
    except int8rt.Error as error:
        assert "host memory" in str(error)
    else:
        raise AssertionError("a numpy array was bound to a GPU engine")


class ListCalibrator(int8rt.IInt8EntropyCalibrator2):
    """Hands `batches` in order: numpy arrays, or CUDA tensors (as TensorRT calibrators hand
    device pointers) when batch_location is DEVICE."""

    def __init__(self, batches, device=False):
        super().__init__()
        if device:
            self.batch_location = int8rt.TensorLocation.DEVICE
            batches = [torch.from_numpy(b).cuda() for b in batches]
        self.batches = batches
        self.next = 0

    def get_batch_size(self):
        return self.batches[0].shape[0]

    def get_batch(self, names):
        if self.next == len(self.batches):
            return None
        self.next += 1
        return [self.batches[self.next - 1]]


def test_device_batches_calibrate_as_host_ones():
    batches = [images(16, seed) for seed in range(4)]
    on_device = lenet(16, int8=True, calibrator=ListCalibrator(batches, device=True))
    on_host = lenet(16, int8=True, calibrator=ListCalibrator(batches))
    x = images(16, 99)
    np.testing.assert_array_equal(on_device.create_execution_context().execute([x])[0],
                                  on_host.create_execution_context().execute([x])[0])


def test_fp16_engine_is_close_to_fp32():
    x = images(8, 5)
    fp16 = lenet(8, fp16=True).create_execution_context().execute([x])[0]
    fp32 = lenet(8, backend="reference").create_execution_context().execute([x])[0]
    np.testing.assert_allclose(fp16, fp32, atol=2e-2 * max(1.0, float(np.abs(fp32).max())))


if __name__ == "__main__":
    failed = 0
    for name, test in list(globals().items()):
        if name.startswith("test_") and callable(test):
            try:
                test()
                print(f"PASSED {name}")
            except Exception as error:  # noqa: BLE001 (report every failure, then fail)
                failed += 1
                print(f"FAILED {name}: {type(error).__name__}: {error}")
    print(f"python_gpu: {failed} failed")
    sys.exit(1 if failed else 0)
