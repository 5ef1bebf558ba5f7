// adam: one step of torch.optim.Adam (weight_decay 0, amsgrad off, maximize off) as PyTorch
// 1.13's single-tensor implementation (`_single_tensor_adam`, foreach=False) computes it, on
// float32 parameters with float32 state. For step t (1-based, counted before this call + 1):
//   m     ← m·β1 + (1−β1)·g                       exp_avg.mul_(β1).add_(g, alpha=1−β1)
//   v     ← v·β2 + ((1−β2)·g)·g                   exp_avg_sq.mul_(β2).addcmul_(g, g, value=1−β2)
//   bc1   = 1 − β1^t,  bc2 = 1 − β2^t             Python floats (double)
//   step_size = lr / bc1                           double
//   denom = sqrt(v) / sqrt(bc2) + eps              (exp_avg_sq.sqrt() / bc2_sqrt).add_(eps)
//   p     ← p + (−step_size·m) / denom             param.addcdiv_(m, denom, value=−step_size)
// The scalars are computed in double, as Python does, and rounded once to the tensor type, as
// ATen does when a Python float meets a float32 tensor; each tensor operation rounds to T, except
// that a multiply followed by an add may be fused into one FMA by the compiler (PyTorch's
// vectorised `add` with alpha is an FMA too), so m and v can differ from PyTorch's in the last
// bit. The golden README checks Adam against p0 − lr·g/(|g|+eps) at step 1, met to an ulp.
//
// Versions:
//   adam_step_ref<T>  float and double: one element at a time; double is the hand-checkable
//                     recursion of the tests.
//   adam_step         float: the same per-element arithmetic (bit-identical to the float
//                     reference), vectorised, OpenMP over chunks for large tensors.
#pragma once
#include <cstdint>

namespace predann {

struct AdamParams {
  double lr = 1e-3;  // PredANN: 3e-3
  double beta1 = 0.9;
  double beta2 = 0.999;
  double eps = 1e-8;
};

// The per-step scalars, computed in double and rounded to T once (see above).
template <typename T>
struct AdamScalars {
  T beta1, one_minus_beta1, beta2, one_minus_beta2, bc2_sqrt, eps, neg_step_size;
};

// step >= 1. Throws std::invalid_argument for step < 1, lr < 0, betas outside [0, 1), eps < 0.
template <typename T>
AdamScalars<T> adam_scalars(const AdamParams& p, int64_t step);

// param, grad, m (exp_avg) and v (exp_avg_sq) are (n); param, m and v are updated in place.
template <typename T>
void adam_step_ref(const AdamParams& p, int64_t step, int64_t n, T* param, const T* grad, T* m, T* v);

void adam_step(const AdamParams& p, int64_t step, int64_t n, float* param, const float* grad, float* m, float* v);

}  // namespace predann
