// bench_quantize: the CPU backend's INT8 reformats (Quantize float32 -> int8, Dequantize int8 ->
// float32) against the scalar loop they replace, in ns per value.
//
//   bench_quantize [--dims 50,16,28,28] [--iterations 50] [--rounds 7] [--threads 1]
//
// For Quantize it times the scalar contract loop (quant::quantize per element: the reference
// kernel's loop and the CPU kernel's before vectorization), each vectorized loop this CPU runs
// (quantize_loops.h, one thread), and the CPU and reference kernels on the plain layout and on
// nChw16c (the CPU kernel at --threads threads). Dequantize: the scalar loop, the CPU kernel
// (oneDNN's scaled reorder) and the reference kernel. Each figure is the median over `rounds`
// rounds of the mean of `iterations` runs; the ratio is scalar / figure. Every vectorized
// Quantize output is compared with the scalar one first (a mismatch is an error).
#include <omp.h>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <functional>
#include <limits>
#include <random>
#include <string>
#include <vector>

#include "backends/cpu/cpu_backend.h"
#include "backends/cpu/onednn_common.h"
#include "backends/cpu/quantize_loops.h"
#include "backends/quant.h"
#include "backends/reference/reference.h"
#include "int8rt/network.h"

namespace {

using namespace int8rt;
using Clock = std::chrono::steady_clock;

struct Options {
  std::vector<int64_t> dims = {50, 16, 28, 28};
  int iterations = 50;
  int rounds = 7;
  int threads = 1;
};

// Median over rounds of the mean ns per value of `fn`.
double time_ns_per_value(const Options& options, int64_t count, const std::function<void()>& fn) {
  fn();
  std::vector<double> rounds;
  for (int r = 0; r < options.rounds; ++r) {
    const auto start = Clock::now();
    for (int i = 0; i < options.iterations; ++i)
      fn();
    const std::chrono::duration<double, std::nano> elapsed = Clock::now() - start;
    rounds.push_back(elapsed.count() / options.iterations / static_cast<double>(count));
  }
  std::sort(rounds.begin(), rounds.end());
  return rounds[rounds.size() / 2];
}

void print_row(const std::string& what, double ns, double scalar_ns) {
  std::printf("  %-44s %8.3f ns/value  %7.2fx\n", what.c_str(), ns, scalar_ns / ns);
}

// The reformat layer `type` over `dims`, with scale 4 / 127 on its int8 side.
struct Reformat {
  Network net;
  Layer* layer = nullptr;
};

void make_reformat(Reformat& r, OpType type, const Dims& dims) {
  const bool quantize = type == OpType::kQuantize;
  Tensor* x = r.net.add_input("x", quantize ? DataType::kFloat : DataType::kInt8, dims).value();
  if (!quantize) (void)x->set_dynamic_range(-4.0f, 4.0f);
  r.layer = r.net.add_layer(type, "reformat", {x}, NoAttrs{}, {"y"}).value();
  Tensor* y = r.layer->output(0);
  y->set_dims(dims);
  y->set_dtype(quantize ? DataType::kInt8 : DataType::kFloat);
  if (quantize) (void)y->set_dynamic_range(-4.0f, 4.0f);
}

struct KernelRun {
  KernelPtr kernel;
  std::vector<std::byte> in, out;
  void run() {
    const void* in_ptr = in.data();
    void* out_ptr = out.data();
    KernelIo io{std::span<const void* const>(&in_ptr, 1), std::span<void* const>(&out_ptr, 1),
                nullptr, nullptr};
    if (!kernel->execute(io).is_ok()) std::abort();
  }
};

size_t layout_bytes(const Layout& layout, const Dims& dims, DataType type) {
  return layout.is_plain() ? static_cast<size_t>(dims.volume()) * element_size(type)
                           : layout.desc()->byte_size();
}

// `size` bytes of `plain` repeated (a blocked layout's buffer holds the same values, permuted, and
// its padding).
std::vector<std::byte> fill(size_t size, const std::vector<std::byte>& plain) {
  std::vector<std::byte> out(size);
  for (size_t i = 0; i < size; ++i)
    out[i] = plain[i % plain.size()];
  return out;
}

// `plain` holds the input values (plain layout), the same the scalar loop ran on.
bool bench_kernels(const Options& options, OpType type, const Dims& dims,
                   const std::vector<std::byte>& plain, double scalar_ns) {
  const bool quantize = type == OpType::kQuantize;
  const DataType in_type = quantize ? DataType::kFloat : DataType::kInt8;
  const DataType out_type = quantize ? DataType::kInt8 : DataType::kFloat;
  Reformat r;
  make_reformat(r, type, dims);
  const auto blocked = cpu::to_layout(dnnl::memory::desc(
      cpu::to_onednn_dims(dims), cpu::to_onednn(in_type), dnnl::memory::format_tag::nChw16c));
  for (const Layout& layout : {Layout(), blocked}) {
    auto cpu_kernel = cpu::create_kernel(*r.layer, std::span<const Layout>(&layout, 1));
    if (!cpu_kernel.is_ok() || *cpu_kernel == nullptr) {
      std::fprintf(stderr, "no CPU kernel for %s\n", layout.to_string().c_str());
      return false;
    }
    KernelRun run{std::move(*cpu_kernel), {}, {}};
    run.in = fill(layout_bytes(run.kernel->input_layout(0), dims, in_type), plain);
    run.out.resize(layout_bytes(run.kernel->output_layout(0), dims, out_type));
    omp_set_num_threads(options.threads);
    const double ns = time_ns_per_value(options, dims.volume(), [&] { run.run(); });
    print_row(run.kernel->name() + " " + layout.to_string() + ", " +
                  std::to_string(options.threads) + " thread(s)",
              ns, scalar_ns);
  }
  auto ref_kernel = reference::create_kernel(*r.layer);
  if (!ref_kernel.is_ok() || *ref_kernel == nullptr) return false;
  KernelRun ref{std::move(*ref_kernel), {}, {}};
  ref.in = plain;
  ref.out.resize(layout_bytes(Layout(), dims, out_type));
  print_row(ref.kernel->name() + " plain",
            time_ns_per_value(options, dims.volume(), [&] { ref.run(); }), scalar_ns);
  return true;
}

bool parse(int argc, char** argv, Options& options) {
  for (int i = 1; i < argc; ++i) {
    const std::string arg = argv[i];
    if (i + 1 >= argc) return false;
    const std::string value = argv[++i];
    if (arg == "--dims") {
      options.dims.clear();
      size_t pos = 0;
      while (pos <= value.size()) {
        const size_t comma = std::min(value.find(',', pos), value.size());
        options.dims.push_back(std::stoll(value.substr(pos, comma - pos)));
        pos = comma + 1;
      }
    } else if (arg == "--iterations") {
      options.iterations = std::max(1, std::stoi(value));
    } else if (arg == "--rounds") {
      options.rounds = std::max(1, std::stoi(value));
    } else if (arg == "--threads") {
      options.threads = std::max(1, std::stoi(value));
    } else {
      return false;
    }
  }
  return options.dims.size() == 4;
}

}  // namespace

int main(int argc, char** argv) {
  Options options;
  if (!parse(argc, argv, options)) {
    std::fprintf(stderr,
                 "usage: bench_quantize [--dims N,C,H,W] [--iterations N] [--rounds N] "
                 "[--threads T]\n");
    return 2;
  }
  const Dims dims(options.dims);
  const int64_t count = dims.volume();
  const float scale = 4.0f / 127.0f;
  // Mostly in range, some beyond it (clamped), some exact ties.
  std::mt19937 rng(7);
  std::uniform_real_distribution<float> dist(-5.0f, 5.0f);
  std::vector<float> x(static_cast<size_t>(count));
  for (size_t i = 0; i < x.size(); ++i)
    x[i] = i % 11 == 0 ? (static_cast<float>(i % 64) - 32.0f + 0.5f) * scale : dist(rng);
  std::vector<int8_t> q_scalar(x.size()), q(x.size());
  std::vector<float> f_scalar(x.size());

  omp_set_num_threads(1);
  std::printf("Quantize, %s (%lld values), one thread unless said\n", dims.to_string().c_str(),
              static_cast<long long>(count));
  const double scalar_q = time_ns_per_value(options, count, [&] {
    for (int64_t i = 0; i < count; ++i)
      q_scalar[static_cast<size_t>(i)] = quant::quantize(x[static_cast<size_t>(i)], scale);
  });
  print_row("scalar loop (quant::quantize)", scalar_q, scalar_q);
  const cpu::QuantizeIsa isas[] = {cpu::QuantizeIsa::kSse2, cpu::QuantizeIsa::kAvx2,
                                   cpu::QuantizeIsa::kAvx512};
  for (cpu::QuantizeIsa isa : isas) {
    if (!cpu::quantize_isa_supported(isa)) continue;
    const double ns = time_ns_per_value(
        options, count, [&] { cpu::quantize_values(isa, x.data(), q.data(), count, scale); });
    if (q != q_scalar) {
      std::fprintf(stderr, "%s quantize loop differs from the scalar loop\n",
                   std::string(cpu::to_string(isa)).c_str());
      return 1;
    }
    print_row(std::string(cpu::to_string(isa)) + " loop", ns, scalar_q);
  }
  const auto* x_bytes = reinterpret_cast<const std::byte*>(x.data());
  if (!bench_kernels(options, OpType::kQuantize, dims,
                     std::vector<std::byte>(x_bytes, x_bytes + x.size() * sizeof(float)),
                     scalar_q)) {
    return 1;
  }

  std::printf("Dequantize, %s (%lld values), one thread unless said\n", dims.to_string().c_str(),
              static_cast<long long>(count));
  omp_set_num_threads(1);
  const double scalar_d = time_ns_per_value(options, count, [&] {
    for (int64_t i = 0; i < count; ++i)
      f_scalar[static_cast<size_t>(i)] = quant::dequantize(q_scalar[static_cast<size_t>(i)], scale);
  });
  print_row("scalar loop (quant::dequantize)", scalar_d, scalar_d);
  const auto* q_bytes = reinterpret_cast<const std::byte*>(q_scalar.data());
  if (!bench_kernels(options, OpType::kDequantize, dims,
                     std::vector<std::byte>(q_bytes, q_bytes + q_scalar.size()), scalar_d)) {
    return 1;
  }
  return 0;
}
