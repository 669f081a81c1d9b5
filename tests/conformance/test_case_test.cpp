// The runner end to end on hand-made test directories (model.onnx + test_data_set_0/*.pb).
#include "conformance/test_case.h"

#include <gtest/gtest.h>
#include <onnx/onnx_pb.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>

namespace int8rt::conformance {
namespace {

namespace fs = std::filesystem;
using onnx::TensorProto;

TensorProto float_tensor(const std::string& name, std::vector<int64_t> dims,
                         const std::vector<float>& values) {
  TensorProto t;
  t.set_name(name);
  t.set_data_type(TensorProto::FLOAT);
  for (int64_t d : dims)
    t.add_dims(d);
  for (float v : values)
    t.add_float_data(v);
  return t;
}

void add_value(onnx::ValueInfoProto* value, const std::string& name, std::vector<int64_t> dims) {
  value->set_name(name);
  auto* tensor = value->mutable_type()->mutable_tensor_type();
  tensor->set_elem_type(TensorProto::FLOAT);
  for (int64_t d : dims)
    tensor->mutable_shape()->add_dim()->set_dim_value(d);
}

// y = op_type(x), x and y float 2x3, opset 13.
onnx::ModelProto unary_model(const std::string& op_type) {
  onnx::ModelProto model;
  model.set_ir_version(7);
  model.add_opset_import()->set_version(13);
  onnx::GraphProto* graph = model.mutable_graph();
  graph->set_name("g");
  onnx::NodeProto* node = graph->add_node();
  node->set_op_type(op_type);
  node->set_name("n0");
  node->add_input("x");
  node->add_output("y");
  add_value(graph->add_input(), "x", {2, 3});
  add_value(graph->add_output(), "y", {2, 3});
  return model;
}

class TestCaseTest : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = fs::temp_directory_path() /
           ("conformance_case_" + std::to_string(::getpid()) + "_" +
            ::testing::UnitTest::GetInstance()->current_test_info()->name());
    fs::remove_all(dir_);
    fs::create_directories(dir_);
  }
  void TearDown() override { fs::remove_all(dir_); }

  template <typename Proto>
  void write(const fs::path& relative, const Proto& proto) {
    fs::create_directories((dir_ / relative).parent_path());
    std::ofstream out(dir_ / relative, std::ios::binary);
    ASSERT_TRUE(proto.SerializeToOstream(&out)) << relative;
  }

  Outcome run() { return run_test_case(dir_, CaseOptions{"reference", false, 64 << 20}); }

  fs::path dir_;
};

const std::vector<float> kX = {-1.5f, 2.0f, 0.0f, 3.25f, -0.5f, 7.0f};
const std::vector<float> kRelu = {0.0f, 2.0f, 0.0f, 3.25f, 0.0f, 7.0f};  // max(x, 0) by hand

TEST_F(TestCaseTest, MatchingOutputPasses) {
  write("model.onnx", unary_model("Relu"));
  write("test_data_set_0/input_0.pb", float_tensor("x", {2, 3}, kX));
  write("test_data_set_0/output_0.pb", float_tensor("y", {2, 3}, kRelu));
  const Outcome out = run();
  EXPECT_EQ(out.verdict, Verdict::kPass) << out.reason;
  EXPECT_EQ(out.ops, std::vector<std::string>{"Relu"});
}

TEST_F(TestCaseTest, UnnamedTestTensorsPairByPosition) {
  write("model.onnx", unary_model("Relu"));
  write("test_data_set_0/input_0.pb", float_tensor("", {2, 3}, kX));
  write("test_data_set_0/output_0.pb", float_tensor("", {2, 3}, kRelu));
  const Outcome out = run();
  EXPECT_EQ(out.verdict, Verdict::kPass) << out.reason;
}

TEST_F(TestCaseTest, WrongExpectedValueFailsNamingTheElement) {
  std::vector<float> wrong = kRelu;
  wrong[4] = 0.5f;  // element [1,1]
  write("model.onnx", unary_model("Relu"));
  write("test_data_set_0/input_0.pb", float_tensor("x", {2, 3}, kX));
  write("test_data_set_0/output_0.pb", float_tensor("y", {2, 3}, wrong));
  const Outcome out = run();
  EXPECT_EQ(out.verdict, Verdict::kFail);
  EXPECT_NE(out.reason.find("output 0 \"y\": 1 of 6 values differ"), std::string::npos)
      << out.reason;
  EXPECT_NE(out.reason.find("first at [1,1]: expected 0.5, got 0"), std::string::npos)
      << out.reason;
}

TEST_F(TestCaseTest, SecondDataSetIsCheckedToo) {
  write("model.onnx", unary_model("Relu"));
  write("test_data_set_0/input_0.pb", float_tensor("x", {2, 3}, kX));
  write("test_data_set_0/output_0.pb", float_tensor("y", {2, 3}, kRelu));
  write("test_data_set_1/input_0.pb", float_tensor("x", {2, 3}, kX));
  write("test_data_set_1/output_0.pb", float_tensor("y", {2, 3}, kX));  // not relu(x)
  const Outcome out = run();
  EXPECT_EQ(out.verdict, Verdict::kFail);
  EXPECT_EQ(out.reason.rfind("test_data_set_1: output 0", 0), 0u) << out.reason;
}

TEST_F(TestCaseTest, WrongOutputShapeFails) {
  write("model.onnx", unary_model("Relu"));
  write("test_data_set_0/input_0.pb", float_tensor("x", {2, 3}, kX));
  write("test_data_set_0/output_0.pb", float_tensor("y", {3, 2}, kRelu));
  const Outcome out = run();
  EXPECT_EQ(out.verdict, Verdict::kFail);
  EXPECT_NE(out.reason.find("shape: expected 3x2, got 2x3"), std::string::npos) << out.reason;
}

TEST_F(TestCaseTest, UnknownOpSkipsNamingTheOp) {
  write("model.onnx", unary_model("NoSuchOnnxOp"));
  write("test_data_set_0/input_0.pb", float_tensor("x", {2, 3}, kX));
  write("test_data_set_0/output_0.pb", float_tensor("y", {2, 3}, kX));
  const Outcome out = run();
  EXPECT_EQ(out.verdict, Verdict::kSkip) << out.reason;
  EXPECT_EQ(out.reason, "op \"NoSuchOnnxOp\"") << out.detail;
}

TEST_F(TestCaseTest, TestDataOfADtypeInt8rtLacksSkips) {
  TensorProto x;
  x.set_name("x");
  x.set_data_type(TensorProto::DOUBLE);
  x.add_dims(2);
  x.add_dims(3);
  for (float v : kX)
    x.add_double_data(v);
  write("model.onnx", unary_model("Relu"));
  write("test_data_set_0/input_0.pb", x);
  write("test_data_set_0/output_0.pb", float_tensor("y", {2, 3}, kRelu));
  const Outcome out = run();
  EXPECT_EQ(out.verdict, Verdict::kSkip) << out.reason;
  EXPECT_EQ(out.reason, "dtype double");
}

TEST_F(TestCaseTest, NoDataSetSkips) {
  write("model.onnx", unary_model("Relu"));
  const Outcome out = run();
  EXPECT_EQ(out.verdict, Verdict::kSkip);
  EXPECT_EQ(out.reason, "no test_data_set_* directory");
}

TEST_F(TestCaseTest, MalformedModelFailsWithoutThrowing) {
  std::ofstream(dir_ / "model.onnx") << "this is not a model";
  write("test_data_set_0/input_0.pb", float_tensor("x", {2, 3}, kX));
  write("test_data_set_0/output_0.pb", float_tensor("y", {2, 3}, kRelu));
  const Outcome out = run();
  EXPECT_EQ(out.verdict, Verdict::kFail);
  EXPECT_EQ(out.reason.rfind("import: ", 0), 0u) << out.reason;
}

}  // namespace
}  // namespace int8rt::conformance
