// Softmax cross-entropy (mean): known values, gradient against finite differences (float64),
// stability for huge logits, bad labels, and the fast float version against the reference.
#include <cmath>

#include "kernels/cross_entropy.h"
#include "tests/check.h"

using namespace predann;
using namespace predann::test;

PREDANN_TEST(cross_entropy_uniform_logits) {
  // All logits equal: loss = log C, dlogits = (1/C − onehot)/N.
  const CrossEntropyShape s{2, 4};
  const float logits[8] = {3, 3, 3, 3, -1, -1, -1, -1};
  const int32_t labels[2] = {1, 3};
  float ref[8], fast[8];
  const double loss_ref = cross_entropy_ref(s, logits, labels, ref);
  const double loss_fast = cross_entropy(s, logits, labels, fast);
  const double log4 = std::log(4.0);
  const float expected[8] = {0.125f, -0.375f, 0.125f, 0.125f, 0.125f, 0.125f, 0.125f, -0.375f};
  expect_close(&loss_ref, &log4, 1, 0, 1e-15, "reference loss");
  expect_close(&loss_fast, &log4, 1, 0, 1e-7, "fast loss");  // exp and log in float32: an ulp
  expect_close(ref, expected, 8, 0, 0, "reference dlogits");
  expect_close(fast, expected, 8, 1e-8, 0, "fast dlogits");
}

PREDANN_TEST(cross_entropy_gradient_matches_finite_differences) {
  const CrossEntropyShape s{4, 5};
  const auto logits = random_vector<double>(20, 11, 2.0);
  const int32_t labels[4] = {0, 4, 2, 2};
  for (double scale : {1.0, 0.05}) {
    std::vector<double> dlogits(20);
    cross_entropy_ref(s, logits.data(), labels, dlogits.data(), scale);
    const auto numeric = numerical_gradient(logits, [&](const std::vector<double>& v) {
      return scale * cross_entropy_ref<double>(s, v.data(), labels, nullptr);
    });
    // Smooth function of O(1) logits: truncation h²·f''' ~ 1e-12, rounding ~ 1e-16/h ~ 1e-10.
    expect_close(dlogits, numeric, 1e-9, 1e-7, "dlogits, scale " + std::to_string(scale));
  }
}

PREDANN_TEST(cross_entropy_huge_logits_stay_finite) {
  // Without the max subtraction exp(1000) overflows; the right answers are 0 and 2000.
  const CrossEntropyShape s{2, 2};
  const float logits[4] = {1000, -1000, 1000, -1000};
  const int32_t labels[2] = {0, 1};
  float d[4];
  const double expected = 1000.0;  // (0 + 2000) / 2
  const double loss_ref = cross_entropy_ref(s, logits, labels, d), loss_fast = cross_entropy(s, logits, labels, d);
  expect_close(&loss_ref, &expected, 1, 0, 1e-12, "reference loss");
  expect_close(&loss_fast, &expected, 1, 0, 1e-12, "fast loss");
}

PREDANN_TEST(cross_entropy_rejects_labels_out_of_range) {
  const CrossEntropyShape s{2, 3};
  const float logits[6] = {};
  for (int32_t bad : {-1, 3}) {
    const int32_t labels[2] = {0, bad};
    bool threw = false;
    try {
      cross_entropy(s, logits, labels, nullptr);
    } catch (const std::invalid_argument& e) {
      threw = std::string(e.what()).find("labels[1] = " + std::to_string(bad)) != std::string::npos;
    }
    expect(threw, "label " + std::to_string(bad) + " was not rejected by name");
  }
}

PREDANN_TEST(cross_entropy_fast_matches_reference) {
  // PredANN's 48 × 10, and a large batch that takes the threaded path.
  const CrossEntropyShape shapes[] = {{48, 10}, {700, 100}};
  uint32_t seed = 20;
  for (const CrossEntropyShape& s : shapes) {
    const auto logits = random_vector<float>(s.batch * s.classes, ++seed, 3.0);
    std::vector<int32_t> labels(s.batch);
    for (int64_t n = 0; n < s.batch; ++n) labels[n] = static_cast<int32_t>((n * 7) % s.classes);
    std::vector<double> logits64(logits.begin(), logits.end()), d64(logits.size());
    std::vector<float> d_fast(logits.size());
    const double loss_ref = cross_entropy_ref(s, logits64.data(), labels.data(), d64.data());
    const double loss_fast = cross_entropy(s, logits.data(), labels.data(), d_fast.data());
    // The fast version's float32 exp and float32 (row − max) differences cost a few ulp.
    expect_close(&loss_fast, &loss_ref, 1, 0, 1e-6, "loss, batch " + std::to_string(s.batch));
    expect_close(d_fast.data(), d64.data(), static_cast<int64_t>(d64.size()), 1e-6 / s.batch, 1e-6,
                 "dlogits, batch " + std::to_string(s.batch));
  }
}
