// int8rt run on a model whose output names are not file names.
#include <gtest/gtest.h>

#include <filesystem>

#include "e2e/cli_runner.h"
#include "int8rt/data.h"
#include "unit/data/data_test_util.h"

namespace int8rt {
namespace {

using testing::CliResult;
using testing::run_cli;
using testing::TempDir;

// Just enough of the protobuf wire format to write a small ONNX model by hand.
std::string varint(uint64_t value) {
  std::string out;
  do {
    out += static_cast<char>((value & 0x7F) | (value > 0x7F ? 0x80 : 0));
    value >>= 7;
  } while (value != 0);
  return out;
}
std::string field_varint(int field, uint64_t value) {
  return varint(static_cast<uint64_t>(field) << 3) + varint(value);
}
std::string field_bytes(int field, const std::string& bytes) {
  return varint((static_cast<uint64_t>(field) << 3) | 2) + varint(bytes.size()) + bytes;
}

// ValueInfoProto{name, type: TypeProto{tensor_type: {elem_type: FLOAT, shape: 2x3}}}.
std::string value_info(const std::string& name) {
  const std::string shape = field_bytes(1, field_varint(1, 2)) + field_bytes(1, field_varint(1, 3));
  const std::string tensor = field_varint(1, 1) + field_bytes(2, shape);
  return field_bytes(1, name) + field_bytes(2, field_bytes(1, tensor));
}

std::string node(const std::string& op, const std::string& input, const std::string& output) {
  return field_bytes(1, input) + field_bytes(2, output) + field_bytes(3, op + "_node") +
         field_bytes(4, op);
}

// x: float32 2x3 -> Relu -> "a/b", Neg -> "a:b", Abs -> "..".
std::string model_with_awkward_output_names() {
  std::string graph = field_bytes(1, node("Relu", "x", "a/b")) +
                      field_bytes(1, node("Neg", "x", "a:b")) +
                      field_bytes(1, node("Abs", "x", "..")) + field_bytes(2, "names") +
                      field_bytes(11, value_info("x"));
  for (const char* name : {"a/b", "a:b", ".."})
    graph += field_bytes(12, value_info(name));
  const std::string opset = field_bytes(1, "") + field_varint(2, 13);
  return field_varint(1, 8) + field_bytes(7, graph) + field_bytes(8, opset);
}

TEST(CliOutputNames, AreMadeSafeAndUnique) {
  ASSERT_TRUE(std::filesystem::exists(testing::cli_path())) << testing::cli_path();
  TempDir dir;
  const std::string model = dir.write("names.onnx", model_with_awkward_output_names());
  const std::vector<float> x = {1, -2, 3, -4, 5, -6};
  ASSERT_TRUE(write_npy(dir.file("x.npy"), DataType::kFloat, Dims{2, 3}, x.data()).is_ok());
  CliResult result = run_cli({"run", "--onnx", model, "--input", "x=" + dir.file("x.npy"),
                              "--output-dir", dir.file("out")});
  ASSERT_EQ(result.exit_code, 0) << result.command << "\n" << result.err;
  // '/' and ':' become '_'; the second "a_b" gets its output index; ".." is no file name.
  const std::vector<std::pair<std::string, std::vector<double>>> expected = {
      {"a_b.npy", {1, 0, 3, 0, 5, 0}},
      {"a_b_1.npy", {-1, 2, -3, 4, -5, 6}},
      {"output2.npy", {1, 2, 3, 4, 5, 6}},
  };
  for (const auto& [file, values] : expected) {
    auto array = read_npy(dir.file("out/" + file));
    ASSERT_TRUE(array.is_ok()) << array.status().to_string() << "\n" << result.out;
    EXPECT_EQ(array->dims(), (Dims{2, 3})) << file;
    EXPECT_EQ(array->to_double(), values) << file;
  }
  EXPECT_EQ(std::distance(std::filesystem::directory_iterator(dir.file("out")),
                          std::filesystem::directory_iterator()),
            3);
  EXPECT_NE(result.out.find("output \"a:b\": float32 2x3 -> " + dir.file("out") + "/a_b_1.npy"),
            std::string::npos)
      << result.out;
}

}  // namespace
}  // namespace int8rt
