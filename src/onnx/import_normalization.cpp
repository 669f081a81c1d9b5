// BatchNormalization (opsets 1, 6, 7, 9, 14, 15), in inference form only.
#include "core/log.h"
#include "onnx/op_importers.h"

namespace int8rt::onnx_import {

// Inputs X, scale, B, mean, var. Outputs past Y (running mean/var, saved mean/var) exist only in
// training: they are declined, and using one is an error. momentum only matters in training;
// BatchNormalization-7's spatial=0 (per-activation statistics) is not modelled: the statistics
// must then still be per-channel, which shape inference checks.
Status import_BatchNormalization(NodeContext& ctx) {
  BatchNormAttrs attrs;
  attrs.epsilon = ctx.attr_float("epsilon", 1e-5f);
  ctx.ignore_attrs({"momentum"});
  // BatchNormalization-1/6: is_test=0 (the default) asks for batch statistics, as in training.
  if (ctx.opset() < 7 && ctx.attr_int("is_test", 0) == 0) {
    log_warning(ctx.logger(), ctx.describe(),
                ": is_test=0 (training) is imported as inference, with the running statistics");
  }
  if (ctx.opset() < 9 && ctx.attr_int("spatial", 1) == 0) {
    log_warning(ctx.logger(), ctx.describe(),
                ": spatial=0 is ignored; the statistics are read as per-channel");
  }
  if (ctx.opset() >= 14 && ctx.attr_int("training_mode", 0) != 0) {
    return ctx.fail(unsupported(ctx.describe(),
                                ": training_mode=1 is not supported (inference "
                                "only)"));
  }
  ctx.decline_outputs(1, "the running and saved statistics are computed only in training");
  ctx.add_layer(OpType::kBatchNormalization, ctx.inputs(), attrs, 1);
  return ctx.status();
}

}  // namespace int8rt::onnx_import
