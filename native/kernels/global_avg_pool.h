// global_avg_pool: torch.nn.functional.adaptive_avg_pool2d(x, 1) followed by flatten:
// (N,C,H,W) → (N,C), the mean of each channel's S = H·W values, and its backward.
//
//   forward:   y[n,c] = Σ_s x[n,c,s] / S        summed in float64: S is 93,312 for the EEG and
//                                               177,147 for the audio encoder, where a float32
//                                               running sum would lose ~3 digits
//   backward:  dx[n,c,s] = dy[n,c] / S          (written, not accumulated)
//
// Versions: global_avg_pool_*_ref<T> (float and double; a plain float64 loop, the oracle) and the
// fast float global_avg_pool_* (OpenMP over rows; the forward's float64 sum in 32 independent
// lanes so that it vectorises). The forward agrees with the reference to float32 rounding (the
// float64 sums differ only in order), the backward bit for bit.
#pragma once
#include <cstdint>

namespace predann {

// x is (N,C,S) with S = H·W.
struct PoolShape {
  int64_t rows = 0;     // N·C
  int64_t spatial = 0;  // S
};

// x is (N,C,S); y is (N,C).
template <typename T>
void global_avg_pool_forward_ref(const T* x, PoolShape shape, T* y);
void global_avg_pool_forward(const float* x, PoolShape shape, float* y);

// dy is (N,C); dx is (N,C,S).
template <typename T>
void global_avg_pool_backward_ref(const T* dy, PoolShape shape, T* dx);
void global_avg_pool_backward(const float* dy, PoolShape shape, float* dx);

}  // namespace predann
