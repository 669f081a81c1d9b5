// Reading model files: bad files fail with the path and the right code, never a crash; the
// project's own trained models import with the expected interface.
#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <random>

#include "onnx_test_util.h"
#include "testing/testing.h"

namespace int8rt::testing {
namespace {

std::string small_model_bytes() {
  OnnxModel model(13);
  model.input("x", onnx::TensorProto::FLOAT, {"N", 4});
  model.initializer("w", {4, 4}, std::vector<float>(16, 0.25f));
  model.initializer("b", {4}, std::vector<float>(4, 1.0f));
  model.node("Gemm", {"x", "w", "b"}, {"g"}, "fc").attr_int("transB", 1);
  model.node("Relu", {"g"}, {"y"}, "relu");
  model.output("y");
  return model.serialize();
}

Status parse_file(const std::string& path, Network& net) {
  CapturingLogger logger;
  return OnnxParser(net, logger).parse_from_file(path);
}

TEST(OnnxFile, ValidFileParses) {
  std::string path = write_temp_file("valid", small_model_bytes());
  Network net;
  Status status = parse_file(path, net);
  ASSERT_TRUE(status.is_ok()) << status.to_string();
  EXPECT_EQ(net.num_layers(), 2);
  const auto& gemm = net.find_layer("fc")->attrs_as<GemmAttrs>();
  EXPECT_TRUE(gemm.trans_b);
  EXPECT_FALSE(gemm.trans_a);
}

TEST(OnnxFile, MissingPathIsNotFound) {
  Network net;
  Status status = parse_file("/nonexistent/dir/model.onnx", net);
  EXPECT_EQ(status.code(), StatusCode::kNotFound);
  EXPECT_TRUE(contains(status.message(), "/nonexistent/dir/model.onnx"));
}

TEST(OnnxFile, DirectoryIsAnIoError) {
  Network net;
  std::string dir = ::testing::TempDir();
  Status status = parse_file(dir, net);
  EXPECT_EQ(status.code(), StatusCode::kIoError);
  EXPECT_TRUE(contains(status.message(), dir));
  EXPECT_TRUE(contains(status.message(), "directory"));
}

TEST(OnnxFile, EmptyFileIsAParseError) {
  std::string path = write_temp_file("empty", "");
  Network net;
  Status status = parse_file(path, net);
  EXPECT_EQ(status.code(), StatusCode::kParseError);
  EXPECT_TRUE(contains(status.message(), path));
}

// Every prefix of a valid model either fails with a parse error or (for prefixes that happen to
// end on a field boundary) parses to something the importer rejects or accepts; never a crash.
TEST(OnnxFile, TruncatedFilesFailCleanly) {
  std::string bytes = small_model_bytes();
  {
    std::string path = write_temp_file("half", bytes.substr(0, bytes.size() / 2));
    Network net;
    Status status = parse_file(path, net);
    EXPECT_EQ(status.code(), StatusCode::kParseError) << status.to_string();
    EXPECT_TRUE(contains(status.message(), path));
    EXPECT_EQ(net.num_tensors(), 0);
  }
  int failures = 0;
  for (size_t cut = 1; cut < bytes.size(); ++cut) {
    Network net;
    CapturingLogger logger;
    Status status = OnnxParser(net, logger).parse(bytes.data(), cut, "cut");
    if (!status.is_ok()) {
      ++failures;
      EXPECT_TRUE(status.is_user_error()) << "cut at " << cut << ": " << status.to_string();
      EXPECT_EQ(net.num_tensors(), 0) << "cut at " << cut;
    }
  }
  EXPECT_EQ(failures, static_cast<int>(bytes.size()) - 1)
      << "every proper prefix of this model lacks its outputs";
}

TEST(OnnxFile, GarbageBytesFailCleanly) {
  std::mt19937 rng(1234);
  for (int trial = 0; trial < 200; ++trial) {
    std::string bytes(1 + rng() % 512, '\0');
    for (char& c : bytes)
      c = static_cast<char>(rng());
    Network net;
    CapturingLogger logger;
    Status status = OnnxParser(net, logger).parse(bytes.data(), bytes.size(), "garbage");
    EXPECT_FALSE(status.is_ok()) << "seed 1234, trial " << trial;
    EXPECT_TRUE(status.is_user_error()) << "trial " << trial << ": " << status.to_string();
    EXPECT_EQ(net.num_tensors(), 0);
  }
  std::string text = "this is not an onnx model\n";
  std::string path = write_temp_file("text", text);
  Network net;
  Status status = parse_file(path, net);
  EXPECT_FALSE(status.is_ok());
  EXPECT_TRUE(contains(status.message(), path));
}

// Flipping single bytes of a valid model: must not crash, and failures are user errors.
TEST(OnnxFile, CorruptedBytesFailCleanly) {
  std::string bytes = small_model_bytes();
  std::mt19937 rng(99);
  for (int trial = 0; trial < 300; ++trial) {
    std::string corrupt = bytes;
    corrupt[rng() % corrupt.size()] = static_cast<char>(rng());
    Network net;
    CapturingLogger logger;
    Status status = OnnxParser(net, logger).parse(corrupt.data(), corrupt.size(), "corrupt");
    if (!status.is_ok()) {
      EXPECT_TRUE(status.is_user_error())
          << "seed 99, trial " << trial << ": " << status.to_string();
      EXPECT_EQ(net.num_tensors(), 0);
    }
  }
}

// The project's trained models (models/*.onnx): input "input" [N,1,28,28], output "logits".
TEST(OnnxFile, ProjectModelsImport) {
  std::filesystem::path dir = source_path("models");
  int found = 0;
  if (std::filesystem::is_directory(dir)) {
    for (const auto& entry : std::filesystem::directory_iterator(dir)) {
      if (entry.path().extension() != ".onnx") continue;
      ++found;
      SCOPED_TRACE(entry.path().string());
      Network net;
      Status status = parse_file(entry.path().string(), net);
      ASSERT_TRUE(status.is_ok()) << status.to_string();
      ASSERT_EQ(net.num_inputs(), 1);
      const Tensor* input = net.input(0);
      EXPECT_EQ(input->name(), "input");
      EXPECT_EQ(input->dtype(), DataType::kFloat);
      EXPECT_EQ(input->dims(), (Dims{Dims::kDynamic, 1, 28, 28}));
      EXPECT_EQ(input->dim_names(), (std::vector<std::string>{"N", "", "", ""}));
      ASSERT_EQ(net.num_outputs(), 1);
      EXPECT_EQ(net.output(0)->name(), "logits");
      EXPECT_NE(net.output(0)->producer(), nullptr);
      EXPECT_GT(net.num_layers(), 3);
    }
  }
  if (found == 0) GTEST_SKIP() << "no models/*.onnx in " << dir;
}

}  // namespace
}  // namespace int8rt::testing
