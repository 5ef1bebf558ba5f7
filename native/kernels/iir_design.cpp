// iir_design: see iir_design.h.
//
// Bit-for-bit reproduction of numpy needs every product and sum rounded on its own, so fused
// multiply-adds (which -march=native lets the compiler form) are switched off for this file.
#if defined(__clang__)
#pragma STDC FP_CONTRACT OFF
#elif defined(__GNUC__)
#pragma GCC optimize("fp-contract=off")
#endif
#include "kernels/iir_design.h"

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <limits>
#include <stdexcept>
#include <string>

namespace predann {

namespace {

using cd = std::complex<double>;
constexpr double kPi = 3.141592653589793;  // numpy.pi

// numpy's complex128 multiply (ufunc, numpy.prod, x**2) as the golden files' numpy computes it:
// numpy 1.24's AVX-512F complex loops use fused multiply-adds, re = fma(xr, yr, −xi·yi),
// im = fma(xr, yi, xi·yr). (Verified against golden/h_filters.safetensors, scipy 1.10.1 /
// numpy 1.24.2 on an x86-64 AVX-512 machine; a numpy without FMA loops rounds each product and
// differs in the last bit of the gain.)
cd cmul(cd x, cd y) {
  return {std::fma(x.real(), y.real(), -(x.imag() * y.imag())), std::fma(x.real(), y.imag(), x.imag() * y.real())};
}

// numpy.dot of complex vectors as BLAS zdotu computes it (numpy.convolve, hence numpy.poly, goes
// through it): four real sums of rounded products, re = Σxr·yr − Σxi·yi, im = Σxr·yi + Σxi·yr.
cd cdot(const cd* x, const cd* y, int n) {
  double rr = 0, ii = 0, ri = 0, ir = 0;
  for (int i = 0; i < n; ++i) {
    const double p0 = x[i].real() * y[i].real(), p1 = x[i].imag() * y[i].imag();
    const double p2 = x[i].real() * y[i].imag(), p3 = x[i].imag() * y[i].real();
    rr += p0, ii += p1, ri += p2, ir += p3;
  }
  return {rr - ii, ri + ir};
}

// numpy's complex division (Smith's method, as numpy's loops do it).
cd cdiv(cd x, cd y) {
  const double xr = x.real(), xi = x.imag(), yr = y.real(), yi = y.imag();
  if (std::fabs(yr) >= std::fabs(yi)) {
    if (yr == 0 && yi == 0) return {xr / std::fabs(yr), xi / std::fabs(yr)};
    const double rat = yi / yr;
    const double scl = 1.0 / (yr + yi * rat);
    return {(xr + xi * rat) * scl, (xi - xr * rat) * scl};
  }
  const double rat = yr / yi;
  const double scl = 1.0 / (yi + yr * rat);
  return {(xr * rat + xi) * scl, (xi * rat - xr) * scl};
}

cd cadd(cd x, cd y) { return {x.real() + y.real(), x.imag() + y.imag()}; }
cd csub(cd x, cd y) { return {x.real() - y.real(), x.imag() - y.imag()}; }
cd cneg(cd x) { return {-x.real(), -x.imag()}; }
double cabs(cd x) { return std::hypot(x.real(), x.imag()); }

// numpy.prod over complex values: 1, then multiplied in order.
cd cprod(const std::vector<cd>& v) {
  cd acc(1.0, 0.0);
  for (const cd& x : v) acc = cmul(acc, x);
  return acc;
}

// C library's csqrt / csinh / cexp, as numpy's complex ufuncs use them.
cd libc_sqrt(cd x) { return std::sqrt(x); }

std::string fmt(double v) {
  char buf[64];
  std::snprintf(buf, sizeof buf, "%g", v);
  return buf;
}

const char* family_name(IirFamily f) { return f == IirFamily::butterworth ? "butter" : "cheby1"; }

void validate(IirFamily family, IirBand band, int order, double ripple_db, const std::vector<double>& cutoffs, double fs) {
  const std::string who = std::string("iir design (") + family_name(family) + "): ";
  if (order < 1) throw std::invalid_argument(who + "order must be a positive integer, got " + std::to_string(order));
  if (!(std::isfinite(fs) && fs > 0)) throw std::invalid_argument(who + "sampling rate fs must be positive and finite, got " + fmt(fs));
  if (family == IirFamily::chebyshev1 && !(std::isfinite(ripple_db) && ripple_db > 0))
    throw std::invalid_argument(who + "passband ripple rp must be positive (dB), got " + fmt(ripple_db));
  const bool two = band == IirBand::bandpass || band == IirBand::bandstop;
  if (cutoffs.size() != (two ? 2u : 1u))
    throw std::invalid_argument(who + (two ? "band-pass and band-stop filters need two cutoff frequencies [low, high], got "
                                           : "low-pass and high-pass filters need one cutoff frequency, got ") +
                                std::to_string(cutoffs.size()));
  for (double c : cutoffs) {
    if (!(c > 0 && c < fs / 2))
      throw std::invalid_argument(who + "cutoff " + fmt(c) + " Hz must satisfy 0 < cutoff < fs/2 = " + fmt(fs / 2) + " Hz (Nyquist)");
  }
  if (two && !(cutoffs[0] < cutoffs[1]))
    throw std::invalid_argument(who + "band edges must be ascending, got [" + fmt(cutoffs[0]) + ", " + fmt(cutoffs[1]) + "]");
}

struct AnalogZpk {
  std::vector<cd> z, p;
  double k = 1.0;
};

// buttap(N)
AnalogZpk buttap(int n) {
  AnalogZpk a;
  const cd scale(2.0 * n, 0.0);
  for (int m = -n + 1; m < n; m += 2) {
    // 1j*pi*m / (2N): (0, π·m) divided by (2N, 0) in complex arithmetic, then −exp(·)
    const cd arg = cdiv(cd(0.0 * m - kPi * 0.0, kPi * m), scale);
    a.p.push_back(cneg(std::exp(arg)));
  }
  a.k = 1.0;
  return a;
}

// cheb1ap(N, rp)
AnalogZpk cheb1ap(int n, double rp) {
  AnalogZpk a;
  const double eps = std::sqrt(std::pow(10.0, 0.1 * rp) - 1.0);
  const double mu = 1.0 / n * std::asinh(1.0 / eps);
  for (int m = -n + 1; m < n; m += 2) {
    const double theta = kPi * m / (2 * n);
    a.p.push_back(cneg(std::sinh(cd(mu, theta))));
  }
  std::vector<cd> negp;
  for (const cd& p : a.p) negp.push_back(cneg(p));
  a.k = cprod(negp).real();
  if (n % 2 == 0) a.k = a.k / std::sqrt(1 + eps * eps);
  return a;
}

cd real_times(double w, cd x) { return cmul(cd(w, 0.0), x); }

AnalogZpk lp2lp(const AnalogZpk& in, double wo) {
  AnalogZpk o;
  const int degree = static_cast<int>(in.p.size() - in.z.size());
  for (const cd& z : in.z) o.z.push_back(real_times(wo, z));
  for (const cd& p : in.p) o.p.push_back(real_times(wo, p));
  o.k = in.k * std::pow(wo, static_cast<double>(degree));
  return o;
}

AnalogZpk lp2hp(const AnalogZpk& in, double wo) {
  AnalogZpk o;
  const int degree = static_cast<int>(in.p.size() - in.z.size());
  for (const cd& z : in.z) o.z.push_back(cdiv(cd(wo, 0.0), z));
  for (const cd& p : in.p) o.p.push_back(cdiv(cd(wo, 0.0), p));
  for (int i = 0; i < degree; ++i) o.z.push_back(cd(0.0, 0.0));
  std::vector<cd> nz, np;
  for (const cd& z : in.z) nz.push_back(cneg(z));
  for (const cd& p : in.p) np.push_back(cneg(p));
  o.k = in.k * cdiv(cprod(nz), cprod(np)).real();
  return o;
}

// x ± sqrt(x² − wo²) for every x: first all the '+' roots, then all the '−' roots.
std::vector<cd> shift_pairs(const std::vector<cd>& xs, double wo) {
  std::vector<cd> plus, minus;
  const double wo2 = std::pow(wo, 2.0);
  for (const cd& x : xs) {
    const cd sq = cmul(x, x);
    const cd r = libc_sqrt(cd(sq.real() - wo2, sq.imag()));
    plus.push_back(cadd(x, r));
    minus.push_back(csub(x, r));
  }
  plus.insert(plus.end(), minus.begin(), minus.end());
  return plus;
}

AnalogZpk lp2bp(const AnalogZpk& in, double wo, double bw) {
  AnalogZpk o;
  const int degree = static_cast<int>(in.p.size() - in.z.size());
  std::vector<cd> zl, pl;  // (z * bw) / 2 in complex arithmetic
  for (const cd& z : in.z) zl.push_back(cdiv(real_times(bw, z), cd(2.0, 0.0)));
  for (const cd& p : in.p) pl.push_back(cdiv(real_times(bw, p), cd(2.0, 0.0)));
  o.z = shift_pairs(zl, wo);
  o.p = shift_pairs(pl, wo);
  for (int i = 0; i < degree; ++i) o.z.push_back(cd(0.0, 0.0));
  o.k = in.k * std::pow(bw, static_cast<double>(degree));
  return o;
}

AnalogZpk lp2bs(const AnalogZpk& in, double wo, double bw) {
  AnalogZpk o;
  const int degree = static_cast<int>(in.p.size() - in.z.size());
  const double half = bw / 2;
  std::vector<cd> zh, ph;
  for (const cd& z : in.z) zh.push_back(cdiv(cd(half, 0.0), z));
  for (const cd& p : in.p) ph.push_back(cdiv(cd(half, 0.0), p));
  o.z = shift_pairs(zh, wo);
  o.p = shift_pairs(ph, wo);
  for (int i = 0; i < degree; ++i) o.z.push_back(cd(0.0, wo));
  for (int i = 0; i < degree; ++i) o.z.push_back(cd(0.0, -wo));
  std::vector<cd> nz, np;
  for (const cd& z : in.z) nz.push_back(cneg(z));
  for (const cd& p : in.p) np.push_back(cneg(p));
  o.k = in.k * cdiv(cprod(nz), cprod(np)).real();
  return o;
}

Zpk bilinear(const AnalogZpk& in, double fs) {
  Zpk o;
  const int degree = static_cast<int>(in.p.size() - in.z.size());
  const double fs2 = 2.0 * fs;
  const cd f(fs2, 0.0);
  std::vector<cd> dz, dp;
  for (const cd& z : in.z) {
    o.zeros.push_back(cdiv(cadd(f, z), csub(f, z)));
    dz.push_back(csub(f, z));
  }
  for (const cd& p : in.p) {
    o.poles.push_back(cdiv(cadd(f, p), csub(f, p)));
    dp.push_back(csub(f, p));
  }
  for (int i = 0; i < degree; ++i) o.zeros.push_back(cd(-1.0, 0.0));
  o.gain = in.k * cdiv(cprod(dz), cprod(dp)).real();
  return o;
}

// scipy.signal._filter_design._cplxreal: one representative (positive imaginary part, the pair
// averaged) of each conjugate pair, sorted by real part (runs of equal real parts by |imag|),
// then the real values sorted. Returned concatenated, complex ones first.
std::vector<cd> cplxreal(std::vector<cd> z) {
  if (z.empty()) return z;
  const double tol = 100 * std::numeric_limits<double>::epsilon();
  std::stable_sort(z.begin(), z.end(), [](const cd& a, const cd& b) {
    if (a.real() != b.real()) return a.real() < b.real();
    return std::fabs(a.imag()) < std::fabs(b.imag());
  });
  std::vector<cd> zr, zp, zn;
  for (const cd& x : z) {
    if (std::fabs(x.imag()) <= tol * cabs(x)) zr.push_back(cd(x.real(), 0.0));
    else if (x.imag() > 0) zp.push_back(x);
    else if (x.imag() < 0) zn.push_back(x);
  }
  if (zp.size() != zn.size()) throw std::invalid_argument("zpk2sos: a complex value has no matching conjugate");
  // runs of (approximately) equal real parts, each sorted by |imag|
  const size_t n = zp.size();
  size_t i = 0;
  while (i + 1 < n) {
    if (zp[i + 1].real() - zp[i].real() <= tol * cabs(zp[i])) {
      size_t stop = i + 1;
      while (stop + 1 < n && zp[stop + 1].real() - zp[stop].real() <= tol * cabs(zp[stop])) ++stop;
      auto by_imag = [](const cd& a, const cd& b) { return std::fabs(a.imag()) < std::fabs(b.imag()); };
      std::stable_sort(zp.begin() + i, zp.begin() + stop + 1, by_imag);
      std::stable_sort(zn.begin() + i, zn.begin() + stop + 1, by_imag);
      i = stop + 1;
    } else {
      ++i;
    }
  }
  std::vector<cd> out;
  for (size_t j = 0; j < n; ++j) {
    const cd c = std::conj(zn[j]);
    if (cabs(csub(zp[j], c)) > tol * cabs(zn[j])) throw std::invalid_argument("zpk2sos: a complex value has no matching conjugate");
    out.push_back(cdiv(cadd(zp[j], c), cd(2.0, 0.0)));
  }
  out.insert(out.end(), zr.begin(), zr.end());
  return out;
}

bool is_real(const cd& x) { return x.imag() == 0; }

// Index of the pole closest to the unit circle (first one on ties, as numpy.argmin).
size_t idx_worst(const std::vector<cd>& p) {
  size_t best = 0;
  double best_d = std::fabs(1 - cabs(p[0]));
  for (size_t i = 1; i < p.size(); ++i) {
    const double d = std::fabs(1 - cabs(p[i]));
    if (d < best_d) best_d = d, best = i;
  }
  return best;
}

enum class Which { any, real, complex };

// scipy's _nearest_real_complex_idx: the value of `fro` nearest to `to` (stable order on ties),
// restricted to real or complex values when asked.
size_t nearest_idx(const std::vector<cd>& fro, cd to, Which which) {
  std::vector<size_t> order(fro.size());
  for (size_t i = 0; i < order.size(); ++i) order[i] = i;
  std::vector<double> dist(fro.size());
  for (size_t i = 0; i < fro.size(); ++i) dist[i] = cabs(csub(fro[i], to));
  std::stable_sort(order.begin(), order.end(), [&](size_t a, size_t b) { return dist[a] < dist[b]; });
  for (size_t idx : order) {
    if (which == Which::any) return idx;
    if ((which == Which::real) == is_real(fro[idx])) return idx;
  }
  throw std::invalid_argument("zpk2sos: no zero of the requested kind left to pair");
}

// numpy.poly: coefficients of Π(x − r), highest power first, by repeated convolution with
// [1, −r] in complex arithmetic; the real parts.
std::vector<double> poly_real(const std::vector<cd>& roots) {
  std::vector<cd> a{cd(1.0, 0.0)};
  for (const cd& r : roots) {
    const cd v[2] = {cd(1.0, 0.0), cneg(r)};  // [1, −r]
    std::vector<cd> next(a.size() + 1);
    // next[j] = a[j]·1 + a[j−1]·(−r): one dot product per output, terms in index order
    for (size_t j = 0; j < next.size(); ++j) {
      cd xs[2], ys[2];
      int n = 0;
      if (j >= 1) xs[n] = a[j - 1], ys[n] = v[1], ++n;
      if (j < a.size()) xs[n] = a[j], ys[n] = v[0], ++n;
      next[j] = cdot(xs, ys, n);
    }
    a.swap(next);
  }
  std::vector<double> out(a.size());
  for (size_t i = 0; i < a.size(); ++i) out[i] = a[i].real();
  return out;
}

// _single_zpksos: zpk2tf of up to two zeros and two poles, right-aligned in [b | a].
SosSection single_section(const std::vector<cd>& z, const std::vector<cd>& p) {
  SosSection s{0, 0, 0, 0, 0, 0};
  const std::vector<double> b = poly_real(z), a = poly_real(p);
  for (size_t i = 0; i < b.size(); ++i) s[3 - b.size() + i] = b[i];
  for (size_t i = 0; i < a.size(); ++i) s[6 - a.size() + i] = a[i];
  return s;
}

}  // namespace

Zpk iir_zpk(IirFamily family, IirBand band, int order, double ripple_db, const std::vector<double>& cutoffs_hz, double fs) {
  validate(family, band, order, ripple_db, cutoffs_hz, fs);
  const AnalogZpk proto = family == IirFamily::butterworth ? buttap(order) : cheb1ap(order, ripple_db);
  // scipy: Wn = 2·Wn/fs, then fs = 2 and warped = 2·fs·tan(π·Wn/fs)
  std::vector<double> warped;
  for (double c : cutoffs_hz) {
    const double wn = 2 * c / fs;
    // numpy's tan: glibc's (correctly rounded) here; numpy on AVX-512 uses a SIMD tan that can be
    // 1 ulp away (golden case bp: Wn = 0.8), which moves (b, a) by ~1e-15 relative.
    warped.push_back(2 * 2.0 * std::tan(kPi * wn / 2.0));
  }
  AnalogZpk t;
  switch (band) {
    case IirBand::lowpass: t = lp2lp(proto, warped[0]); break;
    case IirBand::highpass: t = lp2hp(proto, warped[0]); break;
    case IirBand::bandpass:
    case IirBand::bandstop: {
      const double bw = warped[1] - warped[0];
      const double wo = std::sqrt(warped[0] * warped[1]);
      t = band == IirBand::bandpass ? lp2bp(proto, wo, bw) : lp2bs(proto, wo, bw);
      break;
    }
  }
  return bilinear(t, 2.0);
}

std::vector<SosSection> iir_zpk2sos(const Zpk& zpk) {
  std::vector<cd> z = zpk.zeros, p = zpk.poles;
  if (z.empty() && p.empty()) return {SosSection{zpk.gain, 0, 0, 1, 0, 0}};
  while (p.size() < z.size()) p.push_back(cd(0.0, 0.0));
  while (z.size() < p.size()) z.push_back(cd(0.0, 0.0));
  const size_t n_sections = (p.size() + 1) / 2;
  if (p.size() % 2 == 1) {  // pairing 'nearest': an odd order gets a pole and a zero at 0
    p.push_back(cd(0.0, 0.0));
    z.push_back(cd(0.0, 0.0));
  }
  z = cplxreal(z);
  p = cplxreal(p);
  std::vector<SosSection> sos(n_sections);
  auto count_real = [](const std::vector<cd>& v) {
    size_t c = 0;
    for (const cd& x : v) c += is_real(x);
    return c;
  };
  auto take = [](std::vector<cd>& v, size_t i) {
    const cd x = v[i];
    v.erase(v.begin() + static_cast<std::ptrdiff_t>(i));
    return x;
  };
  // Sections are filled from the last: the pole closest to the unit circle goes last.
  for (size_t si = n_sections; si-- > 0;) {
    const cd p1 = take(p, idx_worst(p));
    if (is_real(p1) && count_real(p) == 0) {
      // (1) the last real pole: with the nearest real zero, and a pole and zero at 0
      const cd z1 = take(z, nearest_idx(z, p1, Which::real));
      sos[si] = single_section({z1, cd(0.0, 0.0)}, {p1, cd(0.0, 0.0)});
    } else if (p.size() + 1 == z.size() && !is_real(p1) && count_real(p) == 1 && count_real(z) == 1) {
      // (2) one real pole and one real zero left: this complex pole must take a complex zero
      const cd z1 = take(z, nearest_idx(z, p1, Which::complex));
      sos[si] = single_section({z1, std::conj(z1)}, {p1, std::conj(p1)});
    } else {
      cd p2;
      if (is_real(p1)) {
        std::vector<size_t> real_idx;
        std::vector<cd> reals;
        for (size_t i = 0; i < p.size(); ++i)
          if (is_real(p[i])) real_idx.push_back(i), reals.push_back(p[i]);
        p2 = take(p, real_idx[idx_worst(reals)]);
      } else {
        p2 = std::conj(p1);
      }
      if (!z.empty()) {
        const cd z1 = take(z, nearest_idx(z, p1, Which::any));
        if (!is_real(z1)) {
          sos[si] = single_section({z1, std::conj(z1)}, {p1, p2});
        } else if (!z.empty()) {
          const cd z2 = take(z, nearest_idx(z, p1, Which::real));
          sos[si] = single_section({z1, z2}, {p1, p2});
        } else {
          sos[si] = single_section({z1}, {p1, p2});
        }
      } else {
        sos[si] = single_section({}, {p1, p2});
      }
    }
  }
  for (int i = 0; i < 3; ++i) sos[0][i] *= zpk.gain;
  return sos;
}

TransferFunction iir_zpk2tf(const Zpk& zpk) {
  TransferFunction tf;
  tf.b = poly_real(zpk.zeros);
  for (double& v : tf.b) v = zpk.gain * v;
  tf.a = poly_real(zpk.poles);
  return tf;
}

std::vector<SosSection> iir_sos(IirFamily family, IirBand band, int order, double ripple_db, const std::vector<double>& cutoffs_hz,
                                double fs) {
  return iir_zpk2sos(iir_zpk(family, band, order, ripple_db, cutoffs_hz, fs));
}

TransferFunction iir_ba(IirFamily family, IirBand band, int order, double ripple_db, const std::vector<double>& cutoffs_hz,
                        double fs) {
  return iir_zpk2tf(iir_zpk(family, band, order, ripple_db, cutoffs_hz, fs));
}

Zpk iir_zpk_ref(IirFamily family, IirBand band, int order, double ripple_db, const std::vector<double>& cutoffs_hz, double fs) {
  validate(family, band, order, ripple_db, cutoffs_hz, fs);
  const double pi = std::acos(-1.0);
  // Analog prototype with its cutoff at 1 rad/s: left-half-plane poles, no zeros.
  std::vector<cd> poles;
  double gain = 1;
  if (family == IirFamily::butterworth) {
    for (int k = 0; k < order; ++k) poles.push_back(std::polar(1.0, pi * (2 * k + order + 1) / (2.0 * order)));
  } else {
    const double eps = std::sqrt(std::pow(10.0, ripple_db / 10) - 1), mu = std::asinh(1 / eps) / order;
    cd prod = 1;
    for (int k = 0; k < order; ++k) {
      const double theta = pi * (2 * k + 1) / (2.0 * order);
      poles.push_back(cd(-std::sinh(mu) * std::sin(theta), std::cosh(mu) * std::cos(theta)));
      prod *= -poles.back();
    }
    gain = prod.real() / (order % 2 == 0 ? std::sqrt(1 + eps * eps) : 1.0);
  }
  // Pre-warped analog edges (rad/s) for the bilinear map s = 2·fs·(z − 1)/(z + 1).
  std::vector<double> w;
  for (double f : cutoffs_hz) w.push_back(2 * fs * std::tan(pi * f / fs));
  std::vector<cd> zs, ps;  // analog zeros and poles after the frequency transform
  switch (band) {
    case IirBand::lowpass:  // s → s/w: p → w·p, gain · w^N
      for (const cd& p : poles) ps.push_back(w[0] * p);
      gain *= std::pow(w[0], order);
      break;
    case IirBand::highpass: {  // s → w/s: p → w/p, N zeros at 0, gain · Π(1/−p)
      cd prod = 1;
      for (const cd& p : poles) ps.push_back(w[0] / p), prod *= -p;
      zs.assign(static_cast<size_t>(order), cd(0));
      gain = (gain / prod).real();
      break;
    }
    case IirBand::bandpass:
    case IirBand::bandstop: {
      const double bw = w[1] - w[0], w0sq = w[0] * w[1];
      cd prod = 1;
      for (const cd& p : poles) {
        // band-pass: s → (s² + w0²)/(bw·s), each p gives the roots of s² − p·bw·s + w0²;
        // band-stop: s → bw·s/(s² + w0²), the roots of s² − (bw/p)·s + w0².
        const cd c = band == IirBand::bandpass ? p * bw : bw / p;
        const cd root = std::sqrt(c * c - 4 * w0sq);
        ps.push_back((c + root) / 2.0), ps.push_back((c - root) / 2.0);
        prod *= -p;
      }
      if (band == IirBand::bandpass) {
        zs.assign(static_cast<size_t>(order), cd(0));
        gain *= std::pow(bw, order);
      } else {
        for (int k = 0; k < order; ++k) zs.push_back(cd(0, std::sqrt(w0sq))), zs.push_back(cd(0, -std::sqrt(w0sq)));
        gain = (gain / prod).real();
      }
      break;
    }
  }
  // Bilinear map z = (2fs + s)/(2fs − s); zeros at infinity land on z = −1.
  Zpk out;
  cd num = 1, den = 1;
  for (const cd& z : zs) out.zeros.push_back((2 * fs + z) / (2 * fs - z)), num *= 2 * fs - z;
  for (const cd& p : ps) out.poles.push_back((2 * fs + p) / (2 * fs - p)), den *= 2 * fs - p;
  while (out.zeros.size() < out.poles.size()) out.zeros.push_back(cd(-1));
  out.gain = (gain * num / den).real();
  return out;
}

std::vector<SosSection> iir_sos_ref(IirFamily family, IirBand band, int order, double ripple_db,
                                    const std::vector<double>& cutoffs_hz, double fs) {
  return iir_zpk2sos(iir_zpk_ref(family, band, order, ripple_db, cutoffs_hz, fs));
}

double sos_max_pole_radius(const std::vector<SosSection>& sos) {
  double worst = 0;
  for (const SosSection& s : sos) {
    const double a1 = s[4] / s[3], a2 = s[5] / s[3];
    const double disc = a1 * a1 - 4 * a2;
    if (disc < 0) {
      worst = std::max(worst, std::sqrt(a2));  // a complex pair: |p|² = a2
    } else {
      const double r = std::sqrt(disc);
      worst = std::max({worst, std::fabs((-a1 + r) / 2), std::fabs((-a1 - r) / 2)});
    }
  }
  return worst;
}

bool polynomial_is_stable(const std::vector<double>& a) {
  if (a.empty() || a[0] == 0) return false;
  std::vector<double> p(a.size());
  for (size_t i = 0; i < a.size(); ++i) p[i] = a[i] / a[0];
  for (size_t n = p.size() - 1; n > 0; --n) {
    const double k = p[n];  // the reflection coefficient of degree n
    if (!(std::fabs(k) < 1)) return false;
    std::vector<double> q(n);
    for (size_t i = 0; i < n; ++i) q[i] = (p[i] - k * p[n - i]) / (1 - k * k);
    p.swap(q);
  }
  return true;
}

double iir_magnitude_ref(IirFamily family, IirBand band, int order, double ripple_db, const std::vector<double>& cutoffs_hz,
                         double fs, double f_hz) {
  validate(family, band, order, ripple_db, cutoffs_hz, fs);
  auto warp = [fs](double f) { return 2 * fs * std::tan(kPi * f / fs); };
  const double w = warp(f_hz);
  double omega = 0;  // prototype frequency (rad/s, cutoff at 1); infinity where the filter has a zero
  const double inf = std::numeric_limits<double>::infinity();
  const double w1 = warp(cutoffs_hz[0]);
  switch (band) {
    case IirBand::lowpass: omega = w / w1; break;
    case IirBand::highpass: omega = w == 0 ? inf : w1 / w; break;
    case IirBand::bandpass:
    case IirBand::bandstop: {
      const double w2 = warp(cutoffs_hz[1]);
      const double wo2 = w1 * w2, bw = w2 - w1;
      if (band == IirBand::bandpass) omega = w == 0 ? inf : std::fabs(w * w - wo2) / (w * bw);
      else omega = w * w == wo2 ? inf : std::fabs(w * bw / (wo2 - w * w));
      break;
    }
  }
  if (std::isinf(omega)) return 0.0;
  if (family == IirFamily::butterworth) return 1.0 / std::sqrt(1.0 + std::pow(omega, 2.0 * order));
  const double eps2 = std::pow(10.0, ripple_db / 10.0) - 1.0;
  const double t = omega <= 1 ? std::cos(order * std::acos(omega)) : std::cosh(order * std::acosh(omega));
  return 1.0 / std::sqrt(1.0 + eps2 * t * t);
}

std::complex<double> sos_response(const std::vector<SosSection>& sos, double f_hz, double fs) {
  const cd zi = std::polar(1.0, -2 * kPi * f_hz / fs);  // z⁻¹
  cd h(1.0, 0.0);
  for (const SosSection& s : sos) h *= (s[0] + zi * (s[1] + zi * s[2])) / (s[3] + zi * (s[4] + zi * s[5]));
  return h;
}

std::complex<double> ba_response(const TransferFunction& tf, double f_hz, double fs) {
  const cd zi = std::polar(1.0, -2 * kPi * f_hz / fs);
  auto horner = [&](const std::vector<double>& c) {
    cd acc(0.0, 0.0);
    for (size_t i = c.size(); i-- > 0;) acc = acc * zi + c[i];
    return acc;
  };
  return horner(tf.b) / horner(tf.a);
}

std::complex<double> zpk_response(const Zpk& zpk, double f_hz, double fs) {
  const cd z = std::polar(1.0, 2 * kPi * f_hz / fs);
  cd h(zpk.gain, 0.0);
  for (const cd& q : zpk.zeros) h *= (z - q);
  for (const cd& p : zpk.poles) h /= (z - p);
  return h;
}

}  // namespace predann
