// infonce: the official PredANN loss (`PredANN_Loss(batch_size=B, temperature=τ, detach)` of
// JURIUENO11/PredANN codes_3s/predann/modules/predann_loss.py; golden case f) and its gradient.
//
//   z      = cat(z_eeg, z_music)                       (2B, D); row i and row B+i are a pair
//   u_a    = z_a / sqrt(max(Σ_k z_a,k², eps²))          eps = 1e-8: torch >= 1.12's
//                                                       CosineSimilarity, which normalises first
//   sim    = u·uᵀ / τ                                  (2B, 2B)
//   row a: logits = [sim[a, partner(a)], sim[a, b] for the other modality's b != partner(a)]
//          (same-modality columns, self included, are masked out), target 0
//   loss   = Σ_a CE(logits_a, 0) / (2B)                CrossEntropyLoss(reduction="sum") / 2B
// Equivalently, with S[i,j] = cos(z_eeg_i, z_music_j)/τ (B, B):
//   loss = 1/(2B) Σ_i [lse_j S[i,j] − S[i,i]] + 1/(2B) Σ_j [lse_i S[i,j] − S[j,j]]
// so z_eeg gets gradient from both the row (EEG→music) and the column (music→EEG) terms.
// With `detach` (the paper's stop-gradient on the music embedding) the loss and d_eeg are the
// same and d_music is not computed. Any B >= 2 (the official mask needs every batch full).
// Gradients are written, not accumulated: a loss is where backpropagation starts; `scale` is
// the upstream gradient dL_total/dloss (λ = 0.05 in PredANN).
//
// Versions:
//   infonce_ref<T>  float and double: the official formulation literally (the (2B, 2B) similarity
//                   of the concatenated batch, the mask, one CE per row), backpropagated through
//                   the same graph; softmax sums in double. The oracle.
//   infonce         float: only the (B, B) cross-modal block S is formed (u_eeg·u_musicᵀ), its
//                   row and column log-sum-exps give both directions, and the gradients are two
//                   small matrix products (G·u_music, Gᵀ·u_eeg) with unit-stride inner loops.
#pragma once
#include <cstdint>

namespace predann {

struct InfoNceParams {
  int64_t batch = 0;         // B >= 2 pairs
  int64_t dim = 0;           // D >= 1 embedding size
  double temperature = 0.5;  // τ > 0 (PredANN: 0.5)
  bool detach = true;        // stop-gradient on z_music: d_music is not computed
  double scale = 1.0;        // upstream gradient of the loss
};

constexpr double kCosineEps = 1e-8;  // torch.nn.CosineSimilarity's default eps

// Throws std::invalid_argument for B < 2, D < 1, τ not > 0 or a needed null buffer.
void check_infonce_arguments(const InfoNceParams& p, const void* z_eeg, const void* z_music, const void* d_eeg,
                             const void* d_music);

// z_eeg and z_music are (B,D); d_eeg is (B,D) or null (loss only); d_music is (B,D), ignored
// (may be null) with detach. Returns the loss.
template <typename T>
double infonce_ref(const InfoNceParams& p, const T* z_eeg, const T* z_music, T* d_eeg, T* d_music);

double infonce(const InfoNceParams& p, const float* z_eeg, const float* z_music, float* d_eeg, float* d_music);

}  // namespace predann
