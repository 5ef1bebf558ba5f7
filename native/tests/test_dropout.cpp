// Inverted dropout: keep fraction, reproducibility (same seed and step, any thread count),
// backward with the forward's mask, identities, fast version against the reference.
#include <algorithm>
#include <cmath>
#include <cstring>
#include <stdexcept>
#include <vector>

#include "kernels/dropout.h"
#include "kernels/parallel.h"
#include "tests/check.h"

using namespace predann;
using namespace predann::test;

namespace {

bool same_bits(const std::vector<float>& a, const std::vector<float>& b) {
  return a.size() == b.size() && std::memcmp(a.data(), b.data(), a.size() * sizeof(float)) == 0;
}

DropoutParams training(double p, uint64_t seed, uint64_t step) {
  DropoutParams params;
  params.p = p;
  params.stream = {seed, step};
  return params;
}

// The forward of the fast version on ones: y[i] is 1/(1 − p) where kept, 0 where dropped.
std::vector<float> mask_of(const DropoutParams& params, int64_t n) {
  const std::vector<float> ones(n, 1.0f);
  std::vector<float> y(n);
  dropout_forward(ones.data(), n, params, y.data());
  return y;
}

double kept_fraction(const std::vector<float>& mask) {
  int64_t kept = 0;
  for (float v : mask) kept += v != 0.0f;
  return static_cast<double>(kept) / static_cast<double>(mask.size());
}

// Restores the process-wide thread count when a test ends, even by a failure.
struct ThreadCountGuard {
  int saved = thread_count();
  ~ThreadCountGuard() { set_thread_count(saved); }
};

}  // namespace

PREDANN_TEST(dropout_keeps_one_minus_p_and_scales_kept_values) {
  const int64_t n = int64_t{1} << 22;
  for (double p : {0.1, 0.5, 0.9}) {
    const std::vector<float> mask = mask_of(training(p, 7, 0), n);
    // The kept count is Binomial(n, 1 − p): 6 standard deviations (≈ 1.5e-3 at p = 0.5) never
    // fail by chance; a biased generator or a wrong threshold is off by far more.
    const double sigma = std::sqrt(p * (1 - p) / static_cast<double>(n));
    const double fraction = kept_fraction(mask);
    expect(std::fabs(fraction - (1 - p)) < 6 * sigma,
           "p = " + std::to_string(p) + ": kept fraction " + std::to_string(fraction));
    const float scale = 1.0f / static_cast<float>(1 - p);
    for (float v : mask) {
      if (v != 0.0f && v != scale) throw Failure("p = " + std::to_string(p) + ": a kept value is not x/(1 − p)");
    }
  }
}

PREDANN_TEST(dropout_neighbouring_elements_are_independent) {
  // P(both of two neighbours kept) must be (1 − p)²: catches a generator whose consecutive
  // counters give correlated words. 6 σ of a Bernoulli((1 − p)²) mean over n pairs.
  const int64_t n = int64_t{1} << 22;
  const double p = 0.5;
  const std::vector<float> mask = mask_of(training(p, 11, 3), n);
  int64_t both = 0;
  for (int64_t i = 0; i + 1 < n; i += 2) both += mask[i] != 0.0f && mask[i + 1] != 0.0f;
  const double q = (1 - p) * (1 - p), pairs = static_cast<double>(n / 2);
  expect(std::fabs(both / pairs - q) < 6 * std::sqrt(q * (1 - q) / pairs), "neighbouring keeps are correlated");
}

PREDANN_TEST(dropout_mask_depends_on_seed_and_step_only) {
  const int64_t n = 200003;
  const std::vector<float> a = mask_of(training(0.5, 42, 9), n);
  expect(same_bits(a, mask_of(training(0.5, 42, 9), n)), "same seed and step must give the same mask");
  for (const DropoutParams& other : {training(0.5, 43, 9), training(0.5, 42, 10)}) {
    const std::vector<float> b = mask_of(other, n);
    int64_t agree = 0;
    for (int64_t i = 0; i < n; ++i) agree += (a[i] != 0.0f) == (b[i] != 0.0f);
    // Independent masks agree on half the elements (±6σ = ±0.7 %).
    expect(std::fabs(static_cast<double>(agree) / n - 0.5) < 0.007, "another seed or step must give an unrelated mask");
  }
}

PREDANN_TEST(dropout_mask_is_independent_of_thread_count) {
  ThreadCountGuard guard;
  const int64_t n = 1000003;  // many parallel blocks and a ragged end
  const DropoutParams params = training(0.5, 5, 77);
  const std::vector<float> x = random_vector<float>(n, 50, 1.0);
  std::vector<float> y_ref(n);
  dropout_forward_ref(x.data(), n, params, y_ref.data());
  for (int threads : {1, 2, 3}) {
    set_thread_count(threads);
    std::vector<float> y(n);
    dropout_forward(x.data(), n, params, y.data());
    expect(same_bits(y, y_ref), std::to_string(threads) + " threads: fast forward differs from the reference");
  }
}

PREDANN_TEST(dropout_backward_uses_the_forward_mask) {
  const int64_t n = 300007;
  const DropoutParams params = training(0.3, 123, 4);
  std::vector<float> x = random_vector<float>(n, 60, 1.0);
  for (float& v : x) v = v == 0.0f ? 1.0f : v;  // no zero inputs: y == 0 exactly where dropped
  const std::vector<float> dy = random_vector<float>(n, 61, 1.0);
  std::vector<float> y(n), dx(n), dx_ref(n);
  dropout_forward(x.data(), n, params, y.data());
  dropout_backward(dy.data(), n, params, dx.data());
  dropout_backward_ref(dy.data(), n, params, dx_ref.data());
  expect(same_bits(dx, dx_ref), "fast backward differs from the reference");
  const float scale = 1.0f / 0.7f;
  for (int64_t i = 0; i < n; ++i) {
    const float expected = y[i] == 0.0f ? 0.0f : dy[i] * scale;
    if (dx[i] != expected) throw Failure("dx[" + std::to_string(i) + "] does not follow the forward mask");
  }
}

PREDANN_TEST(dropout_backward_matches_finite_differences) {
  const DropoutParams params = training(0.5, 9, 1);
  const std::vector<double> x = random_vector<double>(64, 70, 1.0), g = random_vector<double>(64, 71, 1.0);
  const auto loss = [&](const std::vector<double>& v) {
    std::vector<double> y(v.size());
    dropout_forward_ref(v.data(), 64, params, y.data());
    double total = 0;
    for (size_t i = 0; i < y.size(); ++i) total += y[i] * g[i];
    return total;
  };
  std::vector<double> dx(64);
  dropout_backward_ref(g.data(), 64, params, dx.data());
  // L is linear in x: central differences are exact up to rounding (~1e-10 with h = 1e-6).
  expect_close(dx, numerical_gradient(x, loss), 1e-8, 0.0, "dx");
}

PREDANN_TEST(dropout_identities_and_bad_p) {
  const int64_t n = 100000;
  const std::vector<float> x = random_vector<float>(n, 80, 1.0);
  DropoutParams eval = training(0.5, 1, 1);
  eval.training = false;
  for (const DropoutParams& identity : {training(0.0, 1, 1), eval}) {
    std::vector<float> y(n), dx(n), y_ref(n);
    dropout_forward(x.data(), n, identity, y.data());
    dropout_backward(x.data(), n, identity, dx.data());
    dropout_forward_ref(x.data(), n, identity, y_ref.data());
    expect(same_bits(y, x) && same_bits(dx, x) && same_bits(y_ref, x), "p = 0 and eval must be the identity");
  }
  // p so small that 1 − p rounds to 1: the threshold must still fit the fast path's 32 bits.
  std::vector<float> y_tiny(n), y_tiny_ref(n);
  dropout_forward(x.data(), n, training(1e-300, 1, 1), y_tiny.data());
  dropout_forward_ref(x.data(), n, training(1e-300, 1, 1), y_tiny_ref.data());
  expect(same_bits(y_tiny, y_tiny_ref) && same_bits(y_tiny, x), "p = 1e-300: fast and ref must keep everything");
  const std::vector<float> all_dropped = mask_of(training(1.0, 1, 1), n);
  expect(kept_fraction(all_dropped) == 0.0, "p = 1 must drop everything (and give zeros, not NaN)");
  for (double bad : {-0.1, 1.5, std::nan("")}) {
    bool thrown = false;
    std::vector<float> y(n);
    try {
      dropout_forward(x.data(), n, training(bad, 1, 1), y.data());
    } catch (const std::invalid_argument&) {
      thrown = true;
    }
    expect(thrown, "p = " + std::to_string(bad) + " must throw std::invalid_argument");
  }
}

PREDANN_TEST(dropout_in_parts_with_first_index_matches_one_call) {
  const int64_t n = 200003;
  const DropoutParams whole = training(0.5, 31, 8);
  const std::vector<float> x = random_vector<float>(n, 80, 1.0);
  std::vector<float> y_whole(n), y_parts(n), dx_parts(n);
  dropout_forward(x.data(), n, whole, y_whole.data());
  // Parts of odd and even sizes, so that parts start at odd and at even stream indices.
  for (int64_t first = 0, size = 70001; first < n; first += size, size = size == 70001 ? 65536 : 70001) {
    DropoutParams part = whole;
    part.first_index = static_cast<uint64_t>(first);
    const int64_t count = std::min(size, n - first);
    dropout_forward(x.data() + first, count, part, y_parts.data() + first);
    dropout_backward(x.data() + first, count, part, dx_parts.data() + first);
  }
  expect(same_bits(y_parts, y_whole), "forward in parts differs from one call");
  expect(same_bits(dx_parts, y_whole), "backward in parts does not use the one-call mask");
}
