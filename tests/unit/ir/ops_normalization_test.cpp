// Shape inference of BatchNormalization.
#include <gtest/gtest.h>

#include "int8rt/network.h"
#include "unit/ir/compute_ops_test_util.h"

namespace int8rt {
namespace {

using compute_testing::expect_error;
using compute_testing::OneLayer;

TEST(BatchNormShape, OutputLikeInput) {
  for (const Dims& x : {Dims{2, 3}, Dims{1, 3, 5}, Dims{2, 3, 4, 5}, Dims{1, 3, 2, 2, 2}}) {
    OneLayer t;
    t.layer(OpType::kBatchNormalization,
            {t.input(x), t.constant({3}), t.constant({3}), t.constant({3}), t.constant({3})},
            BatchNormAttrs{});
    ASSERT_TRUE(t.infer().is_ok()) << x.to_string() << ": " << t.infer().to_string();
    EXPECT_EQ(t.out().to_string(), x.to_string());
  }
}

TEST(BatchNormShape, Errors) {
  OneLayer channels;
  channels.layer(OpType::kBatchNormalization,
                 {channels.input({1, 3, 4, 4}), channels.constant({3}), channels.constant({3}),
                  channels.constant({4}), channels.constant({3})},
                 BatchNormAttrs{});
  expect_error(channels.infer(), StatusCode::kInvalidArgument,
               {"BatchNormalization \"op\"", "input_mean", "has shape 4, expected 3"});

  OneLayer rank;
  rank.layer(OpType::kBatchNormalization,
             {rank.input({3}), rank.constant({3}), rank.constant({3}), rank.constant({3}),
              rank.constant({3})},
             BatchNormAttrs{});
  expect_error(rank.infer(), StatusCode::kInvalidArgument, {"expected N x C x ... (rank >= 2)"});

  OneLayer inputs;
  inputs.layer(OpType::kBatchNormalization,
               {inputs.input({1, 3}), inputs.constant({3}), inputs.constant({3})},
               BatchNormAttrs{});
  expect_error(inputs.infer(), StatusCode::kInvalidArgument, {"has 3 inputs, expected 5"});

  OneLayer training;
  training.layer(OpType::kBatchNormalization,
                 {training.input({1, 3}), training.constant({3}), training.constant({3}),
                  training.constant({3}), training.constant({3})},
                 BatchNormAttrs{}, 3);
  expect_error(training.infer(), StatusCode::kUnsupported, {"only inference mode"});

  OneLayer epsilon;
  BatchNormAttrs negative;
  negative.epsilon = -1.0f;
  epsilon.layer(OpType::kBatchNormalization,
                {epsilon.input({1, 3}), epsilon.constant({3}), epsilon.constant({3}),
                 epsilon.constant({3}), epsilon.constant({3})},
                negative);
  expect_error(epsilon.infer(), StatusCode::kInvalidArgument, {"epsilon is -1"});
}

}  // namespace
}  // namespace int8rt
