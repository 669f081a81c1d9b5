// The activation arena planner (builder/memory_plan.h) on hand-made engines: buffers live at the
// same time never overlap, dead buffers are reused, in-place kernels share their input's buffer
// only when that input is not read afterwards.
#include <gtest/gtest.h>

#include "builder/memory_plan.h"

namespace int8rt {
namespace {

class FakeKernel final : public Kernel {
 public:
  explicit FakeKernel(int inplace = -1, size_t scratch = 0)
      : inplace_(inplace), scratch_(scratch) {}
  std::string name() const override { return "fake"; }
  size_t scratch_bytes() const override { return scratch_; }
  Status execute(const KernelIo&) const override { return Status::ok(); }
  int inplace_input() const override { return inplace_; }

 private:
  int inplace_;
  size_t scratch_;
};

// tensors[0] is the network input; every other tensor (floats, `sizes[i]` elements) is computed.
struct Plan {
  detail::EngineImpl engine;
  explicit Plan(const std::vector<int64_t>& sizes) {
    for (size_t i = 0; i < sizes.size(); ++i) {
      engine.tensors.push_back({"t" + std::to_string(i), DataType::kFloat, Dims{sizes[i]}});
    }
    engine.input_ids = {0};
  }
  void step(std::vector<int> inputs, std::vector<int> outputs, int inplace = -1,
            size_t scratch = 0) {
    detail::EngineStep s;
    s.layer_name = "s" + std::to_string(engine.steps.size());
    s.kernel = std::make_unique<FakeKernel>(inplace, scratch);
    s.backend = find_backend("cpu");
    s.inputs = std::move(inputs);
    s.outputs = std::move(outputs);
    engine.steps.push_back(std::move(s));
  }
  int64_t offset(int id) const { return engine.tensors[static_cast<size_t>(id)].arena_offset; }
  // Checks every pair of tensors whose lifetimes overlap occupies disjoint bytes (except `same`).
  void expect_no_live_overlap(const std::vector<std::pair<int, int>>& same = {}) const {
    const int n = static_cast<int>(engine.tensors.size());
    std::vector<int> first(static_cast<size_t>(n), -1), last(static_cast<size_t>(n), -1);
    for (int s = 0; s < static_cast<int>(engine.steps.size()); ++s) {
      for (int id : engine.steps[static_cast<size_t>(s)].inputs)
        last[static_cast<size_t>(id)] = s;
      for (int id : engine.steps[static_cast<size_t>(s)].outputs) {
        if (first[static_cast<size_t>(id)] < 0) first[static_cast<size_t>(id)] = s;
        last[static_cast<size_t>(id)] = std::max(last[static_cast<size_t>(id)], s);
      }
    }
    for (int id : engine.output_ids)
      last[static_cast<size_t>(id)] = 1 << 20;
    for (int a = 0; a < n; ++a) {
      for (int b = a + 1; b < n; ++b) {
        if (offset(a) < 0 || offset(b) < 0) continue;
        if (std::find(same.begin(), same.end(), std::make_pair(a, b)) != same.end()) continue;
        const bool live_together = first[static_cast<size_t>(a)] <= last[static_cast<size_t>(b)] &&
                                   first[static_cast<size_t>(b)] <= last[static_cast<size_t>(a)];
        const int64_t a_end =
            offset(a) + static_cast<int64_t>(engine.tensors[static_cast<size_t>(a)].byte_size());
        const int64_t b_end =
            offset(b) + static_cast<int64_t>(engine.tensors[static_cast<size_t>(b)].byte_size());
        const bool bytes_overlap = offset(a) < b_end && offset(b) < a_end;
        EXPECT_FALSE(live_together && bytes_overlap) << "t" << a << " and t" << b;
      }
    }
  }
};

TEST(CpuMemoryPlan, ChainReusesTwoBuffers) {
  // t0 -> t1 -> t2 -> ... -> t6 (1000 floats each): only two are live at any step.
  Plan p({1000, 1000, 1000, 1000, 1000, 1000, 1000});
  for (int i = 0; i < 6; ++i)
    p.step({i}, {i + 1});
  p.engine.output_ids = {6};
  plan_memory(p.engine);
  EXPECT_EQ(p.offset(0), -1);                     // network input: the caller's buffer
  EXPECT_EQ(p.engine.arena_bytes[0], 2 * 4032u);  // 4000 bytes rounded up to 64
  p.expect_no_live_overlap();
}

TEST(CpuMemoryPlan, BranchesStayLive) {
  // t1 = f(t0); t2 = g(t1); t3 = h(t1); t4 = k(t2, t3): t1 lives until t3 is computed.
  Plan p({10, 100, 200, 300, 50});
  p.step({0}, {1});
  p.step({1}, {2});
  p.step({1}, {3});
  p.step({2, 3}, {4}, -1, 4096);
  p.engine.output_ids = {4};
  plan_memory(p.engine);
  p.expect_no_live_overlap();
  EXPECT_EQ(p.engine.scratch_bytes[0], 4096u);
  EXPECT_LT(p.engine.arena_bytes[0], (448u + 832u + 1216u + 256u));  // t1's bytes are reused
}

TEST(CpuMemoryPlan, InPlaceWhenTheInputDies) {
  // t2 = conv(t1, residual t1')... : step 2 writes t3 in place of t2, which nobody reads later.
  Plan p({10, 64, 64, 64});
  p.step({0}, {1});
  p.step({1}, {2});
  p.step({1, 2}, {3}, /*inplace=*/1);
  p.engine.output_ids = {3};
  plan_memory(p.engine);
  EXPECT_EQ(p.offset(3), p.offset(2));
  p.expect_no_live_overlap({{2, 3}});
}

TEST(CpuMemoryPlan, NoInPlaceWhenTheInputIsReadLater) {
  Plan p({10, 64, 64, 64, 64});
  p.step({0}, {1});
  p.step({1}, {2});
  p.step({1, 2}, {3}, /*inplace=*/1);
  p.step({2, 3}, {4});  // t2 still needed
  p.engine.output_ids = {4};
  plan_memory(p.engine);
  EXPECT_NE(p.offset(3), p.offset(2));
  p.expect_no_live_overlap();
}

TEST(CpuMemoryPlan, NoInPlaceWhenTheInputIsAnOutputOrReadTwice) {
  Plan p({10, 64, 64, 64});
  p.step({0}, {1});
  p.step({1, 1}, {2}, /*inplace=*/1);  // the kernel reads t1 through another slot as well
  p.step({2}, {3}, /*inplace=*/0);     // t2 is a network output: must survive
  p.engine.output_ids = {3, 2};
  plan_memory(p.engine);
  EXPECT_NE(p.offset(2), p.offset(1));
  EXPECT_NE(p.offset(3), p.offset(2));
  p.expect_no_live_overlap();
}

}  // namespace
}  // namespace int8rt
