// encoder_train: the training-mode forward and the backward pass of one encoder (encoder.h),
// with BatchNorm on batch statistics (running statistics updated) and inverted dropout.
//
// Memory. The forward keeps one activation per conv block for the whole batch: the conv output,
// BatchNorm's input (plus BatchNorm's batch mean and inverse std). Everything else is recomputed
// a part (a few samples) at a time when it is needed: the ReLU output, as the next conv's input
// and as the ReLU mask (batchnorm_apply / the ReLU-fused BatchNorm backward), and the dropout
// mask, a pure function of (seed, step, index). The backward writes the gradient of each block's
// input over the front of that block's own conv output, whose part it has just consumed, so
// it needs no batch-sized gradient buffer either. The paper model then keeps 224 channels of
// H·W floats per sample and encoder (EEG 84 MB, music 159 MB) instead of 2 × 224 plus two
// 128-channel scratch tensors (~660 MB the pair): batch 48 trains in under 16 GB.
#pragma once
#include <cstdint>
#include <vector>

#include "kernels/dropout.h"
#include "model/activation_buffer.h"
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
    // (N, c, H, W): the conv output, BatchNorm's input. In the backward, once consumed, its front
    // holds the gradient of the block's input (N, c_in, H, W).
    ActivationBuffer conv;
    std::vector<float> mean, invstd;  // (c)
  };
  struct Projector {
    std::vector<float> linear;  // (N, hidden): BatchNorm1d's input
    std::vector<float> act;     // (N, hidden): ReLU output
    std::vector<float> mean, invstd;
  };
  ConvBlock blocks[3];
  std::vector<float> feature;  // (N, c3)
  Projector projectors[2];
  ActivationBuffer part_output;  // (part, c3, H, W): a part's block-3 output, or its gradient
  ActivationBuffer part_input;   // (part, c2, H, W): a part's recomputed conv input
};

// Where one step's time went in one encoder, in seconds: the convolutions layer by layer, and the
// rest (BatchNorm, ReLU, dropout, pooling, the projectors, the recomputations).
struct EncoderProfile {
  double conv_forward[3] = {};
  double conv_backward[3] = {};  // input and weight gradients
  double other_forward = 0;
  double other_backward = 0;
};

class EncoderTrainer {
 public:
  // batchnorm_momentum: how the running statistics follow the batch statistics (batchnorm_params).
  EncoderTrainer(const EncoderDims& dims, const EncoderTensors& tensors, DropoutParams dropout, EncoderWorkspace& workspace,
                 double batchnorm_momentum = 0.1)
      : dims_(dims), t_(tensors), dropout_(dropout), w_(workspace), momentum_(batchnorm_momentum) {}

  // Train-mode forward over the batch; updates the BatchNorm running statistics and counters.
  // Writes logits (N, classes) and z (N, embedding).
  void forward(const EncoderInput& in, float* logits, float* z);

  // Backward from dlogits (N, classes) and dz (N, embedding); dz null means projector II gets no
  // gradient at all (the stop-gradient music branch: PyTorch leaves its .grad None).
  void backward(const float* dlogits, const float* dz, const EncoderGrads& grads);

  // The last forward's and backward's times.
  const EncoderProfile& profile() const { return profile_; }

 private:
  using Projector = EncoderWorkspace::Projector;
  void projector_forward(const ProjectorTensors& p, Projector& s, int64_t out, float* y);
  void projector_backward(const ProjectorTensors& p, Projector& s, int64_t out, const float* dy, const ProjectorGrads& g,
                          float* dfeature);
  // The ReLU output of block `layer` for samples [first, first + count), into part_input.
  const float* block_output(int layer, int64_t first, int64_t count);
  // The gradient of the head's input (block 3's ReLU output) for a part, into part_output.
  float* head_gradient(const float* dfeature, int64_t first, int64_t count);
  // The gradient of block `layer`'s ReLU output for a part: regenerated for the last block,
  // else where the backward of the block above left it.
  float* output_gradient(int layer, const float* dfeature, int64_t first, int64_t count);
  void block_backward(int layer, const float* dfeature, const EncoderGrads& g);
  DropoutParams dropout_at(int64_t first_sample) const;
  int64_t part_samples() const;

  EncoderDims dims_;
  EncoderTensors t_;
  DropoutParams dropout_;
  EncoderWorkspace& w_;
  double momentum_;
  EncoderInput in_;
  EncoderProfile profile_;
};

}  // namespace predann
