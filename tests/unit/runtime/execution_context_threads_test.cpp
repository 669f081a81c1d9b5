// Many contexts of one engine running in parallel threads compute what one thread does.
#include <gtest/gtest.h>

#include <atomic>
#include <thread>

#include "unit/runtime/engine_testing.h"

namespace int8rt {
namespace {

using engine_testing::Buffers;

// 4 threads x 50 runs on the bundled ResNet (x 10 on the slow reference backend), each thread with
// its own context, cycling through
// 3 input sets and batches 1..4 (so contexts also lower the graph for new batches concurrently);
// every output is compared bit for bit with a single-threaded run.
TEST(ContextThreads, ManyContextsOneEngineBitwiseEqual) {
  constexpr int kThreads = 4, kInputSets = 3;
  constexpr int64_t kMaxBatch = 4;
  for (std::string_view backend : {"cpu", "reference"}) {
    const std::string name = "resnet_fmnist backend " + std::string(backend);
    const int kRuns = backend == "cpu" ? 50 : 10;
    auto engine = engine_testing::build_model("resnet_fmnist", kMaxBatch, backend);
    ASSERT_TRUE(engine.is_ok()) << engine.status().to_string();
    // Expected outputs from one context on this thread, before any other thread starts: from a
    // separate engine object built the same way, so that its lowerings are its own.
    auto reference_engine = engine_testing::build_model("resnet_fmnist", kMaxBatch, backend);
    ASSERT_TRUE(reference_engine.is_ok());
    std::vector<Buffers> inputs;
    std::vector<std::vector<Buffers>> expected(kInputSets);  // [set][batch - 1]
    auto single = (*reference_engine)->create_execution_context();
    for (int s = 0; s < kInputSets; ++s) {
      inputs.push_back(engine_testing::random_inputs(**engine, kMaxBatch, 100 + s));
      for (int64_t batch = 1; batch <= kMaxBatch; ++batch) {
        expected[s].push_back(engine_testing::run(*single, **reference_engine, inputs[s], batch));
      }
    }
    std::atomic<int> mismatches{0}, runs{0};
    std::vector<std::thread> threads;
    for (int t = 0; t < kThreads; ++t) {
      threads.emplace_back([&, t, kRuns] {
        auto context = (*engine)->create_execution_context();
        for (int r = 0; r < kRuns; ++r) {
          const int s = (t + r) % kInputSets;
          const int64_t batch = 1 + (t + 3 * r) % kMaxBatch;
          Buffers out = engine_testing::run(*context, **engine, inputs[s], batch);
          const auto& want = expected[s][static_cast<size_t>(batch - 1)];
          if (engine_testing::first_difference(want[0], out[0]) != -1) ++mismatches;
          ++runs;
        }
      });
    }
    for (auto& thread : threads)
      thread.join();
    EXPECT_EQ(runs.load(), kThreads * kRuns) << name;
    EXPECT_EQ(mismatches.load(), 0) << name << ": " << kThreads << " threads x " << kRuns
                                    << " runs, input seeds 100..102, batches 1..4";
  }
}

}  // namespace
}  // namespace int8rt
