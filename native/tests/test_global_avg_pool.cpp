// Global average pooling: backward against finite differences, float64 accuracy on long rows,
// fast version against the reference.
#include <vector>

#include "kernels/global_avg_pool.h"
#include "tests/check.h"

using namespace predann;
using namespace predann::test;

PREDANN_TEST(global_avg_pool_backward_matches_finite_differences) {
  const PoolShape shape{6, 5};  // (N,C,H,W) = (2,3,1,5)
  const std::vector<double> x = random_vector<double>(30, 30, 1.0), g = random_vector<double>(6, 31, 1.0);
  const auto loss = [&](const std::vector<double>& v) {
    std::vector<double> y(6);
    global_avg_pool_forward_ref(v.data(), shape, y.data());
    double total = 0;
    for (int i = 0; i < 6; ++i) total += y[i] * g[i];
    return total;
  };
  std::vector<double> dx(30);
  global_avg_pool_backward_ref(g.data(), shape, dx.data());
  // L is linear in x: central differences are exact up to rounding (~1e-10 with h = 1e-6).
  expect_close(dx, numerical_gradient(x, loss), 1e-8, 0.0, "dx");
}

PREDANN_TEST(global_avg_pool_fast_matches_ref) {
  const PoolShape shape{2 * 3, 93312};  // EEG rows: 128 × 729 positions
  // A large common offset: a float32 running sum over 93,312 values of ~1000 would be off by ~1e-3.
  std::vector<float> x = random_vector<float>(shape.rows * shape.spatial, 40, 1.0);
  for (float& v : x) v += 1000.0f;
  std::vector<float> y_ref(shape.rows), y_fast(shape.rows);
  global_avg_pool_forward_ref(x.data(), shape, y_ref.data());
  global_avg_pool_forward(x.data(), shape, y_fast.data());
  std::vector<double> exact(shape.rows, 0.0);
  for (int64_t r = 0; r < shape.rows; ++r) {
    long double sum = 0;
    for (int64_t s = 0; s < shape.spatial; ++s) sum += x[r * shape.spatial + s];
    exact[r] = static_cast<double>(sum / shape.spatial);
  }
  // Both are float64 sums rounded once to float32: within one ulp (6e-8 relative) of the exact mean.
  expect_close(y_ref.data(), exact.data(), shape.rows, 0.0, 1.2e-7, "ref y vs exact");
  expect_close(y_fast.data(), exact.data(), shape.rows, 0.0, 1.2e-7, "fast y vs exact");

  const std::vector<float> dy = random_vector<float>(shape.rows, 41, 1.0);
  std::vector<float> dx_ref(x.size()), dx_fast(x.size());
  global_avg_pool_backward_ref(dy.data(), shape, dx_ref.data());
  global_avg_pool_backward(dy.data(), shape, dx_fast.data());
  expect_close(dx_fast, dx_ref, 0.0, 0.0, "dx (one division per row in both)");
  expect(dx_fast[shape.spatial + 7] == dy[1] / 93312.0f, "dx must be dy / (H·W)");
}
