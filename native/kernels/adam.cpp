// adam: one torch.optim.Adam step (see adam.h).
#include "kernels/adam.h"
#include "kernels/parallel.h"

#include <algorithm>
#include <cmath>
#include <stdexcept>
#include <string>

namespace predann {

template <typename T>
AdamScalars<T> adam_scalars(const AdamParams& p, int64_t step) {
  if (step < 1) throw std::invalid_argument("adam: step must be >= 1, got " + std::to_string(step));
  if (!(p.lr >= 0) || !(p.eps >= 0) || !(p.beta1 >= 0 && p.beta1 < 1) || !(p.beta2 >= 0 && p.beta2 < 1)) {
    throw std::invalid_argument("adam: expected lr >= 0, eps >= 0 and betas in [0, 1)");
  }
  const double t = static_cast<double>(step);
  const double bc1 = 1.0 - std::pow(p.beta1, t);
  const double bc2 = 1.0 - std::pow(p.beta2, t);
  AdamScalars<T> s;
  s.beta1 = static_cast<T>(p.beta1);
  s.one_minus_beta1 = static_cast<T>(1.0 - p.beta1);
  s.beta2 = static_cast<T>(p.beta2);
  s.one_minus_beta2 = static_cast<T>(1.0 - p.beta2);
  s.bc2_sqrt = static_cast<T>(std::sqrt(bc2));
  s.eps = static_cast<T>(p.eps);
  s.neg_step_size = static_cast<T>(-(p.lr / bc1));
  return s;
}

template AdamScalars<float> adam_scalars<float>(const AdamParams&, int64_t);
template AdamScalars<double> adam_scalars<double>(const AdamParams&, int64_t);

// One element, in PyTorch's order; each statement is one tensor operation and rounds to T.
// Both versions call this, so they cannot drift apart.
template <typename T>
static inline void adam_update(const AdamScalars<T>& s, T& param, T grad, T& m, T& v) {
  T m_new = m * s.beta1;
  m_new = m_new + s.one_minus_beta1 * grad;
  T v_new = v * s.beta2;
  v_new = v_new + s.one_minus_beta2 * grad * grad;
  T denom = std::sqrt(v_new) / s.bc2_sqrt;
  denom = denom + s.eps;
  param = param + s.neg_step_size * m_new / denom;
  m = m_new;
  v = v_new;
}

static void check_buffers(int64_t n, const void* param, const void* grad, const void* m, const void* v) {
  if (n < 0) throw std::invalid_argument("adam: n must be >= 0, got " + std::to_string(n));
  if (n > 0 && (!param || !grad || !m || !v)) throw std::invalid_argument("adam: null buffer");
}

template <typename T>
void adam_step_ref(const AdamParams& p, int64_t step, int64_t n, T* param, const T* grad, T* m, T* v) {
  check_buffers(n, param, grad, m, v);
  const AdamScalars<T> s = adam_scalars<T>(p, step);
  for (int64_t i = 0; i < n; ++i) adam_update(s, param[i], grad[i], m[i], v[i]);
}

template void adam_step_ref<float>(const AdamParams&, int64_t, int64_t, float*, const float*, float*, float*);
template void adam_step_ref<double>(const AdamParams&, int64_t, int64_t, double*, const double*, double*, double*);

// Elements per OpenMP chunk: 4 arrays × 16 Ki floats = 256 KiB streamed per chunk, and tensors
// smaller than one chunk (most of PredANN's 40) stay on the calling thread.
constexpr int64_t kChunk = int64_t(1) << 14;

// With GCC's default -fmath-errno, std::sqrt keeps a scalar errno branch (for negative input,
// which v never is) that stops this loop from vectorising: 260,240 parameters (PredANN's two
// encoders) take ~0.8 ms per step on one core, ~0.07 ms when built with -fno-math-errno.
static void adam_range(const AdamScalars<float>& s, int64_t begin, int64_t end, float* param, const float* grad,
                       float* m, float* v) {
#pragma omp simd
  for (int64_t i = begin; i < end; ++i) adam_update(s, param[i], grad[i], m[i], v[i]);
}

void adam_step(const AdamParams& p, int64_t step, int64_t n, float* param, const float* grad, float* m, float* v) {
  check_buffers(n, param, grad, m, v);
  const AdamScalars<float> s = adam_scalars<float>(p, step);
  if (n <= kChunk) return adam_range(s, 0, n, param, grad, m, v);
  const int64_t chunks = (n + kChunk - 1) / kChunk;
  run_on_openmp_host([&] {
#pragma omp parallel for schedule(static) num_threads(thread_count())
    for (int64_t c = 0; c < chunks; ++c) {
      adam_range(s, c * kChunk, std::min(n, (c + 1) * kChunk), param, grad, m, v);
    }
  });
}

}  // namespace predann
