// batchnorm: batch normalization over (N, C, S), with S = H·W for torch.nn.BatchNorm2d on
// (N,C,H,W) and S = 1 for torch.nn.BatchNorm1d on (N,C); affine, eps 1e-5, momentum 0.1.
//
//   train:  mean[c] = Σ_{n,s} x / m,   var[c] = Σ_{n,s} (x − mean)² / m   (biased), m = N·S
//           y = (x − mean) / sqrt(var + eps) · weight + bias
//           running_mean ← (1 − momentum)·running_mean + momentum·mean
//           running_var  ← (1 − momentum)·running_var  + momentum·var·m/(m − 1)   (unbiased)
//           num_batches_tracked += 1
//   eval:   y = (x − running_mean) / sqrt(running_var + eps) · weight + bias
//   backward (train mode, through the batch statistics), x̂ = (x − mean)·invstd:
//           dbias[c]   += Σ dy
//           dweight[c] += Σ dy·x̂
//           dx = weight·invstd·(dy − Σdy/m − x̂·Σ(dy·x̂)/m)
//
// Mirrors PyTorch's CPU kernel (aten/src/ATen/native/cpu/batch_norm_kernel.cpp, torch 1.9–2.x):
// the batch statistics of float32 data are accumulated in float64, the mean and the variance sum
// are then rounded to the data type, invstd = 1/sqrt(var_sum/m + eps) is computed in float64,
// and the running statistics are updated in float64 arithmetic.
//
// Versions:
//   *_ref<T>   plain loops in PyTorch's order (mean pass, then variance pass, then normalize);
//              float and double; the oracle, kept forever.
//   fast       float32 only, OpenMP over channels. The statistics come from one pass of float64
//              sums of (x − x₀) and (x − x₀)² (x₀ the channel's first value, which keeps the
//              one-pass variance free of cancellation), so the data are read twice instead of
//              three times. Equal to the reference within float32 rounding. Optionally fuses the
//              ReLU that follows every BatchNorm in PredANN (y = max(BN(x), 0), one pass fewer);
//              the backward stays relu_backward on that y, then batchnorm_backward on x.
//
// Gradients: dweight and dbias accumulate (+=) like every parameter gradient (conv2d, linear),
// so zero them once per step. dx is written, not accumulated, unlike conv2d's dinput: the
// activation between conv and BatchNorm has one consumer, and writing lets dx alias dy, which
// saves a gradient buffer of up to 2.3 GB (the EEG conv3 output at batch 48) and a zeroing pass.
// y may alias x. Every channel is reduced by one thread in a fixed order, so the fast version's
// results do not depend on the thread count.
#pragma once
#include <cstddef>
#include <cstdint>
#include <vector>

namespace predann {

// x is (N, C, S): BatchNorm2d on (N,C,H,W) is {N, C, H·W}; BatchNorm1d on (N,C) is {N, C, 1}.
struct BatchNormShape {
  int64_t batch = 0;     // N
  int64_t channels = 0;  // C
  int64_t spatial = 1;   // S

  int64_t values_per_channel() const { return batch * spatial; }  // m
  int64_t size() const { return batch * channels * spatial; }
};

// The module's parameters and buffers, each (C) except num_batches_tracked (a scalar).
template <typename T>
struct BatchNormParams {
  const T* weight = nullptr;
  const T* bias = nullptr;
  T* running_mean = nullptr;              // read in eval, updated in train
  T* running_var = nullptr;               // read in eval, updated in train
  int64_t* num_batches_tracked = nullptr; // += 1 in train; may be null
  double eps = 1e-5;
  double momentum = 0.1;
};

// What the train forward saves for the backward, each (C).
template <typename T>
struct BatchNormSaved {
  T* mean = nullptr;    // batch mean
  T* invstd = nullptr;  // 1 / sqrt(biased batch variance + eps)
};

// Every version checks its arguments first: std::invalid_argument for empty shapes, null
// buffers, or (train) a channel with fewer than 2 values, as PyTorch's "Expected more than 1
// value per channel when training".

// What the fast forward applies to its output: nothing, or the ReLU fused.
enum class BatchNormActivation { none, relu };

// x, y are (N,C,S).
template <typename T>
void batchnorm_forward_train_ref(const T* x, BatchNormShape shape, const BatchNormParams<T>& params,
                                 const BatchNormSaved<T>& saved, T* y);
void batchnorm_forward_train(const float* x, BatchNormShape shape, const BatchNormParams<float>& params,
                             const BatchNormSaved<float>& saved, float* y,
                             BatchNormActivation act = BatchNormActivation::none);

// x, y are (N,C,S). Uses running_mean and running_var; changes nothing.
template <typename T>
void batchnorm_forward_eval_ref(const T* x, BatchNormShape shape, const BatchNormParams<T>& params, T* y);
void batchnorm_forward_eval(const float* x, BatchNormShape shape, const BatchNormParams<float>& params, float* y,
                            BatchNormActivation act = BatchNormActivation::none);

// Eval mode as y = x·scale[c] + shift[c], each (C): what batchnorm_forward_eval applies (one fused
// multiply-add per value), for a caller that fuses it into the op before (conv2d's epilogue).
void batchnorm_eval_affine(const BatchNormParams<float>& params, int64_t channels, float* scale, float* shift);

// Backward of the train forward. dy, x, dx are (N,C,S); weight, dweight, dbias are (C).
template <typename T>
void batchnorm_backward_ref(const T* dy, const T* x, BatchNormShape shape, const T* weight,
                            const BatchNormSaved<const T>& saved, T* dx, T* dweight, T* dbias);
void batchnorm_backward(const float* dy, const float* x, BatchNormShape shape, const float* weight,
                        const BatchNormSaved<const float>& saved, float* dx, float* dweight, float* dbias);

// ---------------------------------------------------------------------------------------------
// The same train-mode BatchNorm in pieces, for a caller that keeps only BatchNorm's input x and
// recomputes its output when it needs it (the training step at batch 48 would otherwise keep the
// ReLU output of every conv block too: 2× the activations). batchnorm_forward_train is
// batchnorm_statistics then batchnorm_apply, and the fast batchnorm_backward is the three backward
// pieces on the whole batch. With the ReLU fused, the backward's dy is the gradient of the ReLU's
// output and its mask is recomputed from x with the forward's arithmetic: it is the forward's mask
// bit for bit. Every piece but batchnorm_statistics takes a `part`: whole samples of the batch
// (pointers to the part's first sample, shape {samples in the part, C, S}), so that the backward
// can run over a batch handed over a few samples at a time:
//
//   sums.reset(C);
//   for each part: batchnorm_gradient_sums(dy_part, x_part, part, ..., sums);      pass 1
//   for each part: batchnorm_input_gradient(dy_part, x_part, part, ..., sums, dx);  pass 2
//   batchnorm_parameter_gradients(sums, saved, C, dweight, dbias);
//
// Fast float32 only; their oracle is the composition of the _ref forward, relu_backward_ref and
// batchnorm_backward_ref (parity tests).

// The batch statistics of x (N,C,S) into saved, and the running statistics updated, as the train
// forward; nothing normalised.
void batchnorm_statistics(const float* x, BatchNormShape shape, const BatchNormParams<float>& params,
                          const BatchNormSaved<float>& saved);

// y = act(x·alpha + beta) with alpha = invstd·weight and beta = bias − mean·alpha per channel
// (one fused multiply-add), on any part of the batch. y may alias x.
void batchnorm_apply(const float* x, BatchNormShape part, const float* weight, const float* bias,
                     const BatchNormSaved<const float>& saved, BatchNormActivation act, float* y);

// Per-channel float64 sums of the backward, accumulated over the parts of a batch.
struct BatchNormGradientSums {
  std::vector<double> dy;           // (C) Σ dy
  std::vector<double> dy_centered;  // (C) Σ dy·(x − mean)
  int64_t values = 0;               // values per channel summed so far: m once the batch is in

  void reset(int64_t channels) {
    dy.assign(static_cast<std::size_t>(channels), 0.0);
    dy_centered.assign(static_cast<std::size_t>(channels), 0.0);
    values = 0;
  }
};

// Pass 1: adds the part's sums. With act = relu, dy is masked where the forward's ReLU was 0;
// bias is read for that mask only and may be null with act = none.
void batchnorm_gradient_sums(const float* dy, const float* x, BatchNormShape part, const float* weight,
                             const float* bias, const BatchNormSaved<const float>& saved, BatchNormActivation act,
                             BatchNormGradientSums& sums);

// Pass 2, once the sums hold the whole batch: dx (written) for the part. dx may alias dy.
void batchnorm_input_gradient(const float* dy, const float* x, BatchNormShape part, const float* weight,
                              const float* bias, const BatchNormSaved<const float>& saved, BatchNormActivation act,
                              const BatchNormGradientSums& sums, float* dx);

// dweight += Σ dy·x̂ and dbias += Σ dy, each (C), from the whole batch's sums.
void batchnorm_parameter_gradients(const BatchNormGradientSums& sums, const BatchNormSaved<const float>& saved,
                                   float* dweight, float* dbias);

}  // namespace predann
