// conv2d: 3×3 convolution, stride 1, zero padding 1, with bias, on NCHW float tensors; forward and
// backward. Mirrors torch.nn.Conv2d(Cin, Cout, kernel_size=3, stride=1, padding=1, bias=True)
// (torch.nn.functional.conv2d): a cross-correlation, the kernel is not flipped,
//
//   out[n,o,h,w] = bias[o] + Σ_c Σ_{i,j ∈ 0..2} W[o,c,i,j] · in[n,c,h+i−1,w+j−1]   (zeros outside)
//
// and its gradients for a loss L with dout = ∂L/∂out:
//   dbias[o]       = Σ_{n,h,w} dout[n,o,h,w]
//   dW[o,c,i,j]    = Σ_{n,h,w} dout[n,o,h,w] · in[n,c,h+i−1,w+j−1]
//   din[n,c,h,w]   = Σ_o Σ_{i,j} W[o,c,i,j] · dout[n,o,h−i+1,w−j+1]
// Output H, W equal input H, W. With H = 1 (mono audio) kernel rows 0 and 2 only meet the zero
// padding: both versions skip them, and dW[:,:,0,:] and dW[:,:,2,:] stay exactly 0, as in PyTorch.
//
// Gradient buffers ACCUMULATE (d += ∂L/∂·), like PyTorch's .grad; zeroing them is the caller's
// explicit step. Any of dinput, dweight, dbias may be null: that gradient is skipped (the first
// layer needs no dinput). bias may be null in the forward pass (no bias). Outputs must not overlap
// inputs.
//
// Versions (same arguments):
//   conv2d_forward_ref / conv2d_backward_ref   plain loops, float64 sums; float and float64
//                                              instantiations. The oracle, kept forever; the float64
//                                              one is what the finite-difference tests differentiate.
//   conv2d_forward / conv2d_backward           float32, fast: direct convolution on zero-padded row
//                                              patches with register tiles of 8 output channels ×
//                                              48 columns (forward, dinput) and 4 output × 2 input
//                                              channels × 3 taps (dweight); AVX-512 when compiled
//                                              with it, a portable 16-lane fallback otherwise
//                                              (conv2d_simd.h); OpenMP over (image, row or 4-row
//                                              block, column chunk). Output and dinput do not depend
//                                              on the thread count; dweight and dbias are reduced
//                                              from per-thread float64 partials in thread order, so
//                                              they are identical from run to run for a given
//                                              thread count.
// No CUDA twin yet.
#pragma once
#include <cstdint>

namespace predann {

struct Conv2dShape {
  int64_t batch = 0;         // N
  int64_t in_channels = 0;   // Cin
  int64_t out_channels = 0;  // Cout
  int64_t height = 0;        // H of input and output
  int64_t width = 0;         // W of input and output
};

// Throws std::invalid_argument when a dimension is < 1. Every version calls it first, and throws
// std::invalid_argument as well when input, weight, output or doutput is null.
void check_conv2d_shape(const Conv2dShape& s);

// 2·N·Cout·Cin·9·H·W: the multiply-adds of one forward pass counted as two flops each (the
// convention of the benchmarks; the H = 1 shortcut does a third of them).
double conv2d_forward_flops(const Conv2dShape& s);

// input is (N,Cin,H,W), weight is (Cout,Cin,3,3), bias is (Cout) or null, output is (N,Cout,H,W):
// overwritten.
template <typename T>
void conv2d_forward_ref(const Conv2dShape& s, const T* input, const T* weight, const T* bias, T* output);

// doutput is (N,Cout,H,W); dinput (N,Cin,H,W), dweight (Cout,Cin,3,3) and dbias (Cout) are
// accumulated into, each skipped when null.
template <typename T>
void conv2d_backward_ref(const Conv2dShape& s, const T* input, const T* weight, const T* doutput, T* dinput,
                         T* dweight, T* dbias);

extern template void conv2d_forward_ref<float>(const Conv2dShape&, const float*, const float*, const float*, float*);
extern template void conv2d_forward_ref<double>(const Conv2dShape&, const double*, const double*, const double*,
                                                double*);
extern template void conv2d_backward_ref<float>(const Conv2dShape&, const float*, const float*, const float*, float*,
                                                float*, float*);
extern template void conv2d_backward_ref<double>(const Conv2dShape&, const double*, const double*, const double*,
                                                 double*, double*, double*);

// What the fast forward may apply to each output value before storing it, per output channel o:
//   y = act(x·scale[o] + shift[o])
// with x the conv output (bias included) rounded to float, one fused multiply-add, and act the
// ReLU or nothing: the eval-mode BatchNorm and ReLU after every PredANN conv, without a second
// pass over the output. Bit-identical to conv2d_forward then batchnorm_forward_eval(..., relu) with
// scale and shift from batchnorm_eval_affine (tested).
struct Conv2dEpilogue {
  const float* scale = nullptr;  // (Cout)
  const float* shift = nullptr;  // (Cout)
  bool relu = false;
};

// The fast versions, same contracts. Use thread_count() OpenMP threads.
void conv2d_forward(const Conv2dShape& s, const float* input, const float* weight, const float* bias, float* output,
                    const Conv2dEpilogue* epilogue = nullptr);
void conv2d_backward(const Conv2dShape& s, const float* input, const float* weight, const float* doutput,
                     float* dinput, float* dweight, float* dbias);

}  // namespace predann
