#include <gtest/gtest.h>

#include "pass_test_util.h"
#include "pass_testing.h"
#include "passes/passes.h"

namespace int8rt {
namespace {

using pass_testing::add_random;
using pass_testing::CapturingLogger;
using pass_testing::count_layers;
using pass_testing::expect_pass_preserves_outputs;
using pass_testing::tolerance;

constexpr auto infer_and_fuse = pass_testing::fold_then<passes::fuse_matmul_add>;

// A [4, 8] x B [8, 5] + c, with c of each shape Gemm's C accepts, on either side of the Add.
TEST(FuseMatMulAdd, BecomesGemmWithBias) {
  const Dims bias_shapes[] = {Dims{5}, Dims{1, 5}, Dims{4, 1}, Dims{4, 5}, Dims{}};
  for (const Dims& bias_dims : bias_shapes) {
    for (bool bias_first : {false, true}) {
      const std::string config =
          "MatMul 4x8 * 8x5 + bias " + bias_dims.to_string() + (bias_first ? " (bias first)" : "");
      Network net;
      Tensor* a = net.add_input("a", DataType::kFloat, Dims{4, 8}).value();
      Tensor* b = add_random(net, "fc.weight", Dims{8, 5}, 161);
      Tensor* c = add_random(net, "fc.bias", bias_dims, 162);
      Layer* mm = net.add_layer(OpType::kMatMul, "fc", {a, b}, NoAttrs{}, {"m"}).value();
      std::vector<Tensor*> operands = {mm->output(0), c};
      if (bias_first) std::swap(operands[0], operands[1]);
      Layer* sum = net.add_layer(OpType::kAdd, "fc_bias", operands, NoAttrs{}, {"y"}).value();
      ASSERT_TRUE(net.mark_output(sum->output(0)).is_ok());

      CapturingLogger logger;
      expect_pass_preserves_outputs(
          net, [&](Network& n) { return infer_and_fuse(n, logger); }, tolerance(8, 8.0f), 163,
          config);
      ASSERT_EQ(net.num_layers(), 1) << config;
      const Layer* gemm = net.layer(0);
      EXPECT_EQ(gemm->type(), OpType::kGemm) << config;
      EXPECT_EQ(gemm->name(), "fc+fc_bias") << config;
      ASSERT_EQ(gemm->num_inputs(), 3) << config;
      EXPECT_EQ(gemm->input(0), a);
      EXPECT_EQ(gemm->input(1), b);
      EXPECT_EQ(gemm->input(2), c);
      const auto& attrs = gemm->attrs_as<GemmAttrs>();
      EXPECT_EQ(attrs.alpha, 1.0f);
      EXPECT_EQ(attrs.beta, 1.0f);
      EXPECT_FALSE(attrs.trans_a || attrs.trans_b);
      EXPECT_EQ(gemm->output(0)->name(), "y");
      EXPECT_EQ(gemm->output(0)->dims(), (Dims{4, 5}));
      auto lines = logger.find(Logger::Severity::kVerbose, "fuse_matmul_add");
      ASSERT_EQ(lines.size(), 1u) << logger.dump();
      EXPECT_NE(lines[0].find("MatMul \"fc\""), std::string::npos) << lines[0];
    }
  }
}

TEST(FuseMatMulAdd, Refusals) {
  const char* what[] = {"3-D MatMul", "Add broadcasts the product up (bias 3x4x5)",
                        "bias computed at run time", "product is a network output"};
  for (int variant = 0; variant < 4; ++variant) {
    Network net;
    Dims a_dims = variant == 0 ? Dims{2, 4, 8} : Dims{4, 8};
    Tensor* a = net.add_input("a", DataType::kFloat, a_dims).value();
    Tensor* b = add_random(net, "w", Dims{8, 5}, 171);
    Tensor* c = nullptr;
    if (variant == 1) {
      c = add_random(net, "c", Dims{3, 4, 5}, 172);
    } else if (variant == 2) {
      c = net.add_input("c", DataType::kFloat, Dims{5}).value();
    } else {
      c = add_random(net, "c", Dims{5}, 172);
    }
    Layer* mm = net.add_layer(OpType::kMatMul, "mm", {a, b}, NoAttrs{}, {"m"}).value();
    Layer* sum = net.add_layer(OpType::kAdd, "add", {mm->output(0), c}, NoAttrs{}, {"y"}).value();
    ASSERT_TRUE(net.mark_output(sum->output(0)).is_ok());
    if (variant == 3) {
      ASSERT_TRUE(net.mark_output(mm->output(0)).is_ok());
    }
    CapturingLogger logger;
    expect_pass_preserves_outputs(
        net, [&](Network& n) { return infer_and_fuse(n, logger); }, 0.0f, 173, what[variant]);
    EXPECT_EQ(count_layers(net, OpType::kMatMul), 1) << what[variant];
    EXPECT_EQ(count_layers(net, OpType::kGemm), 0) << what[variant];
  }
}

}  // namespace
}  // namespace int8rt
