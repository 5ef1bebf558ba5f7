// infonce: the official PredANN InfoNCE loss and its gradient (see infonce.h).
#include "kernels/infonce.h"

#include <algorithm>
#include <cmath>
#include <stdexcept>
#include <string>
#include <vector>

namespace predann {

void check_infonce_arguments(const InfoNceParams& p, const void* z_eeg, const void* z_music, const void* d_eeg,
                             const void* d_music) {
  if (p.batch < 2) {
    throw std::invalid_argument("infonce: batch must be >= 2 (one positive and at least one negative per row), got " +
                                std::to_string(p.batch));
  }
  if (p.dim < 1) throw std::invalid_argument("infonce: dim must be >= 1, got " + std::to_string(p.dim));
  if (!(p.temperature > 0) || !std::isfinite(p.temperature)) {
    throw std::invalid_argument("infonce: temperature must be finite and > 0, got " + std::to_string(p.temperature));
  }
  if (!z_eeg || !z_music) throw std::invalid_argument("infonce: null input buffer");
  if (d_eeg && !p.detach && !d_music) throw std::invalid_argument("infonce: d_music is needed without detach");
}

// The backward of u = z / sqrt(max(Σz², eps²)) for one row: dz = (du − u·(u·du)) / n while the
// norm is above eps; below it (a row of length < 1e-8, which real embeddings never are) the
// norm is the constant eps and dz = du / eps.
template <typename T, typename Grad>
static void normalize_backward(const T* u, const Grad* du, double norm, bool clamped, int64_t D, T* dz) {
  double u_dot_du = 0;
  for (int64_t k = 0; k < D; ++k) u_dot_du += static_cast<double>(u[k]) * du[k];
  if (clamped) u_dot_du = 0;
  for (int64_t k = 0; k < D; ++k) dz[k] = static_cast<T>((du[k] - static_cast<double>(u[k]) * u_dot_du) / norm);
}

// ---------------------------------------------------------------------------------------------
// Reference: the (2B, 2B) formulation of the official code.

template <typename T>
double infonce_ref(const InfoNceParams& p, const T* z_eeg, const T* z_music, T* d_eeg, T* d_music) {
  check_infonce_arguments(p, z_eeg, z_music, d_eeg, d_music);
  const int64_t B = p.batch, D = p.dim, N = 2 * B;
  const T tau = static_cast<T>(p.temperature);
  const T eps_squared = static_cast<T>(kCosineEps * kCosineEps);
  auto z_row = [&](int64_t a) { return a < B ? z_eeg + a * D : z_music + (a - B) * D; };
  auto partner = [&](int64_t a) { return a < B ? a + B : a - B; };
  auto other_modality = [&](int64_t a, int64_t b) { return (a < B) != (b < B); };

  // Rows normalised first, in T, as torch >= 1.12 does.
  std::vector<T> u(static_cast<size_t>(N * D));      // u is (N,D)
  std::vector<T> norm(static_cast<size_t>(N));       // norm is (N)
  std::vector<char> clamped(static_cast<size_t>(N));  // clamped[a]: Σz² <= eps², norm = eps
  for (int64_t a = 0; a < N; ++a) {
    const T* z = z_row(a);
    T sum_squares = 0;
    for (int64_t k = 0; k < D; ++k) sum_squares += z[k] * z[k];
    clamped[a] = !(sum_squares > eps_squared);
    norm[a] = std::sqrt(std::max(sum_squares, eps_squared));
    for (int64_t k = 0; k < D; ++k) u[a * D + k] = z[k] / norm[a];
  }
  std::vector<T> sim(static_cast<size_t>(N * N));  // sim is (N,N): cos / τ
  for (int64_t a = 0; a < N; ++a) {
    for (int64_t b = 0; b < N; ++b) {
      T dot = 0;
      for (int64_t k = 0; k < D; ++k) dot += u[a * D + k] * u[b * D + k];
      sim[a * N + b] = dot / tau;
    }
  }

  // One cross-entropy per row over the B other-modality columns (the positive among them);
  // dsim[a,b] = dloss/dsim[a,b], zero on the masked same-modality columns.
  const double per_row = p.scale / static_cast<double>(N);
  std::vector<double> dsim(static_cast<size_t>(N * N), 0.0);  // dsim is (N,N)
  double loss = 0;
  for (int64_t a = 0; a < N; ++a) {
    const T* logits = sim.data() + a * N;
    double max = -INFINITY;
    for (int64_t b = 0; b < N; ++b) {
      if (other_modality(a, b)) max = std::max(max, static_cast<double>(logits[b]));
    }
    double sum = 0;
    for (int64_t b = 0; b < N; ++b) {
      if (other_modality(a, b)) sum += std::exp(static_cast<double>(logits[b]) - max);
    }
    const double lse = max + std::log(sum);
    loss += lse - static_cast<double>(logits[partner(a)]);
    for (int64_t b = 0; b < N; ++b) {
      if (!other_modality(a, b)) continue;
      const double softmax = std::exp(static_cast<double>(logits[b]) - lse);
      dsim[a * N + b] = per_row * (softmax - (b == partner(a) ? 1.0 : 0.0));
    }
  }
  loss /= static_cast<double>(N);
  if (!d_eeg) return loss;

  // sim[a,b] = u_a·u_b/τ feeds both u_a and u_b.
  const int64_t rows_needed = p.detach ? B : N;
  std::vector<double> du(static_cast<size_t>(D));  // du is (D): dloss/du_a
  for (int64_t a = 0; a < rows_needed; ++a) {
    std::fill(du.begin(), du.end(), 0.0);
    for (int64_t b = 0; b < N; ++b) {
      const double g = (dsim[a * N + b] + dsim[b * N + a]) / p.temperature;
      for (int64_t k = 0; k < D; ++k) du[k] += g * static_cast<double>(u[b * D + k]);
    }
    T* dz = a < B ? d_eeg + a * D : d_music + (a - B) * D;
    normalize_backward(u.data() + a * D, du.data(), static_cast<double>(norm[a]), clamped[a], D, dz);
  }
  return loss;
}

template double infonce_ref<float>(const InfoNceParams&, const float*, const float*, float*, float*);
template double infonce_ref<double>(const InfoNceParams&, const double*, const double*, double*, double*);

// ---------------------------------------------------------------------------------------------
// Fast: the (B, B) cross-modal block only. Single-threaded: at PredANN's size (48 × 48 × 100)
// the whole loss and gradient take tens of microseconds, less than waking a thread team.

namespace {

// Normalised rows of one modality.
struct UnitRows {
  std::vector<float> u;        // u is (B,D)
  std::vector<float> norm;     // norm is (B)
  std::vector<char> clamped;   // clamped is (B)
};

UnitRows normalize_rows(const float* z, int64_t B, int64_t D) {
  const float eps_squared = static_cast<float>(kCosineEps * kCosineEps);
  UnitRows r{std::vector<float>(static_cast<size_t>(B * D)), std::vector<float>(static_cast<size_t>(B)),
             std::vector<char>(static_cast<size_t>(B))};
  for (int64_t i = 0; i < B; ++i) {
    const float* row = z + i * D;
    float sum_squares = 0;
#pragma omp simd reduction(+ : sum_squares)
    for (int64_t k = 0; k < D; ++k) sum_squares += row[k] * row[k];
    r.clamped[i] = !(sum_squares > eps_squared);
    const float n = std::sqrt(std::max(sum_squares, eps_squared));
    r.norm[i] = n;
#pragma omp simd
    for (int64_t k = 0; k < D; ++k) r.u[i * D + k] = row[k] / n;
  }
  return r;
}

float dot(const float* a, const float* b, int64_t n) {
  float acc = 0;
#pragma omp simd reduction(+ : acc)
  for (int64_t k = 0; k < n; ++k) acc += a[k] * b[k];
  return acc;
}

// acc[k] += alpha · b[k]
void axpy(float alpha, const float* b, float* acc, int64_t n) {
#pragma omp simd
  for (int64_t k = 0; k < n; ++k) acc[k] += alpha * b[k];
}

// Log-sum-exp of every row (row_lse, B) and every column (col_lse, B) of S (B,B). The columns
// are reduced row by row into per-column running values, so every loop is unit-stride.
void row_and_column_lse(const std::vector<float>& S, int64_t B, std::vector<double>& row_lse,
                        std::vector<double>& col_lse) {
  std::vector<float> col_max(S.begin(), S.begin() + B);  // col_max is (B)
  for (int64_t i = 1; i < B; ++i) {
    for (int64_t j = 0; j < B; ++j) col_max[j] = std::max(col_max[j], S[i * B + j]);
  }
  std::vector<double> col_sum(static_cast<size_t>(B), 0.0);  // col_sum is (B)
  for (int64_t i = 0; i < B; ++i) {
    const float* s = S.data() + i * B;
    const float row_max = *std::max_element(s, s + B);
    double row_sum = 0;
    for (int64_t j = 0; j < B; ++j) {
      row_sum += std::exp(s[j] - row_max);
      col_sum[j] += std::exp(s[j] - col_max[j]);
    }
    row_lse[i] = row_max + std::log(row_sum);
  }
  for (int64_t j = 0; j < B; ++j) col_lse[j] = col_max[j] + std::log(col_sum[j]);
}

}  // namespace

double infonce(const InfoNceParams& p, const float* z_eeg, const float* z_music, float* d_eeg, float* d_music) {
  check_infonce_arguments(p, z_eeg, z_music, d_eeg, d_music);
  const int64_t B = p.batch, D = p.dim;
  const float tau = static_cast<float>(p.temperature);
  const UnitRows eeg = normalize_rows(z_eeg, B, D), music = normalize_rows(z_music, B, D);

  std::vector<float> S(static_cast<size_t>(B * B));  // S is (B,B): cos(eeg_i, music_j) / τ
  for (int64_t i = 0; i < B; ++i) {
    for (int64_t j = 0; j < B; ++j) S[i * B + j] = dot(&eeg.u[i * D], &music.u[j * D], D) / tau;
  }
  std::vector<double> row_lse(static_cast<size_t>(B)), col_lse(static_cast<size_t>(B));  // both (B)
  row_and_column_lse(S, B, row_lse, col_lse);
  double loss = 0;
  for (int64_t i = 0; i < B; ++i) loss += (row_lse[i] - S[i * B + i]) + (col_lse[i] - S[i * B + i]);
  loss /= static_cast<double>(2 * B);
  if (!d_eeg) return loss;

  // G[i,j] = dloss/dcos[i,j]: the row softmax (EEG→music) plus the column softmax (music→EEG),
  // minus 1 for each positive, times scale / (2B·τ).
  const double factor = p.scale / (static_cast<double>(2 * B) * p.temperature);
  std::vector<float> G(static_cast<size_t>(B * B));  // G is (B,B)
  for (int64_t i = 0; i < B; ++i) {
    for (int64_t j = 0; j < B; ++j) {
      const double s = S[i * B + j];
      const double both = std::exp(s - row_lse[i]) + std::exp(s - col_lse[j]) - (i == j ? 2.0 : 0.0);
      G[i * B + j] = static_cast<float>(factor * both);
    }
  }
  std::vector<float> du(static_cast<size_t>(B * D), 0.0f);  // du is (B,D): dloss/du_eeg = G·u_music
  for (int64_t i = 0; i < B; ++i) {
    for (int64_t j = 0; j < B; ++j) axpy(G[i * B + j], &music.u[j * D], &du[i * D], D);
    normalize_backward(&eeg.u[i * D], &du[i * D], eeg.norm[i], eeg.clamped[i], D, d_eeg + i * D);
  }
  if (p.detach) return loss;
  std::fill(du.begin(), du.end(), 0.0f);  // now dloss/du_music = Gᵀ·u_eeg
  for (int64_t i = 0; i < B; ++i) {
    for (int64_t j = 0; j < B; ++j) axpy(G[i * B + j], &eeg.u[i * D], &du[j * D], D);
  }
  for (int64_t j = 0; j < B; ++j) {
    normalize_backward(&music.u[j * D], &du[j * D], music.norm[j], music.clamped[j], D, d_music + j * D);
  }
  return loss;
}

}  // namespace predann
