// linear: y = x·Wᵀ and its backward (see linear.h).
#include "kernels/linear.h"
#include "kernels/parallel.h"

#include <stdexcept>
#include <string>
#include <vector>

namespace predann {

void check_linear_shape(const LinearShape& s) {
  if (s.batch < 0 || s.in_features < 0 || s.out_features < 0) {
    throw std::invalid_argument("linear: sizes must be >= 0, got batch " + std::to_string(s.batch) + ", in " +
                                std::to_string(s.in_features) + ", out " + std::to_string(s.out_features));
  }
}

static void require_buffers(bool ok) {
  if (!ok) throw std::invalid_argument("linear: null buffer");
}

// ---------------------------------------------------------------------------------------------
// Reference

template <typename T>
void linear_forward_ref(const LinearShape& s, const T* x, const T* w, T* y) {
  check_linear_shape(s);
  require_buffers(x && w && y);
  const int64_t N = s.batch, K = s.in_features, O = s.out_features;
  for (int64_t n = 0; n < N; ++n) {
    for (int64_t o = 0; o < O; ++o) {
      T acc = 0;
      for (int64_t k = 0; k < K; ++k) acc += x[n * K + k] * w[o * K + k];
      y[n * O + o] = acc;
    }
  }
}

template <typename T>
void linear_backward_ref(const LinearShape& s, const T* x, const T* w, const T* dy, T* dx, T* dw) {
  check_linear_shape(s);
  require_buffers(x && w && dy && dw);
  const int64_t N = s.batch, K = s.in_features, O = s.out_features;
  if (dx) {
    for (int64_t n = 0; n < N; ++n) {
      for (int64_t k = 0; k < K; ++k) {
        T acc = 0;
        for (int64_t o = 0; o < O; ++o) acc += dy[n * O + o] * w[o * K + k];
        dx[n * K + k] += acc;
      }
    }
  }
  for (int64_t o = 0; o < O; ++o) {
    for (int64_t k = 0; k < K; ++k) {
      T acc = 0;
      for (int64_t n = 0; n < N; ++n) acc += dy[n * O + o] * x[n * K + k];
      dw[o * K + k] += acc;
    }
  }
}

template void linear_forward_ref<float>(const LinearShape&, const float*, const float*, float*);
template void linear_forward_ref<double>(const LinearShape&, const double*, const double*, double*);
template void linear_backward_ref<float>(const LinearShape&, const float*, const float*, const float*, float*, float*);
template void linear_backward_ref<double>(const LinearShape&, const double*, const double*, const double*, double*,
                                          double*);

// ---------------------------------------------------------------------------------------------
// Fast

// Below this many multiply-adds a layer runs on the calling thread. PredANN's largest projector
// layer (48 × 128 → 100, 0.6 M multiply-adds) takes ~75 µs on one core; on the 2-core machines,
// with the other core busy, the same layer on a 2-thread team measured 1.3–1.5 ms (the team
// waits for a descheduled thread), and on an idle machine a team saves at most ~35 µs.
constexpr int64_t kParallelMacs = int64_t(1) << 22;

// Runs row(i) for i in [0, rows), on the OpenMP team when `macs` is large enough.
template <typename Row>
static void for_each_row(int64_t rows, int64_t macs, const Row& row) {
  if (macs < kParallelMacs) {
    for (int64_t i = 0; i < rows; ++i) row(i);
    return;
  }
  run_on_openmp_host([&] {
#pragma omp parallel for schedule(static) num_threads(thread_count())
    for (int64_t i = 0; i < rows; ++i) row(i);
  });
}

static float dot(const float* a, const float* b, int64_t n) {
  float acc = 0;
#pragma omp simd reduction(+ : acc)
  for (int64_t k = 0; k < n; ++k) acc += a[k] * b[k];
  return acc;
}

// acc[k] += alpha · b[k]
static void axpy(float alpha, const float* b, float* acc, int64_t n) {
#pragma omp simd
  for (int64_t k = 0; k < n; ++k) acc[k] += alpha * b[k];
}

void linear_forward(const LinearShape& s, const float* x, const float* w, float* y) {
  check_linear_shape(s);
  require_buffers(x && w && y);
  const int64_t N = s.batch, K = s.in_features, O = s.out_features;
  for_each_row(N, N * K * O, [&](int64_t n) {
    for (int64_t o = 0; o < O; ++o) y[n * O + o] = dot(x + n * K, w + o * K, K);
  });
}

void linear_backward(const LinearShape& s, const float* x, const float* w, const float* dy, float* dx, float* dw) {
  check_linear_shape(s);
  require_buffers(x && w && dy && dw);
  const int64_t N = s.batch, K = s.in_features, O = s.out_features;
  // Each row is summed into a fresh accumulator first and added to the gradient once, as the
  // reference does, so that an already large gradient does not swallow the small terms. The
  // accumulators are allocated here: nothing inside a parallel region may throw.
  if (dx) {
    std::vector<float> sums(static_cast<size_t>(N * K), 0.0f);  // sums is (N,K): Σ_o dy[n,o]·W[o,:]
    for_each_row(N, N * K * O, [&](int64_t n) {
      float* acc = sums.data() + n * K;
      for (int64_t o = 0; o < O; ++o) axpy(dy[n * O + o], w + o * K, acc, K);
      for (int64_t k = 0; k < K; ++k) dx[n * K + k] += acc[k];
    });
  }
  std::vector<float> sums(static_cast<size_t>(O * K), 0.0f);  // sums is (O,K): Σ_n dy[n,o]·x[n,:]
  for_each_row(O, N * K * O, [&](int64_t o) {
    float* acc = sums.data() + o * K;
    for (int64_t n = 0; n < N; ++n) axpy(dy[n * O + o], x + n * K, acc, K);
    for (int64_t k = 0; k < K; ++k) dw[o * K + k] += acc[k];
  });
}

}  // namespace predann
