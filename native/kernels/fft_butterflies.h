// fft_butterflies: small DFTs on vectors of kLanes independent complex numbers.
//
//   b_t = Σ_j a_j · exp(Sign·2πi·j·t/p),   t = 0..p−1,   Sign = −1 forward, +1 inverse.
//
// Radix 2, 4 and 8 are written out. Every odd p uses the symmetric form (FFTPACK's passg, FFTW's
// generic codelets): with s_j = a_j + a_{p−j} and d_j = a_j − a_{p−j},
//   b_t     = a_0 + Σ_j cos(2πjt/p)·s_j + Sign·i·Σ_j sin(2πjt/p)·d_j
//   b_{p−t} = a_0 + Σ_j cos(2πjt/p)·s_j − Sign·i·Σ_j sin(2πjt/p)·d_j,
// which halves the multiplications of the plain O(p²) sum. The compile-time versions let the
// compiler unroll p = 3, 5, 7, 11, 13 completely; the run-time version serves any other odd p.
#pragma once
#include "kernels/fft_simd.h"

namespace predann::fft {

template <int Sign>
inline void butterfly2(const VecC* a, VecC* b) {
  b[0] = a[0] + a[1];
  b[1] = a[0] - a[1];
}

template <int Sign>
inline void butterfly4(const VecC* a, VecC* b) {
  const VecC t0 = a[0] + a[2], t1 = a[0] - a[2];
  const VecC t2 = a[1] + a[3], t3 = mul_sign_i<Sign>(a[1] - a[3]);
  b[0] = t0 + t2;
  b[2] = t0 - t2;
  b[1] = t1 + t3;
  b[3] = t1 - t3;
}

// Radix 8 as two radix-4 halves: b_t = E_t + ω8^t·O_t, b_{t+4} = E_t − ω8^t·O_t.
template <int Sign>
inline void butterfly8(const VecC* a, VecC* b) {
  constexpr double kHalfSqrt2 = 0.70710678118654752440;
  const VecC even[4] = {a[0], a[2], a[4], a[6]}, odd[4] = {a[1], a[3], a[5], a[7]};
  VecC e[4], o[4];
  butterfly4<Sign>(even, e);
  butterfly4<Sign>(odd, o);
  o[1] = (o[1] + mul_sign_i<Sign>(o[1])) * kHalfSqrt2;  // ω8 = (1 + Sign·i)/√2
  o[2] = mul_sign_i<Sign>(o[2]);                         // ω8² = Sign·i
  o[3] = (mul_sign_i<Sign>(o[3]) - o[3]) * kHalfSqrt2;  // ω8³ = (−1 + Sign·i)/√2
  for (int t = 0; t < 4; ++t) {
    b[t] = e[t] + o[t];
    b[t + 4] = e[t] - o[t];
  }
}

// Odd p known at compile time. cos_p[m], sin_p[m] = cos, sin of 2πm/p for m < p.
template <int P, int Sign>
inline void butterfly_odd(const VecC* a, VecC* b, const double* cos_p, const double* sin_p) {
  constexpr int H = (P - 1) / 2;
  VecC s[H], d[H];
  VecC b0 = a[0];
#pragma GCC unroll 16
  for (int j = 1; j <= H; ++j) {
    s[j - 1] = a[j] + a[P - j];
    d[j - 1] = a[j] - a[P - j];
    b0 += s[j - 1];
  }
  b[0] = b0;
#pragma GCC unroll 16
  for (int t = 1; t <= H; ++t) {
    VecC c = a[0];
    VecC q = zero_vecc();
#pragma GCC unroll 16
    for (int j = 1; j <= H; ++j) {
      const int m = (j * t) % P;
      c = c + s[j - 1] * cos_p[m];
      q = q + d[j - 1] * sin_p[m];
    }
    const VecC iq = mul_sign_i<Sign>(q);
    b[t] = c + iq;
    b[P - t] = c - iq;
  }
}

// Any odd p ≥ 3 at run time; `sums` and `diffs` hold (p−1)/2 elements each.
template <int Sign>
inline void butterfly_odd_any(int p, const VecC* a, VecC* b, const double* cos_p, const double* sin_p, VecC* sums,
                              VecC* diffs) {
  const int h = (p - 1) / 2;
  VecC b0 = a[0];
  for (int j = 1; j <= h; ++j) {
    sums[j - 1] = a[j] + a[p - j];
    diffs[j - 1] = a[j] - a[p - j];
    b0 += sums[j - 1];
  }
  b[0] = b0;
  for (int t = 1; t <= h; ++t) {
    VecC c = a[0];
    VecC q = zero_vecc();
    int m = 0;  // (j·t) mod p, stepped without division
    for (int j = 1; j <= h; ++j) {
      m += t;
      if (m >= p) m -= p;
      c = c + sums[j - 1] * cos_p[m];
      q = q + diffs[j - 1] * sin_p[m];
    }
    const VecC iq = mul_sign_i<Sign>(q);
    b[t] = c + iq;
    b[p - t] = c - iq;
  }
}

}  // namespace predann::fft
