#include "conformance/tensor_proto.h"

#include <gtest/gtest.h>
#include <unistd.h>

#include <cmath>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <limits>

namespace int8rt::conformance {
namespace {

using onnx::TensorProto;

template <typename T>
std::string raw_bytes(const std::vector<T>& values) {
  std::string bytes(values.size() * sizeof(T), '\0');
  std::memcpy(bytes.data(), values.data(), bytes.size());
  return bytes;
}

TensorProto make_proto(int dtype, std::vector<int64_t> dims) {
  TensorProto proto;
  proto.set_name("t");
  proto.set_data_type(dtype);
  for (int64_t d : dims)
    proto.add_dims(d);
  return proto;
}

TEST(TensorProto, FloatFromTypedFieldAndRawDataAgree) {
  const std::vector<float> values = {1.5f, -0.25f, 3e-38f, 65504.0f, -0.0f, 7.0f};
  TensorProto typed = make_proto(TensorProto::FLOAT, {2, 3});
  for (float v : values)
    typed.add_float_data(v);
  TensorProto raw = make_proto(TensorProto::FLOAT, {2, 3});
  raw.set_raw_data(raw_bytes(values));

  for (const TensorProto* proto : {&typed, &raw}) {
    Result<HostTensor> t = decode_tensor(*proto);
    ASSERT_TRUE(t.is_ok()) << t.status().to_string();
    EXPECT_EQ(t->name, "t");
    EXPECT_EQ(t->dims, (std::vector<int64_t>{2, 3}));
    ASSERT_TRUE(t->floating);
    ASSERT_EQ(t->reals.size(), 6u);
    for (size_t i = 0; i < values.size(); ++i) {
      EXPECT_EQ(t->reals[i], static_cast<double>(values[i])) << "element " << i;
    }
    EXPECT_TRUE(std::signbit(t->reals[4]));
  }
}

TEST(TensorProto, Int64IsExactBeyondDoublePrecision) {
  // 2^53 + 1 is not representable as a double: the decoder must keep int64 values as integers.
  const std::vector<int64_t> values = {(int64_t{1} << 53) + 1, std::numeric_limits<int64_t>::max(),
                                       std::numeric_limits<int64_t>::min(), -1};
  TensorProto typed = make_proto(TensorProto::INT64, {4});
  for (int64_t v : values)
    typed.add_int64_data(v);
  TensorProto raw = make_proto(TensorProto::INT64, {4});
  raw.set_raw_data(raw_bytes(values));
  for (const TensorProto* proto : {&typed, &raw}) {
    Result<HostTensor> t = decode_tensor(*proto);
    ASSERT_TRUE(t.is_ok()) << t.status().to_string();
    EXPECT_FALSE(t->floating);
    EXPECT_EQ(t->ints, values);
  }
}

TEST(TensorProto, SmallIntegersAndBoolFromInt32DataAndRawData) {
  TensorProto i8 = make_proto(TensorProto::INT8, {3});
  for (int v : {-128, 0, 127})
    i8.add_int32_data(v);
  TensorProto u8 = make_proto(TensorProto::UINT8, {3});
  u8.set_raw_data(std::string("\x00\x80\xff", 3));
  TensorProto b_typed = make_proto(TensorProto::BOOL, {3});
  for (int v : {1, 0, 1})
    b_typed.add_int32_data(v);
  TensorProto b_raw = make_proto(TensorProto::BOOL, {3});
  b_raw.set_raw_data(std::string("\x01\x00\x01", 3));
  TensorProto u32 = make_proto(TensorProto::UINT32, {2});
  u32.add_uint64_data(4294967295u);
  u32.add_uint64_data(7);
  TensorProto i16_raw = make_proto(TensorProto::INT16, {2});
  i16_raw.set_raw_data(raw_bytes(std::vector<int16_t>{-32768, 300}));

  EXPECT_EQ(decode_tensor(i8)->ints, (std::vector<int64_t>{-128, 0, 127}));
  EXPECT_EQ(decode_tensor(u8)->ints, (std::vector<int64_t>{0, 128, 255}));
  EXPECT_EQ(decode_tensor(b_typed)->ints, (std::vector<int64_t>{1, 0, 1}));
  EXPECT_EQ(decode_tensor(b_raw)->ints, (std::vector<int64_t>{1, 0, 1}));
  EXPECT_EQ(decode_tensor(u32)->ints, (std::vector<int64_t>{4294967295, 7}));
  EXPECT_EQ(decode_tensor(i16_raw)->ints, (std::vector<int64_t>{-32768, 300}));
}

TEST(TensorProto, DoubleFromRawData) {
  TensorProto proto = make_proto(TensorProto::DOUBLE, {2});
  proto.set_raw_data(raw_bytes(std::vector<double>{0.1, -1e300}));
  Result<HostTensor> t = decode_tensor(proto);
  ASSERT_TRUE(t.is_ok()) << t.status().to_string();
  EXPECT_EQ(t->reals, (std::vector<double>{0.1, -1e300}));
}

TEST(TensorProto, HalfBitPatterns) {
  // Values by hand from the binary16 layout: sign | 5-bit exponent (bias 15) | 10-bit mantissa.
  EXPECT_EQ(half_to_float(0x3C00), 1.0f);
  EXPECT_EQ(half_to_float(0xC000), -2.0f);
  EXPECT_EQ(half_to_float(0x7BFF), 65504.0f);
  EXPECT_EQ(half_to_float(0x3555), 0.333251953125f);        // 1.0101010101b * 2^-2
  EXPECT_EQ(half_to_float(0x0001), std::ldexp(1.0f, -24));  // smallest subnormal
  EXPECT_EQ(half_to_float(0x03FF), 1023.0f * std::ldexp(1.0f, -24));
  EXPECT_EQ(half_to_float(0x0400), std::ldexp(1.0f, -14));  // smallest normal
  EXPECT_EQ(half_to_float(0x7C00), std::numeric_limits<float>::infinity());
  EXPECT_EQ(half_to_float(0xFC00), -std::numeric_limits<float>::infinity());
  EXPECT_TRUE(std::isnan(half_to_float(0x7E00)));
  EXPECT_EQ(half_to_float(0x8000), 0.0f);
  EXPECT_TRUE(std::signbit(half_to_float(0x8000)));
}

TEST(TensorProto, BFloat16BitPatterns) {
  EXPECT_EQ(bfloat16_to_float(0x3F80), 1.0f);
  EXPECT_EQ(bfloat16_to_float(0xC0A0), -5.0f);
  EXPECT_EQ(bfloat16_to_float(0x7F80), std::numeric_limits<float>::infinity());
}

TEST(TensorProto, Float16FromInt32DataAndRawData) {
  TensorProto typed = make_proto(TensorProto::FLOAT16, {2});
  typed.add_int32_data(0x3C00);
  typed.add_int32_data(0xC000);
  TensorProto raw = make_proto(TensorProto::FLOAT16, {2});
  raw.set_raw_data(raw_bytes(std::vector<uint16_t>{0x3C00, 0xC000}));
  EXPECT_EQ(decode_tensor(typed)->reals, (std::vector<double>{1.0, -2.0}));
  EXPECT_EQ(decode_tensor(raw)->reals, (std::vector<double>{1.0, -2.0}));
}

TEST(TensorProto, ScalarAndEmptyTensors) {
  TensorProto scalar = make_proto(TensorProto::FLOAT, {});
  scalar.add_float_data(4.0f);
  Result<HostTensor> s = decode_tensor(scalar);
  ASSERT_TRUE(s.is_ok()) << s.status().to_string();
  EXPECT_TRUE(s->dims.empty());
  EXPECT_EQ(s->count(), 1);
  EXPECT_EQ(s->reals, std::vector<double>{4.0});

  Result<HostTensor> empty = decode_tensor(make_proto(TensorProto::FLOAT, {0, 3}));
  ASSERT_TRUE(empty.is_ok()) << empty.status().to_string();
  EXPECT_EQ(empty->count(), 0);
  EXPECT_TRUE(empty->reals.empty());
}

TEST(TensorProto, CountMismatchIsAParseError) {
  TensorProto typed = make_proto(TensorProto::FLOAT, {2, 2});
  typed.add_float_data(1.0f);
  TensorProto raw = make_proto(TensorProto::INT32, {3});
  raw.set_raw_data(raw_bytes(std::vector<int32_t>{1, 2}));
  EXPECT_EQ(decode_tensor(typed).status().code(), StatusCode::kParseError);
  Result<HostTensor> r = decode_tensor(raw);
  EXPECT_EQ(r.status().code(), StatusCode::kParseError);
  EXPECT_NE(r.status().message().find("8 bytes"), std::string::npos) << r.status().message();
}

TEST(TensorProto, StringComplexAndExternalAreUnsupported) {
  TensorProto str = make_proto(TensorProto::STRING, {1});
  str.add_string_data("a");
  Result<HostTensor> s = decode_tensor(str);
  EXPECT_EQ(s.status().code(), StatusCode::kUnsupported);
  EXPECT_NE(s.status().message().find("dtype string"), std::string::npos) << s.status().message();
  EXPECT_EQ(decode_tensor(make_proto(TensorProto::COMPLEX64, {1})).status().code(),
            StatusCode::kUnsupported);
  TensorProto external = make_proto(TensorProto::FLOAT, {1});
  external.set_data_location(TensorProto::EXTERNAL);
  EXPECT_EQ(decode_tensor(external).status().code(), StatusCode::kUnsupported);
}

TEST(TensorProto, DtypeNamesAndMapping) {
  EXPECT_EQ(onnx_dtype_name(TensorProto::FLOAT), "float32");
  EXPECT_EQ(onnx_dtype_name(TensorProto::FLOAT16), "float16");
  EXPECT_EQ(onnx_dtype_name(TensorProto::DOUBLE), "double");
  EXPECT_EQ(onnx_dtype_name(TensorProto::INT64), "int64");
  EXPECT_EQ(to_int8rt_dtype(TensorProto::FLOAT), DataType::kFloat);
  EXPECT_EQ(to_int8rt_dtype(TensorProto::BOOL), DataType::kBool);
  EXPECT_EQ(to_int8rt_dtype(TensorProto::UINT8), DataType::kUInt8);
  EXPECT_EQ(to_int8rt_dtype(TensorProto::INT64), DataType::kInt64);
  EXPECT_FALSE(to_int8rt_dtype(TensorProto::DOUBLE).has_value());
  EXPECT_FALSE(to_int8rt_dtype(TensorProto::INT16).has_value());
  EXPECT_FALSE(to_int8rt_dtype(TensorProto::UINT64).has_value());
}

TEST(TensorProto, EncodeConvertsToTheEngineDtype) {
  HostTensor ints;
  ints.onnx_dtype = TensorProto::INT64;
  ints.dims = {3};
  ints.ints = {-5, 0, (int64_t{1} << 40) + 7};

  std::vector<std::byte> as64 = encode_as(ints, DataType::kInt64);
  ASSERT_EQ(as64.size(), 24u);
  int64_t v64[3];
  std::memcpy(v64, as64.data(), sizeof v64);
  EXPECT_EQ(v64[2], (int64_t{1} << 40) + 7);

  std::vector<std::byte> as32 = encode_as(ints, DataType::kInt32);
  ASSERT_EQ(as32.size(), 12u);
  int32_t v32[3];
  std::memcpy(v32, as32.data(), sizeof v32);
  EXPECT_EQ(v32[0], -5);
  EXPECT_EQ(v32[2], 7);  // two's complement truncation of 2^40 + 7

  HostTensor reals;
  reals.onnx_dtype = TensorProto::FLOAT;
  reals.floating = true;
  reals.dims = {2};
  reals.reals = {0.5, -2.0};
  std::vector<std::byte> f = encode_as(reals, DataType::kFloat);
  float vf[2];
  ASSERT_EQ(f.size(), sizeof vf);
  std::memcpy(vf, f.data(), sizeof vf);
  EXPECT_EQ(vf[0], 0.5f);
  EXPECT_EQ(vf[1], -2.0f);
  std::vector<std::byte> b = encode_as(reals, DataType::kBool);
  ASSERT_EQ(b.size(), 2u);
  EXPECT_EQ(static_cast<int>(b[0]), 1);
  EXPECT_EQ(static_cast<int>(b[1]), 1);
}

TEST(TensorProto, ReadsFilesAndReportsBadOnes) {
  const std::filesystem::path dir =
      std::filesystem::temp_directory_path() / ("conformance_tp_" + std::to_string(::getpid()));
  std::filesystem::create_directories(dir);
  TensorProto proto = make_proto(TensorProto::INT32, {2});
  proto.add_int32_data(-3);
  proto.add_int32_data(9);
  {
    std::ofstream out(dir / "good.pb", std::ios::binary);
    ASSERT_TRUE(proto.SerializeToOstream(&out));
    std::ofstream bad(dir / "bad.pb", std::ios::binary);
    bad << "\xff\xff\xff\xff not a protobuf";
  }
  Result<HostTensor> good = read_tensor_file((dir / "good.pb").string());
  ASSERT_TRUE(good.is_ok()) << good.status().to_string();
  EXPECT_EQ(good->ints, (std::vector<int64_t>{-3, 9}));
  EXPECT_FALSE(read_tensor_file((dir / "bad.pb").string()).is_ok());
  EXPECT_EQ(read_tensor_file((dir / "missing.pb").string()).status().code(), StatusCode::kIoError);
  std::filesystem::remove_all(dir);
}

}  // namespace
}  // namespace int8rt::conformance
