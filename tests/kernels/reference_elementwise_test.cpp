// Reference kernels of Add, Sub, Mul, Div, Pow, Max, Min, Equal, Where: hand-computed cases and a
// broadcast check against a naive index mapping written here.
#include <gtest/gtest.h>

#include <cmath>
#include <cstdint>
#include <limits>
#include <random>
#include <string>
#include <vector>

#include "int8rt/network.h"
#include "testing/random.h"
#include "testing/reference_eval.h"

namespace int8rt {
namespace {

using testing::tensor;
using testing::values_of;

// One `type` layer over constant inputs, shapes inferred, run by its reference kernel.
Result<Weights> run(OpType type, const std::vector<Weights>& inputs) {
  return testing::evaluate_layer_output(type, NoAttrs{}, inputs);
}

Weights run_ok(OpType type, const std::vector<Weights>& inputs) {
  auto out = run(type, inputs);
  if (!out.is_ok()) {
    ADD_FAILURE() << to_string(type) << ": " << out.status().to_string();
    return Weights();
  }
  return out.value();
}

// Offset in an input of shape `in` of the element that broadcasts to output coordinates `coord`.
int64_t naive_broadcast_offset(const Dims& in, const std::vector<int64_t>& coord) {
  const size_t shift = coord.size() - static_cast<size_t>(in.rank());
  int64_t offset = 0;
  for (int a = 0; a < in.rank(); ++a) {
    const int64_t c = in[a] == 1 ? 0 : coord[shift + static_cast<size_t>(a)];
    offset = offset * in[a] + c;
  }
  return offset;
}

std::vector<int64_t> unravel(int64_t n, const Dims& dims) {
  std::vector<int64_t> coord(static_cast<size_t>(dims.rank()));
  for (int a = dims.rank() - 1; a >= 0; --a) {
    coord[static_cast<size_t>(a)] = n % dims[a];
    n /= dims[a];
  }
  return coord;
}

TEST(ReferenceElementwise, AddBroadcastsAgainstNaiveIndexing) {
  struct Case {
    Dims a, b, out;
  };
  const std::vector<Case> cases = {
      {{2, 3, 4}, {4}, {2, 3, 4}},
      {{2, 1, 4}, {3, 1}, {2, 3, 4}},
      {{1}, {2, 2}, {2, 2}},
      {{}, {3, 2}, {3, 2}},
      {{5, 1, 1, 3}, {1, 4, 1}, {5, 1, 4, 3}},
      {{3, 1, 2}, {3, 5, 1}, {3, 5, 2}},
      {{0, 3}, {3}, {0, 3}},
  };
  const unsigned seed = 1234;
  std::mt19937 rng(seed);
  for (const Case& c : cases) {
    SCOPED_TRACE("a " + c.a.to_string() + " + b " + c.b.to_string() + ", seed " +
                 std::to_string(seed));
    const std::vector<float> a =
        testing::uniform_floats(static_cast<size_t>(c.a.volume()), rng, -10.0f, 10.0f);
    const std::vector<float> b =
        testing::uniform_floats(static_cast<size_t>(c.b.volume()), rng, -10.0f, 10.0f);
    Weights y =
        run_ok(OpType::kAdd, {tensor(DataType::kFloat, c.a, a), tensor(DataType::kFloat, c.b, b)});
    ASSERT_FALSE(y.empty());
    ASSERT_EQ(y.dims(), c.out);
    std::vector<float> got = values_of<float>(y);
    for (int64_t n = 0; n < c.out.volume(); ++n) {
      const std::vector<int64_t> coord = unravel(n, c.out);
      const float expected = a[static_cast<size_t>(naive_broadcast_offset(c.a, coord))] +
                             b[static_cast<size_t>(naive_broadcast_offset(c.b, coord))];
      ASSERT_EQ(got[static_cast<size_t>(n)], expected) << "output element " << n;
    }
  }
}

TEST(ReferenceElementwise, SubMulWrapAroundInIntegerTypes) {
  const int32_t lo = std::numeric_limits<int32_t>::lowest();
  Weights sub = run_ok(OpType::kSub, {tensor<int32_t>(DataType::kInt32, {2}, {lo, 5}),
                                      tensor<int32_t>(DataType::kInt32, {2}, {1, 7})});
  EXPECT_EQ(values_of<int32_t>(sub),
            (std::vector<int32_t>{std::numeric_limits<int32_t>::max(), -2}));
  Weights mul = run_ok(OpType::kMul, {tensor<uint8_t>(DataType::kUInt8, {3}, {200, 3, 16}),
                                      tensor<uint8_t>(DataType::kUInt8, {}, {2})});
  EXPECT_EQ(values_of<uint8_t>(mul), (std::vector<uint8_t>{144, 6, 32}));
  Weights mul64 = run_ok(OpType::kMul, {tensor<int64_t>(DataType::kInt64, {2}, {-3, 1LL << 40}),
                                        tensor<int64_t>(DataType::kInt64, {2}, {4, 1LL << 30})});
  EXPECT_EQ(values_of<int64_t>(mul64), (std::vector<int64_t>{-12, 0}));  // 2^70 wraps to 0
}

TEST(ReferenceElementwise, IntegerDivTruncatesTowardZero) {
  Weights y = run_ok(OpType::kDiv, {tensor<int32_t>(DataType::kInt32, {5}, {7, -7, 7, -7, 6}),
                                    tensor<int32_t>(DataType::kInt32, {5}, {2, 2, -2, -2, 3})});
  EXPECT_EQ(values_of<int32_t>(y), (std::vector<int32_t>{3, -3, -3, 3, 2}));
  const int64_t lo = std::numeric_limits<int64_t>::lowest();
  Weights wrap = run_ok(OpType::kDiv, {tensor<int64_t>(DataType::kInt64, {1}, {lo}),
                                       tensor<int64_t>(DataType::kInt64, {1}, {-1})});
  EXPECT_EQ(values_of<int64_t>(wrap), (std::vector<int64_t>{lo}));
  Weights u8 = run_ok(OpType::kDiv, {tensor<uint8_t>(DataType::kUInt8, {2}, {255, 9}),
                                     tensor<uint8_t>(DataType::kUInt8, {2}, {16, 3})});
  EXPECT_EQ(values_of<uint8_t>(u8), (std::vector<uint8_t>{15, 3}));
}

TEST(ReferenceElementwise, IntegerDivisionByZeroIsAnError) {
  auto y = run(OpType::kDiv, {tensor<int32_t>(DataType::kInt32, {2}, {1, 2}),
                              tensor<int32_t>(DataType::kInt32, {2}, {1, 0})});
  ASSERT_FALSE(y.is_ok());
  EXPECT_NE(y.status().message().find("division by zero"), std::string::npos)
      << y.status().message();
  Weights f = run_ok(OpType::kDiv, {tensor<float>(DataType::kFloat, {2}, {1.0f, -3.0f}),
                                    tensor<float>(DataType::kFloat, {2}, {0.0f, 4.0f})});
  std::vector<float> got = values_of<float>(f);
  ASSERT_EQ(got.size(), 2u);
  EXPECT_TRUE(std::isinf(got[0]) && got[0] > 0);
  EXPECT_EQ(got[1], -0.75f);
}

TEST(ReferenceElementwise, PowWithMixedBaseAndExponentTypes) {
  Weights ii = run_ok(OpType::kPow, {tensor<int32_t>(DataType::kInt32, {4}, {1, 2, 3, -2}),
                                     tensor<int32_t>(DataType::kInt32, {4}, {1, 2, 3, 3})});
  EXPECT_EQ(values_of<int32_t>(ii), (std::vector<int32_t>{1, 4, 27, -8}));
  Weights negative =
      run_ok(OpType::kPow, {tensor<int64_t>(DataType::kInt64, {4}, {1, -1, 2, -1}),
                            tensor<int64_t>(DataType::kInt64, {4}, {-3, -3, -1, -2})});
  EXPECT_EQ(values_of<int64_t>(negative), (std::vector<int64_t>{1, -1, 0, 1}));
  Weights i_f = run_ok(OpType::kPow, {tensor<int64_t>(DataType::kInt64, {3}, {4, 2, 10}),
                                      tensor<float>(DataType::kFloat, {3}, {0.5f, 3.0f, -1.0f})});
  EXPECT_EQ(values_of<int64_t>(i_f), (std::vector<int64_t>{2, 8, 0}));
  Weights f_i = run_ok(OpType::kPow, {tensor<float>(DataType::kFloat, {3}, {1.5f, 2.0f, -2.0f}),
                                      tensor<int64_t>(DataType::kInt64, {}, {2})});
  EXPECT_EQ(values_of<float>(f_i), (std::vector<float>{2.25f, 4.0f, 4.0f}));
  Weights ff = run_ok(OpType::kPow, {tensor<float>(DataType::kFloat, {2}, {9.0f, 2.0f}),
                                     tensor<float>(DataType::kFloat, {2}, {0.5f, -2.0f})});
  EXPECT_EQ(values_of<float>(ff), (std::vector<float>{3.0f, 0.25f}));
}

TEST(ReferenceElementwise, MaxMinAreVariadicWithBroadcasting) {
  std::vector<Weights> inputs = {tensor<float>(DataType::kFloat, {2, 2}, {1, 5, -3, 0}),
                                 tensor<float>(DataType::kFloat, {2}, {2, 4}),
                                 tensor<float>(DataType::kFloat, {2, 1}, {0, -1})};
  Weights mx = run_ok(OpType::kMax, inputs);
  EXPECT_EQ(mx.dims(), (Dims{2, 2}));
  EXPECT_EQ(values_of<float>(mx), (std::vector<float>{2, 5, 2, 4}));
  Weights mn = run_ok(OpType::kMin, inputs);
  EXPECT_EQ(values_of<float>(mn), (std::vector<float>{0, 0, -3, -1}));
  Weights one = run_ok(OpType::kMax, {tensor<int8_t>(DataType::kInt8, {3}, {-1, 7, 3})});
  EXPECT_EQ(values_of<int8_t>(one), (std::vector<int8_t>{-1, 7, 3}));
  Weights i64 = run_ok(OpType::kMin, {tensor<int64_t>(DataType::kInt64, {2}, {5, -9}),
                                      tensor<int64_t>(DataType::kInt64, {2}, {-5, 9})});
  EXPECT_EQ(values_of<int64_t>(i64), (std::vector<int64_t>{-5, -9}));
}

TEST(ReferenceElementwise, MaxPropagatesNaN) {
  const float nan = std::numeric_limits<float>::quiet_NaN();
  Weights y = run_ok(OpType::kMax, {tensor<float>(DataType::kFloat, {2}, {nan, 1.0f}),
                                    tensor<float>(DataType::kFloat, {2}, {0.0f, nan})});
  std::vector<float> got = values_of<float>(y);
  ASSERT_EQ(got.size(), 2u);
  EXPECT_TRUE(std::isnan(got[0]));
  EXPECT_TRUE(std::isnan(got[1]));
}

TEST(ReferenceElementwise, EqualGivesBool) {
  Weights y = run_ok(OpType::kEqual, {tensor<int64_t>(DataType::kInt64, {2, 2}, {1, 2, 3, 4}),
                                      tensor<int64_t>(DataType::kInt64, {2}, {1, 4})});
  EXPECT_EQ(y.dtype(), DataType::kBool);
  EXPECT_EQ(values_of<uint8_t>(y), (std::vector<uint8_t>{1, 0, 0, 1}));
  Weights f = run_ok(OpType::kEqual, {tensor<float>(DataType::kFloat, {3}, {0.5f, -0.0f, 2.0f}),
                                      tensor<float>(DataType::kFloat, {3}, {0.5f, 0.0f, 2.5f})});
  EXPECT_EQ(values_of<uint8_t>(f), (std::vector<uint8_t>{1, 1, 0}));
}

TEST(ReferenceElementwise, WhereSelectsWithBroadcasting) {
  Weights y = run_ok(OpType::kWhere, {tensor<uint8_t>(DataType::kBool, {2, 1}, {1, 0}),
                                      tensor<int64_t>(DataType::kInt64, {3}, {1, 2, 3}),
                                      tensor<int64_t>(DataType::kInt64, {}, {-7})});
  EXPECT_EQ(y.dims(), (Dims{2, 3}));
  EXPECT_EQ(y.dtype(), DataType::kInt64);
  EXPECT_EQ(values_of<int64_t>(y), (std::vector<int64_t>{1, 2, 3, -7, -7, -7}));
  Weights f = run_ok(OpType::kWhere, {tensor<uint8_t>(DataType::kBool, {3}, {0, 1, 1}),
                                      tensor<float>(DataType::kFloat, {3}, {1.5f, 2.5f, 3.5f}),
                                      tensor<float>(DataType::kFloat, {3}, {-1, -2, -3})});
  EXPECT_EQ(values_of<float>(f), (std::vector<float>{-1, 2.5f, 3.5f}));
}

}  // namespace
}  // namespace int8rt
