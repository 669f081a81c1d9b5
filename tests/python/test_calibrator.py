"""Python calibrators: the caches they produce against the C++ StreamCalibrator on the same
batches, every algorithm base class, and every way a calibrator can fail."""

import gc

import numpy as np
import pytest

import int8rt
from conftest import ArrayCalibrator, lenet_config, lenet_network, needs_mnist

pytestmark = needs_mnist


@pytest.fixture(scope="module")
def calibration_images(mnist, training_indices):
    return mnist[0][training_indices]  # 512 digits: 16 batches of 32


def calibrate(calibrator, batch=32, builder=None):
    builder = builder or int8rt.Builder()
    config = lenet_config(builder, batch)
    config.set_flag(int8rt.BuilderFlag.INT8)
    config.int8_calibrator = calibrator
    return builder.calibrate(lenet_network(builder), config)


def build(calibrator, batch=32):
    builder = int8rt.Builder()
    config = lenet_config(builder, batch)
    config.set_flag(int8rt.BuilderFlag.INT8)
    config.int8_calibrator = calibrator
    return builder.build(lenet_network(builder), config)


@pytest.fixture(scope="module")
def stream_cache(calibration_images, tmp_path_factory):
    """The cache the C++ StreamCalibrator writes for the same 512 digits, read from a .npy file
    that numpy wrote."""
    folder = tmp_path_factory.mktemp("stream")
    np.save(folder / "calib.npy", calibration_images)
    cache_path = folder / "stream.cache"
    calibrator = int8rt.StreamCalibrator(f"npy:{folder / 'calib.npy'}", batch_size=32,
                                         cache_path=str(cache_path))
    report = calibrate(calibrator)
    assert calibrator.batches_served == 16 and report.batches == 16 and not report.from_cache
    assert cache_path.read_bytes() == report.cache
    return cache_path.read_bytes()


def test_python_calibrator_cache_equals_stream_calibrator(calibration_images, stream_cache):
    calibrator = ArrayCalibrator(calibration_images)
    report = calibrate(calibrator)
    assert calibrator.batches == 16 and report.batches == 16 and report.samples == 512
    assert calibrator.written == stream_cache
    assert report.cache == stream_cache
    assert stream_cache.startswith(b"TRT-8601-EntropyCalibration2\n")
    table = int8rt.parse_calibration_cache(stream_cache)
    names = {e.name for e in table.entries}
    assert "input" in names and "logits" in names
    assert {t.name for t in report.tensors} >= names
    assert all(t.source == int8rt.RangeSource.CALIBRATION for t in report.tensors)


@pytest.mark.parametrize("convert", [
    pytest.param(lambda b: b.astype(np.float64), id="float64-converted"),
    pytest.param(np.asfortranarray, id="fortran-order-copied"),
    pytest.param(lambda b: np.repeat(b, 2, axis=3)[:, :, :, ::2], id="strided-copied"),
    pytest.param(lambda b: {"input": b}, id="dict"),
    pytest.param(lambda b: (b,), id="tuple"),
])
def test_accepted_batch_forms_give_the_same_cache(calibration_images, stream_cache, convert):
    class Converting(ArrayCalibrator):
        def get_batch(self, names):
            assert names == ["input"]
            batch = self.next_batch()
            if batch is None:
                return None
            result = convert(batch)
            return result if isinstance(result, (dict, tuple)) else [result]

    calibrator = Converting(calibration_images)
    calibrate(calibrator)
    assert calibrator.written == stream_cache


@pytest.mark.parametrize("base,header", [
    (int8rt.IInt8EntropyCalibrator2, "EntropyCalibration2"),
    (int8rt.IInt8EntropyCalibrator, "EntropyCalibration"),
    (int8rt.IInt8MinMaxCalibrator, "MinMaxCalibration"),
    (int8rt.IInt8LegacyCalibrator, "LegacyCalibration"),
    (int8rt.IInt8PercentileCalibrator, "PercentileCalibration"),
    (int8rt.IInt8MseCalibrator, "MSECalibration"),
])
def test_every_base_class_calibrates_with_its_algorithm(calibration_images, base, header):
    class Calibrator(base):
        def __init__(self):
            base.__init__(self)
            self.index = 0
            self.written = None

        def get_batch_size(self):
            return 32

        def get_batch(self, names):
            if self.index >= 128:
                return None
            self.index += 32
            return [calibration_images[self.index - 32:self.index]]

        def write_calibration_cache(self, cache):
            self.written = cache

    calibrator = Calibrator()
    assert calibrator.algorithm.cache_name == header
    report = calibrate(calibrator)
    assert report.batches == 4
    lines = calibrator.written.split(b"\n")
    if header == "LegacyCalibration":
        # TensorRT's Legacy cache starts with its two parameters as float64 bits: cutoff 1, quantile 0.9999.
        assert lines.pop(0) == b"03ff0000000000000 03fefff2e48e8a71e"
    assert lines[0] == f"TRT-8601-{header}".encode()
    engine = build(Calibrator())
    assert any(l.precision == int8rt.DataType.INT8 for l in engine.layers())


def test_minmax_ranges_are_the_largest_values_seen(calibration_images):
    class MinMax(int8rt.IInt8MinMaxCalibrator):
        def __init__(self):
            super().__init__()
            self.done = False

        def get_batch_size(self):
            return 512

        def get_batch(self, names):
            if self.done:
                return None
            self.done = True
            return [calibration_images]

    report = calibrate(MinMax(), batch=512)
    amax = {t.name: t.amax for t in report.tensors}
    assert amax["input"] == pytest.approx(float(np.abs(calibration_images).max()), rel=1e-6)


def test_two_inputs_are_matched_by_name():
    """Add(a, b): each input's MinMax range is its own largest |value|, whatever the dict order."""
    rng = np.random.default_rng(5)
    a = rng.standard_normal((4, 3)).astype(np.float32)
    b = 10 * rng.standard_normal((4, 3)).astype(np.float32)

    class TwoInputs(int8rt.IInt8MinMaxCalibrator):
        def __init__(self):
            super().__init__()
            self.given = None

        def get_batch_size(self):
            return 4

        def get_batch(self, names):
            if self.given is not None:
                return None
            self.given = list(names)
            return {"b": b, "a": a}

    builder = int8rt.Builder()
    net = builder.create_network()
    ta = net.add_input("a", int8rt.DataType.FLOAT, (4, 3))
    tb = net.add_input("b", int8rt.DataType.FLOAT, (4, 3))
    net.mark_output(net.add_elementwise("sum", ta, tb, int8rt.OpType.Add).get_output(0))
    config = builder.create_builder_config()
    config.set_flag(int8rt.BuilderFlag.INT8)
    calibrator = TwoInputs()
    config.int8_calibrator = calibrator
    report = builder.calibrate(net, config)
    assert sorted(calibrator.given) == ["a", "b"]
    amax = {t.name: t.amax for t in report.tensors}
    assert amax["a"] == pytest.approx(float(np.abs(a).max()), rel=1e-6)
    assert amax["b"] == pytest.approx(float(np.abs(b).max()), rel=1e-6)
    assert amax["sum"] == pytest.approx(float(np.abs(a + b).max()), rel=1e-6)


def test_a_cache_skips_calibration(stream_cache):
    for cache in (stream_cache, stream_cache.decode()):
        calibrator = ArrayCalibrator(np.zeros((0, 1, 28, 28), np.float32), cache=cache)
        report = calibrate(calibrator)
        assert report.from_cache and report.batches == 0 and calibrator.batches == 0
        assert report.cache == stream_cache
        assert all(t.source == int8rt.RangeSource.CACHE for t in report.tensors)


def test_the_config_keeps_the_calibrator_alive(calibration_images):
    builder = int8rt.Builder()
    config = lenet_config(builder)
    config.set_flag(int8rt.BuilderFlag.INT8)
    config.int8_calibrator = ArrayCalibrator(calibration_images[:64])
    gc.collect()
    assert isinstance(config.int8_calibrator, ArrayCalibrator)
    engine = builder.build(lenet_network(builder), config)
    assert config.int8_calibrator.batches == 2 and engine.num_inputs == 1
    config.int8_calibrator = None
    assert config.int8_calibrator is None


# ------------------------------------------------------------------------------- failures

def failing_build(calibrator):
    with pytest.raises(int8rt.Error) as info:
        build(calibrator)
    return info.value, str(info.value)


def test_exception_in_get_batch_stops_the_build_with_its_traceback(calibration_images,
                                                                    stream_cache):
    class Raising(ArrayCalibrator):
        fail = True

        def get_batch(self, names):
            if self.fail and self.batches == 2:
                raise ValueError("disk on fire")
            return super().get_batch(names)

    calibrator = Raising(calibration_images)
    error, message = failing_build(calibrator)
    assert "Raising.get_batch() raised ValueError: disk on fire" in message, message
    assert "batch 2" in message
    assert "Traceback (most recent call last)" in message and "in get_batch" in message
    assert isinstance(error.__cause__, ValueError) and str(error.__cause__) == "disk on fire"
    assert calibrator.batches == 2 and calibrator.written is None
    # The failure is forgotten once reported: the same calibrator works again.
    calibrator.fail, calibrator.index, calibrator.batches = False, 0, 0
    assert calibrate(calibrator).batches == 16
    assert calibrator.written == stream_cache


def test_exception_in_get_batch_size(calibration_images):
    class Raising(ArrayCalibrator):
        def get_batch_size(self):
            raise KeyError("size")

    error, message = failing_build(Raising(calibration_images))
    assert "get_batch_size() raised KeyError" in message and "Traceback" in message, message
    assert isinstance(error.__cause__, KeyError)


def test_get_batch_size_of_the_wrong_type(calibration_images):
    class WrongType(ArrayCalibrator):
        def get_batch_size(self):
            return "32"

    error, message = failing_build(WrongType(calibration_images))
    assert "get_batch_size() raised TypeError" in message, message


def test_exception_in_read_calibration_cache_stops_before_any_batch(calibration_images):
    class Raising(ArrayCalibrator):
        def read_calibration_cache(self):
            raise OSError("cache unreadable")

    calibrator = Raising(calibration_images)
    error, message = failing_build(calibrator)
    assert "read_calibration_cache() raised OSError: cache unreadable" in message, message
    assert calibrator.batches == 0 and isinstance(error.__cause__, OSError)


def test_read_calibration_cache_of_the_wrong_type(calibration_images):
    class WrongType(ArrayCalibrator):
        def read_calibration_cache(self):
            return 42

    _, message = failing_build(WrongType(calibration_images))
    assert "returned a int, expected bytes, str or None" in message, message


def test_exception_in_write_calibration_cache(calibration_images):
    class Raising(ArrayCalibrator):
        def write_calibration_cache(self, cache):
            raise PermissionError("read-only")

    error, message = failing_build(Raising(calibration_images[:64]))
    assert "write_calibration_cache() raised PermissionError: read-only" in message, message


@pytest.mark.parametrize("batch,expected", [
    pytest.param(lambda b: [(b * 255).astype(np.uint8)],
                 'input "input" has dtype uint8, expected float32', id="uint8"),
    pytest.param(lambda b: [b[:16]],
                 'input "input" has shape 16x1x28x28, expected 32x1x28x28', id="shape"),
    pytest.param(lambda b: [b.reshape(32, 784)],
                 'input "input" has shape 32x784, expected 32x1x28x28', id="flat"),
    pytest.param(lambda b: [b, b], 'returned 2 arrays for 1 inputs ("input")', id="count"),
    pytest.param(lambda b: {"image": b}, '"image", which is not a network input', id="dict-key"),
    pytest.param(lambda b: {}, 'returned no array for input "input"', id="dict-empty"),
    pytest.param(lambda b: [b.ctypes.data], "an int (a device pointer?)", id="pointer"),
    pytest.param(lambda b: [b.tolist()], "is a list, expected a numpy array", id="list"),
    pytest.param(lambda b: b, "returned a ndarray, expected a list of numpy arrays", id="bare"),
    pytest.param(lambda b: "batch", "returned a str, expected a list", id="str"),
])
def test_bad_batches_are_errors_naming_the_input(calibration_images, batch, expected):
    class Bad(ArrayCalibrator):
        def get_batch(self, names):
            return batch(self.next_batch())

    error, message = failing_build(Bad(calibration_images))
    assert expected in message, message
    assert "batch 0" in message and "Bad.get_batch()" in message
    assert isinstance(error.__cause__, (TypeError, ValueError, KeyError))


def test_a_missing_get_batch_is_named():
    class NoBatches(int8rt.IInt8EntropyCalibrator2):
        def get_batch_size(self):
            return 32

    _, message = failing_build(NoBatches())
    assert "NoBatches must define get_batch()" in message, message


def test_no_batches_at_all():
    _, message = failing_build(ArrayCalibrator(np.zeros((0, 1, 28, 28), np.float32)))
    assert "no batches" in message, message


def test_forgetting_the_base_constructor_is_a_type_error():
    class NoInit(int8rt.IInt8EntropyCalibrator2):
        def __init__(self):
            pass

    with pytest.raises(TypeError, match="__init__"):
        NoInit()


def test_a_raising_logger_does_not_break_the_build(calibration_images):
    import sys

    class Raising(int8rt.Logger):
        def __init__(self):
            super().__init__(int8rt.Logger.VERBOSE)
            self.calls = 0

        def log(self, severity, msg):
            self.calls += 1
            raise RuntimeError("logger broken")

    seen = []
    old_hook = sys.unraisablehook
    sys.unraisablehook = lambda u: seen.append(u.exc_value)
    try:
        logger = Raising()
        builder = int8rt.Builder(logger)
        config = lenet_config(builder)
        config.set_flag(int8rt.BuilderFlag.INT8)
        config.int8_calibrator = ArrayCalibrator(calibration_images[:64])
        engine = builder.build(lenet_network(builder, logger), config)
    finally:
        sys.unraisablehook = old_hook
    assert engine.num_outputs == 1
    assert logger.calls > 0 and seen and isinstance(seen[0], RuntimeError)


def test_manual_ranges_win_and_analysis_keeps_histograms(calibration_images):
    builder = int8rt.Builder()
    network = lenet_network(builder)
    network.find_tensor("input").dynamic_range = (-0.5, 0.25)
    config = lenet_config(builder)
    config.set_flag(int8rt.BuilderFlag.INT8)
    config.int8_calibrator = ArrayCalibrator(calibration_images[:64])
    report = builder.calibrate(network, config)
    info = {t.name: t for t in report.tensors}["input"]
    assert info.source == int8rt.RangeSource.MANUAL and info.amax == 0.5  # max(|min|, |max|)

    config.int8_calibrator = ArrayCalibrator(calibration_images[:64])
    analysis = builder.analyze_calibration(network, config)
    assert analysis.batches == 2 and analysis.samples == 64
    histogram = {t.name: t for t in analysis.tensors}["input"]
    assert histogram.max_abs == pytest.approx(float(calibration_images[:64].max()), rel=1e-6)
    assert histogram.counts.dtype == np.uint64
    # Every non-zero finite value is counted once: the bins plus the exact zeros are all values.
    assert int(histogram.counts.sum()) + histogram.zero_count == calibration_images[:64].size
    assert histogram.zero_count == int((calibration_images[:64] == 0).sum())
    assert {c.algorithm for c in histogram.thresholds} >= {
        int8rt.CalibrationAlgoType.MINMAX_CALIBRATION,
        int8rt.CalibrationAlgoType.ENTROPY_CALIBRATION_2}


class RecordingMonitor(int8rt.IProgressMonitor):
    def __init__(self, stop_at=None):
        super().__init__()
        self.events = []
        self.stop_at = stop_at

    def phase_start(self, phase, total):
        self.events.append(("start", phase, total))

    def step_complete(self, phase, done, items):
        self.events.append(("step", phase, done, items))
        return done != self.stop_at

    def phase_finish(self, phase):
        self.events.append(("finish", phase))


def test_progress_monitor_sees_every_batch(calibration_images):
    class Counted(ArrayCalibrator):
        def get_num_batches(self):
            return len(self.images) // self.batch_size

    builder = int8rt.Builder()
    config = lenet_config(builder)
    config.set_flag(int8rt.BuilderFlag.INT8)
    config.int8_calibrator = Counted(calibration_images[:128])
    config.progress_monitor = RecordingMonitor()
    builder.calibrate(lenet_network(builder), config)
    events = config.progress_monitor.events
    assert events[0] == ("start", "calibration", 4)
    assert events[1:-1] == [("step", "calibration", k, 32 * k) for k in range(1, 5)]
    assert events[-1] == ("finish", "calibration")


def test_progress_monitor_cancels(calibration_images):
    builder = int8rt.Builder()
    config = lenet_config(builder)
    config.set_flag(int8rt.BuilderFlag.INT8)
    config.int8_calibrator = ArrayCalibrator(calibration_images)
    config.progress_monitor = RecordingMonitor(stop_at=3)
    with pytest.raises(int8rt.Error, match="cancelled after 3 batches"):
        builder.build(lenet_network(builder), config)
    assert config.progress_monitor.events[-1] == ("finish", "calibration")
    assert config.int8_calibrator.batches == 3


class ImagesSource(int8rt.DataSource):
    """A data source written in Python over an array of images."""

    def __init__(self, images, labels=None, broken=None):
        super().__init__("python-images", len(images), images.shape[1:], labels is not None)
        self.images, self.labels, self.broken = images, labels, broken

    def read(self, index):
        if self.broken == "raise" and index == 40:
            raise IndexError("sample 40 is gone")
        if self.broken == "shape":
            return self.images[index].reshape(-1)
        return self.images[index].astype(np.float64)  # converted to float32

    def label(self, index):
        return int(self.labels[index])


def test_python_data_source_feeds_stream_calibrator(calibration_images, stream_cache, tmp_path):
    cache = tmp_path / "python-source.cache"
    # The source object is a temporary: the calibrator keeps it (and its read()) alive.
    calibrator = int8rt.StreamCalibrator(ImagesSource(calibration_images), batch_size=32,
                                         cache_path=str(cache))
    gc.collect()
    calibrate(calibrator)
    assert cache.read_bytes() == stream_cache
    source = ImagesSource(calibration_images[:10], labels=np.arange(10) % 10)
    batches = list(int8rt.BatchStream(source, 4))
    np.testing.assert_array_equal(batches[1].data, calibration_images[4:8])
    np.testing.assert_array_equal(batches[2].labels, [8, 9])


def test_python_data_source_errors(calibration_images):
    for broken, expected in (("raise", "read(40) raised IndexError: sample 40 is gone"),
                             ("shape", "read(0) returned shape 784, expected 1x28x28")):
        calibrator = int8rt.StreamCalibrator(ImagesSource(calibration_images, broken=broken))
        with pytest.raises(int8rt.Error, match="python-images") as info:
            calibrate(calibrator)
        assert expected in str(info.value), str(info.value)


def test_python_data_source_label_errors_are_errors(calibration_images):
    class BadLabels(ImagesSource):
        def __init__(self, images, mode):
            super().__init__(images, labels=np.zeros(len(images), np.int64))
            self.mode = mode

        def label(self, index):
            if self.mode == "raise" and index == 5:
                raise KeyError("no label for 5")
            if self.mode == "type":
                return "seven"
            return super().label(index)

    for mode, expected in (("raise", "label(5) raised KeyError"),
                           ("type", "label(0) returned a <class 'str'>, expected an int")):
        with pytest.raises(int8rt.Error, match="python-images") as info:
            list(int8rt.BatchStream(BadLabels(calibration_images[:8], mode), 4))
        assert expected in str(info.value), str(info.value)


def test_python_data_source_checks_its_shape_and_size():
    for size, shape, expected in ((4, (1, -1, 28), "positive extents"),
                                  (4, (0, 28), "positive extents"),
                                  (-1, (1, 28, 28), "size must be >= 0")):
        with pytest.raises(ValueError, match=expected):
            int8rt.DataSource("bad", size, shape)
