// encoder: the SampleCNN2D encoder of PredANN (golden README "The model"), composed from the
// kernels in native/kernels. One encoder reads EEG (N,128,729), an identical one the music
// (N,1,177147); both end in projector I (logits) and projector II (embedding z).
//
//   x (N,H,W) → [conv3×3 → BatchNorm2d → ReLU] × 3 → dropout → mean over H·W (N,c3)
//     → projector1: linear → BatchNorm1d → ReLU → linear (N,classes)
//     → projector2: linear → BatchNorm1d → ReLU → linear (N,embedding)
//
// Versions: encoder_forward_eval (BatchNorm on running statistics, dropout off), the inference
// path; the training step (train-mode BatchNorm, backward) builds on the same pieces.
#pragma once
#include <cstdint>

#include "kernels/batchnorm.h"

namespace predann {

struct EncoderDims {
  int64_t conv[3] = {32, 64, 128};  // c1, c2, c3
  int64_t hidden = 100;
  int64_t classes = 10;
  int64_t embedding = 100;
};

// BatchNorm's tensors as the state dict holds them.
struct BatchNormTensors {
  const float* weight = nullptr;
  const float* bias = nullptr;
  float* running_mean = nullptr;
  float* running_var = nullptr;
  int64_t* num_batches_tracked = nullptr;
};

// The kernel's view of them (eval reads the running statistics, train updates them with
// `momentum`: PyTorch's 0.1, or 1/k on the k-th batch for an exact average of k batches).
inline BatchNormParams<float> batchnorm_params(const BatchNormTensors& t, double momentum = 0.1) {
  BatchNormParams<float> p;
  p.momentum = momentum;
  p.weight = t.weight;
  p.bias = t.bias;
  p.running_mean = t.running_mean;
  p.running_var = t.running_var;
  p.num_batches_tracked = t.num_batches_tracked;
  return p;
}

struct ProjectorTensors {
  const float* linear0 = nullptr;  // (hidden, c3)
  BatchNormTensors norm;           // hidden
  const float* linear3 = nullptr;  // (out, hidden)
};

// The 35 state-dict tensors of one encoder (`eeg.*` or `music.*`), by role.
struct EncoderTensors {
  const float* conv_weight[3] = {};  // (c_out, c_in, 3, 3)
  const float* conv_bias[3] = {};    // (c_out)
  BatchNormTensors norm[3];          // sequential.1, .4, .7
  ProjectorTensors projector1;       // → classes
  ProjectorTensors projector2;       // → embedding
};

struct EncoderInput {
  const float* x = nullptr;  // (N, H, W)
  int64_t batch = 0, height = 0, width = 0;
};

struct EncoderOutputs {
  float* feature = nullptr;  // (N, c3) pooled feature
  float* logits = nullptr;   // (N, classes)
  float* z = nullptr;        // (N, embedding)
};

// Eval-mode forward. Runs the convolutions a few samples at a time, so memory stays a few hundred
// MB of activations whatever the batch.
void encoder_forward_eval(const EncoderDims& dims, const EncoderTensors& t, const EncoderInput& in, const EncoderOutputs& out);

}  // namespace predann
