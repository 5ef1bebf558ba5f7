// Linear without bias: backward against finite differences (float64), accumulation semantics,
// and the fast float version against the reference.
#include "kernels/linear.h"
#include "tests/check.h"

using namespace predann;
using namespace predann::test;

namespace {

// Σ y ⊙ r for y = x·Wᵀ: its gradient w.r.t. y is r, so backward(dy = r) must give df/dx, df/dW.
double weighted_output(const LinearShape& s, const std::vector<double>& x, const std::vector<double>& w,
                       const std::vector<double>& r) {
  std::vector<double> y(static_cast<size_t>(s.batch * s.out_features));
  linear_forward_ref(s, x.data(), w.data(), y.data());
  double f = 0;
  for (size_t i = 0; i < y.size(); ++i) f += y[i] * r[i];
  return f;
}

}  // namespace

PREDANN_TEST(linear_forward_small_example) {
  // x = [[1, 2]], W = [[3, 4], [5, 6], [7, 8]]: y = [1·3 + 2·4, 1·5 + 2·6, 1·7 + 2·8]
  const LinearShape s{1, 2, 3};
  const float x[2] = {1, 2}, w[6] = {3, 4, 5, 6, 7, 8}, expected[3] = {11, 17, 23};
  float ref[3], fast[3];
  linear_forward_ref(s, x, w, ref);
  linear_forward(s, x, w, fast);
  expect_close(ref, expected, 3, 0, 0, "reference y");
  expect_close(fast, expected, 3, 0, 0, "fast y");
}

PREDANN_TEST(linear_backward_matches_finite_differences) {
  const LinearShape s{3, 4, 5};
  const auto x = random_vector<double>(12, 1), w = random_vector<double>(20, 2), r = random_vector<double>(15, 3);
  std::vector<double> dx(12, 0.0), dw(20, 0.0);
  linear_backward_ref(s, x.data(), w.data(), r.data(), dx.data(), dw.data());
  // f is bilinear, so central differences have no truncation error: only rounding, ~1e-16/1e-6.
  const auto ndx = numerical_gradient(x, [&](const std::vector<double>& v) { return weighted_output(s, v, w, r); });
  const auto ndw = numerical_gradient(w, [&](const std::vector<double>& v) { return weighted_output(s, x, v, r); });
  expect_close(dx, ndx, 1e-8, 1e-8, "dx");
  expect_close(dw, ndw, 1e-8, 1e-8, "dW");
}

PREDANN_TEST(linear_backward_accumulates_and_skips_null_dx) {
  const LinearShape s{2, 3, 4};
  const auto x = random_vector<float>(6, 4), w = random_vector<float>(12, 5), dy = random_vector<float>(8, 6);
  std::vector<float> dx0(6, 0.0f), dw0(12, 0.0f);
  linear_backward(s, x.data(), w.data(), dy.data(), dx0.data(), dw0.data());
  std::vector<float> dx(6, 1.0f), dw(12, -2.0f);
  linear_backward(s, x.data(), w.data(), dy.data(), dx.data(), dw.data());
  std::vector<float> dw_only(12, -2.0f);
  linear_backward(s, x.data(), w.data(), dy.data(), nullptr, dw_only.data());
  for (size_t i = 0; i < dx0.size(); ++i) dx0[i] += 1.0f;
  for (size_t i = 0; i < dw0.size(); ++i) dw0[i] += -2.0f;
  // One float addition of the same two values on both sides: identical.
  expect_close(dx, dx0, 0, 0, "dx accumulated onto 1");
  expect_close(dw, dw0, 0, 0, "dW accumulated onto -2");
  expect_close(dw_only, dw0, 0, 0, "dW with dx null");
}

PREDANN_TEST(linear_fast_matches_reference) {
  // PredANN's three projector layers at batch 48, a layer large enough for the threaded path,
  // and an odd shape that no vector width divides.
  const LinearShape shapes[] = {{48, 128, 100}, {48, 100, 10}, {48, 100, 100}, {256, 128, 160}, {5, 7, 3}};
  uint32_t seed = 100;
  for (const LinearShape& s : shapes) {
    const int64_t N = s.batch, K = s.in_features, O = s.out_features;
    const auto x = random_vector<float>(N * K, ++seed), w = random_vector<float>(O * K, ++seed, 0.1);
    const auto dy = random_vector<float>(N * O, ++seed, 0.01);
    std::vector<float> y_ref(N * O), y_fast(N * O);
    linear_forward_ref(s, x.data(), w.data(), y_ref.data());
    linear_forward(s, x.data(), w.data(), y_fast.data());
    std::vector<float> dx_ref(N * K, 0.5f), dw_ref(O * K, 0.5f), dx_fast(N * K, 0.5f), dw_fast(O * K, 0.5f);
    linear_backward_ref(s, x.data(), w.data(), dy.data(), dx_ref.data(), dw_ref.data());
    linear_backward(s, x.data(), w.data(), dy.data(), dx_fast.data(), dw_fast.data());
    // The same float32 products summed in another order (≤ 128 terms, |sum| ~ 1): a few ulp of
    // the largest partial sum, far below these bounds; a wrong index would be off by O(1).
    const std::string shape = " (" + std::to_string(N) + "," + std::to_string(K) + "," + std::to_string(O) + ")";
    expect_close(y_fast, y_ref, 1e-5, 1e-5, "y" + shape);
    expect_close(dx_fast, dx_ref, 1e-6, 1e-5, "dx" + shape);
    expect_close(dw_fast, dw_ref, 1e-6, 1e-5, "dW" + shape);
  }
}
