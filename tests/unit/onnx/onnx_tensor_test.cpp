// Initializer decoding: every supported element type from raw_data and from the typed fields,
// and the errors for data that does not match its shape or type.
#include <gtest/gtest.h>

#include <cmath>
#include <cstring>

#include "onnx_test_util.h"

namespace int8rt::testing {
namespace {

// Imports a model whose only content is the initializer "t", marked as the output.
Result<Weights> import_initializer(const onnx::TensorProto& tensor) {
  OnnxModel model(13);
  *model.graph().add_initializer() = tensor;
  model.graph().mutable_initializer(0)->set_name("t");
  model.output("t");
  Network net;
  Status status = parse_model(model, net);
  if (!status.is_ok()) return status;
  return net.find_tensor("t")->constant_value();
}

onnx::TensorProto tensor_of(int32_t type, std::vector<int64_t> dims) {
  onnx::TensorProto tensor;
  tensor.set_data_type(type);
  for (int64_t d : dims)
    tensor.add_dims(d);
  return tensor;
}

template <typename T>
std::string raw_bytes(const std::vector<T>& values) {
  return std::string(reinterpret_cast<const char*>(values.data()), values.size() * sizeof(T));
}

TEST(OnnxTensor, FloatRawAndTyped) {
  const std::vector<float> values = {1.0f, -2.5f, 3.25f, 0.0f, 1e-30f, -7.0f};
  for (bool raw : {false, true}) {
    Result<Weights> w = import_initializer(make_float_tensor("t", {2, 3}, values, raw));
    ASSERT_TRUE(w.is_ok()) << w.status().to_string();
    EXPECT_EQ(w->dtype(), DataType::kFloat);
    EXPECT_EQ(w->dims(), (Dims{2, 3}));
    EXPECT_EQ(std::memcmp(w->data(), values.data(), values.size() * sizeof(float)), 0)
        << "raw=" << raw;
  }
}

TEST(OnnxTensor, Int64RawAndTyped) {
  const std::vector<int64_t> values = {-1, 0, int64_t{1} << 40, 7};
  for (bool raw : {false, true}) {
    Result<Weights> w = import_initializer(make_int64_tensor("t", {4}, values, raw));
    ASSERT_TRUE(w.is_ok()) << w.status().to_string();
    EXPECT_EQ(w->dtype(), DataType::kInt64);
    EXPECT_EQ(w->to_int64(), values) << "raw=" << raw;
  }
}

// int8, uint8, int32 and bool travel in int32_data, one value per entry.
TEST(OnnxTensor, NarrowTypesFromInt32Data) {
  struct Case {
    int32_t onnx_type;
    DataType type;
    std::vector<int32_t> stored;
    std::vector<int64_t> expected;
  };
  const Case kCases[] = {
      {onnx::TensorProto::INT8, DataType::kInt8, {-128, -1, 0, 127}, {-128, -1, 0, 127}},
      {onnx::TensorProto::UINT8, DataType::kUInt8, {0, 1, 200, 255}, {0, 1, 200, 255}},
      {onnx::TensorProto::INT32,
       DataType::kInt32,
       {-70000, 0, 5, 1 << 30},
       {-70000, 0, 5, 1 << 30}},
      {onnx::TensorProto::BOOL, DataType::kBool, {0, 1, 1, 0}, {0, 1, 1, 0}},
  };
  for (const Case& c : kCases) {
    onnx::TensorProto tensor = tensor_of(c.onnx_type, {4});
    for (int32_t v : c.stored)
      tensor.add_int32_data(v);
    Result<Weights> w = import_initializer(tensor);
    ASSERT_TRUE(w.is_ok()) << c.onnx_type << ": " << w.status().to_string();
    EXPECT_EQ(w->dtype(), c.type);
    EXPECT_EQ(w->to_int64(), c.expected) << "type " << c.onnx_type;
  }
}

TEST(OnnxTensor, NarrowTypesFromRawData) {
  {
    onnx::TensorProto tensor = tensor_of(onnx::TensorProto::INT8, {3});
    tensor.set_raw_data(raw_bytes(std::vector<int8_t>{-5, 0, 100}));
    EXPECT_EQ(import_initializer(tensor)->to_int64(), (std::vector<int64_t>{-5, 0, 100}));
  }
  {
    onnx::TensorProto tensor = tensor_of(onnx::TensorProto::UINT8, {2});
    tensor.set_raw_data(raw_bytes(std::vector<uint8_t>{250, 3}));
    EXPECT_EQ(import_initializer(tensor)->to_int64(), (std::vector<int64_t>{250, 3}));
  }
  {
    onnx::TensorProto tensor = tensor_of(onnx::TensorProto::INT32, {2});
    tensor.set_raw_data(raw_bytes(std::vector<int32_t>{-123456, 42}));
    EXPECT_EQ(import_initializer(tensor)->to_int64(), (std::vector<int64_t>{-123456, 42}));
  }
}

TEST(OnnxTensor, ScalarsAndEmptyTensors) {
  Result<Weights> scalar = import_initializer(make_float_tensor("t", {}, {4.5f}));
  ASSERT_TRUE(scalar.is_ok());
  EXPECT_EQ(scalar->dims(), Dims{});
  EXPECT_EQ(scalar->to_double(), std::vector<double>{4.5});

  Result<Weights> empty = import_initializer(make_float_tensor("t", {0}, {}));
  ASSERT_TRUE(empty.is_ok()) << empty.status().to_string();
  EXPECT_EQ(empty->dims(), Dims{0});
  EXPECT_EQ(empty->count(), 0);
}

TEST(OnnxTensor, ValueCountMismatchIsAParseError) {
  Status typed = import_initializer(make_float_tensor("t", {2, 2}, {1.0f, 2.0f, 3.0f})).status();
  EXPECT_EQ(typed.code(), StatusCode::kParseError);
  EXPECT_TRUE(contains(typed.message(), "initializer \"t\""));
  EXPECT_TRUE(contains(typed.message(), "float_data holds 3 values, expected 4"));

  Status raw = import_initializer(make_float_tensor("t", {5}, {1.0f, 2.0f}, true)).status();
  EXPECT_EQ(raw.code(), StatusCode::kParseError);
  EXPECT_TRUE(contains(raw.message(), "raw_data holds 8 bytes, expected 20"));

  Status scalar_without_data = import_initializer(tensor_of(onnx::TensorProto::FLOAT, {})).status();
  EXPECT_EQ(scalar_without_data.code(), StatusCode::kParseError);

  // Dims asking for 2^39 floats with no data: an error, not an allocation.
  Status huge = import_initializer(make_float_tensor("t", {1 << 20, 1 << 19}, {1.0f})).status();
  EXPECT_EQ(huge.code(), StatusCode::kParseError);
  EXPECT_TRUE(contains(huge.message(), "float_data holds 1 values"));

  Status negative = import_initializer(make_float_tensor("t", {-1}, {})).status();
  EXPECT_EQ(negative.code(), StatusCode::kParseError);
  EXPECT_TRUE(contains(negative.message(), "negative dimension"));
}

// FP16 initializers (common in published models) are widened to float32, exactly: normal,
// subnormal, signed zero, infinity and NaN bit patterns, from raw_data and from int32_data.
TEST(OnnxTensor, Float16IsWidenedExactly) {
  struct Case {
    uint16_t bits;
    float value;
  };
  const std::vector<Case> cases = {
      {0x3c00, 1.0f},       {0xc100, -2.5f},       {0x7bff, 65504.0f},     {0x0001, 0x1p-24f},
      {0x03ff, 0x3ffp-24f}, {0x0400, 0x1p-14f},    {0x8000, -0.0f},        {0x7c00, INFINITY},
      {0xfc00, -INFINITY},  {0x3555, 0x1.554p-2f}, {0xbbff, -0x1.ffcp-1f},
  };
  std::vector<uint16_t> bits;
  for (const Case& c : cases)
    bits.push_back(c.bits);
  for (bool raw : {false, true}) {
    onnx::TensorProto tensor =
        tensor_of(onnx::TensorProto::FLOAT16, {static_cast<int64_t>(cases.size())});
    if (raw) {
      tensor.set_raw_data(raw_bytes(bits));
    } else {
      for (uint16_t b : bits)
        tensor.add_int32_data(b);
    }
    Result<Weights> w = import_initializer(tensor);
    ASSERT_TRUE(w.is_ok()) << w.status().to_string();
    EXPECT_EQ(w->dtype(), DataType::kFloat);
    for (size_t i = 0; i < cases.size(); ++i) {
      const float got = w->data_as<float>()[i];
      EXPECT_EQ(std::memcmp(&got, &cases[i].value, sizeof got), 0)
          << "0x" << std::hex << cases[i].bits << std::dec << " -> " << got << " (raw " << raw
          << ")";
    }
  }
  onnx::TensorProto nan = tensor_of(onnx::TensorProto::FLOAT16, {1});
  nan.add_int32_data(0x7e00);
  Result<Weights> quiet_nan = import_initializer(nan);
  ASSERT_TRUE(quiet_nan.is_ok());
  EXPECT_TRUE(std::isnan(quiet_nan->data_as<float>()[0]));
  // A raw_data of the wrong length is an error naming the tensor.
  onnx::TensorProto short_raw = tensor_of(onnx::TensorProto::FLOAT16, {3});
  short_raw.set_raw_data(std::string(5, '\0'));
  Status status = import_initializer(short_raw).status();
  EXPECT_EQ(status.code(), StatusCode::kParseError);
  EXPECT_TRUE(contains(status.message(), "initializer \"t\"")) << status.message();
}

TEST(OnnxTensor, UnsupportedTypesNameTheTensorAndType) {
  for (int32_t type : {onnx::TensorProto::DOUBLE, onnx::TensorProto::BFLOAT16,
                       onnx::TensorProto::UINT16, onnx::TensorProto::STRING}) {
    onnx::TensorProto tensor = tensor_of(type, {1});
    tensor.add_double_data(1.0);
    Status status = import_initializer(tensor).status();
    EXPECT_EQ(status.code(), StatusCode::kUnsupported) << type;
    EXPECT_TRUE(contains(status.message(), "initializer \"t\""));
    EXPECT_TRUE(contains(status.message(), onnx::TensorProto_DataType_Name(type)));
  }
}

TEST(OnnxTensor, ExternalDataIsUnsupported) {
  onnx::TensorProto tensor = tensor_of(onnx::TensorProto::FLOAT, {4});
  tensor.set_data_location(onnx::TensorProto::EXTERNAL);
  onnx::StringStringEntryProto* location = tensor.add_external_data();
  location->set_key("location");
  location->set_value("weights.bin");
  Status status = import_initializer(tensor).status();
  EXPECT_EQ(status.code(), StatusCode::kUnsupported);
  EXPECT_TRUE(contains(status.message(), "initializer \"t\""));
  EXPECT_TRUE(contains(status.message(), "external data"));
}

}  // namespace
}  // namespace int8rt::testing
