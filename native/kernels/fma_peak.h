// fma_peak: measures this machine's fp32 fused-multiply-add throughput (GFLOP/s, 2 flops per FMA)
// with independent FMA chains on every thread, the denominator of "share of peak" in the
// benchmarks. Vector width follows the compile flags (AVX-512: 16 lanes; AVX2: 8; else scalar).
#pragma once

namespace predann {

struct FmaPeak {
  double gflops;   // all threads together
  int threads;
  int lanes;       // float lanes per vector
  double seconds;  // measured time
};

// Runs about `seconds` of FMA chains on thread_count() threads (see kernels/parallel.h).
FmaPeak measure_fma_peak(double seconds);

}  // namespace predann
