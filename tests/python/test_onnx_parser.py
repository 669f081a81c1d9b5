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


def varint(value):
    out = bytearray()
    while True:
        byte, value = value & 0x7F, value >> 7
        out.append(byte | (0x80 if value else 0))
        if not value:
            return bytes(out)


def field(number, payload):
    """A protobuf field: varint for ints, length-delimited for bytes and str."""
    if isinstance(payload, int):
        return varint(number << 3) + varint(payload)
    data = payload.encode() if isinstance(payload, str) else payload
    return varint(number << 3 | 2) + varint(len(data)) + data


def one_node_model(op_type, node_name):
    """ModelProto bytes (onnx.proto field numbers) of y = op_type(x), x and y float [1, 4]."""
    shape = field(2, field(1, field(1, 1)) + field(1, field(1, 4)))  # TensorShapeProto
    value_info = lambda name: field(1, name) + field(2, field(1, field(1, 1) + shape))
    node = field(1, "x") + field(2, "y") + field(3, node_name) + field(4, op_type)
    graph = field(1, node) + field(2, "g") + field(11, value_info("x")) + field(12, value_info("y"))
    return field(1, 7) + field(8, field(1, "") + field(2, 13)) + field(7, graph)


def test_unknown_op_names_the_node(tmp_path):
    # A known op in the same encoding parses: the hand-made bytes are a valid model.
    relu = int8rt.Network()
    int8rt.OnnxParser(relu).parse(one_node_model("Relu", "relu_node"))
    assert [l.name for l in relu.layers] == ["relu_node"]
    assert relu.get_input(0).shape == (1, 4)

    with pytest.raises(int8rt.Error) as info:
        int8rt.OnnxParser(int8rt.Network()).parse(one_node_model("NoSuchOp", "mystery_node"),
                                                  "mystery.onnx")
    message = str(info.value)
    assert "mystery_node" in message and "NoSuchOp" in message and "mystery.onnx" in message
    assert info.value.code == int8rt.StatusCode.UNSUPPORTED

    path = tmp_path / "mystery.onnx"
    path.write_bytes(one_node_model("NoSuchOp", "mystery_node"))
    with pytest.raises(int8rt.Error, match=r'mystery\.onnx.*NoSuchOp.*"mystery_node"'):
        int8rt.OnnxParser(int8rt.Network()).parse_from_file(str(path))


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
