#include "conformance/skip_reason.h"

#include <gtest/gtest.h>

namespace int8rt::conformance {
namespace {

TEST(SkipReason, Tokens) {
  EXPECT_TRUE(contains_token("node (Conv): bad", "Conv"));
  EXPECT_FALSE(contains_token("ConvTranspose \"c\"", "Conv"));
  EXPECT_FALSE(contains_token("QLinearConv", "Conv"));
  EXPECT_TRUE(contains_token("op \"Conv\"", "Conv"));
  EXPECT_TRUE(contains_token("Conv", "Conv"));
  EXPECT_FALSE(contains_token("conv", "Conv"));
  EXPECT_TRUE(contains_token("conv", "Conv", /*ignore_case=*/true));
}

TEST(SkipReason, UnknownOpNamedInMessage) {
  const std::vector<ModelOp> ops = {{"", "Relu"}, {"", "NoSuchOnnxOp"}};
  EXPECT_EQ(
      skip_reason("/d/model.onnx: node \"n1\": unsupported op \"NoSuchOnnxOp\" (opset 13)", ops),
      "op \"NoSuchOnnxOp\"");
}

TEST(SkipReason, OtherDomainsAreQualified) {
  const std::vector<ModelOp> ops = {{"ai.onnx.preview.training", "Adam"}};
  EXPECT_EQ(skip_reason("model.onnx: node \"a\": op Adam of domain ai.onnx.preview.training", ops),
            "op \"ai.onnx.preview.training:Adam\"");
  // Even an op name int8rt has is unsupported outside the default domain.
  const std::vector<ModelOp> relu = {{"com.example", "Relu"}};
  EXPECT_EQ(skip_reason("com.example:Relu is not an ONNX op", relu), "op \"com.example:Relu\"");
}

TEST(SkipReason, DtypeOfAKnownOp) {
  const std::vector<ModelOp> ops = {{"", "Relu"}};
  EXPECT_EQ(skip_reason("model.onnx: input \"x\" has dtype FLOAT16", ops), "dtype float16");
  EXPECT_EQ(skip_reason("Relu \"r\": tensor of type float64", ops), "dtype double");
  EXPECT_EQ(skip_reason("input \"s\": dtype STRING", ops), "dtype string");
  EXPECT_EQ(skip_reason("x: dtype uint16 is not supported", ops), "dtype uint16");
}

TEST(SkipReason, TheWordStringIsNoDtype) {
  EXPECT_EQ(find_unsupported_dtype("attribute \"mode\" has string value \"x\""), "");
  EXPECT_EQ(find_unsupported_dtype("Cast to dtype string"), "string");
  EXPECT_EQ(find_unsupported_dtype("int32 and int8 are fine"), "");
}

TEST(SkipReason, KnownOpWithAnUnsupportedFeature) {
  const std::vector<ModelOp> ops = {{"", "Relu"}, {"", "BatchNormalization"}};
  EXPECT_EQ(skip_reason("/data/node/test_bn/model.onnx: BatchNormalization \"bn\": "
                        "training_mode=1 is not supported",
                        ops),
            "op \"BatchNormalization\": training_mode=1 is not supported");
}

TEST(SkipReason, NamesOfTensorsAndNodesAreMasked) {
  const std::vector<ModelOp> ops = {{"", "Reshape"}};
  EXPECT_EQ(skip_reason("model.onnx: Reshape \"r\": input 1 (shape, tensor \"shape_7\") must be "
                        "known at build time",
                        ops),
            "op \"Reshape\": input 1 (shape, tensor \"...\") must be known at build time");
  EXPECT_EQ(skip_reason("model.onnx: graph input \"opt_in\" is not a tensor", {}),
            "graph input \"...\" is not a tensor");
  // Attribute values are what is unsupported: they stay.
  EXPECT_EQ(skip_reason("m: mode \"cubic\" of node \"n\" is not supported", {}),
            "mode \"cubic\" of node \"...\" is not supported");
}

TEST(SkipReason, FallsBackToTheLastClause) {
  EXPECT_EQ(skip_reason("model.onnx: opset 99 of the default domain", {}),
            "opset 99 of the default domain");
  EXPECT_EQ(skip_reason("plain message", {}), "plain message");
  EXPECT_EQ(skip_reason("m.onnx: Add: not this way; other unsupported ops: Mul", {}),
            "not this way");
  const std::string long_message(300, 'x');
  EXPECT_EQ(skip_reason(long_message, {}).size(), 123u);
}

}  // namespace
}  // namespace int8rt::conformance
