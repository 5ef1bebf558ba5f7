// check: the small test harness of the native kernel tests (native/tests/test_*.cpp), in the
// spirit of llm.c's test_gpt2.c but failing the process on any mismatch.
//
//   PREDANN_TEST(conv2d_parity) { ... expect_close(fast, ref, n, 1e-5, 1e-5, "dinput"); }
//
// Every test registers itself; kernel_tests runs them all (or those whose name contains argv[1]),
// prints one line per test and exits 1 if any failed. test/native-kernels.test.ts runs it.
#pragma once
#include <cmath>
#include <cstdint>
#include <cstdio>
#include <functional>
#include <random>
#include <stdexcept>
#include <string>
#include <vector>

namespace predann::test {

struct Failure : std::runtime_error {
  using std::runtime_error::runtime_error;
};

struct Registry {
  std::vector<std::pair<std::string, std::function<void()>>> tests;
  static Registry& instance() {
    static Registry r;
    return r;
  }
};

struct Register {
  Register(const char* name, std::function<void()> fn) { Registry::instance().tests.emplace_back(name, std::move(fn)); }
};

#define PREDANN_TEST(name)                                                      \
  static void predann_test_##name();                                            \
  static ::predann::test::Register predann_register_##name(#name, predann_test_##name); \
  static void predann_test_##name()

inline void expect(bool ok, const std::string& what) {
  if (!ok) throw Failure(what);
}

// |a − b| ≤ atol + rtol·|b| everywhere; on failure names the first bad index, both values and
// the largest difference.
template <typename A, typename B>
void expect_close(const A* actual, const B* expected, int64_t n, double atol, double rtol, const std::string& what) {
  int64_t first_bad = -1, worst = 0;
  double worst_diff = 0;
  for (int64_t i = 0; i < n; ++i) {
    const double a = static_cast<double>(actual[i]), e = static_cast<double>(expected[i]);
    const double d = std::fabs(a - e);
    if (!(d <= worst_diff)) worst_diff = d, worst = i;
    if (!(d <= atol + rtol * std::fabs(e)) && first_bad < 0) first_bad = i;
  }
  if (first_bad >= 0) {
    char buf[512];
    std::snprintf(buf, sizeof buf, "%s: mismatch at [%lld]: got %.9g, expected %.9g; max |diff| %.3g at [%lld] (atol %g, rtol %g)",
                  what.c_str(), static_cast<long long>(first_bad), static_cast<double>(actual[first_bad]),
                  static_cast<double>(expected[first_bad]), worst_diff, static_cast<long long>(worst), atol, rtol);
    throw Failure(buf);
  }
}

template <typename T>
void expect_close(const std::vector<T>& actual, const std::vector<T>& expected, double atol, double rtol, const std::string& what) {
  expect(actual.size() == expected.size(), what + ": sizes differ");
  expect_close(actual.data(), expected.data(), static_cast<int64_t>(actual.size()), atol, rtol, what);
}

// Fresh random inputs, seeded so a failure can be reproduced.
template <typename T>
std::vector<T> random_vector(size_t n, uint32_t seed, double scale = 1.0) {
  std::mt19937 rng(seed);
  std::normal_distribution<double> normal(0.0, scale);
  std::vector<T> v(n);
  for (auto& x : v) x = static_cast<T>(normal(rng));
  return v;
}

// Central finite differences of a scalar function f at x (float64): df/dx[i] ≈ (f(x+h) − f(x−h)) / 2h.
inline std::vector<double> numerical_gradient(std::vector<double> x, const std::function<double(const std::vector<double>&)>& f,
                                              double h = 1e-6) {
  std::vector<double> g(x.size());
  for (size_t i = 0; i < x.size(); ++i) {
    const double keep = x[i];
    x[i] = keep + h;
    const double up = f(x);
    x[i] = keep - h;
    const double down = f(x);
    x[i] = keep;
    g[i] = (up - down) / (2 * h);
  }
  return g;
}

}  // namespace predann::test
