// Adam: several steps against the textbook recursion written out here in float64, the README's
// first-step identity, the fast version against the float reference bit for bit, and bad calls.
#include <cmath>

#include "kernels/adam.h"
#include "tests/check.h"

using namespace predann;
using namespace predann::test;

namespace {

// The recursion as Kingma & Ba write it (bias-corrected moments), independent of the kernel's
// PyTorch-ordered arithmetic: equal in exact arithmetic.
struct TextbookAdam {
  AdamParams p;
  std::vector<double> param, m, v;
  int64_t t = 0;

  void step(const std::vector<double>& g) {
    ++t;
    for (size_t i = 0; i < param.size(); ++i) {
      m[i] = p.beta1 * m[i] + (1 - p.beta1) * g[i];
      v[i] = p.beta2 * v[i] + (1 - p.beta2) * g[i] * g[i];
      const double m_hat = m[i] / (1 - std::pow(p.beta1, t));
      const double v_hat = v[i] / (1 - std::pow(p.beta2, t));
      param[i] -= p.lr * m_hat / (std::sqrt(v_hat) + p.eps);
    }
  }
};

AdamParams predann_adam() {
  AdamParams p;
  p.lr = 3e-3;
  return p;
}

}  // namespace

PREDANN_TEST(adam_follows_the_textbook_recursion) {
  const size_t n = 1000;
  TextbookAdam book{predann_adam(), random_vector<double>(n, 61, 0.1), std::vector<double>(n), std::vector<double>(n)};
  std::vector<double> p64 = book.param, m64(n), v64(n);
  std::vector<float> p32(p64.begin(), p64.end()), m32(n), v32(n);
  for (int64_t t = 1; t <= 5; ++t) {
    // Gradients of order 1 (|g| ≫ eps), changing sign from step to step.
    const auto g = random_vector<double>(n, 70 + static_cast<uint32_t>(t));
    const std::vector<float> g32(g.begin(), g.end());
    const std::vector<double> g_of_32(g32.begin(), g32.end());
    book.step(g_of_32);
    adam_step_ref(book.p, t, static_cast<int64_t>(n), p64.data(), g_of_32.data(), m64.data(), v64.data());
    adam_step(book.p, t, static_cast<int64_t>(n), p32.data(), g32.data(), m32.data(), v32.data());
    const std::string at = " after step " + std::to_string(t);
    // float64: the two orders of operations differ by rounding only.
    expect_close(p64, book.param, 1e-15, 1e-13, "float64 param" + at);
    expect_close(m64, book.m, 1e-15, 1e-13, "float64 m" + at);
    expect_close(v64, book.v, 1e-15, 1e-13, "float64 v" + at);
    // float32: each step moves a parameter by at most ~lr (3e-3) with a relative error of a few
    // ulp; the parameter itself is rounded to float32 (6e-8 relative) at every step.
    expect_close(p32.data(), book.param.data(), static_cast<int64_t>(n), 3e-3 * 1e-6 * t, 2.4e-7, "float32 param" + at);
    expect_close(m32.data(), book.m.data(), static_cast<int64_t>(n), 1e-7, 1e-6, "float32 m" + at);
    expect_close(v32.data(), book.v.data(), static_cast<int64_t>(n), 1e-9, 1e-6, "float32 v" + at);
  }
}

PREDANN_TEST(adam_first_step_is_lr_times_sign_like) {
  // The golden README's check of case e: after one step p1 = p0 − lr·g/(|g| + eps), exact to
  // about an ulp of p (here also for |g| ~ eps, where the eps term matters).
  const int64_t n = 64;
  const auto p0 = random_vector<float>(n, 81, 0.1);
  auto g = random_vector<float>(n, 82);
  for (int64_t i = 0; i < 8; ++i) g[i] *= 1e-8f;
  std::vector<float> p = p0, m(n), v(n);
  const AdamParams a = predann_adam();
  adam_step(a, 1, n, p.data(), g.data(), m.data(), v.data());
  std::vector<double> expected(n);
  for (int64_t i = 0; i < n; ++i) expected[i] = p0[i] - a.lr * g[i] / (std::fabs(static_cast<double>(g[i])) + a.eps);
  expect_close(p.data(), expected.data(), n, 1e-9, 2.4e-7, "p1");
}

PREDANN_TEST(adam_fast_matches_reference_bit_for_bit) {
  // 100,003 elements: several OpenMP chunks and a tail that no vector width divides. Both
  // versions run the same per-element arithmetic, so they must agree exactly.
  const int64_t n = 100003;
  const auto p0 = random_vector<float>(n, 91, 0.1);
  std::vector<float> p_ref = p0, m_ref(n), v_ref(n), p_fast = p0, m_fast(n), v_fast(n);
  for (int64_t t = 1; t <= 3; ++t) {
    const auto g = random_vector<float>(n, 92 + static_cast<uint32_t>(t), 0.01);
    adam_step_ref(predann_adam(), t, n, p_ref.data(), g.data(), m_ref.data(), v_ref.data());
    adam_step(predann_adam(), t, n, p_fast.data(), g.data(), m_fast.data(), v_fast.data());
  }
  expect_close(p_fast, p_ref, 0, 0, "param");
  expect_close(m_fast, m_ref, 0, 0, "m");
  expect_close(v_fast, v_ref, 0, 0, "v");
}

PREDANN_TEST(adam_zero_gradient_keeps_the_parameter) {
  std::vector<float> p = {0.25f, -1.5f}, g = {0, 0}, m = {0, 0}, v = {0, 0};
  adam_step(predann_adam(), 1, 2, p.data(), g.data(), m.data(), v.data());
  expect(p[0] == 0.25f && p[1] == -1.5f, "a zero gradient moved the parameter");
}

PREDANN_TEST(adam_scalars_are_rounded_once_from_double) {
  // step_size = lr / (1 − β1^t) in double, then rounded to float: at t = 1, 3e-3 / 0.1 = 0.03.
  const AdamScalars<float> s = adam_scalars<float>(predann_adam(), 1);
  expect(s.neg_step_size == static_cast<float>(-(3e-3 / (1.0 - 0.9))), "step size");
  expect(s.bc2_sqrt == static_cast<float>(std::sqrt(1.0 - 0.999)), "sqrt(bias correction 2)");
  expect(s.one_minus_beta2 == static_cast<float>(1.0 - 0.999), "1 − β2 is formed in double");
  bool threw = false;
  try {
    adam_scalars<float>(predann_adam(), 0);
  } catch (const std::invalid_argument&) {
    threw = true;
  }
  expect(threw, "step 0 was accepted");
}
