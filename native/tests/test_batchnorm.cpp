// BatchNorm (1-D and 2-D): backward against finite differences through the batch statistics,
// running statistics against a hand computation, fast version against the reference.
#include <algorithm>
#include <cmath>
#include <vector>

#include "kernels/batchnorm.h"
#include "kernels/relu.h"
#include "tests/check.h"

using namespace predann;
using namespace predann::test;

namespace {

// A BatchNorm module's parameters, buffers and saved statistics for C channels.
template <typename T>
struct Module {
  std::vector<T> weight, bias, running_mean, running_var, save_mean, save_invstd;
  int64_t num_batches_tracked = 0;

  Module(int64_t channels, uint32_t seed)
      : weight(random_vector<T>(channels, seed, 0.5)),
        bias(random_vector<T>(channels, seed + 1, 0.5)),
        running_mean(random_vector<T>(channels, seed + 2, 1.0)),
        running_var(channels),
        save_mean(channels),
        save_invstd(channels) {
    for (T& w : weight) w += T(1);  // weights near 1, as after initialisation
    const std::vector<T> spread = random_vector<T>(channels, seed + 3, 0.3);
    for (int64_t c = 0; c < channels; ++c) running_var[c] = T(1) + std::fabs(spread[c]);
  }

  BatchNormParams<T> params() {
    BatchNormParams<T> p;
    p.weight = weight.data();
    p.bias = bias.data();
    p.running_mean = running_mean.data();
    p.running_var = running_var.data();
    p.num_batches_tracked = &num_batches_tracked;
    return p;
  }
  BatchNormSaved<T> saved() { return {save_mean.data(), save_invstd.data()}; }
  BatchNormSaved<const T> saved_for_backward() const { return {save_mean.data(), save_invstd.data()}; }
};

// Σ y·g for the train forward of module m at x (its running statistics change on every call,
// which the output does not depend on).
double weighted_train_output(const std::vector<double>& x, BatchNormShape shape, Module<double>& m,
                             const std::vector<double>& g) {
  std::vector<double> y(x.size());
  batchnorm_forward_train_ref(x.data(), shape, m.params(), m.saved(), y.data());
  double total = 0;
  for (size_t i = 0; i < y.size(); ++i) total += y[i] * g[i];
  return total;
}

// Checks dx, dweight and dbias of the reference backward against central differences of
// L = Σ y·g in float64.
void check_backward_by_finite_differences(BatchNormShape shape, uint32_t seed) {
  const int64_t channels = shape.channels;
  Module<double> m(channels, seed);
  const std::vector<double> x = random_vector<double>(shape.size(), seed + 10, 1.5);
  const std::vector<double> g = random_vector<double>(shape.size(), seed + 11, 1.0);

  std::vector<double> y(x.size()), dx(x.size()), dweight(channels, 0.0), dbias(channels, 0.0);
  batchnorm_forward_train_ref(x.data(), shape, m.params(), m.saved(), y.data());
  batchnorm_backward_ref(g.data(), x.data(), shape, m.weight.data(), m.saved_for_backward(), dx.data(), dweight.data(),
                         dbias.data());

  const std::vector<double> numeric_dx =
      numerical_gradient(x, [&](const std::vector<double>& v) { return weighted_train_output(v, shape, m, g); });
  const std::vector<double> weight0 = m.weight, bias0 = m.bias;
  const std::vector<double> numeric_dweight = numerical_gradient(weight0, [&](const std::vector<double>& w) {
    m.weight = w;
    return weighted_train_output(x, shape, m, g);
  });
  m.weight = weight0;
  const std::vector<double> numeric_dbias = numerical_gradient(bias0, [&](const std::vector<double>& b) {
    m.bias = b;
    return weighted_train_output(x, shape, m, g);
  });
  // Central differences with h = 1e-6 on values of order 1: truncation ~h² ≈ 1e-12, rounding
  // ~1e-16·|L|/h ≈ 1e-9; a wrong term in the gradient (e.g. the mean or variance path left out)
  // is of order 0.1.
  expect_close(dx, numeric_dx, 1e-7, 1e-6, "dx");
  expect_close(dweight, numeric_dweight, 1e-7, 1e-6, "dweight");
  expect_close(dbias, numeric_dbias, 1e-7, 1e-6, "dbias");
}

// x is (N,C,S) with mean around `offset`, so that a one-pass variance without a shift would
// lose digits.
std::vector<float> shifted_input(BatchNormShape shape, uint32_t seed, float offset) {
  std::vector<float> x = random_vector<float>(shape.size(), seed, 1.0);
  for (float& v : x) v += offset;
  return x;
}

// The fast train forward against the float reference: outputs, saved and running statistics.
void check_train_forward_parity(BatchNormShape shape, uint32_t seed) {
  Module<float> ref(shape.channels, seed), fast(shape.channels, seed);
  const std::vector<float> x = shifted_input(shape, seed + 5, 3.0f);
  std::vector<float> y_ref(x.size()), y_fast(x.size());
  batchnorm_forward_train_ref(x.data(), shape, ref.params(), ref.saved(), y_ref.data());
  batchnorm_forward_train(x.data(), shape, fast.params(), fast.saved(), y_fast.data());
  // The statistics are float64 sums in different orders (and the reference squares float32
  // differences, as PyTorch): after rounding to float32 they may differ by a few ulp.
  expect_close(fast.save_mean, ref.save_mean, 1e-7, 1e-6, "saved mean");
  expect_close(fast.save_invstd, ref.save_invstd, 0.0, 1e-6, "saved invstd");
  expect_close(fast.running_mean, ref.running_mean, 1e-7, 1e-6, "running mean");
  expect_close(fast.running_var, ref.running_var, 0.0, 1e-6, "running var");
  expect(fast.num_batches_tracked == 1 && ref.num_batches_tracked == 1, "num_batches_tracked must become 1");
  // y = x·alpha + beta (fast, as PyTorch) vs (x − mean)·invstd·w + b (reference): the fast form
  // cancels x·alpha (≈ 3·alpha here) against beta, so its error is a few ulp of 3·|alpha| ≈ 1e-6.
  expect_close(y_fast, y_ref, 1e-5, 1e-5, "y");
}

void check_backward_parity(BatchNormShape shape, uint32_t seed) {
  Module<float> m(shape.channels, seed);
  const std::vector<float> x = shifted_input(shape, seed + 5, 3.0f);
  const std::vector<float> dy = random_vector<float>(shape.size(), seed + 6, 1.0);
  std::vector<float> y(x.size());
  batchnorm_forward_train_ref(x.data(), shape, m.params(), m.saved(), y.data());

  std::vector<float> dx_ref(x.size()), dx_fast(x.size());
  // Parameter gradients accumulate: start both from the same non-zero values to check the +=.
  std::vector<float> dw_ref = random_vector<float>(shape.channels, seed + 7);
  std::vector<float> db_ref = random_vector<float>(shape.channels, seed + 8);
  std::vector<float> dw_fast = dw_ref, db_fast = db_ref;
  batchnorm_backward_ref(dy.data(), x.data(), shape, m.weight.data(), m.saved_for_backward(), dx_ref.data(),
                         dw_ref.data(), db_ref.data());
  batchnorm_backward(dy.data(), x.data(), shape, m.weight.data(), m.saved_for_backward(), dx_fast.data(),
                     dw_fast.data(), db_fast.data());
  // Both sum in float64; the reference then works in float64 per element, the fast version in
  // float32 (PyTorch's form): a few ulp of |dy|·|w|·invstd ≈ 1, i.e. ~1e-6.
  expect_close(dx_fast, dx_ref, 1e-5, 1e-5, "dx");
  // Sums of m terms of order 1, rounded once to float32 in both: relative 1e-6, plus an
  // absolute term for sums that nearly cancel (dbias is Σdy ≈ ±sqrt(m)).
  expect_close(dw_fast, dw_ref, 1e-5, 1e-6, "dweight");
  expect_close(db_fast, db_ref, 1e-5, 1e-6, "dbias");
}

// x is (N=2, C=2, S=2): channel 0 holds 1, 2 | 3, 4 and channel 1 holds 10, 10 | 10, 14.
//   channel 0: mean 2.5, biased var 1.25, unbiased var 5/3
//   channel 1: mean 11,  biased var 3,    unbiased var 4
// weight (2, −1), bias (0.5, 1), running_mean (1, −2), running_var (1, 2), num_batches_tracked 7.
template <typename T, typename Forward>
void check_hand_computed_train_step(const Forward& forward, const char* version) {
  const BatchNormShape shape{2, 2, 2};
  const std::vector<T> x = {1, 2, 10, 10, 3, 4, 10, 14};
  std::vector<T> weight = {2, -1}, bias = {T(0.5), 1}, running_mean = {1, -2}, running_var = {1, 2};
  std::vector<T> save_mean(2), save_invstd(2), y(8);
  int64_t tracked = 7;
  BatchNormParams<T> p;
  p.weight = weight.data();
  p.bias = bias.data();
  p.running_mean = running_mean.data();
  p.running_var = running_var.data();
  p.num_batches_tracked = &tracked;
  forward(x.data(), shape, p, BatchNormSaved<T>{save_mean.data(), save_invstd.data()}, y.data());

  const double eps = 1e-5, invstd0 = 1 / std::sqrt(1.25 + eps), invstd1 = 1 / std::sqrt(3.0 + eps);
  const std::vector<double> expect_running_mean = {0.9 * 1 + 0.1 * 2.5, 0.9 * -2 + 0.1 * 11};
  const std::vector<double> expect_running_var = {0.9 * 1 + 0.1 * (5.0 / 3.0), 0.9 * 2 + 0.1 * 4};
  const auto y0 = [&](double v) { return (v - 2.5) * invstd0 * 2 + 0.5; };  // channel 0
  const auto y1 = [&](double v) { return (v - 11) * invstd1 * -1 + 1; };     // channel 1
  const std::vector<double> expect_y = {y0(1), y0(2), y1(10), y1(10), y0(3), y0(4), y1(10), y1(14)};
  const std::string v = version;
  // float32 versions: one or two roundings of values of order 1 (rtol 1e-6 ≈ 8 ulp); float64: exact to ~1e-15.
  const double rtol = sizeof(T) == 4 ? 1e-6 : 1e-12;
  expect_close(save_mean.data(), std::vector<double>{2.5, 11}.data(), 2, 0.0, rtol, v + " saved mean");
  expect_close(save_invstd.data(), std::vector<double>{invstd0, invstd1}.data(), 2, 0.0, rtol, v + " saved invstd");
  expect_close(running_mean.data(), expect_running_mean.data(), 2, 0.0, rtol, v + " running mean");
  expect_close(running_var.data(), expect_running_var.data(), 2, 0.0, rtol, v + " running var (unbiased)");
  expect_close(y.data(), expect_y.data(), 8, rtol, rtol, v + " y");
  expect(tracked == 8, v + ": num_batches_tracked must go from 7 to 8");
}

}  // namespace

PREDANN_TEST(batchnorm2d_backward_matches_finite_differences) {
  check_backward_by_finite_differences(BatchNormShape{2, 3, 6}, 100);  // (N,C,H,W) = (2,3,2,3)
}

PREDANN_TEST(batchnorm1d_backward_matches_finite_differences) {
  check_backward_by_finite_differences(BatchNormShape{5, 4, 1}, 200);  // (N,C) = (5,4)
}

PREDANN_TEST(batchnorm_train_step_matches_hand_computation) {
  check_hand_computed_train_step<double>(
      [](auto... a) { batchnorm_forward_train_ref<double>(a...); }, "ref<double>");
  check_hand_computed_train_step<float>(
      [](auto... a) { batchnorm_forward_train_ref<float>(a...); }, "ref<float>");
  check_hand_computed_train_step<float>([](auto... a) { batchnorm_forward_train(a...); }, "fast");
}

PREDANN_TEST(batchnorm_eval_uses_running_statistics) {
  const BatchNormShape shape{3, 4, 50};
  Module<float> m(4, 300);
  const std::vector<float> x = random_vector<float>(shape.size(), 301, 2.0);
  const std::vector<float> running_mean0 = m.running_mean, running_var0 = m.running_var;
  std::vector<float> y_ref(x.size()), y_fast(x.size());
  batchnorm_forward_eval_ref(x.data(), shape, m.params(), y_ref.data());
  batchnorm_forward_eval(x.data(), shape, m.params(), y_fast.data());
  std::vector<double> expected(x.size());
  for (int64_t n = 0; n < shape.batch; ++n) {
    for (int64_t c = 0; c < shape.channels; ++c) {
      for (int64_t s = 0; s < shape.spatial; ++s) {
        const int64_t i = (n * shape.channels + c) * shape.spatial + s;
        const double normalized = (x[i] - double(m.running_mean[c])) / std::sqrt(double(m.running_var[c]) + 1e-5);
        expected[i] = normalized * m.weight[c] + m.bias[c];
      }
    }
  }
  // float32 arithmetic on values of order 1–5: a few ulp, ~1e-6.
  expect_close(y_ref.data(), expected.data(), shape.size(), 1e-5, 1e-5, "ref y");
  expect_close(y_fast.data(), expected.data(), shape.size(), 1e-5, 1e-5, "fast y");
  expect(m.running_mean == running_mean0 && m.running_var == running_var0 && m.num_batches_tracked == 0,
         "eval must not change the running statistics");
}

PREDANN_TEST(batchnorm2d_fast_train_forward_matches_ref) {
  check_train_forward_parity(BatchNormShape{4, 6, 3001}, 400);  // large enough to run on the OpenMP threads
}

PREDANN_TEST(batchnorm1d_fast_train_forward_matches_ref) {
  check_train_forward_parity(BatchNormShape{48, 100, 1}, 500);  // the projector BatchNorm1d
}

PREDANN_TEST(batchnorm2d_fast_backward_matches_ref) { check_backward_parity(BatchNormShape{4, 6, 3001}, 600); }

PREDANN_TEST(batchnorm1d_fast_backward_matches_ref) { check_backward_parity(BatchNormShape{48, 100, 1}, 700); }

PREDANN_TEST(batchnorm_rejects_a_single_value_per_channel_in_training) {
  Module<float> m(2, 800);
  const std::vector<float> x = {1, 2};
  std::vector<float> y(2);
  bool thrown = false;
  try {
    batchnorm_forward_train(x.data(), BatchNormShape{1, 2, 1}, m.params(), m.saved(), y.data());
  } catch (const std::invalid_argument&) {
    thrown = true;
  }
  expect(thrown, "train mode with N·S = 1 must throw std::invalid_argument");
}

PREDANN_TEST(batchnorm_fused_relu_matches_ref_batchnorm_then_relu) {
  const BatchNormShape shape{4, 6, 3001};
  Module<float> ref(shape.channels, 900), fast(shape.channels, 900);
  const std::vector<float> x = shifted_input(shape, 901, 3.0f);
  std::vector<float> y_ref(x.size()), y_fast(x.size());
  batchnorm_forward_train_ref(x.data(), shape, ref.params(), ref.saved(), y_ref.data());
  relu_forward_ref(y_ref.data(), shape.size(), y_ref.data());
  batchnorm_forward_train(x.data(), shape, fast.params(), fast.saved(), y_fast.data(), BatchNormActivation::relu);
  // max(·, 0) is 1-Lipschitz: the tolerance of the unfused parity carries over.
  expect_close(y_fast, y_ref, 1e-5, 1e-5, "train y");
  expect(*std::min_element(y_fast.begin(), y_fast.end()) == 0.0f, "fused ReLU left negative values");

  batchnorm_forward_eval_ref(x.data(), shape, ref.params(), y_ref.data());
  relu_forward_ref(y_ref.data(), shape.size(), y_ref.data());
  batchnorm_forward_eval(x.data(), shape, fast.params(), y_fast.data(), BatchNormActivation::relu);
  expect_close(y_fast, y_ref, 1e-5, 1e-5, "eval y");
}

namespace {

// Samples [first, first + count) of an (N,C,S) tensor as a part.
struct Part {
  int64_t first, count;
};

// relu(BN(x)) forward and backward through the pieces, a part at a time, against the reference
// forward, relu and backward on the whole batch.
void check_pieces_in_parts_match_ref(BatchNormShape shape, const std::vector<Part>& parts, uint32_t seed) {
  Module<float> ref(shape.channels, seed), fast(shape.channels, seed);
  const std::vector<float> x = shifted_input(shape, seed + 1, 3.0f);
  const std::vector<float> dact = random_vector<float>(shape.size(), seed + 2, 1.0);
  std::vector<float> y_ref(x.size()), dy_ref(x.size()), dx_ref(x.size());
  std::vector<float> dw_ref(shape.channels, 0.0f), db_ref(shape.channels, 0.0f);
  batchnorm_forward_train_ref(x.data(), shape, ref.params(), ref.saved(), y_ref.data());
  relu_forward_ref(y_ref.data(), shape.size(), y_ref.data());
  relu_backward_ref(dact.data(), y_ref.data(), shape.size(), dy_ref.data());
  batchnorm_backward_ref(dy_ref.data(), x.data(), shape, ref.weight.data(), ref.saved_for_backward(), dx_ref.data(),
                         dw_ref.data(), db_ref.data());

  const int64_t sample = shape.channels * shape.spatial;
  const auto part_shape = [&](Part p) { return BatchNormShape{p.count, shape.channels, shape.spatial}; };
  std::vector<float> y(x.size()), dx = dact;  // dx written over dact: the in-place use of the trainer
  std::vector<float> dw(shape.channels, 0.0f), db(shape.channels, 0.0f);
  batchnorm_statistics(x.data(), shape, fast.params(), fast.saved());
  for (Part p : parts) {
    batchnorm_apply(x.data() + p.first * sample, part_shape(p), fast.weight.data(), fast.bias.data(),
                    fast.saved_for_backward(), BatchNormActivation::relu, y.data() + p.first * sample);
  }
  BatchNormGradientSums sums;
  sums.reset(shape.channels);
  for (Part p : parts) {
    batchnorm_gradient_sums(dact.data() + p.first * sample, x.data() + p.first * sample, part_shape(p),
                            fast.weight.data(), fast.bias.data(), fast.saved_for_backward(), BatchNormActivation::relu,
                            sums);
  }
  for (Part p : parts) {
    batchnorm_input_gradient(dx.data() + p.first * sample, x.data() + p.first * sample, part_shape(p),
                             fast.weight.data(), fast.bias.data(), fast.saved_for_backward(), BatchNormActivation::relu,
                             sums, dx.data() + p.first * sample);
  }
  batchnorm_parameter_gradients(sums, fast.saved_for_backward(), dw.data(), db.data());

  expect(sums.values == shape.values_per_channel(), "the sums must count every value of the batch once");
  expect(fast.num_batches_tracked == 1, "num_batches_tracked must become 1");
  expect_close(fast.running_var, ref.running_var, 0.0, 1e-6, "running var");
  // The tolerances of the whole-batch parities (above): the pieces are those kernels' insides.
  // A ReLU mask that differed from the forward's would change dx by O(1) at that element.
  expect_close(y, y_ref, 1e-5, 1e-5, "y");
  expect_close(dx, dx_ref, 1e-5, 1e-5, "dx");
  expect_close(dw, dw_ref, 1e-5, 1e-6, "dweight");
  expect_close(db, db_ref, 1e-5, 1e-6, "dbias");
}

}  // namespace

PREDANN_TEST(batchnorm_relu_pieces_in_parts_match_ref) {
  check_pieces_in_parts_match_ref(BatchNormShape{5, 6, 3001}, {{0, 2}, {2, 1}, {3, 2}}, 1000);
  check_pieces_in_parts_match_ref(BatchNormShape{4, 3, 17}, {{0, 4}}, 1100);  // one part, serial path
}

PREDANN_TEST(batchnorm_relu_backward_mask_is_the_forward_relu) {
  // Where the fused forward's output is 0 the recomputed mask must drop dy, and only there: with
  // dy = 1 everywhere and no mean terms (dx is not looked at), Σdy counts the passed values.
  const BatchNormShape shape{3, 4, 999};
  Module<float> m(shape.channels, 1200);
  const std::vector<float> x = shifted_input(shape, 1201, 0.0f);
  std::vector<float> y(x.size());
  batchnorm_forward_train(x.data(), shape, m.params(), m.saved(), y.data(), BatchNormActivation::relu);
  const std::vector<float> ones(x.size(), 1.0f);
  BatchNormGradientSums sums;
  sums.reset(shape.channels);
  batchnorm_gradient_sums(ones.data(), x.data(), shape, m.weight.data(), m.bias.data(), m.saved_for_backward(),
                          BatchNormActivation::relu, sums);
  for (int64_t c = 0; c < shape.channels; ++c) {
    int64_t passed = 0;
    for (int64_t n = 0; n < shape.batch; ++n) {
      for (int64_t s = 0; s < shape.spatial; ++s) passed += y[(n * shape.channels + c) * shape.spatial + s] > 0.0f;
    }
    expect(sums.dy[c] == static_cast<double>(passed),
           "channel " + std::to_string(c) + ": mask passes " + std::to_string(sums.dy[c]) + " values, the forward " +
               std::to_string(passed));
  }
}
