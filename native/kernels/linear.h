// linear: a fully connected layer without bias, torch.nn.Linear(in, out, bias=False):
//   y[n,o] = Σ_k x[n,k] · W[o,k]            (y = x·Wᵀ, W stored (out, in) as PyTorch stores it)
// and its backward
//   dx[n,k] += Σ_o dy[n,o] · W[o,k]         (dx = dy·W)
//   dW[o,k] += Σ_n dy[n,o] · x[n,k]         (dW = dyᵀ·x)
// Gradients accumulate into dx and dW (zeroing them is the caller's explicit step), so that one
// buffer can gather the gradients of several uses; dx may be null when nobody needs it.
// PredANN uses it in both projectors: 128→100, 100→10 and 100→100, batch 48.
//
// Versions:
//   linear_forward_ref / linear_backward_ref   templates (float, double): plain triple loops with
//                                              a sequential T accumulator; the oracle (double for
//                                              finite differences).
//   linear_forward / linear_backward           float: every inner loop is unit-stride and
//                                              vectorises (forward: dot products of two rows;
//                                              backward: row axpys into a row accumulator), OpenMP
//                                              over output rows when there is enough work.
#pragma once
#include <cstdint>

namespace predann {

struct LinearShape {
  int64_t batch = 0;         // N rows of x and y
  int64_t in_features = 0;   // K
  int64_t out_features = 0;  // O
};

// Throws std::invalid_argument for negative sizes or null buffers that are needed.
void check_linear_shape(const LinearShape& s);

// x is (N,K), w is (O,K), y is (N,O) (overwritten).
template <typename T>
void linear_forward_ref(const LinearShape& s, const T* x, const T* w, T* y);

// x is (N,K), w is (O,K), dy is (N,O); dx is (N,K) or null, dw is (O,K): both accumulate.
template <typename T>
void linear_backward_ref(const LinearShape& s, const T* x, const T* w, const T* dy, T* dx, T* dw);

void linear_forward(const LinearShape& s, const float* x, const float* w, float* y);
void linear_backward(const LinearShape& s, const float* x, const float* w, const float* dy, float* dx, float* dw);

}  // namespace predann
