// The official InfoNCE: a value known in closed form, gradients against finite differences
// (float64; with and without the stop-gradient), the fast (B,B) version against the literal
// (2B,2B) reference, zero rows (the eps clamp of the cosine) and bad arguments.
#include <cmath>

#include "kernels/infonce.h"
#include "tests/check.h"

using namespace predann;
using namespace predann::test;

namespace {

InfoNceParams params(int64_t batch, int64_t dim, double temperature, bool detach, double scale = 1.0) {
  InfoNceParams p;
  p.batch = batch;
  p.dim = dim;
  p.temperature = temperature;
  p.detach = detach;
  p.scale = scale;
  return p;
}

// Embeddings like case f's: rows of different lengths, music correlated with its EEG partner.
void paired_embeddings(int64_t B, int64_t D, uint32_t seed, std::vector<double>& eeg, std::vector<double>& music) {
  eeg = random_vector<double>(B * D, seed);
  music = random_vector<double>(B * D, seed + 1, 0.7);
  for (int64_t i = 0; i < B; ++i) {
    const double length = 0.5 + 0.4 * static_cast<double>(i % 5);
    for (int64_t k = 0; k < D; ++k) {
      eeg[i * D + k] *= length;
      music[i * D + k] += 0.5 * eeg[i * D + k] + 0.2;  // not centred, like case f
    }
  }
}

std::vector<float> to_float(const std::vector<double>& v) { return std::vector<float>(v.begin(), v.end()); }

double max_abs(const std::vector<double>& v) {
  double m = 0;
  for (double x : v) m = std::max(m, std::fabs(x));
  return m;
}

}  // namespace

PREDANN_TEST(infonce_closed_form_for_orthonormal_pairs) {
  // z_eeg = z_music = I (B = D = 2): S = I/τ, and each of the 4 rows has logits [1/τ, 0]:
  // loss = log(1 + exp(−1/τ)).
  const float z[4] = {1, 0, 0, 1};
  for (double tau : {0.5, 0.1}) {
    const double expected = std::log1p(std::exp(-1.0 / tau));
    const double ref64 = infonce_ref<double>(params(2, 2, tau, true), std::vector<double>{1, 0, 0, 1}.data(),
                                             std::vector<double>{1, 0, 0, 1}.data(), nullptr, nullptr);
    const double fast = infonce(params(2, 2, tau, true), z, z, nullptr, nullptr);
    // Each row's term is lse − positive, two numbers near 1/τ whose difference is small (4.5e-5
    // at τ = 0.1): the absolute error is a few ulp of 1/τ, in float64 resp. float32 (S is float).
    expect_close(&ref64, &expected, 1, 1e-14, 1e-14, "reference loss, tau " + std::to_string(tau));
    expect_close(&fast, &expected, 1, 4e-6, 1e-6, "fast loss, tau " + std::to_string(tau));
  }
}

PREDANN_TEST(infonce_gradients_match_finite_differences) {
  const int64_t B = 3, D = 4;
  std::vector<double> eeg, music;
  paired_embeddings(B, D, 31, eeg, music);
  for (double tau : {0.5, 0.1}) {
    const InfoNceParams p = params(B, D, tau, false);
    std::vector<double> d_eeg(B * D), d_music(B * D);
    infonce_ref(p, eeg.data(), music.data(), d_eeg.data(), d_music.data());
    const auto n_eeg = numerical_gradient(
        eeg, [&](const std::vector<double>& v) { return infonce_ref<double>(p, v.data(), music.data(), nullptr, nullptr); });
    const auto n_music = numerical_gradient(
        music, [&](const std::vector<double>& v) { return infonce_ref<double>(p, eeg.data(), v.data(), nullptr, nullptr); });
    // Smooth in z away from z = 0: truncation h²·f''' ≲ 1e-12/τ³, rounding ~ 1e-16/h = 1e-10.
    const std::string t = ", tau " + std::to_string(tau);
    expect_close(d_eeg, n_eeg, 1e-8, 1e-6, "d_eeg" + t);
    expect_close(d_music, n_music, 1e-8, 1e-6, "d_music" + t);

    // With the stop-gradient the loss and d_eeg are the same, and d_music is left alone.
    std::vector<double> d_eeg_detached(B * D), untouched(B * D, 42.0);
    const InfoNceParams detached = params(B, D, tau, true);
    infonce_ref(detached, eeg.data(), music.data(), d_eeg_detached.data(), untouched.data());
    expect_close(d_eeg_detached, d_eeg, 0, 0, "detached d_eeg" + t);
    expect_close(untouched, std::vector<double>(B * D, 42.0), 0, 0, "detached d_music untouched" + t);
  }
}

PREDANN_TEST(infonce_scale_multiplies_the_gradient) {
  const int64_t B = 4, D = 3;
  std::vector<double> eeg, music;
  paired_embeddings(B, D, 41, eeg, music);
  std::vector<double> d1(B * D), d_scaled(B * D);
  infonce_ref<double>(params(B, D, 0.5, true), eeg.data(), music.data(), d1.data(), nullptr);
  infonce_ref<double>(params(B, D, 0.5, true, 0.05), eeg.data(), music.data(), d_scaled.data(), nullptr);
  for (double& g : d1) g *= 0.05;
  // Scaling inside the kernel rounds differently from scaling afterwards; the normalisation's
  // backward (du − u·(u·du)) can cancel, so the bound is relative to the largest element.
  expect_close(d_scaled, d1, 1e-12 * max_abs(d1), 1e-12, "0.05 × gradient");
}

PREDANN_TEST(infonce_fast_matches_reference) {
  // Case f's size (B = 48, D = 100) and an odd one, both temperatures, with and without detach.
  struct Shape { int64_t batch, dim; };
  for (const Shape shape : {Shape{48, 100}, Shape{5, 7}}) {
    const int64_t B = shape.batch, D = shape.dim;
    std::vector<double> eeg, music;
    paired_embeddings(B, D, static_cast<uint32_t>(B + D), eeg, music);
    const auto eeg32 = to_float(eeg), music32 = to_float(music);
    // The reference in double on the float inputs is the exact value both float versions approach.
    std::vector<double> eeg_x(eeg32.begin(), eeg32.end()), music_x(music32.begin(), music32.end());
    for (double tau : {0.5, 0.1}) {
      for (bool detach : {true, false}) {
        const InfoNceParams p = params(B, D, tau, detach, 0.05);
        std::vector<double> de64(B * D), dm64(B * D);
        const double loss64 = infonce_ref(p, eeg_x.data(), music_x.data(), de64.data(), dm64.data());
        std::vector<float> de_ref(B * D), dm_ref(B * D), de_fast(B * D), dm_fast(B * D);
        const double loss_ref = infonce_ref(p, eeg32.data(), music32.data(), de_ref.data(), dm_ref.data());
        const double loss_fast = infonce(p, eeg32.data(), music32.data(), de_fast.data(), dm_fast.data());
        // Golden case f's float32 tolerances: loss relative 1e-6, gradients 1e-5 · max|grad|
        // (PyTorch's own float32 result is within 2.7e-7 · max|grad| of float64).
        const std::string what = " (B " + std::to_string(B) + ", tau " + std::to_string(tau) +
                                 (detach ? ", detach)" : ")");
        const double atol_eeg = 1e-5 * max_abs(de64), atol_music = 1e-5 * max_abs(dm64);
        expect_close(&loss_ref, &loss64, 1, 0, 1e-6, "reference float loss" + what);
        expect_close(&loss_fast, &loss64, 1, 0, 1e-6, "fast loss" + what);
        expect_close(de_ref.data(), de64.data(), B * D, atol_eeg, 0, "reference float d_eeg" + what);
        expect_close(de_fast.data(), de64.data(), B * D, atol_eeg, 0, "fast d_eeg" + what);
        if (!detach) {
          expect_close(dm_ref.data(), dm64.data(), B * D, atol_music, 0, "reference float d_music" + what);
          expect_close(dm_fast.data(), dm64.data(), B * D, atol_music, 0, "fast d_music" + what);
        }
      }
    }
  }
}

PREDANN_TEST(infonce_zero_rows_use_the_eps_clamp) {
  // A zero embedding has cosine 0 with everything (torch clamps its norm at eps = 1e-8); its
  // gradient is du/eps: finite, and the same in both versions.
  const int64_t B = 3, D = 4;
  std::vector<double> eeg, music;
  paired_embeddings(B, D, 51, eeg, music);
  for (int64_t k = 0; k < D; ++k) eeg[1 * D + k] = 0.0, music[2 * D + k] = 0.0;
  const InfoNceParams p = params(B, D, 0.5, false);
  std::vector<double> de(B * D), dm(B * D);
  const double loss = infonce_ref(p, eeg.data(), music.data(), de.data(), dm.data());
  const auto eeg32 = to_float(eeg), music32 = to_float(music);
  std::vector<float> de32(B * D), dm32(B * D);
  const double loss32 = infonce(p, eeg32.data(), music32.data(), de32.data(), dm32.data());
  expect(std::isfinite(loss) && max_abs(de) < 1e9 && max_abs(dm) < 1e9, "zero rows: non-finite loss or gradient");
  expect_close(&loss32, &loss, 1, 0, 1e-6, "zero rows: loss");
  // Gradients of order 1/eps = 1e8 on the zero rows; float32 keeps ~7 digits of them.
  expect_close(de32.data(), de.data(), B * D, 1e-5 * max_abs(de), 0, "zero rows: d_eeg");
  expect_close(dm32.data(), dm.data(), B * D, 1e-5 * max_abs(dm), 0, "zero rows: d_music");
}

PREDANN_TEST(infonce_rejects_bad_arguments) {
  const float z[8] = {1, 2, 3, 4, 5, 6, 7, 8};
  float d[8];
  const InfoNceParams bad[] = {params(1, 8, 0.5, true), params(2, 0, 0.5, true), params(2, 4, 0.0, true),
                               params(2, 4, NAN, true), params(2, 4, 0.5, false)};
  for (size_t i = 0; i < sizeof bad / sizeof bad[0]; ++i) {
    bool threw = false;
    try {
      infonce(bad[i], z, z, d, nullptr);  // the last one lacks d_music without detach
    } catch (const std::invalid_argument&) {
      threw = true;
    }
    expect(threw, "bad arguments #" + std::to_string(i) + " were accepted");
  }
}
