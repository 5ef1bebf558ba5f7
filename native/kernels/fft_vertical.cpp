// fft_vertical: see fft_vertical.h.
#include "kernels/fft_vertical.h"

#include <algorithm>
#include <stdexcept>
#include <utility>

#include "kernels/fft_butterflies.h"
#include "kernels/fft_roots.h"

namespace predann::fft {

std::vector<int> VerticalFFT::radices(int64_t n) {
  std::vector<int> out;
  // 2^k with k = 3a + b as 8^a (b = 0), 8^a·4 (b = 2), 8^(a−1)·4·4 (b = 1, k ≥ 4) or 2 (k = 1):
  // the fewest passes, and 4·4 rather than 8·2 (the radix-2 pass is the least efficient).
  int k = 0;
  while (n % 2 == 0) {
    n /= 2;
    ++k;
  }
  if (k == 1) {
    out.push_back(2);
  } else if (k >= 2) {
    const int fours = k % 3 == 0 ? 0 : k % 3 == 2 ? 1 : 2;
    for (int i = 0; i < (k - 2 * fours) / 3; ++i) out.push_back(8);
    for (int i = 0; i < fours; ++i) out.push_back(4);
  }
  for (int64_t p = 3; p * p <= n; p += 2) {
    while (n % p == 0) {
      out.push_back(static_cast<int>(p));
      n /= p;
    }
  }
  if (n > 1) out.push_back(static_cast<int>(n));
  return out;
}

namespace {

// Vector flops per element of one pass of radix p, twiddle multiplications included.
double pass_cost(int p) {
  if (p == 2) return 2.0 + 3.0;
  if (p == 4) return 4.0 + 4.5;
  if (p == 8) return 6.5 + 5.25;
  const double h = (p - 1) / 2.0;
  return (6.0 * (p - 1) + 8.0 * h * h + 4.0 * h) / p + 6.0 * (p - 1) / p;
}

}  // namespace

double VerticalFFT::cost(int64_t n) {
  double per_element = 1.0;  // loads and stores even when n = 1
  for (int p : radices(n)) per_element += pass_cost(p) + 1.0;
  return per_element * static_cast<double>(n);
}

VerticalFFT::VerticalFFT(int n) : n_(n) {
  if (n < 1) throw std::invalid_argument("VerticalFFT: length must be at least 1");
  int remaining = n;
  int stride = 1;
  for (int p : radices(n)) {
    Pass pass{p, remaining / p, stride, twiddle_re_.size(), cos_.size()};
    // Twiddles of a decimation-in-frequency pass: exp(−2πi·k·t/remaining), k < m, 1 ≤ t < p.
    for (int k = 0; k < pass.m; ++k) {
      for (int t = 1; t < p; ++t) {
        const std::complex<double> w = unit_root(static_cast<int64_t>(k) * t, remaining);
        twiddle_re_.push_back(w.real());
        twiddle_im_.push_back(w.imag());
      }
    }
    if (p % 2 == 1) {
      for (int j = 0; j < p; ++j) {
        const std::complex<double> w = unit_root(j, p);  // cos − i·sin
        cos_.push_back(w.real());
        sin_.push_back(-w.imag());
      }
      if (p > 13) aux_size_ = std::max(aux_size_, 3 * p);
    }
    passes_.push_back(pass);
    remaining /= p;
    stride *= p;
  }
}

VecC* VerticalFFT::execute(VecC* data, VecC* scratch, VecC* aux, int sign) const {
  return sign < 0 ? run<-1>(data, scratch, aux) : run<+1>(data, scratch, aux);
}

template <int Sign>
VecC* VerticalFFT::run(VecC* data, VecC* scratch, VecC* aux) const {
  VecC* x = data;
  VecC* y = scratch;
  for (const Pass& pass : passes_) {
    run_pass<Sign>(pass, x, y, aux);
    std::swap(x, y);
  }
  return x;
}

namespace {

// One Stockham DIF pass: for each k < m and each of the `stride` interleaved sub-problems q,
// a p-point butterfly on x[q + stride·(k + m·j)] (j < p), outputs twiddled by exp(Sign·2πi·k·t/(m·p))
// and stored at y[q + stride·(p·k + t)].
template <int Sign, int P, class Butterfly>
void pass_loop(int m, int stride, const VecC* x, VecC* y, const double* tw_re, const double* tw_im,
               Butterfly butterfly) {
  for (int k = 0; k < m; ++k) {
    const double* wr = tw_re + static_cast<size_t>(k) * (P - 1);
    const double* wi = tw_im + static_cast<size_t>(k) * (P - 1);
    for (int q = 0; q < stride; ++q) {
      VecC a[P], b[P];
#pragma GCC unroll 16
      for (int j = 0; j < P; ++j) a[j] = x[q + static_cast<size_t>(stride) * (k + static_cast<size_t>(m) * j)];
      butterfly(a, b);
      VecC* out = y + q + static_cast<size_t>(stride) * P * k;
      out[0] = b[0];
#pragma GCC unroll 16
      for (int t = 1; t < P; ++t) out[static_cast<size_t>(stride) * t] = cmul_signed<Sign>(b[t], wr[t - 1], wi[t - 1]);
    }
  }
}

template <int Sign>
void pass_loop_any(int p, int m, int stride, const VecC* x, VecC* y, const double* tw_re, const double* tw_im,
                   const double* cos_p, const double* sin_p, VecC* aux) {
  VecC* a = aux;
  VecC* b = aux + p;
  VecC* sums = aux + 2 * p;
  VecC* diffs = sums + (p - 1) / 2;
  for (int k = 0; k < m; ++k) {
    const double* wr = tw_re + static_cast<size_t>(k) * (p - 1);
    const double* wi = tw_im + static_cast<size_t>(k) * (p - 1);
    for (int q = 0; q < stride; ++q) {
      for (int j = 0; j < p; ++j) a[j] = x[q + static_cast<size_t>(stride) * (k + static_cast<size_t>(m) * j)];
      butterfly_odd_any<Sign>(p, a, b, cos_p, sin_p, sums, diffs);
      VecC* out = y + q + static_cast<size_t>(stride) * p * k;
      out[0] = b[0];
      for (int t = 1; t < p; ++t) out[static_cast<size_t>(stride) * t] = cmul_signed<Sign>(b[t], wr[t - 1], wi[t - 1]);
    }
  }
}

}  // namespace

template <int Sign>
void VerticalFFT::run_pass(const Pass& pass, const VecC* x, VecC* y, VecC* aux) const {
  const double* wr = twiddle_re_.data() + pass.twiddle;
  const double* wi = twiddle_im_.data() + pass.twiddle;
  const double* cp = cos_.data() + pass.coefficients;
  const double* sp = sin_.data() + pass.coefficients;
  const int m = pass.m, s = pass.stride;
  switch (pass.radix) {
    case 2:
      pass_loop<Sign, 2>(m, s, x, y, wr, wi, butterfly2<Sign>);
      return;
    case 4:
      pass_loop<Sign, 4>(m, s, x, y, wr, wi, butterfly4<Sign>);
      return;
    case 8:
      pass_loop<Sign, 8>(m, s, x, y, wr, wi, butterfly8<Sign>);
      return;
#define PREDANN_ODD_PASS(P)                                                                                  \
  case P:                                                                                                    \
    pass_loop<Sign, P>(m, s, x, y, wr, wi, [cp, sp](const VecC* a, VecC* b) { butterfly_odd<P, Sign>(a, b, cp, sp); }); \
    return;
      PREDANN_ODD_PASS(3)
      PREDANN_ODD_PASS(5)
      PREDANN_ODD_PASS(7)
      PREDANN_ODD_PASS(11)
      PREDANN_ODD_PASS(13)
#undef PREDANN_ODD_PASS
    default:
      pass_loop_any<Sign>(pass.radix, m, s, x, y, wr, wi, cp, sp, aux);
  }
}

}  // namespace predann::fft
