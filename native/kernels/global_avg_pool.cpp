// global_avg_pool: see global_avg_pool.h.
#include "kernels/global_avg_pool.h"

#include <algorithm>
#include <stdexcept>
#include <string>

#include "kernels/parallel.h"

namespace predann {

namespace {

void check(const void* in, const void* out, PoolShape shape) {
  if (shape.rows < 0 || shape.spatial < 1) {
    throw std::invalid_argument("global_avg_pool: need rows >= 0 and spatial >= 1, got rows=" +
                                std::to_string(shape.rows) + " spatial=" + std::to_string(shape.spatial));
  }
  if (shape.rows > 0 && (!in || !out)) throw std::invalid_argument("global_avg_pool: null buffer");
}

// Rows are shared among the OpenMP threads only when there are this many values in all: a
// handoff to the OpenMP host thread costs more than pooling 64 Ki values.
constexpr int64_t kParallelFromValues = int64_t{1} << 16;

// Runs body(row) for every row. body must not throw.
template <typename Body>
void for_each_row(PoolShape shape, const Body& body) {
  const int threads = thread_count();
  if (threads == 1 || shape.rows * shape.spatial < kParallelFromValues) {
    for (int64_t r = 0; r < shape.rows; ++r) body(r);
    return;
  }
  run_on_openmp_host([&] {
#pragma omp parallel for schedule(static) num_threads(threads)
    for (int64_t r = 0; r < shape.rows; ++r) body(r);
  });
}

// Σ x[0 .. count) in float64, in 32 independent partial sums (four AVX-512 registers, enough to
// hide the additions' latency) so that the loop vectorises without reassociation.
double sum_as_double(const float* x, int64_t count) {
  constexpr int kLanes = 32;
  double lanes[kLanes] = {};
  int64_t i = 0;
  for (; i + kLanes <= count; i += kLanes) {
    for (int l = 0; l < kLanes; ++l) lanes[l] += static_cast<double>(x[i + l]);
  }
  for (; i < count; ++i) lanes[0] += static_cast<double>(x[i]);  // a constant index keeps lanes in registers
  double total = 0;
  for (int l = 0; l < kLanes; ++l) total += lanes[l];
  return total;
}

}  // namespace

template <typename T>
void global_avg_pool_forward_ref(const T* x, PoolShape shape, T* y) {
  check(x, y, shape);
  for (int64_t r = 0; r < shape.rows; ++r) {
    double sum = 0;
    for (int64_t s = 0; s < shape.spatial; ++s) sum += x[r * shape.spatial + s];
    y[r] = static_cast<T>(sum / static_cast<double>(shape.spatial));
  }
}

template <typename T>
void global_avg_pool_backward_ref(const T* dy, PoolShape shape, T* dx) {
  check(dy, dx, shape);
  for (int64_t r = 0; r < shape.rows; ++r) {
    const T share = dy[r] / static_cast<T>(shape.spatial);
    for (int64_t s = 0; s < shape.spatial; ++s) dx[r * shape.spatial + s] = share;
  }
}

template void global_avg_pool_forward_ref<float>(const float*, PoolShape, float*);
template void global_avg_pool_forward_ref<double>(const double*, PoolShape, double*);
template void global_avg_pool_backward_ref<float>(const float*, PoolShape, float*);
template void global_avg_pool_backward_ref<double>(const double*, PoolShape, double*);

void global_avg_pool_forward(const float* x, PoolShape shape, float* y) {
  check(x, y, shape);
  for_each_row(shape, [&](int64_t r) {
    y[r] = static_cast<float>(sum_as_double(x + r * shape.spatial, shape.spatial) / static_cast<double>(shape.spatial));
  });
}

void global_avg_pool_backward(const float* dy, PoolShape shape, float* dx) {
  check(dy, dx, shape);
  for_each_row(shape, [&](int64_t r) {
    const float share = dy[r] / static_cast<float>(shape.spatial);
    std::fill_n(dx + r * shape.spatial, shape.spatial, share);
  });
}

}  // namespace predann
