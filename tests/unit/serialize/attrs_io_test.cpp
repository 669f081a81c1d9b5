// Every attribute struct survives the plan encoding field by field.
#include "serialize/attrs_io.h"

#include <gtest/gtest.h>

#include <set>

namespace int8rt::serialize {
namespace {

std::string encode(const Attrs& attrs) {
  ByteWriter out;
  write_attrs(out, attrs);
  return out.buffer();
}

// One op per attribute struct, each with every field away from its default (distinct values, so
// that two fields read in the wrong order would show).
std::vector<std::pair<OpType, Attrs>> non_default_attrs() {
  FusedActivation act{ActivationKind::kClip, 0.25f, 6.5f};
  Weights value = Weights::from_vector(DataType::kInt32, Dims{1}, std::vector<int32_t>{7});
  return {
      {OpType::kRelu, NoAttrs{}},
      {OpType::kConv, ConvAttrs{{3, 5}, {2, 1}, {1, 0, 2, 3}, {1, 2}, 4, AutoPad::kSameLower, act}},
      {OpType::kConvTranspose,
       ConvTransposeAttrs{
           {2, 2}, {2, 3}, {0, 1, 1, 0}, {1, 1}, 2, AutoPad::kValid, {1, 0}, {9, 8}}},
      {OpType::kGemm, GemmAttrs{0.5f, 2.0f, true, false, {ActivationKind::kLeakyRelu, 0.1f, 0}}},
      {OpType::kLeakyRelu, LeakyReluAttrs{0.3f}},
      {OpType::kHardSigmoid, HardSigmoidAttrs{0.15f, 0.45f}},
      {OpType::kElu, EluAttrs{1.5f}},
      {OpType::kSoftmax, SoftmaxAttrs{1, true}},
      {OpType::kBatchNormalization, BatchNormAttrs{1e-3f}},
      {OpType::kMaxPool,
       PoolAttrs{{3, 3}, {2, 2}, {1, 1, 0, 0}, {1, 2}, AutoPad::kSameUpper, true, true}},
      {OpType::kReduceMean, ReduceAttrs{false, true}},
      {OpType::kConcat, ConcatAttrs{-2}},
      {OpType::kSplit, SplitAttrs{3}},
      {OpType::kGather, GatherAttrs{-1}},
      {OpType::kFlatten, FlattenAttrs{2}},
      {OpType::kReshape, ReshapeAttrs{true}},
      {OpType::kTranspose, TransposeAttrs{{0, 2, 3, 1}}},
      {OpType::kPad, PadAttrs{PadMode::kReflect}},
      {OpType::kResize, ResizeAttrs{ResizeMode::kCubic, ResizeCoordinateMode::kAlignCorners,
                                    ResizeNearestMode::kFloor, -0.5f, true, 3.25f}},
      {OpType::kShape, ShapeAttrs{1, 3}},
      {OpType::kCast, CastAttrs{DataType::kInt64}},
      {OpType::kConstantOfShape, ConstantOfShapeAttrs{value}},
  };
}

TEST(PlanAttrs, EveryStructRoundTripsFieldByField) {
  std::set<size_t> covered;
  for (const auto& [type, attrs] : non_default_attrs()) {
    covered.insert(attrs.index());
    const std::string bytes = encode(attrs);
    ByteReader in(bytes);
    Attrs back;
    Status status = read_attrs(in, type, back, "test");
    ASSERT_TRUE(status.is_ok()) << to_string(type) << ": " << status.to_string();
    EXPECT_TRUE(in.at_end()) << to_string(type) << ": " << in.remaining() << " bytes unread";
    EXPECT_EQ(back.index(), attrs.index()) << to_string(type);
    EXPECT_EQ(encode(back), bytes) << to_string(type);
    if (attrs.index() != 0) {
      Attrs defaults = back;
      std::visit([](auto& a) { a = std::decay_t<decltype(a)>{}; }, defaults);
      EXPECT_NE(encode(defaults), bytes) << to_string(type) << ": the test values are defaults";
    }
  }
  EXPECT_EQ(covered.size(), std::variant_size_v<Attrs>) << "an attribute struct has no case";

  // A few fields read back by name.
  const auto all = non_default_attrs();
  const std::string conv_bytes = encode(all[1].second);
  ByteReader conv_in(conv_bytes);
  Attrs conv;
  ASSERT_TRUE(read_attrs(conv_in, OpType::kConv, conv, "conv").is_ok());
  EXPECT_EQ(std::get<ConvAttrs>(conv).pads, (std::vector<int64_t>{1, 0, 2, 3}));
  EXPECT_EQ(std::get<ConvAttrs>(conv).group, 4);
  EXPECT_EQ(std::get<ConvAttrs>(conv).activation.kind, ActivationKind::kClip);
  EXPECT_EQ(std::get<ConvAttrs>(conv).activation.beta, 6.5f);
  const std::string cos_bytes = encode(all.back().second);
  ByteReader cos_in(cos_bytes);
  Attrs cos;
  ASSERT_TRUE(read_attrs(cos_in, OpType::kConstantOfShape, cos, "cos").is_ok());
  const Weights& w = std::get<ConstantOfShapeAttrs>(cos).value;
  ASSERT_EQ(w.dtype(), DataType::kInt32);
  EXPECT_EQ(w.data_as<int32_t>()[0], 7);
}

TEST(PlanAttrs, BadEnumsAndBooleansAndShortDataAreRefused) {
  std::string conv = encode(non_default_attrs()[1].second);
  // ConvAttrs: 4 int lists (4 + 8n bytes each: 2, 2, 4, 2 values), group (8), auto_pad (1).
  const size_t auto_pad_at = (4 + 16) + (4 + 16) + (4 + 32) + (4 + 16) + 8;
  std::string bad = conv;
  bad[auto_pad_at] = 9;
  ByteReader in(bad);
  Attrs attrs;
  Status status = read_attrs(in, OpType::kConv, attrs, "layer \"c\" attributes");
  ASSERT_FALSE(status.is_ok());
  EXPECT_NE(status.message().find("layer \"c\" attributes at byte " + std::to_string(auto_pad_at)),
            std::string::npos)
      << status.message();
  EXPECT_NE(status.message().find("out of range"), std::string::npos) << status.message();

  std::string softmax = encode(SoftmaxAttrs{1, true});
  softmax.back() = 2;  // coerce_to_2d
  ByteReader soft_in(softmax);
  EXPECT_FALSE(read_attrs(soft_in, OpType::kSoftmax, attrs, "s").is_ok());

  for (size_t size = 0; size < conv.size(); ++size) {
    ByteReader short_in(std::string_view(conv).substr(0, size));
    Status truncated = read_attrs(short_in, OpType::kConv, attrs, "c");
    EXPECT_FALSE(truncated.is_ok()) << "cut at " << size;
  }
}

}  // namespace
}  // namespace int8rt::serialize
