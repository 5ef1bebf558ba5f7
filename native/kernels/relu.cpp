// relu: see relu.h.
#include "kernels/relu.h"

#include <algorithm>
#include <stdexcept>

#include "kernels/parallel.h"

namespace predann {

namespace {

void check(const void* in, const void* out, int64_t count) {
  if (count < 0) throw std::invalid_argument("relu: count must be >= 0");
  if (count > 0 && (!in || !out)) throw std::invalid_argument("relu: null buffer");
}

// `x < 0 ? 0 : x` rather than `x > 0 ? x : 0`: a NaN compares false and passes through.
template <typename T>
T rectify(T x) {
  return x < T(0) ? T(0) : x;
}

// threshold_backward: the gradient passes only where the output is positive (and where it is
// NaN, since `y <= 0` is false there, as in PyTorch).
template <typename T>
T gate(T dy, T y) {
  return y <= T(0) ? T(0) : dy;
}

// Element-wise work is shared among the OpenMP threads in blocks of this many values, and not
// at all below it: a handoff to the OpenMP host thread costs more than rectifying 64 Ki floats.
constexpr int64_t kBlock = int64_t{1} << 16;

// Runs body(begin, end) over [0, count) in blocks. body must not throw.
template <typename Body>
void for_each_block(int64_t count, const Body& body) {
  const int threads = thread_count();
  if (threads == 1 || count <= kBlock) {
    body(int64_t{0}, count);
    return;
  }
  const int64_t blocks = (count + kBlock - 1) / kBlock;
  run_on_openmp_host([&] {
#pragma omp parallel for schedule(static) num_threads(threads)
    for (int64_t b = 0; b < blocks; ++b) body(b * kBlock, std::min(count, (b + 1) * kBlock));
  });
}

}  // namespace

template <typename T>
void relu_forward_ref(const T* x, int64_t count, T* y) {
  check(x, y, count);
  for (int64_t i = 0; i < count; ++i) y[i] = rectify(x[i]);
}

template <typename T>
void relu_backward_ref(const T* dy, const T* y, int64_t count, T* dx) {
  check(dy, dx, count);
  if (count > 0 && !y) throw std::invalid_argument("relu: null buffer");
  for (int64_t i = 0; i < count; ++i) dx[i] = gate(dy[i], y[i]);
}

template void relu_forward_ref<float>(const float*, int64_t, float*);
template void relu_forward_ref<double>(const double*, int64_t, double*);
template void relu_backward_ref<float>(const float*, const float*, int64_t, float*);
template void relu_backward_ref<double>(const double*, const double*, int64_t, double*);

void relu_forward(const float* x, int64_t count, float* y) {
  check(x, y, count);
  for_each_block(count, [&](int64_t begin, int64_t end) {
    for (int64_t i = begin; i < end; ++i) y[i] = rectify(x[i]);
  });
}

void relu_backward(const float* dy, const float* y, int64_t count, float* dx) {
  check(dy, dx, count);
  if (count > 0 && !y) throw std::invalid_argument("relu: null buffer");
  for_each_block(count, [&](int64_t begin, int64_t end) {
    for (int64_t i = begin; i < end; ++i) dx[i] = gate(dy[i], y[i]);
  });
}

}  // namespace predann
