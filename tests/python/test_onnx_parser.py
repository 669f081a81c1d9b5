"""OnnxParser from Python: files, bytes and the errors that name the node."""

import pytest

import int8rt
from conftest import LENET


def test_parse_file_and_bytes_give_the_same_network():
    from_file = int8rt.Network()
    assert int8rt.OnnxParser(from_file).parse_from_file(LENET)
    from_bytes = int8rt.Network()
    with open(LENET, "rb") as f:
        assert int8rt.OnnxParser(from_bytes).parse(f.read())
    assert [l.name for l in from_file.layers] == [l.name for l in from_bytes.layers]
    assert from_file.num_layers == 14
    assert from_file.get_input(0).name == "input" and from_file.get_input(0).shape == (-1, 1, 28, 28)
    assert from_file.get_output(0).name == "logits"


def test_missing_file_names_it(tmp_path):
    path = str(tmp_path / "missing.onnx")
    with pytest.raises(int8rt.Error, match="missing.onnx"):
        int8rt.OnnxParser(int8rt.Network()).parse_from_file(path)


def test_garbage_bytes_raise_and_leave_the_network_unchanged():
    net = int8rt.Network()
    with pytest.raises(int8rt.Error, match="bad.onnx"):
        int8rt.OnnxParser(net).parse(b"\x08\x07 this is not a model", "bad.onnx")
    assert net.num_layers == 0 and net.num_inputs == 0


def test_unknown_op_names_the_node(tmp_path):
    pytest.importorskip("onnx")
    from onnx import helper, TensorProto
    node = helper.make_node("NoSuchOp", ["x"], ["y"], name="mystery_node")
    graph = helper.make_graph([node], "g",
                              [helper.make_tensor_value_info("x", TensorProto.FLOAT, [1, 4])],
                              [helper.make_tensor_value_info("y", TensorProto.FLOAT, [1, 4])])
    model = helper.make_model(graph, opset_imports=[helper.make_opsetid("", 13)])
    with pytest.raises(int8rt.Error) as info:
        int8rt.OnnxParser(int8rt.Network()).parse(model.SerializeToString(), "mystery.onnx")
    message = str(info.value)
    assert "mystery_node" in message and "NoSuchOp" in message, message
    assert info.value.code == int8rt.StatusCode.UNSUPPORTED


def test_parser_logs_through_a_python_logger(logger):
    int8rt.OnnxParser(int8rt.Network(), logger).parse_from_file(LENET)
    builder = int8rt.Builder(logger)
    net = builder.create_network()
    int8rt.OnnxParser(net, logger).parse_from_file(LENET)
    config = builder.create_builder_config()
    config.set_input_shape("input", (1, 1, 28, 28))
    builder.build(net, config)
    # The builder reports what it did at INFO or VERBOSE; the logger asked for everything.
    assert logger.messages, "no message reached the Python logger"
    assert all(isinstance(m, str) for _, m in logger.messages)
    assert {s for s, _ in logger.messages} <= set(int8rt.Logger.Severity.__members__.values())
