#include <gtest/gtest.h>

#include <cstring>

#include "int8rt/data.h"
#include "testing/random.h"
#include "unit/data/data_test_util.h"

namespace int8rt {
namespace {

using testing::TempDir;
using testing::uniform_floats;

// A .npy file built by hand from its parts: magic, version, little-endian header length, header
// (padded with spaces to `align` bytes in all and ended by '\n'), data.
std::string npy_bytes(int major, std::string header, std::string_view data, size_t align = 64) {
  const size_t length_bytes = major == 1 ? 2 : 4;
  const size_t unpadded = 8 + length_bytes + header.size() + 1;
  header.append((align - unpadded % align) % align, ' ');
  header += '\n';
  std::string out = std::string("\x93NUMPY", 6) + static_cast<char>(major) + '\0';
  for (size_t i = 0; i < length_bytes; ++i) {
    out += static_cast<char>((header.size() >> (8 * i)) & 0xFF);
  }
  return out + header + std::string(data);
}

template <typename T>
std::string raw(const std::vector<T>& values) {
  return std::string(reinterpret_cast<const char*>(values.data()), values.size() * sizeof(T));
}

TEST(Npy, EncodesTheSameBytesAsNumpy) {
  // numpy.save(f, numpy.array([[1, 2, 3], [4, 5, 6]], numpy.float32)) writes exactly this.
  const std::vector<float> values = {1, 2, 3, 4, 5, 6};
  const std::string expected =
      npy_bytes(1, "{'descr': '<f4', 'fortran_order': False, 'shape': (2, 3), }", raw(values));
  ASSERT_EQ(expected.size() % 64, 24u);  // a 128-byte header (numpy pads to 64) + 24 bytes
  EXPECT_EQ(encode_npy(DataType::kFloat, Dims{2, 3}, values.data()), expected);

  // 1-d shapes are written "(5,)", scalars "()".
  const std::vector<int64_t> longs = {7, -1, 0, 3, 9};
  EXPECT_EQ(encode_npy(DataType::kInt64, Dims{5}, longs.data()),
            npy_bytes(1, "{'descr': '<i8', 'fortran_order': False, 'shape': (5,), }", raw(longs)));
  const std::vector<uint8_t> one = {200};
  EXPECT_EQ(encode_npy(DataType::kUInt8, Dims{}, one.data()),
            npy_bytes(1, "{'descr': '|u1', 'fortran_order': False, 'shape': (), }", raw(one)));
}

TEST(Npy, ParsesEveryDtype) {
  struct Case {
    std::string descr;
    DataType dtype;
    std::string data;
    std::vector<double> values;
  };
  const std::vector<Case> cases = {
      {"<f4", DataType::kFloat, raw(std::vector<float>{1.5f, -2.25f}), {1.5, -2.25}},
      {"<i8",
       DataType::kInt64,
       raw(std::vector<int64_t>{-5, int64_t{1} << 40}),
       {-5, 1099511627776.0}},
      {"<i4", DataType::kInt32, raw(std::vector<int32_t>{-7, 65536}), {-7, 65536}},
      {"|u1", DataType::kUInt8, raw(std::vector<uint8_t>{0, 255}), {0, 255}},
      {"|i1", DataType::kInt8, raw(std::vector<int8_t>{-128, 127}), {-128, 127}},
      {"|b1", DataType::kBool, raw(std::vector<uint8_t>{1, 0}), {1, 0}},
      // Big-endian files are converted to the host's byte order.
      {">i4", DataType::kInt32, std::string("\xff\xff\xff\xf9\x00\x01\x00\x00", 8), {-7, 65536}},
      {">f4", DataType::kFloat, std::string("\x3f\xc0\x00\x00\xc0\x10\x00\x00", 8), {1.5, -2.25}},
  };
  for (const Case& c : cases) {
    for (int major : {1, 2, 3}) {
      SCOPED_TRACE("descr " + c.descr + ", version " + std::to_string(major));
      const std::string bytes = npy_bytes(
          major, "{'descr': '" + c.descr + "', 'fortran_order': False, 'shape': (2,), }", c.data);
      auto array = parse_npy(bytes.data(), bytes.size(), "case.npy");
      ASSERT_TRUE(array.is_ok()) << array.status().to_string();
      EXPECT_EQ(array->dtype(), c.dtype);
      EXPECT_EQ(array->dims(), Dims{2});
      EXPECT_EQ(array->to_double(), c.values);
    }
  }
}

TEST(Npy, ParsesHeaderVariants) {
  // Keys in another order, double quotes, no trailing comma, a 3-d shape, 16-byte alignment
  // (numpy before 1.14 aligned to 16).
  const std::vector<int32_t> values(24, 3);
  const std::string bytes = npy_bytes(
      1, "{\"shape\": (2, 3, 4), \"fortran_order\": False, \"descr\": \"<i4\"}", raw(values), 16);
  auto array = parse_npy(bytes.data(), bytes.size());
  ASSERT_TRUE(array.is_ok()) << array.status().to_string();
  EXPECT_EQ(array->dims(), (Dims{2, 3, 4}));
  EXPECT_EQ(array->to_int64(), std::vector<int64_t>(24, 3));

  // A zero-sized array.
  const std::string empty =
      npy_bytes(1, "{'descr': '<f4', 'fortran_order': False, 'shape': (0, 10), }", "");
  auto zero = parse_npy(empty.data(), empty.size());
  ASSERT_TRUE(zero.is_ok()) << zero.status().to_string();
  EXPECT_EQ(zero->dims(), (Dims{0, 10}));
}

TEST(Npy, RoundTripsThroughAFile) {
  TempDir dir;
  const std::vector<float> values = uniform_floats(int64_t{3 * 5 * 7}, 7, -100.0f, 100.0f);
  const std::string path = dir.file("x.npy");
  ASSERT_TRUE(write_npy(path, DataType::kFloat, Dims{3, 5, 7}, values.data()).is_ok());
  auto array = read_npy(path);
  ASSERT_TRUE(array.is_ok()) << array.status().to_string();
  EXPECT_EQ(array->dims(), (Dims{3, 5, 7}));
  ASSERT_EQ(array->dtype(), DataType::kFloat);
  EXPECT_EQ(std::memcmp(array->data(), values.data(), values.size() * 4), 0) << "seed 7";
}

TEST(Npy, WritesVersion2WhenTheHeaderIsLong) {
  // 20000 axes of extent 1: the shape alone is ~60 kB of header, past version 1.0's 65535 bytes.
  Dims dims(std::vector<int64_t>(22000, 1));
  const float value = 4.0f;
  const std::string bytes = encode_npy(DataType::kFloat, dims, &value);
  ASSERT_GT(bytes.size(), 65536u);
  EXPECT_EQ(bytes[6], 2);
  EXPECT_EQ((bytes.size() - 4) % 64, 0u);  // data starts on a 64-byte boundary
  auto array = parse_npy(bytes.data(), bytes.size());
  ASSERT_TRUE(array.is_ok()) << array.status().to_string();
  EXPECT_EQ(array->dims().rank(), 22000);
  EXPECT_EQ(array->to_double(), std::vector<double>{4.0});
}

struct BadCase {
  std::string name;
  std::string bytes;
  StatusCode code;
  std::string message_part;
};

TEST(Npy, RejectsBadFilesWithClearErrors) {
  const std::string f4 = raw(std::vector<float>{1, 2, 3, 4});
  const std::string good =
      npy_bytes(1, "{'descr': '<f4', 'fortran_order': False, 'shape': (4,), }", f4);
  const std::vector<BadCase> cases = {
      {"empty", "", StatusCode::kParseError, "not a .npy file"},
      {"text", "hello world, not numpy", StatusCode::kParseError, "not a .npy file"},
      {"fortran", npy_bytes(1, "{'descr': '<f4', 'fortran_order': True, 'shape': (2, 2), }", f4),
       StatusCode::kUnsupported, "Fortran order"},
      {"float64", npy_bytes(1, "{'descr': '<f8', 'fortran_order': False, 'shape': (2,), }", f4),
       StatusCode::kUnsupported, "'<f8'"},
      {"complex", npy_bytes(1, "{'descr': '<c8', 'fortran_order': False, 'shape': (2,), }", f4),
       StatusCode::kUnsupported, "'<c8'"},
      {"structured",
       npy_bytes(1, "{'descr': [('a', '<f4')], 'fortran_order': False, 'shape': (4,), }", f4),
       StatusCode::kUnsupported, "structured"},
      {"version 9", std::string("\x93NUMPY\x09\x00", 8) + good.substr(8), StatusCode::kUnsupported,
       "version 9.0"},
      {"truncated data", good.substr(0, good.size() - 1), StatusCode::kParseError,
       "needs 16 bytes of data, the file has 15"},
      {"truncated header", good.substr(0, 40), StatusCode::kParseError, "truncated"},
      {"header length only", good.substr(0, 9), StatusCode::kParseError, "truncated"},
      {"trailing bytes", good + "xx", StatusCode::kParseError, "2 bytes after the data"},
      {"no shape", npy_bytes(1, "{'descr': '<f4', 'fortran_order': False, }", f4),
       StatusCode::kParseError, "'shape'"},
      {"bad shape", npy_bytes(1, "{'descr': '<f4', 'fortran_order': False, 'shape': (a,), }", f4),
       StatusCode::kParseError, "shape is not a tuple"},
      {"negative shape",
       npy_bytes(1, "{'descr': '<f4', 'fortran_order': False, 'shape': (-4,), }", f4),
       StatusCode::kParseError, "shape is not a tuple"},
      {"bool byte 2",
       npy_bytes(1, "{'descr': '|b1', 'fortran_order': False, 'shape': (2,), }", "\x01\x02"),
       StatusCode::kParseError, "expected 0 or 1"},
  };
  for (const BadCase& c : cases) {
    auto array = parse_npy(c.bytes.data(), c.bytes.size(), "bad.npy");
    ASSERT_FALSE(array.is_ok()) << c.name;
    EXPECT_EQ(array.status().code(), c.code) << c.name << ": " << array.status().to_string();
    EXPECT_NE(array.status().message().find(c.message_part), std::string::npos)
        << c.name << ": " << array.status().message();
    EXPECT_EQ(array.status().message().rfind("bad.npy", 0), 0u)
        << c.name << ": the message should start with the file name: " << array.status().message();
  }
}

TEST(Npy, MissingFileIsNotFound) {
  TempDir dir;
  auto array = read_npy(dir.file("absent.npy"));
  ASSERT_FALSE(array.is_ok());
  EXPECT_EQ(array.status().code(), StatusCode::kNotFound);
  EXPECT_NE(array.status().message().find("absent.npy"), std::string::npos);

  auto directory = read_npy(dir.path());
  ASSERT_FALSE(directory.is_ok());
  EXPECT_TRUE(directory.status().is_user_error()) << directory.status().to_string();

  Status write = write_npy(dir.file("no/such/dir/x.npy"), DataType::kFloat, Dims{1}, "\0\0\0\0");
  EXPECT_EQ(write.code(), StatusCode::kIoError) << write.to_string();
}

}  // namespace
}  // namespace int8rt
