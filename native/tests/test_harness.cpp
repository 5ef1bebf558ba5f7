// Checks of the harness itself: a mismatch must be reported, so no kernel test can pass vacuously.
#include "tests/check.h"

using namespace predann::test;

PREDANN_TEST(harness_reports_mismatches) {
  const double a[3] = {1.0, 2.0, 3.0}, b[3] = {1.0, 2.5, 3.0};
  bool caught = false;
  try {
    expect_close(a, b, 3, 1e-6, 0.0, "values");
  } catch (const Failure&) {
    caught = true;
  }
  expect(caught, "expect_close accepted 2.0 vs 2.5");
}

PREDANN_TEST(harness_numerical_gradient_of_a_cubic) {
  // f(x) = Σ x³ → df/dx = 3x²
  const std::vector<double> x = {0.5, -1.25, 2.0};
  const std::vector<double> g = numerical_gradient(x, [](const std::vector<double>& v) {
    double s = 0;
    for (double t : v) s += t * t * t;
    return s;
  });
  const std::vector<double> exact = {0.75, 4.6875, 12.0};
  expect_close(g, exact, 1e-6, 1e-7, "d/dx Σx³");
}
