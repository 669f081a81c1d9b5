// Shape inference of Quantize/Dequantize, and of the ops with INT8 kernels when their data input
// is quantized (src/ir/quantization.h): they keep the output dtype the precision pass chose, so
// inferring again never undoes it.
#include <gtest/gtest.h>

#include "int8rt/network.h"
#include "ir/quantization.h"
#include "unit/ir/compute_ops_test_util.h"

namespace int8rt {
namespace {

using compute_testing::expect_error;
using compute_testing::OneLayer;

Tensor* quantized(OneLayer& t, Dims dims, float amax = 1.0f) {
  Tensor* x = t.input(std::move(dims), DataType::kInt8);
  EXPECT_TRUE(x->set_dynamic_range(-amax, amax).is_ok());
  return x;
}

TEST(QuantizeShape, QuantizeAndDequantize) {
  OneLayer q;
  Layer* l = q.layer(OpType::kQuantize, {q.input({2, 3})}, NoAttrs{});
  ASSERT_TRUE(l->output(0)->set_dynamic_range(-1.0f, 1.0f).is_ok());
  ASSERT_TRUE(q.infer().is_ok());
  EXPECT_EQ(q.out_type(), DataType::kInt8);
  EXPECT_EQ(q.out(), (Dims{2, 3}));

  OneLayer d;
  d.layer(OpType::kDequantize, {quantized(d, {4, 1, 2})}, NoAttrs{});
  ASSERT_TRUE(d.infer().is_ok());
  EXPECT_EQ(d.out_type(), DataType::kFloat);
  EXPECT_EQ(d.out(), (Dims{4, 1, 2}));
}

TEST(QuantizeShape, Errors) {
  OneLayer no_range;
  no_range.layer(OpType::kQuantize, {no_range.input({2})}, NoAttrs{});
  expect_error(no_range.infer(), StatusCode::kInvalidArgument,
               {"Quantize \"op\"", "output \"y0\" has no dynamic range"});

  OneLayer int_in;
  int_in.layer(OpType::kQuantize, {int_in.input({2}, DataType::kInt8)}, NoAttrs{});
  expect_error(int_in.infer(), StatusCode::kUnsupported, {"Quantize \"op\"", "dtype int8"});

  OneLayer d;
  d.layer(OpType::kDequantize, {d.input({2}, DataType::kInt8)}, NoAttrs{});
  expect_error(d.infer(), StatusCode::kInvalidArgument,
               {"Dequantize \"op\"", "input \"x0\" has no dynamic range"});

  OneLayer f;
  f.layer(OpType::kDequantize, {f.input({2})}, NoAttrs{});
  expect_error(f.infer(), StatusCode::kUnsupported, {"Dequantize \"op\"", "dtype float32"});
}

// Infers `t`'s layer with a fresh (float) output, then with the output set to int8 twice: the
// dtype follows what the pass set and survives re-inference.
void expect_keeps_dtype(OneLayer& t, const Dims& expected, const std::string& what) {
  SCOPED_TRACE(what);
  Status s = t.infer();
  ASSERT_TRUE(s.is_ok()) << s.to_string();
  EXPECT_EQ(t.out_type(), DataType::kFloat);  // a dequantizing output
  EXPECT_EQ(t.out(), expected);
  t.net().find_tensor("y0")->set_dtype(DataType::kInt8);
  for (int i = 0; i < 2; ++i) {
    ASSERT_TRUE(t.infer().is_ok());
    EXPECT_EQ(t.out_type(), DataType::kInt8);
    EXPECT_EQ(t.out(), expected);
  }
  t.net().find_tensor("y0")->set_dtype(DataType::kFloat);
  ASSERT_TRUE(t.infer().is_ok());
  EXPECT_EQ(t.out_type(), DataType::kFloat);
}

TEST(QuantizeShape, Int8LayersKeepTheOutputDtype) {
  {
    OneLayer t;
    ConvAttrs attrs;
    attrs.pads = {1, 1, 1, 1};
    Tensor* r = quantized(t, {1, 4, 5, 5});
    t.layer(OpType::kConv,
            {quantized(t, {1, 2, 5, 5}), t.constant({4, 2, 3, 3}), t.constant({4}), r}, attrs);
    expect_keeps_dtype(t, {1, 4, 5, 5}, "Conv");
  }
  {
    OneLayer t;
    GemmAttrs attrs;
    attrs.trans_b = true;
    attrs.alpha = 0.5f;  // not an integer: fine for INT8 (it scales the float weights)
    attrs.activation = {ActivationKind::kRelu, 0, 0};
    t.layer(OpType::kGemm, {quantized(t, {2, 3}), t.constant({4, 3}), t.constant({4})}, attrs);
    expect_keeps_dtype(t, {2, 4}, "Gemm");
  }
  {
    OneLayer t;
    t.layer(OpType::kMatMul, {quantized(t, {2, 5, 3}), t.constant({3, 4})}, NoAttrs{});
    expect_keeps_dtype(t, {2, 5, 4}, "MatMul");
  }
  PoolAttrs pool;
  pool.kernel_shape = {2, 2};
  pool.strides = {2, 2};
  for (OpType op : {OpType::kMaxPool, OpType::kAveragePool}) {
    OneLayer t;
    t.layer(op, {quantized(t, {1, 3, 4, 4})}, pool);
    expect_keeps_dtype(t, {1, 3, 2, 2}, std::string(to_string(op)));
  }
  {
    OneLayer t;
    t.layer(OpType::kGlobalAveragePool, {quantized(t, {1, 3, 4, 4})}, NoAttrs{});
    expect_keeps_dtype(t, {1, 3, 1, 1}, "GlobalAveragePool");
  }
  {
    OneLayer t;
    t.layer(OpType::kAdd, {quantized(t, {2, 3}), quantized(t, {3}, 2.0f)}, NoAttrs{});
    expect_keeps_dtype(t, {2, 3}, "Add");
  }
  {
    OneLayer t;
    ConcatAttrs attrs;
    attrs.axis = 1;
    t.layer(OpType::kConcat, {quantized(t, {2, 3}), quantized(t, {2, 1}, 2.0f)}, attrs);
    expect_keeps_dtype(t, {2, 4}, "Concat");
  }
}

TEST(QuantizeShape, Int8OperandErrors) {
  // Plain int8 (no range) is integer data: Add and MaxPool keep int8 outputs.
  OneLayer plain;
  plain.layer(OpType::kAdd, {plain.input({2}, DataType::kInt8), plain.input({2}, DataType::kInt8)},
              NoAttrs{});
  ASSERT_TRUE(plain.infer().is_ok());
  EXPECT_EQ(plain.out_type(), DataType::kInt8);

  // A quantized Add whose other operand has no range.
  OneLayer add;
  add.layer(OpType::kAdd, {quantized(add, {2}), add.input({2}, DataType::kInt8)}, NoAttrs{});
  expect_error(add.infer(), StatusCode::kUnsupported,
               {"Add \"op\"", "input 1 \"x1\"", "without a dynamic range"});

  // A quantized Concat with a float input.
  OneLayer cat;
  cat.layer(OpType::kConcat, {quantized(cat, {2}), cat.input({2})}, ConcatAttrs{});
  expect_error(cat.infer(), StatusCode::kInvalidArgument, {"Concat \"op\"", "dtype float32"});

  // The residual of an INT8 Conv must be quantized too.
  OneLayer conv;
  conv.layer(OpType::kConv,
             {quantized(conv, {1, 1, 2, 2}), conv.constant({1, 1, 1, 1}), nullptr,
              conv.input({1, 1, 2, 2})},
             ConvAttrs{});
  expect_error(conv.infer(), StatusCode::kUnsupported,
               {"Conv \"op\"", "input 3 \"x", "dtype float32", "expected int8"});

  // Gemm's B must be a float32 constant.
  OneLayer gemm;
  gemm.layer(OpType::kGemm, {quantized(gemm, {2, 2}), gemm.input({2, 2})}, GemmAttrs{});
  expect_error(gemm.infer(), StatusCode::kUnsupported,
               {"Gemm \"op\"", "input 1", "computed at run time", "float32 constant"});
}

TEST(QuantizeShape, ZeroRangeGetsScaleOne) {
  OneLayer t;
  Tensor* x = t.input({1});
  ASSERT_TRUE(x->set_dynamic_range(0.0f, 0.0f).is_ok());
  EXPECT_EQ(ir::int8_scale(*x), 1.0f);
  ASSERT_TRUE(x->set_dynamic_range(-2.54f, 1.0f).is_ok());
  EXPECT_EQ(ir::int8_scale(*x), 2.54f / 127.0f);
}

}  // namespace
}  // namespace int8rt
