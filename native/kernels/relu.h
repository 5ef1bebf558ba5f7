// relu: torch.nn.ReLU / torch.relu and its backward, element-wise over any shape.
//
//   forward:   y = max(x, 0)                (NaN stays NaN, as torch.relu)
//   backward:  dx = dy where y > 0, else 0  (torch threshold_backward(dy, y, 0): the derivative at
//                                            exactly 0 is 0)
//
// Versions: relu_*_ref<T> (float and double; a plain loop, the oracle) and the fast float
// relu_* (OpenMP over blocks, vectorised by the compiler). Both give identical bits: the
// operation is exact. Buffers may alias (y == x, dx == dy). dx is written, not accumulated.
#pragma once
#include <cstdint>

namespace predann {

// x, y have count values.
template <typename T>
void relu_forward_ref(const T* x, int64_t count, T* y);
void relu_forward(const float* x, int64_t count, float* y);

// dy, dx and y (the forward's output; its input x gives the same mask) have count values.
template <typename T>
void relu_backward_ref(const T* dy, const T* y, int64_t count, T* dx);
void relu_backward(const float* dy, const float* y, int64_t count, float* dx);

}  // namespace predann
