#include "model/train_step.h"

#include <algorithm>
#include <mutex>
#include <stdexcept>
#include <vector>

#include "kernels/cross_entropy.h"
#include "kernels/infonce.h"

namespace predann {

TrainStepResult train_step(const EncoderDims& dims, const EncoderTensors& eeg, const EncoderTensors& music,
                           const EncoderGrads& eeg_grads, const EncoderGrads& music_grads, const TrainStepBatch& batch,
                           const TrainStepConfig& config, const TrainStepOutputs& outputs) {
  const int64_t n = batch.eeg.batch;
  const bool teacher = batch.teacher != nullptr;
  if (!teacher && batch.music.batch != n) throw std::invalid_argument("train step: the EEG and music batches differ in size");
  if (batch.labels == nullptr) throw std::invalid_argument("train step: labels are missing");
  const auto sized = [](int64_t count) { return std::vector<float>(static_cast<size_t>(count)); };
  std::vector<float> y_e = sized(n * dims.classes), z_e = sized(n * dims.embedding);
  std::vector<float> y_m = sized(n * dims.classes), z_m = sized(n * dims.embedding);

  // One step at a time per process: the workspaces are shared and kept between steps.
  static std::mutex busy;
  static EncoderWorkspace eeg_workspace, music_workspace;
  std::lock_guard<std::mutex> lock(busy);
  EncoderTrainer eeg_encoder(dims, eeg, config.dropout_eeg, eeg_workspace, config.batchnorm_momentum);
  EncoderTrainer music_encoder(dims, music, config.dropout_music, music_workspace, config.batchnorm_momentum);
  eeg_encoder.forward(batch.eeg, y_e.data(), z_e.data());
  if (teacher) std::copy(batch.teacher, batch.teacher + n * dims.embedding, z_m.begin());
  else music_encoder.forward(batch.music, y_m.data(), z_m.data());

  // Loss gradients (written by the kernels, scaled by each loss's weight).
  TrainStepResult r;
  std::vector<float> dy_e = sized(n * dims.classes), dy_m = sized(n * dims.classes);
  r.loss_eeg = cross_entropy({n, dims.classes}, y_e.data(), batch.labels, dy_e.data(), config.weight_eeg);
  if (!teacher) r.loss_music = cross_entropy({n, dims.classes}, y_m.data(), batch.labels, dy_m.data(), config.weight_music);
  std::vector<float> dz_e = sized(n * dims.embedding), dz_m;
  if (config.lambda != 0) {
    InfoNceParams p;
    p.batch = n;
    p.dim = dims.embedding;
    p.temperature = config.temperature;
    p.detach = config.detach || teacher;  // a teacher table is frozen
    p.scale = config.lambda;
    if (!p.detach) dz_m = sized(n * dims.embedding);
    r.loss_predann = infonce(p, z_e.data(), z_m.data(), dz_e.data(), p.detach ? nullptr : dz_m.data());
  }
  const float lp = static_cast<float>(r.loss_predann), le = static_cast<float>(r.loss_eeg), lm = static_cast<float>(r.loss_music);
  r.total = static_cast<float>(config.lambda) * lp + static_cast<float>(config.weight_eeg) * le + static_cast<float>(config.weight_music) * lm;

  // Projector II of the EEG encoder learns only from the PredANN loss; the music one only when
  // its embedding is not detached (else PyTorch leaves its gradient None: no work at all).
  eeg_encoder.backward(dy_e.data(), config.lambda != 0 ? dz_e.data() : nullptr, eeg_grads);
  if (!teacher) music_encoder.backward(dy_m.data(), dz_m.empty() ? nullptr : dz_m.data(), music_grads);
  r.eeg_profile = eeg_encoder.profile();
  if (!teacher) r.music_profile = music_encoder.profile();

  const auto copy = [](const std::vector<float>& from, float* to) {
    if (to) std::copy(from.begin(), from.end(), to);
  };
  copy(y_e, outputs.logits_eeg);
  copy(z_e, outputs.z_eeg);
  copy(y_m, outputs.logits_music);
  copy(z_m, outputs.z_music);
  return r;
}

}  // namespace predann
