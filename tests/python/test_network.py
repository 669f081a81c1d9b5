"""Networks built by hand from Python, checked against numpy computations of the same math."""

import numpy as np
import pytest

import int8rt


def conv2d(x, w, b, pad):
    """Direct NCHW convolution, stride 1, symmetric zero padding `pad`."""
    n, c, h, wd = x.shape
    o, _, kh, kw = w.shape
    xp = np.pad(x, ((0, 0), (0, 0), (pad, pad), (pad, pad)))
    oh, ow = h + 2 * pad - kh + 1, wd + 2 * pad - kw + 1
    y = np.zeros((n, o, oh, ow), dtype=np.float64)
    for i in range(oh):
        for j in range(ow):
            patch = xp[:, :, i:i + kh, j:j + kw].astype(np.float64)
            y[:, :, i, j] = np.einsum("nchw,ochw->no", patch, w.astype(np.float64))
    return y + b.reshape(1, -1, 1, 1)


def small_net(builder, rng):
    """input [2,3,8,8] -> Conv 3x3 pad 1 (4 ch) -> Relu -> MaxPool 2 -> Flatten -> Gemm (5)."""
    net = builder.create_network()
    x = net.add_input("x", int8rt.DataType.FLOAT, (2, 3, 8, 8))
    w = rng.standard_normal((4, 3, 3, 3)).astype(np.float32)
    b = rng.standard_normal(4).astype(np.float32)
    fc_w = rng.standard_normal((5, 64)).astype(np.float32)
    fc_b = rng.standard_normal(5).astype(np.float32)
    conv = net.add_conv("conv", x, w, b, pads=(1, 1, 1, 1))
    relu = net.add_relu("relu", conv.get_output(0))
    pool = net.add_pooling("pool", relu.get_output(0), int8rt.OpType.MaxPool, (2, 2), strides=(2, 2))
    flat = net.add_flatten("flat", pool.get_output(0))
    fc = net.add_gemm("fc", flat.get_output(0), fc_w, fc_b)
    net.mark_output(fc.get_output(0))
    return net, (w, b, fc_w, fc_b)


def reference(x, params):
    w, b, fc_w, fc_b = params
    y = np.maximum(conv2d(x, w, b, 1), 0)
    n, c, h, wd = y.shape
    y = y.reshape(n, c, h // 2, 2, wd // 2, 2).max(axis=(3, 5))
    return y.reshape(n, -1) @ fc_w.astype(np.float64).T + fc_b


def test_hand_built_network_matches_numpy():
    rng = np.random.default_rng(7)
    builder = int8rt.Builder()
    net, params = small_net(builder, rng)
    assert [l.type for l in net.layers] == [int8rt.OpType.Conv, int8rt.OpType.Relu,
                                            int8rt.OpType.MaxPool, int8rt.OpType.Flatten,
                                            int8rt.OpType.Gemm]
    engine = builder.build(net, builder.create_builder_config())
    x = rng.standard_normal((2, 3, 8, 8)).astype(np.float32)
    (y,) = engine.create_execution_context().execute([x])
    expected = reference(x, params)
    assert y.shape == (2, 5) and y.dtype == np.float32
    np.testing.assert_allclose(y, expected, rtol=1e-4, atol=1e-4, err_msg="seed 7, x [2,3,8,8]")


def test_hand_built_int8_with_manual_ranges_is_close():
    rng = np.random.default_rng(8)
    builder = int8rt.Builder()
    net, params = small_net(builder, rng)
    x = rng.standard_normal((2, 3, 8, 8)).astype(np.float32)
    expected = reference(x, params)
    # Ranges by hand from the FP32 values of this input (the largest |value| of each tensor).
    w, b, fc_w, fc_b = params
    conv = conv2d(x, w, b, 1)
    relu = np.maximum(conv, 0)
    pooled = relu.reshape(2, 4, 4, 2, 4, 2).max(axis=(3, 5))
    amax = {"x": np.abs(x).max(), "conv": np.abs(conv).max(), "relu": relu.max(),
            "pool": pooled.max(), "flat": pooled.max(), "fc": np.abs(expected).max()}
    for name, a in amax.items():
        net.find_tensor(name).dynamic_range = (-float(a), float(a))
    config = builder.create_builder_config()
    config.set_flag(int8rt.BuilderFlag.INT8)
    engine = builder.build(net, config)
    assert any(l.precision == int8rt.DataType.INT8 for l in engine.layers())
    (y,) = engine.create_execution_context().execute([x])
    # INT8 error: a few quantization steps of the output range.
    tolerance = 0.05 * np.abs(expected).max()
    assert np.abs(y - expected).max() < tolerance, (y, expected)


def test_tensor_properties_and_dynamic_range():
    net = int8rt.Network()
    x = net.add_input("x", int8rt.DataType.FLOAT, (-1, 3), dim_names=["N", ""])
    assert x.name == "x" and x.shape == (-1, 3) and x.dtype == int8rt.DataType.FLOAT
    assert x.is_network_input and not x.is_constant and x.producer is None
    assert x.dim_names == ["N", ""]
    assert x.dynamic_range is None
    x.dynamic_range = (-2.0, 1.5)
    assert x.dynamic_range == (-2.0, 1.5)
    # Asymmetric ranges are kept as given; INT8 uses the symmetric amax = max(|min|, |max|).
    assert x.dynamic_range_amax == 2.0
    x.dynamic_range = (0.0, 6.0)
    assert x.dynamic_range_amax == 6.0
    with pytest.raises(int8rt.Error, match="x"):
        x.dynamic_range = (3.0, 1.0)  # min > max
    with pytest.raises(int8rt.Error):
        x.dynamic_range = (float("nan"), 1.0)
    with pytest.raises(int8rt.Error, match="smallest range"):
        x.dynamic_range = (-1e-40, 1e-40)  # its scale would be denormal
    with pytest.raises(TypeError, match="str"):
        x.dynamic_range = "wide"
    with pytest.raises(TypeError):
        x.dynamic_range = (1.0, 2.0, 3.0)
    assert x.dynamic_range == (0.0, 6.0)  # unchanged by the failed assignments
    x.dynamic_range = None
    assert x.dynamic_range is None

    c = net.add_constant("c", np.arange(6, dtype=np.int64).reshape(2, 3))
    assert c.is_constant and c.dtype == int8rt.DataType.INT64 and c.shape == (2, 3)
    np.testing.assert_array_equal(c.constant_value, np.arange(6).reshape(2, 3))
    # Non-contiguous arrays are copied in C order.
    t = net.add_constant("t", np.arange(6, dtype=np.float32).reshape(2, 3).T)
    np.testing.assert_array_equal(t.constant_value, np.arange(6, dtype=np.float32).reshape(2, 3).T)


def test_layer_precision_and_attrs():
    net = int8rt.Network()
    x = net.add_input("x", int8rt.DataType.FLOAT, (1, 4))
    layer = net.add_layer(int8rt.OpType.Softmax, "sm", [x], int8rt.SoftmaxAttrs(axis=1))
    assert layer.get_output(0).name == "sm" and layer.get_output(0).producer.name == "sm"
    assert layer.attrs.axis == 1
    assert not layer.precision_is_set and layer.precision == int8rt.DataType.FLOAT
    layer.precision = int8rt.DataType.INT8
    assert layer.precision_is_set and layer.precision == int8rt.DataType.INT8
    layer.precision = None
    assert not layer.precision_is_set
    layer.attrs = int8rt.SoftmaxAttrs(axis=-1)
    assert layer.attrs.axis == -1
    with pytest.raises(int8rt.Error, match="sm"):
        layer.attrs = int8rt.ConvAttrs()
    with pytest.raises(TypeError, match="no field 'axes'"):
        int8rt.SoftmaxAttrs(axes=1)
    assert "kernel_shape=[3, 3]" in repr(int8rt.ConvAttrs(kernel_shape=[3, 3]))


def test_network_errors_raise_error_with_names():
    net = int8rt.Network()
    x = net.add_input("x", int8rt.DataType.FLOAT, (1, 4))
    with pytest.raises(int8rt.Error, match='"x"') as info:
        net.add_input("x", int8rt.DataType.FLOAT, (1, 4))
    assert isinstance(info.value, RuntimeError)
    assert info.value.code == int8rt.StatusCode.INVALID_ARGUMENT
    with pytest.raises(int8rt.Error, match="Relu"):
        net.add_layer(int8rt.OpType.Relu, "r", [x], int8rt.ConvAttrs())
    with pytest.raises(int8rt.Error, match="int8rt DataType"):
        net.add_constant("f16", np.zeros(3, dtype=np.float16))
    # The other byte order is refused rather than read byte-swapped.
    other = ">" if np.little_endian else "<"
    with pytest.raises(int8rt.Error, match="byte order"):
        net.add_constant("swapped", np.arange(3, dtype=np.dtype(np.float32).newbyteorder(other)))
    explicit_native = np.dtype(np.float32).newbyteorder("<" if np.little_endian else ">")
    assert net.add_constant("native", np.ones(3, dtype=explicit_native)).dtype == int8rt.DataType.FLOAT
    assert net.find_tensor("nope") is None and net.find_layer("nope") is None


def test_set_dynamic_ranges_and_layer_precisions():
    net = int8rt.Network()
    x = net.add_input("x", int8rt.DataType.FLOAT, (1, 4))
    net.add_relu("r", x)
    int8rt.set_dynamic_ranges(net, {"x": 2.5, "r": 1.0})
    assert net.find_tensor("x").dynamic_range == (-2.5, 2.5)
    with pytest.raises(int8rt.Error, match="nope"):
        int8rt.set_dynamic_ranges(net, [int8rt.TensorRange("nope", 1.0)])
    int8rt.set_layer_precisions(net, {"r": int8rt.DataType.INT8})
    assert net.find_layer("r").precision == int8rt.DataType.INT8
    parsed = int8rt.parse_layer_precisions("r: fp32\n", "p.txt")
    assert parsed == [("r", int8rt.DataType.FLOAT)]
    with pytest.raises(int8rt.Error, match="missing"):
        int8rt.set_layer_precisions(net, [("missing", int8rt.DataType.INT8)])


def test_more_typed_helpers_match_numpy():
    """BatchNorm -> LeakyRelu -> GlobalAveragePool -> Reshape -> MatMul -> Concat -> Softmax."""
    rng = np.random.default_rng(9)
    scale, bias = rng.random(3).astype(np.float32) + 0.5, rng.standard_normal(3).astype(np.float32)
    mean, var = rng.standard_normal(3).astype(np.float32), rng.random(3).astype(np.float32) + 0.1
    m = rng.standard_normal((3, 5)).astype(np.float32)
    builder = int8rt.Builder()
    net = builder.create_network()
    x = net.add_input("x", int8rt.DataType.FLOAT, (2, 3, 4, 4))
    bn = net.add_batch_norm("bn", x, scale, bias, mean, var, epsilon=1e-3)
    act = net.add_activation("act", bn.get_output(0), int8rt.OpType.LeakyRelu, alpha=0.1)
    assert act.attrs.alpha == pytest.approx(0.1)
    gap = net.add_global_average_pool("gap", act.get_output(0))
    flat = net.add_reshape("flat", gap.get_output(0), (0, -1))
    mm = net.add_matmul("mm", flat.get_output(0), net.add_constant("m", m))
    cat = net.add_concat("cat", [mm.get_output(0), mm.get_output(0)], axis=1)
    sm = net.add_softmax("sm", cat.get_output(0), axis=1)
    net.mark_output(sm.get_output(0))
    engine = builder.build(net, builder.create_builder_config())

    xv = rng.standard_normal((2, 3, 4, 4)).astype(np.float32)
    (y,) = engine.create_execution_context().execute([xv])
    c = lambda v: v.reshape(1, 3, 1, 1).astype(np.float64)
    t = (xv - c(mean)) / np.sqrt(c(var) + 1e-3) * c(scale) + c(bias)
    t = np.where(t < 0, 0.1 * t, t).mean(axis=(2, 3)) @ m.astype(np.float64)
    t = np.concatenate([t, t], axis=1)
    expected = np.exp(t - t.max(1, keepdims=True))
    expected /= expected.sum(1, keepdims=True)
    assert y.shape == (2, 10)
    np.testing.assert_allclose(y, expected, rtol=1e-4, atol=1e-6, err_msg="seed 9")
