// sosfilt / lfilter / sosfiltfilt / filtfilt: against independent facts (impulse responses from a
// direct-form-I recurrence, the expanded transfer function, step responses without transient, the
// zero phase of filtfilt, a hand-made odd extension, the padlen rules), the error messages, and the
// fast versions against the references. No golden numbers here (test/golden covers case h).
#include <algorithm>
#include <cmath>
#include <complex>
#include <cstdio>
#include <ctime>
#include <cstdlib>
#include <stdexcept>
#include <string>
#include <vector>

#include "kernels/sosfilt.h"
#include "tests/check.h"

using namespace predann;
using namespace predann::test;

namespace {

const double kPi = 3.14159265358979323846;

// A stable second-order section with poles at radius r, angle theta; zeros at radius rz, angle phi.
std::vector<double> section(double r, double theta, double rz, double phi, double gain, double a0 = 1.0) {
  return {gain * a0, -2 * gain * rz * std::cos(phi) * a0, gain * rz * rz * a0, a0, -2 * r * std::cos(theta) * a0,
          r * r * a0};
}

// sos is (sections, 6): a few stable sections with varied poles.
std::vector<double> test_sos(int sections, uint32_t seed) {
  const std::vector<double> u = random_vector<double>(static_cast<size_t>(4 * sections), seed, 1.0);
  std::vector<double> sos;
  for (int s = 0; s < sections; ++s) {
    const double r = 0.5 + 0.45 / (1 + std::fabs(u[4 * s]));  // 0.5 .. 0.95
    const double theta = 0.1 + std::fabs(u[4 * s + 1]);
    const std::vector<double> row = section(r, theta, 1.0, 0.5 + std::fabs(u[4 * s + 2]), 0.3 + 0.1 * std::fabs(u[4 * s + 3]));
    sos.insert(sos.end(), row.begin(), row.end());
  }
  return sos;
}

// Product of polynomials in z⁻¹.
std::vector<double> convolve(const std::vector<double>& p, const std::vector<double>& q) {
  std::vector<double> r(p.size() + q.size() - 1, 0.0);
  for (size_t i = 0; i < p.size(); ++i)
    for (size_t j = 0; j < q.size(); ++j) r[i + j] += p[i] * q[j];
  return r;
}

// (b, a) of the cascade.
void expand(const std::vector<double>& sos, std::vector<double>& b, std::vector<double>& a) {
  b = {1.0};
  a = {1.0};
  for (size_t s = 0; s < sos.size() / 6; ++s) {
    b = convolve(b, {sos[6 * s], sos[6 * s + 1], sos[6 * s + 2]});
    a = convolve(a, {sos[6 * s + 3], sos[6 * s + 4], sos[6 * s + 5]});
  }
}

// |H(e^{iω})|² of the cascade.
double power_gain(const std::vector<double>& sos, double w) {
  const std::complex<double> z1 = std::polar(1.0, -w), z2 = z1 * z1;
  std::complex<double> h = 1.0;
  for (size_t s = 0; s < sos.size() / 6; ++s) {
    const double* r = &sos[6 * s];
    h *= (r[0] + r[1] * z1 + r[2] * z2) / (r[3] + r[4] * z1 + r[5] * z2);
  }
  return std::norm(h);
}

template <class F>
std::string error_of(F f) {
  try {
    f();
  } catch (const std::exception& e) {
    return e.what();
  }
  return "";
}

bool contains(const std::string& s, const std::string& part) { return s.find(part) != std::string::npos; }

}  // namespace

PREDANN_TEST(sosfilt_lfilter_impulse_response) {
  // a[0] = 2 checks the normalisation; direct form I recurrence as the oracle.
  const std::vector<double> b = {0.4, -0.3, 0.2, 0.1}, a = {2.0, -1.2, 0.5};
  const int64_t n = 200;
  std::vector<double> impulse(n, 0.0), expected(n, 0.0), got(n), fast(n);
  impulse[0] = 1.0;
  for (int64_t t = 0; t < n; ++t) {
    double acc = 0;
    for (int64_t k = 0; k < static_cast<int64_t>(b.size()); ++k)
      if (t - k >= 0) acc += b[k] * impulse[t - k];
    for (int64_t k = 1; k < static_cast<int64_t>(a.size()); ++k)
      if (t - k >= 0) acc -= a[k] * expected[t - k];
    expected[t] = acc / a[0];
  }
  lfilter_ref(b.data(), 4, a.data(), 3, impulse.data(), 1, n, got.data());
  expect_close(got.data(), expected.data(), n, 1e-15, 1e-12, "lfilter_ref impulse");
  lfilter(b.data(), 4, a.data(), 3, impulse.data(), 1, n, fast.data());
  expect_close(fast.data(), expected.data(), n, 1e-15, 1e-12, "lfilter impulse");
}

PREDANN_TEST(sosfilt_equals_expanded_lfilter) {
  std::vector<double> sos = test_sos(3, 11);
  // One section with a0 = 3 (normalised away).
  for (int j = 0; j < 6; ++j) sos[6 + j] *= 3.0;
  std::vector<double> b, a;
  expand(sos, b, a);
  const int64_t channels = 3, n = 500;
  const std::vector<double> x = random_vector<double>(channels * n, 5, 1.0);
  std::vector<double> y_sos(channels * n), y_tf(channels * n), y_fast(channels * n);
  sosfilt_ref(sos.data(), 3, x.data(), channels, n, y_sos.data());
  sosfilt(sos.data(), 3, x.data(), channels, n, y_fast.data());
  lfilter_ref(b.data(), 7, a.data(), 7, x.data(), channels, n, y_tf.data());
  expect_close(y_sos, y_tf, 1e-11, 1e-9, "sosfilt vs lfilter of the expanded (b, a)");
  expect_close(y_fast, y_sos, 0, 0, "sosfilt fast vs ref");
}

PREDANN_TEST(sosfilt_zi_step_without_transient) {
  const std::vector<double> sos = test_sos(4, 3);
  double dc = 1.0;
  for (int s = 0; s < 4; ++s)
    dc *= (sos[6 * s] + sos[6 * s + 1] + sos[6 * s + 2]) / (sos[6 * s + 3] + sos[6 * s + 4] + sos[6 * s + 5]);
  const std::vector<double> zi = sosfilt_zi(sos.data(), 4);
  expect(zi.size() == 8, "sosfilt_zi is (sections, 2)");
  const int64_t n = 300;
  const double level = 2.5;
  std::vector<double> x(n, level), y(n), z0(8), zf(8);
  for (int j = 0; j < 8; ++j) z0[j] = zi[j] * level;
  for (int fast = 0; fast < 2; ++fast) {
    if (fast) sosfilt(sos.data(), 4, x.data(), 1, n, y.data(), z0.data(), zf.data());
    else sosfilt_ref(sos.data(), 4, x.data(), 1, n, y.data(), z0.data(), zf.data());
    std::vector<double> expected(n, dc * level);
    expect_close(y, expected, 1e-12, 1e-12, fast ? "sosfilt step from zi" : "sosfilt_ref step from zi");
    expect_close(zf, z0, 1e-12, 1e-12, "final state equals the steady state");
  }
  // lfilter_zi on the expanded filter, a[0] = 2.
  std::vector<double> b, a;
  expand(sos, b, a);
  for (double& v : a) v *= 2.0;
  for (double& v : b) v *= 2.0;
  const std::vector<double> lzi = lfilter_zi(b.data(), 9, a.data(), 9);
  expect(lzi.size() == 8, "lfilter_zi is (n - 1,)");
  std::vector<double> lz0(8);
  for (int j = 0; j < 8; ++j) lz0[j] = lzi[j] * level;
  lfilter(b.data(), 9, a.data(), 9, x.data(), 1, n, y.data(), lz0.data());
  expect_close(y, std::vector<double>(n, dc * level), 1e-10, 1e-10, "lfilter step from lfilter_zi");
}

PREDANN_TEST(sosfiltfilt_zero_phase) {
  const std::vector<double> sos = test_sos(2, 8);
  std::vector<double> b, a;
  expand(sos, b, a);
  const int64_t n = 6000;
  const double w = 0.3;
  std::vector<double> x(n), y(n), y_tf(n), expected(n);
  for (int64_t t = 0; t < n; ++t) x[t] = std::sin(w * t + 0.4);
  const double g = power_gain(sos, w);
  for (int64_t t = 0; t < n; ++t) expected[t] = g * x[t];
  sosfiltfilt(sos.data(), 2, x.data(), 1, n, y.data());
  filtfilt(b.data(), 5, a.data(), 5, x.data(), 1, n, y_tf.data());
  expect_close(y.data() + 1500, expected.data() + 1500, 3000, 1e-9, 0, "sosfiltfilt of a sinusoid = |H|^2 x");
  expect_close(y_tf.data() + 1500, expected.data() + 1500, 3000, 1e-9, 0, "filtfilt of a sinusoid = |H|^2 x");
  // Same filter, two forms: equal everywhere (the padding and initial conditions agree).
  expect_close(y_tf, y, 1e-10, 1e-9, "filtfilt(b, a) vs sosfiltfilt(sos)");
}

PREDANN_TEST(sosfilt_odd_extension) {
  const double x[5] = {1, 2, 4, 7, 11};
  double ext[9];
  odd_extend(x, 5, 2, ext);
  const double expected[9] = {-2, 0, 1, 2, 4, 7, 11, 15, 18};
  expect_close(ext, expected, 9, 0, 0, "odd extension by 2");
  expect(contains(error_of([&] { odd_extend(x, 5, 5, ext); }), "must be greater than padlen"), "odd_extend checks padlen");
}

PREDANN_TEST(sosfilt_padlen_rules) {
  std::vector<double> sos4 = test_sos(4, 1), sos8 = test_sos(8, 2);
  expect(sosfiltfilt_default_padlen(sos4.data(), 4) == 27, "4 sections: 27");
  expect(sosfiltfilt_default_padlen(sos8.data(), 8) == 51, "8 sections: 51");
  // A first-order section (b2 = a2 = 0) lowers the count by one; b2 = 0 alone does not.
  std::vector<double> mixed = test_sos(3, 4);
  mixed[2] = 0;
  expect(sosfiltfilt_default_padlen(mixed.data(), 3) == 21, "b2 = 0 alone: 3·7");
  mixed[5] = 0;
  expect(sosfiltfilt_default_padlen(mixed.data(), 3) == 18, "one first-order section: 3·6");
  mixed[6 + 5] = 0;
  expect(sosfiltfilt_default_padlen(mixed.data(), 3) == 18, "min(#b2 = 0, #a2 = 0)");
  expect(filtfilt_default_padlen(11, 11) == 33, "filtfilt 11 taps: 33");
  expect(filtfilt_default_padlen(3, 5) == 15, "filtfilt max(len(a), len(b))");
  // Explicit padlen, and padlen 0 = no extension: then filtfilt = backward(forward) from zi scaled.
  const int64_t n = 40;
  const std::vector<double> x = random_vector<double>(n, 9, 1.0);
  std::vector<double> y(n), r(n);
  sosfiltfilt(sos4.data(), 4, x.data(), 1, n, y.data(), 10);
  sosfiltfilt_ref(sos4.data(), 4, x.data(), 1, n, r.data(), 10);
  expect_close(y, r, 0, 0, "explicit padlen");
  sosfiltfilt(sos4.data(), 4, x.data(), 1, n, y.data(), 0);
  sosfiltfilt_ref(sos4.data(), 4, x.data(), 1, n, r.data(), 0);
  expect_close(y, r, 0, 0, "padlen 0");
}

PREDANN_TEST(sosfilt_errors) {
  const std::vector<double> sos = test_sos(4, 1);
  std::vector<double> x = random_vector<double>(4 * 30, 2, 1.0), y(4 * 30);
  for (int fast = 0; fast < 2; ++fast) {
    auto run = [&](const std::vector<double>& s, int64_t sections, int64_t channels, int64_t samples) {
      if (fast) sosfiltfilt(s.data(), sections, x.data(), channels, samples, y.data());
      else sosfiltfilt_ref(s.data(), sections, x.data(), channels, samples, y.data());
    };
    std::string e = error_of([&] { run(sos, 4, 4, 27); });
    expect(contains(e, "must be greater than padlen, which is 27"), "short signal: " + e);
    e = error_of([&] { run(sos, 4, 0, 27); });
    expect(contains(e, "channels must be at least 1"), "no channels: " + e);
    e = error_of([&] { run(sos, 0, 4, 27); });
    expect(contains(e, "at least one section"), "no sections: " + e);
    std::vector<double> bad = sos;
    bad[6 + 3] = 0;
    e = error_of([&] { run(bad, 4, 4, 27); });
    expect(contains(e, "section 1 has a0 = 0"), "a0 = 0: " + e);
    x[2 * 30 + 7] = std::nan("");
    x[3 * 30 + 4] = INFINITY;
    e = error_of([&] { run(sos, 4, 4, 30); });
    expect(contains(e, "non-finite input value (NaN) at channel 2, sample 7"), "NaN: " + e);
    x[2 * 30 + 7] = 0;
    e = error_of([&] { run(sos, 4, 4, 30); });
    expect(contains(e, "non-finite input value (Infinity) at channel 3, sample 4"), "Inf: " + e);
    x[3 * 30 + 4] = 0;
    e = error_of([&] { run(sos, 4, 4, 30); });
    expect(e.empty(), "finite input passes: " + e);
  }
  // sosfilt and lfilter (fast and reference) name the first non-finite value too.
  x[1 * 30 + 12] = -INFINITY;
  x[3 * 30 + 2] = std::nan("");
  const double tb[3] = {0.2, 0.3, 0.1}, ta[3] = {1, -0.5, 0.2};
  for (const std::string& e :
       {error_of([&] { sosfilt(sos.data(), 4, x.data(), 4, 30, y.data()); }),
        error_of([&] { sosfilt_ref(sos.data(), 4, x.data(), 4, 30, y.data()); }),
        error_of([&] { lfilter(tb, 3, ta, 3, x.data(), 4, 30, y.data()); }),
        error_of([&] { lfilter_ref(tb, 3, ta, 3, x.data(), 4, 30, y.data()); })}) {
    expect(contains(e, "non-finite input value (Infinity) at channel 1, sample 12"), "sosfilt/lfilter Inf: " + e);
  }
  x[1 * 30 + 12] = 0;
  x[3 * 30 + 2] = 0;
  const double b[2] = {1, 1}, a0[2] = {0, 1};
  expect(contains(error_of([&] { filtfilt(b, 2, a0, 2, x.data(), 1, 27, y.data()); }), "a[0] must not be 0"), "filtfilt a0");
  expect(contains(error_of([&] { filtfilt_ref(b, 2, b, 2, x.data(), 1, 6, y.data()); }), "greater than padlen, which is 6"),
         "filtfilt padlen");
  expect(contains(error_of([&] { sosfiltfilt(sos.data(), 4, x.data(), 1, 50, y.data(), -3); }), "padlen must be"),
         "bad padlen");
}

PREDANN_TEST(sosfilt_fast_vs_ref_parity) {
  const int sections_list[] = {1, 2, 4, 7, 8};
  const int64_t channel_list[] = {1, 3, 8, 129};
  uint32_t seed = 100;
  for (int sections : sections_list) {
    const std::vector<double> sos = test_sos(sections, seed++);
    std::vector<double> b, a;
    expand(sos, b, a);
    const int64_t nt = static_cast<int64_t>(b.size());
    for (int64_t channels : channel_list) {
      const int64_t n = 700 + 37 * sections;  // not a multiple of the tile
      const std::vector<double> x = random_vector<double>(static_cast<size_t>(channels * n), seed++, 10.0);
      std::vector<double> ref(channels * n), fast(channels * n);
      const std::string tag = " (" + std::to_string(sections) + " sections, " + std::to_string(channels) + " channels)";
      sosfiltfilt_ref(sos.data(), sections, x.data(), channels, n, ref.data());
      sosfiltfilt(sos.data(), sections, x.data(), channels, n, fast.data());
      expect_close(fast, ref, 0, 0, "sosfiltfilt" + tag);
      std::vector<double> inplace = x;
      sosfiltfilt(sos.data(), sections, inplace.data(), channels, n, inplace.data(), -1, 2);
      expect_close(inplace, ref, 0, 0, "sosfiltfilt in place" + tag);

      // Several chunks, in place, and a padding longer than half a chunk (reflected samples that
      // the backward pass has overwritten by the time the first chunk is recomputed). At 2,500 the
      // overwritten samples lie so far before the kept ones that these test filters forget them
      // below double precision; at 4,000 they sit right beside them.
      const int64_t long_n = 6000 + 3 * sections;
      const std::vector<double> xl = random_vector<double>(static_cast<size_t>(channels * long_n), seed++, 10.0);
      for (const int64_t pad : {int64_t(-1), int64_t(2500), int64_t(4000)}) {
        std::vector<double> long_ref(xl.size()), long_inplace = xl;
        sosfiltfilt_ref(sos.data(), sections, xl.data(), channels, long_n, long_ref.data(), pad);
        sosfiltfilt(sos.data(), sections, long_inplace.data(), channels, long_n, long_inplace.data(), pad, 2);
        expect_close(long_inplace, long_ref, 0, 0, "sosfiltfilt long, in place, padlen " + std::to_string(pad) + tag);
      }

      const std::vector<double> zi = random_vector<double>(static_cast<size_t>(channels * 2 * sections), seed++, 1.0);
      std::vector<double> zf_ref(zi.size()), zf_fast(zi.size());
      sosfilt_ref(sos.data(), sections, x.data(), channels, n, ref.data(), zi.data(), zf_ref.data());
      sosfilt(sos.data(), sections, x.data(), channels, n, fast.data(), zi.data(), zf_fast.data());
      expect_close(fast, ref, 0, 0, "sosfilt" + tag);
      expect_close(zf_fast, zf_ref, 0, 0, "sosfilt zf" + tag);

      filtfilt_ref(b.data(), nt, a.data(), nt, x.data(), channels, n, ref.data());
      filtfilt(b.data(), nt, a.data(), nt, x.data(), channels, n, fast.data());
      expect_close(fast, ref, 0, 0, "filtfilt" + tag);
      const std::vector<double> lzi = random_vector<double>(static_cast<size_t>(channels * (nt - 1)), seed++, 1.0);
      std::vector<double> lzf_ref(lzi.size()), lzf_fast(lzi.size());
      lfilter_ref(b.data(), nt, a.data(), nt, x.data(), channels, n, ref.data(), lzi.data(), lzf_ref.data());
      lfilter(b.data(), nt, a.data(), nt, x.data(), channels, n, fast.data(), lzi.data(), lzf_fast.data());
      expect_close(fast, ref, 0, 0, "lfilter" + tag);
      expect_close(lzf_fast, lzf_ref, 0, 0, "lfilter zf" + tag);
    }
  }
}

// Filters without feedback: FIR sections keep a NaN in their states all the same (0·NaN is NaN);
// a plain gain has no states at all. The fast versions refuse the NaN as the references do.
PREDANN_TEST(sosfilt_non_finite_input_without_feedback) {
  const std::vector<double> fir = {0.25, 0.5, 0.25, 1, 0, 0};
  const double gain_b[] = {2.0}, gain_a[] = {1.0};
  std::vector<double> x(3 * 500, 1.0), y(x.size());
  x[2 * 500 + 17] = std::nan("");
  for (const bool fast : {false, true}) {
    const std::string which = fast ? " (fast)" : " (reference)";
    const std::string e1 = error_of([&] {
      if (fast) sosfiltfilt(fir.data(), 1, x.data(), 3, 500, y.data());
      else sosfiltfilt_ref(fir.data(), 1, x.data(), 3, 500, y.data());
    });
    expect(contains(e1, "non-finite input value (NaN) at channel 2, sample 17"), "sosfiltfilt FIR" + which + ": " + e1);
    const std::string e2 = error_of([&] {
      if (fast) sosfilt(fir.data(), 1, x.data(), 3, 500, y.data());
      else sosfilt_ref(fir.data(), 1, x.data(), 3, 500, y.data());
    });
    expect(contains(e2, "at channel 2, sample 17"), "sosfilt FIR" + which + ": " + e2);
    const std::string e3 = error_of([&] {
      if (fast) lfilter(gain_b, 1, gain_a, 1, x.data(), 3, 500, y.data());
      else lfilter_ref(gain_b, 1, gain_a, 1, x.data(), 3, 500, y.data());
    });
    expect(contains(e3, "at channel 2, sample 17"), "lfilter gain" + which + ": " + e3);
  }
}
