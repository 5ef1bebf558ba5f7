// ReLU: backward against finite differences, the derivative at 0, fast version against the reference.
#include <cmath>
#include <cstring>
#include <limits>
#include <vector>

#include "kernels/relu.h"
#include "tests/check.h"

using namespace predann;
using namespace predann::test;

namespace {

bool same_bits(const std::vector<float>& a, const std::vector<float>& b) {
  return a.size() == b.size() && std::memcmp(a.data(), b.data(), a.size() * sizeof(float)) == 0;
}

}  // namespace

PREDANN_TEST(relu_backward_matches_finite_differences) {
  // Inputs at least 0.1 away from the kink, so that x ± h never crosses it.
  std::vector<double> x = random_vector<double>(40, 10, 1.0);
  for (double& v : x) v += v < 0 ? -0.1 : 0.1;
  const std::vector<double> g = random_vector<double>(40, 11, 1.0);
  const auto loss = [&](const std::vector<double>& v) {
    std::vector<double> y(v.size());
    relu_forward_ref(v.data(), static_cast<int64_t>(v.size()), y.data());
    double total = 0;
    for (size_t i = 0; i < y.size(); ++i) total += y[i] * g[i];
    return total;
  };
  std::vector<double> y(x.size()), dx(x.size());
  relu_forward_ref(x.data(), 40, y.data());
  relu_backward_ref(g.data(), y.data(), 40, dx.data());
  // L is linear around x: central differences are exact up to rounding (~1e-10 with h = 1e-6).
  expect_close(dx, numerical_gradient(x, loss), 1e-8, 0.0, "dx");
}

PREDANN_TEST(relu_derivative_at_zero_is_zero) {
  const std::vector<float> x = {0.0f, -0.0f, 1e-30f, -1e-30f, 2.0f};
  const std::vector<float> dy = {1, 1, 1, 1, 1};
  const std::vector<float> expected_y = {0, 0, 1e-30f, 0, 2}, expected_dx = {0, 0, 1, 0, 1};
  std::vector<float> y(5), dx(5);
  relu_forward(x.data(), 5, y.data());
  relu_backward(dy.data(), y.data(), 5, dx.data());
  expect_close(y, expected_y, 0.0, 0.0, "fast y");
  expect_close(dx, expected_dx, 0.0, 0.0, "fast dx (threshold_backward: 0 at y = 0)");
  relu_forward_ref(x.data(), 5, y.data());
  relu_backward_ref(dy.data(), y.data(), 5, dx.data());
  expect_close(y, expected_y, 0.0, 0.0, "ref y");
  expect_close(dx, expected_dx, 0.0, 0.0, "ref dx");
}

PREDANN_TEST(relu_fast_matches_ref_bit_for_bit) {
  const int64_t n = 300001;  // several parallel blocks and a ragged end
  std::vector<float> x = random_vector<float>(n, 20, 1.0);
  for (int64_t i = 0; i < n; i += 97) x[i] = 0.0f;
  x[5] = std::numeric_limits<float>::quiet_NaN();
  const std::vector<float> dy = random_vector<float>(n, 21, 1.0);
  std::vector<float> y_ref(n), y_fast(n), dx_ref(n), dx_fast(n);
  relu_forward_ref(x.data(), n, y_ref.data());
  relu_forward(x.data(), n, y_fast.data());
  expect(std::isnan(y_fast[5]) && std::isnan(y_ref[5]), "NaN must pass through, as torch.relu");
  y_ref[5] = y_fast[5] = 0;  // NaN != NaN: compare the rest bitwise
  expect(same_bits(y_fast, y_ref), "forward: fast and ref differ");
  relu_backward_ref(dy.data(), y_ref.data(), n, dx_ref.data());
  relu_backward(dy.data(), y_ref.data(), n, dx_fast.data());
  expect(same_bits(dx_fast, dx_ref), "backward: fast and ref differ");
  // In place, as the model runs it.
  std::vector<float> inplace = x;
  relu_forward(inplace.data(), n, inplace.data());
  inplace[5] = 0;
  expect(same_bits(inplace, y_ref), "in-place forward differs");
}
