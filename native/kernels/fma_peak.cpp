#include "kernels/fma_peak.h"

#include <algorithm>
#include <chrono>
#include <cstdint>

#include "kernels/parallel.h"

namespace predann {

namespace {

#if defined(__AVX512F__)
constexpr int kLanes = 16;
#elif defined(__AVX2__) || defined(__AVX__)
constexpr int kLanes = 8;
#else
constexpr int kLanes = 1;
#endif
// Enough independent accumulators to cover the FMA latency (4 cycles) on two ports.
constexpr int kChains = 12;

typedef float Vec __attribute__((vector_size(kLanes * sizeof(float))));

// `iterations` rounds of kChains independent FMA chains; returns a value that depends on all of
// them so the compiler cannot drop the work.
float fma_chains(int64_t iterations) {
  Vec acc[kChains];
  Vec mul, add;
  for (int l = 0; l < kLanes; ++l) mul[l] = 0.999999f, add[l] = 1e-7f;
  for (int c = 0; c < kChains; ++c)
    for (int l = 0; l < kLanes; ++l) acc[c][l] = static_cast<float>(c + l);
  for (int64_t i = 0; i < iterations; ++i) {
    for (int c = 0; c < kChains; ++c) acc[c] = acc[c] * mul + add;  // contracted to one FMA
  }
  float sum = 0;
  for (int c = 0; c < kChains; ++c)
    for (int l = 0; l < kLanes; ++l) sum += acc[c][l];
  return sum;
}

}  // namespace

FmaPeak measure_fma_peak(double seconds) {
  using Clock = std::chrono::steady_clock;
  const int threads = thread_count();
  int64_t iterations = 1 << 16;
  double elapsed = 0;
  volatile float sink = 0;
  // Grow the work until one run lasts long enough to time reliably.
  for (;;) {
    const auto t0 = Clock::now();
    run_on_openmp_host([&] {
#pragma omp parallel num_threads(threads)
      { sink = sink + fma_chains(iterations); }
    });
    elapsed = std::chrono::duration<double>(Clock::now() - t0).count();
    if (elapsed >= seconds || iterations > (int64_t{1} << 40)) break;
    iterations *= elapsed > 0 ? std::max<int64_t>(2, static_cast<int64_t>(seconds / elapsed)) : 16;
  }
  const double flops = 2.0 * kLanes * kChains * static_cast<double>(iterations) * threads;
  return {flops / elapsed / 1e9, threads, kLanes, elapsed};
}

}  // namespace predann
