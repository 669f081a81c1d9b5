"""Typed helpers for building networks by hand: Network.add_conv, add_relu, ...

Each is a thin call of Network.add_layer with the op's attribute struct; it returns the Layer,
whose single output is named like the layer unless `output` is given. Weights are numpy arrays
(added as constants named "<layer>.weight", "<layer>.bias").
"""

from . import _int8rt as _rt


def _const(net, name, value):
    return None if value is None else net.add_constant(name, value)


def add_conv(self, name, x, weight, bias=None, strides=(), pads=(), dilations=(), group=1,
             output=None):
    """Conv: weight [O, I/group, kH, kW]; pads as ONNX (all begins, then all ends)."""
    w = _const(self, name + ".weight", weight)
    b = _const(self, name + ".bias", bias)
    attrs = _rt.ConvAttrs(strides=list(strides), pads=list(pads), dilations=list(dilations),
                          group=group)
    return self.add_layer(_rt.OpType.Conv, name, [x, w, b] if b is not None else [x, w], attrs,
                          [output or name])


def add_gemm(self, name, a, weight, bias=None, trans_b=True, alpha=1.0, beta=1.0, output=None):
    """Gemm: y = alpha * a @ op(weight) + beta * bias; op = transpose by default (as PyTorch's
    Linear exports: weight [out, in])."""
    w = _const(self, name + ".weight", weight)
    b = _const(self, name + ".bias", bias)
    attrs = _rt.GemmAttrs(trans_b=trans_b, alpha=alpha, beta=beta)
    return self.add_layer(_rt.OpType.Gemm, name, [a, w, b] if b is not None else [a, w], attrs,
                          [output or name])


def add_matmul(self, name, a, b, output=None):
    return self.add_layer(_rt.OpType.MatMul, name, [a, b], None, [output or name])


def add_activation(self, name, x, op, output=None, **attrs):
    """A unary op: OpType.Relu, Sigmoid, Tanh, LeakyRelu (alpha=), Elu (alpha=), ..."""
    a = _rt.default_attrs(op)
    for key, value in attrs.items():
        setattr(a, key, value)
    return self.add_layer(op, name, [x], a, [output or name])


def add_relu(self, name, x, output=None):
    return self.add_layer(_rt.OpType.Relu, name, [x], None, [output or name])


def add_elementwise(self, name, a, b, op, output=None):
    """A binary op with numpy broadcasting: OpType.Add, Sub, Mul, Div, Max, Min, Pow."""
    return self.add_layer(op, name, [a, b], None, [output or name])


def add_pooling(self, name, x, op, kernel_shape, strides=(), pads=(), ceil_mode=False,
                count_include_pad=False, output=None):
    """OpType.MaxPool or AveragePool."""
    attrs = _rt.PoolAttrs(kernel_shape=list(kernel_shape), strides=list(strides), pads=list(pads),
                          ceil_mode=ceil_mode, count_include_pad=count_include_pad)
    return self.add_layer(op, name, [x], attrs, [output or name])


def add_global_average_pool(self, name, x, output=None):
    return self.add_layer(_rt.OpType.GlobalAveragePool, name, [x], None, [output or name])


def add_softmax(self, name, x, axis=-1, output=None):
    return self.add_layer(_rt.OpType.Softmax, name, [x], _rt.SoftmaxAttrs(axis=axis),
                          [output or name])


def add_flatten(self, name, x, axis=1, output=None):
    return self.add_layer(_rt.OpType.Flatten, name, [x], _rt.FlattenAttrs(axis=axis),
                          [output or name])


def add_reshape(self, name, x, shape, output=None):
    """Reshape to `shape` (ints; 0 copies the input's extent, -1 is inferred)."""
    import numpy as np
    s = self.add_constant(name + ".shape", np.asarray(shape, dtype=np.int64))
    return self.add_layer(_rt.OpType.Reshape, name, [x, s], None, [output or name])


def add_concat(self, name, inputs, axis=0, output=None):
    return self.add_layer(_rt.OpType.Concat, name, list(inputs), _rt.ConcatAttrs(axis=axis),
                          [output or name])


def add_batch_norm(self, name, x, scale, bias, mean, var, epsilon=1e-5, output=None):
    params = [self.add_constant(name + "." + n, v)
              for n, v in (("scale", scale), ("bias", bias), ("mean", mean), ("var", var))]
    return self.add_layer(_rt.OpType.BatchNormalization, name, [x] + params,
                          _rt.BatchNormAttrs(epsilon=epsilon), [output or name])


_HELPERS = (add_conv, add_gemm, add_matmul, add_activation, add_relu, add_elementwise,
            add_pooling, add_global_average_pool, add_softmax, add_flatten, add_reshape,
            add_concat, add_batch_norm)


def install(network_class):
    for helper in _HELPERS:
        setattr(network_class, helper.__name__, helper)
