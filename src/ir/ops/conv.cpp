// Conv and ConvTranspose shape inference.
//
// Conv:          X [N, C, D1..Dn], W [M, C/group, k1..kn], B? [M], R? (residual, output shape)
//                -> Y [N, M, O1..On]
// ConvTranspose: X [N, C, D1..Dn], W [C, M/group, k1..kn], B? [M] -> Y [N, M, O1..On] with
//                O = s * (D - 1) + output_padding + (k - 1) * d + 1 - pad_begin - pad_end.
#include <algorithm>

#include "ir/ops/compute_params.h"
#include "ir/ops/op_util.h"
#include "ir/quantization.h"
#include "ir/shape_inference.h"

namespace int8rt::ir {

namespace {

// Checks X and W ranks (X: N, C and at least one spatial axis; W: same rank as X) and the bias.
Status check_conv_operands(const Layer& layer, const Dims& x, const Dims& w, int64_t out_channels) {
  if (x.rank() < 3) {
    return invalid_argument(describe(layer), ": input \"", layer.input(0)->name(), "\" has shape ",
                            x.to_string(), ", expected N x C x spatial (rank >= 3)");
  }
  if (w.rank() != x.rank()) {
    return invalid_argument(describe(layer), ": weight has ", w.rank(), " dims, expected ",
                            x.rank(), " (", weight_layout_name(x.rank() - 2), ")");
  }
  if (layer.num_inputs() > 2 && layer.input(2) != nullptr) {
    const Dims& b = layer.input(2)->dims();
    if (b.rank() != 1 || b[0] != out_channels) {
      return invalid_argument(describe(layer), ": bias has shape ", b.to_string(), ", expected ",
                              out_channels, " (one per output channel)");
    }
  }
  return Status::ok();
}

Status check_activation(const Layer& layer, const FusedActivation& act) {
  if (act.kind == ActivationKind::kClip && !(act.alpha <= act.beta)) {
    return invalid_argument(describe(layer), ": fused clip has min ", act.alpha, " > max ",
                            act.beta);
  }
  return Status::ok();
}

// Fills kernel_shape from the weight's spatial extents, or checks the given one matches them.
Status fill_kernel_shape(const Layer& layer, const Dims& w, std::vector<int64_t>& kernel) {
  std::vector<int64_t> from_weight(w.extents().begin() + 2, w.extents().end());
  if (kernel.empty()) {
    kernel = from_weight;
  } else if (kernel != from_weight) {
    return invalid_argument(describe(layer), ": kernel_shape ", Dims(kernel).to_string(),
                            " does not match the weight's spatial extents ",
                            Dims(from_weight).to_string());
  }
  return Status::ok();
}

}  // namespace

Status infer_Conv(Layer& layer) {
  INT8RT_RETURN_IF_ERROR(expect_inputs(layer, 2, 4));
  INT8RT_RETURN_IF_ERROR(expect_outputs(layer, 1, 1));
  INT8RT_ASSIGN_OR_RETURN(const Tensor* x, required_input(layer, 0, "X"));
  INT8RT_ASSIGN_OR_RETURN(const Tensor* w, required_input(layer, 1, "W"));
  // INT8 (src/ir/quantization.h): quantized X and R, float32 constant W and B.
  const bool int8 = is_quantized(x);
  if (int8) INT8RT_RETURN_IF_ERROR(check_int8_operands(layer, {0, 3}, {1, 2}));
  for (int i = 0; i < layer.num_inputs() && !int8; ++i) {
    INT8RT_RETURN_IF_ERROR(expect_dtype(layer, i, {DataType::kFloat}));
  }
  auto& attrs = std::get<ConvAttrs>(layer.mutable_attrs());
  const Dims& xd = x->dims();
  const Dims& wd = w->dims();
  INT8RT_RETURN_IF_ERROR(check_conv_operands(layer, xd, wd, wd.rank() > 0 ? wd[0] : 0));
  if (attrs.group < 1) {
    return invalid_argument(describe(layer), ": group is ", attrs.group, ", expected >= 1");
  }
  if (wd[1] * attrs.group != xd[1]) {
    return invalid_argument(describe(layer), ": input has ", xd[1], " channels but weight expects ",
                            wd[1] * attrs.group, " (group ", attrs.group, ")");
  }
  if (wd[0] % attrs.group != 0) {
    return invalid_argument(describe(layer), ": weight has ", wd[0],
                            " output channels, not divisible by group ", attrs.group);
  }
  INT8RT_RETURN_IF_ERROR(check_activation(layer, attrs.activation));
  Window window{attrs.kernel_shape, attrs.strides, attrs.pads, attrs.dilations};
  INT8RT_RETURN_IF_ERROR(fill_kernel_shape(layer, wd, window.kernel));
  std::vector<int64_t> in(xd.extents().begin() + 2, xd.extents().end());
  AutoPad auto_pad = attrs.auto_pad;
  INT8RT_ASSIGN_OR_RETURN(std::vector<int64_t> spatial,
                          resolve_window(layer, in, window, auto_pad, /*ceil_mode=*/false));
  std::vector<int64_t> out = {xd[0], wd[0]};
  out.insert(out.end(), spatial.begin(), spatial.end());
  if (layer.num_inputs() > 3 && layer.input(3) != nullptr) {
    const Tensor* r = layer.input(3);
    if (r->dims() != Dims(out)) {
      return invalid_argument(describe(layer), ": residual \"", r->name(), "\" has shape ",
                              r->dims().to_string(), ", expected the output shape ",
                              Dims(out).to_string());
    }
  }
  attrs.kernel_shape = window.kernel;
  attrs.strides = window.strides;
  attrs.pads = window.pads;
  attrs.dilations = window.dilations;
  attrs.auto_pad = auto_pad;
  set_output(layer, 0, int8 ? quantized_output_dtype(layer, 0) : DataType::kFloat,
             Dims(std::move(out)));
  return Status::ok();
}

// Pads when the output extents are fixed (output_shape given, or auto_pad SAME_*):
//   total = s * (in - 1) + output_padding + (k - 1) * d + 1 - out
//   SAME_UPPER: begin = floor(total / 2), end = total - begin; otherwise the odd one goes first.
// total may be negative (an output_shape larger than the full transposed convolution): a pad is
// then negative and the extra output positions only receive the bias. The canonical form keeps
// these explicit pads (negative ones included) and clears output_shape and auto_pad.
Status infer_ConvTranspose(Layer& layer) {
  INT8RT_RETURN_IF_ERROR(expect_inputs(layer, 2, 3));
  INT8RT_RETURN_IF_ERROR(expect_outputs(layer, 1, 1));
  INT8RT_ASSIGN_OR_RETURN(const Tensor* x, required_input(layer, 0, "X"));
  INT8RT_ASSIGN_OR_RETURN(const Tensor* w, required_input(layer, 1, "W"));
  for (int i = 0; i < layer.num_inputs(); ++i) {
    INT8RT_RETURN_IF_ERROR(expect_dtype(layer, i, {DataType::kFloat}));
  }
  auto& attrs = std::get<ConvTransposeAttrs>(layer.mutable_attrs());
  const Dims& xd = x->dims();
  const Dims& wd = w->dims();
  if (attrs.group < 1) {
    return invalid_argument(describe(layer), ": group is ", attrs.group, ", expected >= 1");
  }
  const int64_t out_channels = wd.rank() > 1 ? wd[1] * attrs.group : 0;
  INT8RT_RETURN_IF_ERROR(check_conv_operands(layer, xd, wd, out_channels));
  if (wd[0] != xd[1]) {
    return invalid_argument(describe(layer), ": input has ", xd[1], " channels but weight has ",
                            wd[0], " (weight layout I x O/group x spatial)");
  }
  if (xd[1] % attrs.group != 0) {
    return invalid_argument(describe(layer), ": input has ", xd[1],
                            " channels, not divisible by group ", attrs.group);
  }
  const int n = xd.rank() - 2;
  const auto un = static_cast<size_t>(n);
  Window window{attrs.kernel_shape, attrs.strides, attrs.pads, attrs.dilations};
  INT8RT_RETURN_IF_ERROR(fill_kernel_shape(layer, wd, window.kernel));
  INT8RT_RETURN_IF_ERROR(canonicalize_window(layer, n, window, /*allow_negative_pads=*/true));
  std::vector<int64_t> output_padding = attrs.output_padding;
  if (output_padding.empty()) output_padding.assign(un, 0);
  if (output_padding.size() != un) {
    return invalid_argument(describe(layer), ": output_padding has ", output_padding.size(),
                            " entries, expected ", n);
  }
  std::vector<int64_t> output_shape = attrs.output_shape;
  // Some exporters give the full output shape (N, C, spatial...): keep the spatial part.
  if (output_shape.size() == un + 2)
    output_shape.erase(output_shape.begin(), output_shape.begin() + 2);
  if (!output_shape.empty() && output_shape.size() != un) {
    return invalid_argument(describe(layer), ": output_shape has ", output_shape.size(),
                            " entries, expected ", n, " (the spatial extents)");
  }
  const bool same = attrs.auto_pad == AutoPad::kSameUpper || attrs.auto_pad == AutoPad::kSameLower;
  if (output_shape.empty() && same) {
    for (size_t i = 0; i < un; ++i)
      output_shape.push_back(xd[static_cast<int>(i) + 2] * window.strides[i]);
  }
  if (attrs.auto_pad == AutoPad::kValid) std::fill(window.pads.begin(), window.pads.end(), 0);
  std::vector<int64_t> out = {xd[0], out_channels};
  for (size_t i = 0; i < un; ++i) {
    if (output_padding[i] < 0) {
      return invalid_argument(describe(layer), ": output_padding[", i, "] is ", output_padding[i],
                              ", expected >= 0");
    }
    const int64_t full = window.strides[i] * (xd[static_cast<int>(i) + 2] - 1) + output_padding[i] +
                         (window.kernel[i] - 1) * window.dilations[i] + 1;
    if (!output_shape.empty()) {
      const int64_t total = full - output_shape[i];
      const int64_t half = total >= 0 ? total / 2 : -((-total + 1) / 2);  // floor(total / 2)
      window.pads[i] = attrs.auto_pad == AutoPad::kSameUpper ? half : total - half;
      window.pads[i + un] = total - window.pads[i];
    }
    const int64_t extent = full - window.pads[i] - window.pads[i + un];
    if (extent < 1) {
      return invalid_argument(describe(layer), ": spatial axis ", i, " would have extent ", extent,
                              " (pads ", window.pads[i], "+", window.pads[i + un], ")");
    }
    out.push_back(extent);
  }
  attrs.kernel_shape = window.kernel;
  attrs.strides = window.strides;
  attrs.pads = window.pads;
  attrs.dilations = window.dilations;
  attrs.output_padding = output_padding;
  attrs.output_shape.clear();
  attrs.auto_pad = AutoPad::kNotSet;
  set_output(layer, 0, DataType::kFloat, Dims(std::move(out)));
  return Status::ok();
}

}  // namespace int8rt::ir
