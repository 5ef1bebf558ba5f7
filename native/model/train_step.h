// train_step: one PredANN training step's forward and backward over both encoders (digest §4.3,
// golden case e): L = w_r·CE(y_eeg) + w_c·CE(y_music) + λ·InfoNCE(z_eeg, sg(z_music)).
// Gradients accumulate into the caller's buffers (zero them first); the optimizer step is
// separate (kernels/adam.h), so a caller can inspect or clip the gradients in between.
#pragma once
#include <cstdint>

#include "model/encoder_train.h"

namespace predann {

struct TrainStepConfig {
  double weight_eeg = 1.0;    // w_r
  double weight_music = 1.0;  // w_c
  double lambda = 0.05;       // λ of the PredANN loss (0: the baseline; the InfoNCE is then not computed)
  double temperature = 0.5;   // τ
  bool detach = true;         // stop-gradient on the music embedding
  DropoutParams dropout_eeg, dropout_music;
  double batchnorm_momentum = 0.1;  // of every BatchNorm's running statistics (PyTorch's default)
};

struct TrainStepResult {
  double loss_eeg = 0, loss_music = 0, loss_predann = 0;
  float total = 0;  // float32, w_r·L_E + w_c·L_M + λ·L_P evaluated as PyTorch does: λ·L_P + L_E + L_M
  EncoderProfile eeg_profile, music_profile;  // where the step's time went
};

struct TrainStepBatch {
  EncoderInput eeg, music;          // (N,128,729) and (N,C_audio,W_audio)
  const int32_t* labels = nullptr;  // (N) song labels 0..classes−1
  // (N, embedding) or null: frozen teacher embeddings (e.g. a large music model's, read from an
  // Arrow table) that replace the music encoder: it is not run, its loss is 0 and the InfoNCE
  // target is the teacher (always stop-gradient). `music` is then ignored.
  const float* teacher = nullptr;
};

struct TrainStepOutputs {
  float* logits_eeg = nullptr;   // (N, classes), may be null
  float* z_eeg = nullptr;        // (N, embedding), may be null
  float* logits_music = nullptr;
  float* z_music = nullptr;
};

TrainStepResult train_step(const EncoderDims& dims, const EncoderTensors& eeg, const EncoderTensors& music,
                           const EncoderGrads& eeg_grads, const EncoderGrads& music_grads, const TrainStepBatch& batch,
                           const TrainStepConfig& config, const TrainStepOutputs& outputs);

}  // namespace predann
