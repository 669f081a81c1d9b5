"""Logger: the stderr default, its severity threshold, and Python subclasses."""

import numpy as np

import int8rt


def int8_build_without_ranges(logger):
    """An INT8 build with neither ranges nor a calibrator: the builder warns for each tensor."""
    builder = int8rt.Builder(logger)
    net = builder.create_network()
    x = net.add_input("x", int8rt.DataType.FLOAT, (1, 4))
    net.mark_output(net.add_relu("r", x).get_output(0))
    config = builder.create_builder_config()
    config.set_flag(int8rt.BuilderFlag.INT8)
    engine = builder.build(net, config)
    out = engine.create_execution_context().execute([np.array([[-1, 2, -3, 4]], np.float32)])[0]
    np.testing.assert_array_equal(out, [[0, 2, 0, 4]])  # FP32 fallback, still correct


def test_default_logger_prints_warnings_to_stderr(capfd):
    int8_build_without_ranges(int8rt.Logger())
    err = capfd.readouterr().err
    assert "[W]" in err and '"x"' in err, err


def test_min_severity_filters(capfd):
    logger = int8rt.Logger(int8rt.Logger.ERROR)
    assert logger.min_severity == int8rt.Logger.Severity.ERROR
    int8_build_without_ranges(logger)
    assert "[W]" not in capfd.readouterr().err
    logger.min_severity = int8rt.Logger.VERBOSE
    int8_build_without_ranges(logger)
    err = capfd.readouterr().err
    assert "[W]" in err and "[I]" in err, err


def test_subclass_receives_messages_instead(capfd):
    class Collecting(int8rt.ILogger):
        def __init__(self):
            super().__init__()
            self.lines = []

        def log(self, severity, msg):
            self.lines.append((severity, msg))

    logger = Collecting()
    int8_build_without_ranges(logger)
    assert capfd.readouterr().err == ""
    warnings = [m for s, m in logger.lines if s == int8rt.Logger.WARNING]
    assert any('"x"' in m and "dynamic range" in m for m in warnings), logger.lines
    assert str(int8rt.Logger.WARNING) == "warning" and str(int8rt.DataType.INT8) == "int8"
