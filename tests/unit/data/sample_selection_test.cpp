// Seeded shuffling, limits, user data sources and StreamCalibrator over them.
#include <gtest/gtest.h>

#include <algorithm>
#include <numeric>
#include <set>

#include "int8rt/calibrator.h"
#include "int8rt/data.h"
#include "unit/data/data_test_util.h"

namespace int8rt {
namespace {

// SplitMix64 as published (Steele, Lea, Flood, "Fast splittable pseudorandom number
// generators", 2014), written out here independently of the library.
class SplitMix64 {
 public:
  explicit SplitMix64(uint64_t seed) : state_(seed) {}
  uint64_t next() {
    uint64_t z = (state_ += 0x9e3779b97f4a7c15ull);
    z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ull;
    z = (z ^ (z >> 27)) * 0x94d049bb133111ebull;
    return z ^ (z >> 31);
  }

 private:
  uint64_t state_;
};

TEST(Shuffle, IsTheDocumentedFisherYates) {
  // Known first outputs of SplitMix64 from seed 0 (the reference implementation's test vector).
  SplitMix64 reference(0);
  EXPECT_EQ(reference.next(), 0xe220a8397b1dcdafull);
  EXPECT_EQ(reference.next(), 0x6e789e6aa1b965f4ull);

  for (uint64_t seed : {uint64_t{0}, uint64_t{1}, uint64_t{42}, ~uint64_t{0}}) {
    for (int64_t count : {0, 1, 2, 10, 1000}) {
      std::vector<int64_t> expected(static_cast<size_t>(count));
      std::iota(expected.begin(), expected.end(), 0);
      SplitMix64 random(seed);
      for (int64_t i = count - 1; i >= 1; --i) {
        const auto j = static_cast<int64_t>(random.next() % static_cast<uint64_t>(i + 1));
        std::swap(expected[static_cast<size_t>(i)], expected[static_cast<size_t>(j)]);
      }
      EXPECT_EQ(shuffled_indices(count, seed), expected) << "count " << count << " seed " << seed;
    }
  }
  // Different seeds give different orders; every order is a permutation.
  std::vector<int64_t> a = shuffled_indices(100, 1);
  std::vector<int64_t> b = shuffled_indices(100, 2);
  EXPECT_NE(a, b);
  std::sort(a.begin(), a.end());
  std::vector<int64_t> identity(100);
  std::iota(identity.begin(), identity.end(), 0);
  EXPECT_EQ(a, identity);
}

// 1000 samples of 2 values: sample n holds (n, -n), label n % 10.
std::unique_ptr<DataSource> counting_source(int64_t size = 1000) {
  return std::make_unique<CallbackSource>(
      "counting", size, Dims{2},
      [](int64_t n, std::span<float> out) {
        out[0] = static_cast<float>(n);
        out[1] = static_cast<float>(-n);
        return Status::ok();
      },
      [](int64_t n) { return n % 10; });
}

TEST(SelectSamples, ShuffleThenLimit) {
  // 500 random samples of 1000, deterministically.
  auto selected = select_samples(counting_source(), {.shuffle_seed = 7, .limit = 500});
  EXPECT_EQ(selected->size(), 500);
  EXPECT_EQ(selected->name(), "counting");
  EXPECT_EQ(selected->sample_dims(), Dims{2});
  const std::vector<int64_t> order = shuffled_indices(1000, 7);
  std::set<int64_t> seen;
  float sample[2];
  for (int64_t i = 0; i < 500; ++i) {
    ASSERT_TRUE(selected->read(i, sample).is_ok());
    EXPECT_EQ(sample[0], static_cast<float>(order[static_cast<size_t>(i)])) << "position " << i;
    EXPECT_EQ(sample[1], -sample[0]);
    EXPECT_EQ(selected->label(i), order[static_cast<size_t>(i)] % 10);
    seen.insert(static_cast<int64_t>(sample[0]));
  }
  EXPECT_EQ(seen.size(), 500u);
  EXPECT_FALSE(selected->read(500, sample).is_ok());
  EXPECT_EQ(selected->label(500), -1);

  // Only a limit: the first N in order. A limit past the end keeps everything.
  auto first = select_samples(counting_source(), {.limit = 3});
  EXPECT_EQ(first->size(), 3);
  ASSERT_TRUE(first->read(2, sample).is_ok());
  EXPECT_EQ(sample[0], 2.0f);
  EXPECT_EQ(select_samples(counting_source(), {.limit = 5000})->size(), 1000);
  EXPECT_EQ(select_samples(counting_source(), {.limit = 0})->size(), 0);
}

TEST(SelectSamples, SpecOptionsOnAnyKind) {
  testing::TempDir dir;
  std::vector<float> values(10);
  std::iota(values.begin(), values.end(), 0.0f);
  ASSERT_TRUE(write_npy(dir.file("x.npy"), DataType::kFloat, Dims{10, 1}, values.data()).is_ok());
  auto source = open_data_source("npy:" + dir.file("x.npy") + ",shuffle=3,limit=4");
  ASSERT_TRUE(source.is_ok()) << source.status().to_string();
  EXPECT_EQ((*source)->name(), "npy:" + dir.file("x.npy") + ",shuffle=3,limit=4");
  ASSERT_EQ((*source)->size(), 4);
  const std::vector<int64_t> order = shuffled_indices(10, 3);
  for (int i = 0; i < 4; ++i) {
    float value = -1;
    ASSERT_TRUE((*source)->read(i, &value).is_ok());
    EXPECT_EQ(value, static_cast<float>(order[static_cast<size_t>(i)])) << i;
  }
}

TEST(CallbackSource, PassesErrorsAndChecksIndices) {
  CallbackSource failing("user", 4, Dims{3}, [](int64_t n, std::span<float> out) {
    if (out.size() != 3) return internal_error("wrong span size ", out.size());
    if (n == 2) return invalid_argument("user data: sample 2 is broken");
    return Status::ok();
  });
  float sample[3];
  EXPECT_TRUE(failing.read(1, sample).is_ok());
  Status broken = failing.read(2, sample);
  EXPECT_EQ(broken.message(), "user data: sample 2 is broken");
  EXPECT_FALSE(failing.read(4, sample).is_ok());
  EXPECT_FALSE(failing.read(-1, sample).is_ok());
  EXPECT_FALSE(failing.has_labels());
  EXPECT_EQ(failing.label(0), -1);
}

// A user DataSource subclass, as data.h suggests.
class Ramp final : public DataSource {
 public:
  const std::string& name() const override { return name_; }
  int64_t size() const override { return 10; }
  const Dims& sample_dims() const override { return dims_; }
  bool has_labels() const override { return false; }
  Status read(int64_t index, float* out) override {
    for (int i = 0; i < 4; ++i)
      out[i] = static_cast<float>(index * 4 + i);
    return Status::ok();
  }
  int64_t label(int64_t) const override { return -1; }

 private:
  std::string name_ = "ramp";
  Dims dims_{1, 2, 2};
};

TEST(StreamCalibratorFeed, TakesUserSourcesAndShuffledSubsets) {
  const std::vector<IoTensor> inputs = {{"x", DataType::kFloat, Dims{3, 1, 2, 2}}};
  const std::string names[] = {"x"};
  const void* binding = nullptr;

  StreamCalibrator plain(std::make_unique<Ramp>(), {.batch_size = 3});
  ASSERT_TRUE(plain.prepare(inputs).is_ok());
  EXPECT_EQ(plain.num_batches(), 3);  // 10 samples: 3 full batches of 3
  for (int b = 0; b < 3; ++b) {
    auto more = plain.get_batch(names, std::span<const void*>(&binding, 1));
    ASSERT_TRUE(more.is_ok() && *more) << "batch " << b;
    const auto* data = static_cast<const float*>(binding);
    for (int i = 0; i < 12; ++i)
      EXPECT_EQ(data[i], static_cast<float>(b * 12 + i)) << "batch " << b << " value " << i;
  }
  auto end = plain.get_batch(names, std::span<const void*>(&binding, 1));
  ASSERT_TRUE(end.is_ok());
  EXPECT_FALSE(*end);
  // prepare() starts another pass (Builder::calibrate, then build) from the first batch.
  ASSERT_TRUE(plain.prepare(inputs).is_ok());
  auto again = plain.get_batch(names, std::span<const void*>(&binding, 1));
  ASSERT_TRUE(again.is_ok() && *again);
  EXPECT_EQ(static_cast<const float*>(binding)[0], 0.0f);
  EXPECT_EQ(plain.batches_served(), 1);

  // Six random samples of the ten, in two batches, the same for the same seed.
  const std::vector<int64_t> order = shuffled_indices(10, 99);
  StreamCalibrator shuffled(
      select_samples(std::make_unique<Ramp>(), {.shuffle_seed = 99, .limit = 6}),
      {.batch_size = 3});
  ASSERT_TRUE(shuffled.prepare(inputs).is_ok());
  EXPECT_EQ(shuffled.num_batches(), 2);
  for (int b = 0; b < 2; ++b) {
    auto more = shuffled.get_batch(names, std::span<const void*>(&binding, 1));
    ASSERT_TRUE(more.is_ok() && *more) << "batch " << b;
    const auto* data = static_cast<const float*>(binding);
    for (int s = 0; s < 3; ++s) {
      EXPECT_EQ(data[s * 4], static_cast<float>(order[static_cast<size_t>(b * 3 + s)] * 4))
          << "batch " << b << " slot " << s;
    }
  }

  // A user source whose read fails stops calibration with its error.
  StreamCalibrator failing(
      std::make_unique<CallbackSource>("flaky", 6, Dims{1, 2, 2},
                                       [](int64_t n, std::span<float>) {
                                         return n == 4 ? io_error("flaky: sample 4 unreadable")
                                                       : Status::ok();
                                       }),
      {.batch_size = 3});
  ASSERT_TRUE(failing.prepare(inputs).is_ok());
  EXPECT_TRUE(failing.get_batch(names, std::span<const void*>(&binding, 1)).is_ok());
  auto error = failing.get_batch(names, std::span<const void*>(&binding, 1));
  ASSERT_FALSE(error.is_ok());
  EXPECT_NE(error.status().message().find("flaky: sample 4"), std::string::npos);
}

}  // namespace
}  // namespace int8rt
