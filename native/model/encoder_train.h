// encoder_train: the training-mode forward and the backward pass of one encoder (encoder.h),
// with BatchNorm on batch statistics (running statistics updated) and inverted dropout.
//
// The forward keeps what the backward needs, for the whole batch: per conv block the conv output
// (BatchNorm's input) and the ReLU output (the next conv's input and ReLU's backward mask); per
// projector the linear output and the ReLU output; BatchNorm's batch mean and inverse std. The
// dropout mask is not stored: it is a pure function of (seed, step, index) and is regenerated.
#pragma once
#include <cstdint>
#include <vector>

#include "kernels/dropout.h"
#include "model/encoder.h"

namespace predann {

// Gradients of the trainable tensors of one encoder, same shapes as in EncoderTensors. They
// accumulate (the caller zeroes them): the engine adds every loss's contribution.
struct BatchNormGrads {
  float* weight = nullptr;
  float* bias = nullptr;
};
struct ProjectorGrads {
  float* linear0 = nullptr;
  BatchNormGrads norm;
  float* linear3 = nullptr;
};
struct EncoderGrads {
  float* conv_weight[3] = {};
  float* conv_bias[3] = {};
  BatchNormGrads norm[3];
  ProjectorGrads projector1;
  ProjectorGrads projector2;
};

// What a training step keeps between forward and backward, and its scratch. Kept from step to
// step (buffers are resized, never freed): first touches of fresh multi-GB buffers cost more than
// the arithmetic on small VMs (page faults of 5–20 µs per 4-KiB page).
struct EncoderWorkspace {
  struct ConvBlock {
    std::vector<float> conv;          // (N, c, H, W): BatchNorm's input
    std::vector<float> act;           // (N, c, H, W): ReLU output
    std::vector<float> mean, invstd;  // (c)
  };
  struct Projector {
    std::vector<float> linear;  // (N, hidden): BatchNorm1d's input
    std::vector<float> act;     // (N, hidden): ReLU output
    std::vector<float> mean, invstd;
  };
  ConvBlock blocks[3];
  std::vector<float> feature;   // (N, c3)
  Projector projectors[2];
  std::vector<float> scratch[2];  // dropout output; gradients flowing back through the blocks
};

class EncoderTrainer {
 public:
  EncoderTrainer(const EncoderDims& dims, const EncoderTensors& tensors, DropoutParams dropout, EncoderWorkspace& workspace)
      : dims_(dims), t_(tensors), dropout_(dropout), w_(workspace) {}

  // Train-mode forward over the batch; updates the BatchNorm running statistics and counters.
  // Writes logits (N, classes) and z (N, embedding).
  void forward(const EncoderInput& in, float* logits, float* z);

  // Backward from dlogits (N, classes) and dz (N, embedding); dz null means projector II gets no
  // gradient at all (the stop-gradient music branch: PyTorch leaves its .grad None).
  void backward(const float* dlogits, const float* dz, const EncoderGrads& grads);

 private:
  using Projector = EncoderWorkspace::Projector;
  void projector_forward(const ProjectorTensors& p, Projector& s, int64_t out, float* y);
  void projector_backward(const ProjectorTensors& p, Projector& s, int64_t out, const float* dy, const ProjectorGrads& g,
                          float* dfeature);

  EncoderDims dims_;
  EncoderTensors t_;
  DropoutParams dropout_;
  EncoderWorkspace& w_;
  EncoderInput in_;
};

}  // namespace predann
