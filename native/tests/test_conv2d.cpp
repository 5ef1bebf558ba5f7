// conv2d tests: the reference forward against hand-made cases, the reference backward against
// central finite differences in float64, and the fast float32 versions against the reference on
// fresh random inputs over shapes that reach every edge of the fast path.
#include <algorithm>
#include <cmath>
#include <stdexcept>
#include <string>
#include <vector>

#include "kernels/batchnorm.h"
#include "kernels/conv2d.h"
#include "kernels/parallel.h"
#include "tests/check.h"

using namespace predann;
using namespace predann::test;

namespace {

int64_t input_size(const Conv2dShape& s) { return s.batch * s.in_channels * s.height * s.width; }
int64_t output_size(const Conv2dShape& s) { return s.batch * s.out_channels * s.height * s.width; }
int64_t weight_size(const Conv2dShape& s) { return s.out_channels * s.in_channels * 9; }

std::string describe(const Conv2dShape& s) {
  return "N=" + std::to_string(s.batch) + " Cin=" + std::to_string(s.in_channels) +
         " Cout=" + std::to_string(s.out_channels) + " H=" + std::to_string(s.height) + " W=" + std::to_string(s.width);
}

template <typename T>
struct Tensors {
  std::vector<T> input, weight, bias, doutput;  // (N,Cin,H,W), (Cout,Cin,3,3), (Cout), (N,Cout,H,W)
};

template <typename T>
Tensors<T> random_tensors(const Conv2dShape& s, uint32_t seed) {
  return {random_vector<T>(input_size(s), seed), random_vector<T>(weight_size(s), seed + 1, 0.3),
          random_vector<T>(s.out_channels, seed + 2), random_vector<T>(output_size(s), seed + 3)};
}

std::vector<double> absolute(const std::vector<float>& v) {
  std::vector<double> a(v.size());
  for (size_t i = 0; i < v.size(); ++i) a[i] = std::fabs(static_cast<double>(v[i]));
  return a;
}

double max_of(const std::vector<double>& v) {
  double m = 0;
  for (double x : v) m = std::max(m, x);
  return m;
}

// Tolerance of a float32 sum of `terms` terms (products or values, in any order, with or without
// fused multiply-adds) whose absolute values add up to at most `magnitude`: the classic bound
// γ_K·Σ|terms|, γ_K = K·u/(1 − K·u), u = 2⁻²⁴ (Higham, Accuracy and Stability, §3.1), with one
// more rounding for the float32 result of the reference. It holds for every summation order, so
// it cannot fail for a correct kernel, yet a wrong tap or channel shifts results by O(magnitude).
double float32_sum_tolerance(int64_t terms, double magnitude) {
  const double u = std::ldexp(1.0, -24), k = static_cast<double>(terms + 1);
  return k * u / (1.0 - k * u) * magnitude;
}

// L = Σ out·G with out = conv2d_forward_ref(input, weight, bias) in float64.
double weighted_output_sum(const Conv2dShape& s, const std::vector<double>& input, const std::vector<double>& weight,
                           const std::vector<double>& bias, const std::vector<double>& g) {
  std::vector<double> out(output_size(s));
  conv2d_forward_ref(s, input.data(), weight.data(), bias.data(), out.data());
  double sum = 0;
  for (size_t i = 0; i < out.size(); ++i) sum += out[i] * g[i];
  return sum;
}

void check_backward_against_finite_differences(const Conv2dShape& s, uint32_t seed) {
  const Tensors<double> t = random_tensors<double>(s, seed);
  const std::vector<double>& g = t.doutput;  // ∂L/∂out
  std::vector<double> dinput(input_size(s)), dweight(weight_size(s)), dbias(s.out_channels);
  conv2d_backward_ref(s, t.input.data(), t.weight.data(), g.data(), dinput.data(), dweight.data(), dbias.data());

  const auto by_input = [&](const std::vector<double>& x) { return weighted_output_sum(s, x, t.weight, t.bias, g); };
  const auto by_weight = [&](const std::vector<double>& w) { return weighted_output_sum(s, t.input, w, t.bias, g); };
  const auto by_bias = [&](const std::vector<double>& b) { return weighted_output_sum(s, t.input, t.weight, b, g); };
  // L is linear in each argument, so central differences have no truncation error: what is left
  // is the rounding of L (|L| ~ 10, ε ~ 2e-16) divided by 2h = 2e-6, about 1e-9.
  const double atol = 1e-7, rtol = 1e-7;
  const std::string where = " (" + describe(s) + ")";
  expect_close(dinput, numerical_gradient(t.input, by_input), atol, rtol, "dinput" + where);
  expect_close(dweight, numerical_gradient(t.weight, by_weight), atol, rtol, "dweight" + where);
  expect_close(dbias, numerical_gradient(t.bias, by_bias), atol, rtol, "dbias" + where);
}

// The fast forward against the reference on fresh random inputs.
void check_forward_parity(const Conv2dShape& s, uint32_t seed) {
  const Tensors<float> t = random_tensors<float>(s, seed);
  std::vector<float> fast(output_size(s), NAN), ref(output_size(s));
  conv2d_forward(s, t.input.data(), t.weight.data(), t.bias.data(), fast.data());
  conv2d_forward_ref(s, t.input.data(), t.weight.data(), t.bias.data(), ref.data());

  // Magnitudes |bias| + Σ|W|·|in|: the same reference on absolute values.
  std::vector<double> magnitude(output_size(s));
  conv2d_forward_ref(s, absolute(t.input).data(), absolute(t.weight).data(), absolute(t.bias).data(),
                     magnitude.data());
  const double atol = float32_sum_tolerance(9 * s.in_channels + 1, max_of(magnitude));
  expect_close(fast, ref, atol, 0.0, "forward (" + describe(s) + ")");
}

// The fast backward against the reference, both accumulating into the same random gradients.
void check_backward_parity(const Conv2dShape& s, uint32_t seed) {
  const Tensors<float> t = random_tensors<float>(s, seed);
  const std::vector<float> dinput0 = random_vector<float>(input_size(s), seed + 10);
  const std::vector<float> dweight0 = random_vector<float>(weight_size(s), seed + 11);
  const std::vector<float> dbias0 = random_vector<float>(s.out_channels, seed + 12);
  std::vector<float> dinput = dinput0, dweight = dweight0, dbias = dbias0;
  std::vector<float> dinput_ref = dinput0, dweight_ref = dweight0, dbias_ref = dbias0;
  conv2d_backward(s, t.input.data(), t.weight.data(), t.doutput.data(), dinput.data(), dweight.data(), dbias.data());
  conv2d_backward_ref(s, t.input.data(), t.weight.data(), t.doutput.data(), dinput_ref.data(), dweight_ref.data(),
                      dbias_ref.data());

  // Magnitudes |d0| + Σ|terms|: the reference backward on absolute values.
  std::vector<double> dinput_mag = absolute(dinput0), dweight_mag = absolute(dweight0), dbias_mag = absolute(dbias0);
  conv2d_backward_ref(s, absolute(t.input).data(), absolute(t.weight).data(), absolute(t.doutput).data(),
                      dinput_mag.data(), dweight_mag.data(), dbias_mag.data());
  // dweight and dbias sum N·H·W products, but the fast version keeps at most one task's share of
  // them per lane in float32 (4 rows × 768 columns / 16 lanes = 192, then a 16-lane horizontal
  // sum) before moving to float64, whose rounding is negligible here. Bounding with that count
  // rather than N·H·W keeps the test sharp enough to notice a single missing product.
  const int64_t positions = s.batch * s.height * s.width;
  const int64_t float32_terms = std::min<int64_t>(positions, 192 + 16);
  const std::string where = " (" + describe(s) + ")";
  expect_close(dinput, dinput_ref, float32_sum_tolerance(9 * s.out_channels + 1, max_of(dinput_mag)), 0.0,
               "dinput" + where);
  expect_close(dweight, dweight_ref, float32_sum_tolerance(float32_terms + 1, max_of(dweight_mag)), 0.0,
               "dweight" + where);
  expect_close(dbias, dbias_ref, float32_sum_tolerance(float32_terms + 1, max_of(dbias_mag)), 0.0, "dbias" + where);
}

// Shapes that reach every edge of the fast path: H = 1 (rows 0 and 2 skipped), W = 1 and 2 (one
// partial vector), Cin = 1, channel counts that are odd or not multiples of the channel blocks (8
// forward, 4 × 2 weight gradient) or of the 16 lanes, register tiles of 1..3 vectors, heights
// that are not multiples of the 4-row weight-gradient tasks, rows split into several column
// chunks (forward beyond 768 columns, weight gradient beyond 768 · 4 / min(H, 4)), N = 1 and 3.
const Conv2dShape kParityShapes[] = {
    {1, 1, 1, 1, 1},    {1, 1, 32, 3, 2},   {3, 3, 5, 1, 37},   {2, 5, 7, 4, 1},    {1, 17, 6, 5, 100},
    {3, 2, 9, 2, 800},  {1, 4, 4, 1, 1700}, {2, 8, 13, 7, 97},  {1, 32, 3, 3, 33},  {3, 1, 2, 6, 191},
    {2, 3, 2, 1, 6500}, {1, 3, 2, 5, 1600},
};

}  // namespace

PREDANN_TEST(conv2d_forward_ref_is_a_cross_correlation) {
  // Only tap (0, 0) set: out[h, w] = in[h − 1, w − 1], zero on the first row and column. A flipped
  // kernel would shift the other way.
  const Conv2dShape s{1, 1, 1, 3, 4};
  std::vector<double> input(12), weight(9, 0.0), bias = {0.5}, out(12);
  for (int i = 0; i < 12; ++i) input[i] = i + 1;
  weight[0] = 2;
  conv2d_forward_ref(s, input.data(), weight.data(), bias.data(), out.data());
  const std::vector<double> expected = {0.5, 0.5, 0.5, 0.5,  //
                                        0.5, 2.5, 4.5, 6.5,  //
                                        0.5, 10.5, 12.5, 14.5};
  expect_close(out, expected, 0.0, 0.0, "shifted copy");
}

PREDANN_TEST(conv2d_forward_ref_sums_channels_and_neighbours) {
  // All-ones kernels over two constant channels (1 and 10): each output is bias + 11 × the number
  // of in-image neighbours (4 at a corner, 6 on an edge, 9 inside).
  const Conv2dShape s{1, 2, 1, 3, 3};
  std::vector<double> input(18), weight(18, 1.0), bias = {-1}, out(9);
  for (int i = 0; i < 18; ++i) input[i] = i < 9 ? 1 : 10;
  conv2d_forward_ref(s, input.data(), weight.data(), bias.data(), out.data());
  const std::vector<double> expected = {43, 65, 43, 65, 98, 65, 43, 65, 43};
  expect_close(out, expected, 0.0, 0.0, "neighbour sums");
}

PREDANN_TEST(conv2d_backward_ref_matches_finite_differences) {
  check_backward_against_finite_differences({2, 2, 3, 4, 5}, 100);
  check_backward_against_finite_differences({2, 2, 3, 1, 6}, 200);  // H = 1
  check_backward_against_finite_differences({1, 1, 2, 3, 1}, 300);  // W = 1, Cin = 1
}

PREDANN_TEST(conv2d_backward_accumulates) {
  const Conv2dShape s{2, 2, 3, 3, 4};
  const Tensors<float> t = random_tensors<float>(s, 400);
  for (bool fast : {false, true}) {
    std::vector<float> once[3] = {std::vector<float>(input_size(s)), std::vector<float>(weight_size(s)),
                                  std::vector<float>(s.out_channels)};
    std::vector<float> twice[3] = {once[0], once[1], once[2]};
    const auto backward = fast ? conv2d_backward : conv2d_backward_ref<float>;
    backward(s, t.input.data(), t.weight.data(), t.doutput.data(), once[0].data(), once[1].data(), once[2].data());
    for (int k = 0; k < 2; ++k)
      backward(s, t.input.data(), t.weight.data(), t.doutput.data(), twice[0].data(), twice[1].data(), twice[2].data());
    for (int b = 0; b < 3; ++b) {
      for (float& x : once[b]) x *= 2;  // exact: a sum added to itself is twice it
      expect_close(twice[b], once[b], 0.0, 0.0, std::string(fast ? "fast" : "ref") + " gradient " + std::to_string(b));
    }
  }
}

PREDANN_TEST(conv2d_forward_fast_matches_ref) {
  uint32_t seed = 1000;
  for (const Conv2dShape& s : kParityShapes) check_forward_parity(s, seed += 10);
}

PREDANN_TEST(conv2d_backward_fast_matches_ref) {
  uint32_t seed = 2000;
  for (const Conv2dShape& s : kParityShapes) check_backward_parity(s, seed += 20);
}

PREDANN_TEST(conv2d_backward_skips_null_gradients) {
  const Conv2dShape s{1, 3, 4, 2, 20};
  const Tensors<float> t = random_tensors<float>(s, 500);
  std::vector<float> dweight_all(weight_size(s)), dbias_all(s.out_channels), dinput_all(input_size(s));
  conv2d_backward(s, t.input.data(), t.weight.data(), t.doutput.data(), dinput_all.data(), dweight_all.data(),
                  dbias_all.data());
  std::vector<float> dweight(weight_size(s)), dbias(s.out_channels), dinput(input_size(s));
  conv2d_backward(s, t.input.data(), t.weight.data(), t.doutput.data(), nullptr, dweight.data(), nullptr);
  conv2d_backward(s, t.input.data(), t.weight.data(), t.doutput.data(), nullptr, nullptr, dbias.data());
  conv2d_backward(s, t.input.data(), t.weight.data(), t.doutput.data(), dinput.data(), nullptr, nullptr);
  // Each gradient is computed the same way whatever else is requested: bit-identical.
  expect_close(dweight, dweight_all, 0.0, 0.0, "dweight alone");
  expect_close(dbias, dbias_all, 0.0, 0.0, "dbias alone");
  expect_close(dinput, dinput_all, 0.0, 0.0, "dinput alone");
}

PREDANN_TEST(conv2d_fast_results_are_reproducible) {
  // Resumed training must replay a run exactly: output and dinput do not depend on the thread
  // count at all, dweight and dbias are identical from run to run for a given thread count.
  const Conv2dShape s{2, 5, 11, 9, 130};
  const Tensors<float> t = random_tensors<float>(s, 700);
  const int saved_threads = thread_count();
  std::vector<float> out[2], dinput[2], dweight[2], dbias[2];
  for (int run = 0; run < 2; ++run) {
    set_thread_count(run + 1);
    out[run].resize(output_size(s));
    dinput[run].assign(input_size(s), 0.0f);
    conv2d_forward(s, t.input.data(), t.weight.data(), t.bias.data(), out[run].data());
    conv2d_backward(s, t.input.data(), t.weight.data(), t.doutput.data(), dinput[run].data(), nullptr, nullptr);
  }
  set_thread_count(2);
  for (int run = 0; run < 2; ++run) {
    dweight[run].assign(weight_size(s), 0.0f);
    dbias[run].assign(s.out_channels, 0.0f);
    conv2d_backward(s, t.input.data(), t.weight.data(), t.doutput.data(), nullptr, dweight[run].data(),
                    dbias[run].data());
  }
  set_thread_count(saved_threads);
  expect_close(out[1], out[0], 0.0, 0.0, "output, 2 threads vs 1");
  expect_close(dinput[1], dinput[0], 0.0, 0.0, "dinput, 2 threads vs 1");
  expect_close(dweight[1], dweight[0], 0.0, 0.0, "dweight, second run");
  expect_close(dbias[1], dbias[0], 0.0, 0.0, "dbias, second run");
}

PREDANN_TEST(conv2d_height_one_leaves_kernel_rows_0_and_2_untouched) {
  // Mono audio: rows 0 and 2 of every kernel only meet the zero padding, so their gradient is
  // exactly 0, as PyTorch computes it (golden case e checks the same on the music encoder).
  const Conv2dShape s{2, 3, 5, 1, 300};
  const Tensors<float> t = random_tensors<float>(s, 600);
  for (bool fast : {false, true}) {
    std::vector<float> dweight(weight_size(s), 0.0f);
    (fast ? conv2d_backward : conv2d_backward_ref<float>)(s, t.input.data(), t.weight.data(), t.doutput.data(),
                                                            nullptr, dweight.data(), nullptr);
    bool middle_row_nonzero = false;
    for (int64_t k = 0; k < weight_size(s); ++k) {
      const int64_t row = (k / 3) % 3;
      if (row != 1) expect(dweight[k] == 0.0f, std::string(fast ? "fast" : "ref") + ": dweight row " +
                                                  std::to_string(row) + " is " + std::to_string(dweight[k]));
      else middle_row_nonzero |= dweight[k] != 0.0f;
    }
    expect(middle_row_nonzero, "dweight row 1 is all zero");
  }
}

PREDANN_TEST(conv2d_rejects_bad_arguments) {
  const float x[9] = {}, w[9] = {};
  float y[9];
  const auto throws = [](const std::function<void()>& f) {
    try {
      f();
    } catch (const std::invalid_argument&) {
      return true;
    }
    return false;
  };
  expect(throws([&] { conv2d_forward({1, 1, 1, 0, 3}, x, w, nullptr, y); }), "H = 0 accepted");
  expect(throws([&] { conv2d_forward({1, 1, 1, 3, 3}, nullptr, w, nullptr, y); }), "null input accepted");
  expect(throws([&] { conv2d_backward({1, 1, 1, 3, 3}, x, w, nullptr, y, nullptr, nullptr); }),
         "null doutput accepted");
  expect(throws([&] { conv2d_forward_ref<float>({1, -1, 1, 3, 3}, x, w, nullptr, y); }), "Cin = -1 accepted");
}

PREDANN_TEST(conv2d_epilogue_is_batchnorm_eval_and_relu_bit_for_bit) {
  for (const Conv2dShape& s : {Conv2dShape{2, 3, 11, 5, 37}, Conv2dShape{1, 4, 8, 1, 1000}}) {
    const Tensors<float> t = random_tensors<float>(s, 700);
    const int64_t outputs = s.batch * s.out_channels * s.height * s.width;
    // Running statistics that move the outputs across zero, so that the ReLU clips about half.
    std::vector<float> weight = random_vector<float>(s.out_channels, 701, 1.0), bias = random_vector<float>(s.out_channels, 702, 0.5);
    std::vector<float> mean = random_vector<float>(s.out_channels, 703, 0.5), var = random_vector<float>(s.out_channels, 704, 0.5);
    for (float& v : var) v = 1.0f + std::fabs(v);
    BatchNormParams<float> p;
    p.weight = weight.data(), p.bias = bias.data(), p.running_mean = mean.data(), p.running_var = var.data();
    for (bool relu : {false, true}) {
      const BatchNormActivation act = relu ? BatchNormActivation::relu : BatchNormActivation::none;
      std::vector<float> separate(outputs), fused(outputs), scale(s.out_channels), shift(s.out_channels);
      conv2d_forward(s, t.input.data(), t.weight.data(), t.bias.data(), separate.data());
      batchnorm_forward_eval(separate.data(), {s.batch, s.out_channels, s.height * s.width}, p, separate.data(), act);
      batchnorm_eval_affine(p, s.out_channels, scale.data(), shift.data());
      const Conv2dEpilogue epilogue{scale.data(), shift.data(), relu};
      conv2d_forward(s, t.input.data(), t.weight.data(), t.bias.data(), fused.data(), &epilogue);
      expect_close(fused, separate, 0.0, 0.0, relu ? "epilogue with ReLU" : "epilogue without ReLU");
      if (relu) expect(*std::min_element(fused.begin(), fused.end()) == 0.0f, "the ReLU must clip some outputs");
    }
  }
}
