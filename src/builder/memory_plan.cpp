#include "builder/memory_plan.h"

#include <algorithm>
#include <numeric>

namespace int8rt {

namespace {

constexpr size_t kAlignment = 64;

size_t aligned(size_t bytes) {
  return (bytes + kAlignment - 1) / kAlignment * kAlignment;
}

struct Live {
  int first = 0, last = 0;  // steps [first, last] during which it is live
  size_t bytes = 0;
  size_t offset = 0;
};

int find_root(std::vector<int>& parent, int id) {
  while (parent[static_cast<size_t>(id)] != id) {
    parent[static_cast<size_t>(id)] = parent[static_cast<size_t>(parent[static_cast<size_t>(id)])];
    id = parent[static_cast<size_t>(id)];
  }
  return id;
}

void plan_location(detail::EngineImpl& engine, TensorLocation location) {
  const size_t count = engine.tensors.size();
  const int end = static_cast<int>(engine.steps.size());
  std::vector<int> first(count, -1), last(count, -1);
  for (int s = 0; s < end; ++s) {
    const auto& step = engine.steps[static_cast<size_t>(s)];
    for (int id : step.inputs) {
      if (id >= 0) last[static_cast<size_t>(id)] = s;
    }
    for (int id : step.outputs) {
      if (id < 0) continue;
      if (first[static_cast<size_t>(id)] < 0) first[static_cast<size_t>(id)] = s;
      last[static_cast<size_t>(id)] = std::max(last[static_cast<size_t>(id)], s);
    }
  }
  for (int id : engine.output_ids)
    last[static_cast<size_t>(id)] = end;
  auto in_arena = [&](int id) {
    return id >= 0 && first[static_cast<size_t>(id)] >= 0 &&
           !engine.tensors[static_cast<size_t>(id)].is_constant() &&
           engine.tensors[static_cast<size_t>(id)].location == location;
  };

  // In-place groups: an output joins its input's group when the input dies at that step.
  std::vector<int> parent(count);
  std::iota(parent.begin(), parent.end(), 0);
  std::vector<int> group_last = last;
  for (int s = 0; s < end; ++s) {
    const auto& step = engine.steps[static_cast<size_t>(s)];
    const int k = step.kernel->inplace_input();
    if (k < 0 || k >= static_cast<int>(step.inputs.size()) || step.outputs.empty()) continue;
    const int in = step.inputs[static_cast<size_t>(k)];
    const int out = step.outputs[0];
    if (!in_arena(in) || !in_arena(out) || in == out) continue;
    const int root = find_root(parent, in);
    if (group_last[static_cast<size_t>(root)] != s) continue;  // read later: can't overwrite
    bool read_elsewhere = false;  // e.g. Conv(x, W, B, R = x): the conv still reads x
    for (size_t j = 0; j < step.inputs.size(); ++j) {
      const int other = step.inputs[j];
      read_elsewhere |=
          j != static_cast<size_t>(k) && in_arena(other) && find_root(parent, other) == root;
    }
    if (read_elsewhere) continue;
    if (engine.tensors[static_cast<size_t>(in)].byte_size() !=
        engine.tensors[static_cast<size_t>(out)].byte_size()) {
      continue;
    }
    parent[static_cast<size_t>(out)] = root;
    group_last[static_cast<size_t>(root)] = last[static_cast<size_t>(out)];
  }

  std::vector<Live> buffers;
  std::vector<int> buffer_of(count, -1);
  for (size_t id = 0; id < count; ++id) {
    if (!in_arena(static_cast<int>(id))) continue;
    const int root = find_root(parent, static_cast<int>(id));
    if (buffer_of[static_cast<size_t>(root)] < 0) {
      buffer_of[static_cast<size_t>(root)] = static_cast<int>(buffers.size());
      buffers.push_back(
          {first[static_cast<size_t>(root)], group_last[static_cast<size_t>(root)], 0, 0});
    }
    Live& buffer = buffers[static_cast<size_t>(buffer_of[static_cast<size_t>(root)])];
    buffer.bytes = std::max(buffer.bytes, aligned(engine.tensors[id].byte_size()));
    buffer_of[id] = buffer_of[static_cast<size_t>(root)];
  }

  std::vector<size_t> order(buffers.size());
  std::iota(order.begin(), order.end(), 0);
  std::stable_sort(order.begin(), order.end(),
                   [&](size_t a, size_t b) { return buffers[a].bytes > buffers[b].bytes; });
  std::vector<size_t> placed;
  size_t arena = 0;
  for (size_t index : order) {
    Live& buffer = buffers[index];
    std::vector<std::pair<size_t, size_t>> taken;  // [offset, end) of live-overlapping buffers
    for (size_t other : placed) {
      const Live& b = buffers[other];
      if (b.first <= buffer.last && buffer.first <= b.last) {
        taken.emplace_back(b.offset, b.offset + b.bytes);
      }
    }
    std::sort(taken.begin(), taken.end());
    size_t offset = 0;
    for (const auto& [begin, stop] : taken) {
      if (offset + buffer.bytes <= begin) break;
      offset = std::max(offset, stop);
    }
    buffer.offset = offset;
    arena = std::max(arena, offset + buffer.bytes);
    placed.push_back(index);
  }
  for (size_t id = 0; id < count; ++id) {
    if (engine.tensors[id].location != location) continue;
    engine.tensors[id].arena_offset =
        buffer_of[id] < 0
            ? -1
            : static_cast<int64_t>(buffers[static_cast<size_t>(buffer_of[id])].offset);
  }
  engine.arena_bytes[detail::location_index(location)] = arena;
}

}  // namespace

void plan_memory(detail::EngineImpl& engine) {
  engine.arena_bytes = {};
  engine.scratch_bytes = {};
  for (const auto& step : engine.steps) {
    size_t& scratch = engine.scratch_bytes[detail::location_index(step.backend->memory_space())];
    scratch = std::max(scratch, step.kernel->scratch_bytes());
  }
  for (size_t l = 0; l < detail::kNumLocations; ++l)
    plan_location(engine, static_cast<TensorLocation>(l));
}

}  // namespace int8rt
