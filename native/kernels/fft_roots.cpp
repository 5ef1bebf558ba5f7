// fft_roots: see fft_roots.h.
#include "kernels/fft_roots.h"

#include <cmath>

namespace predann::fft {

namespace {

constexpr long double kTwoPi = 6.283185307179586476925286766559005768L;

// (cos, sin) of 2π·num/den for 0 ≤ num/den ≤ 1/4, evaluated on an angle of at most π/4.
std::complex<long double> first_quadrant(int64_t num, int64_t den) {
  if (8 * num <= den) {
    const long double a = kTwoPi * static_cast<long double>(num) / static_cast<long double>(den);
    return {std::cos(a), std::sin(a)};
  }
  // θ = π/2 − φ with φ = 2π·(den − 4·num)/(4·den) ≤ π/4.
  const long double phi = kTwoPi * static_cast<long double>(den - 4 * num) / (4.0L * static_cast<long double>(den));
  return {std::sin(phi), std::cos(phi)};
}

}  // namespace

std::complex<double> unit_root(int64_t k, int64_t n) {
  k %= n;
  if (k < 0) k += n;
  // θ = 2πk/n; mirror the lower half-turn onto the upper: exp(-iθ) for θ > π is conj(exp(-i(2π−θ))).
  const bool mirrored = 2 * k > n;
  if (mirrored) k = n - k;
  std::complex<long double> cs;  // (cos θ, sin θ) with θ ∈ [0, π]
  if (4 * k <= n) {
    cs = first_quadrant(k, n);
  } else {  // θ = π − ψ with ψ = 2π·(n − 2k)/(2n) < π/2
    const std::complex<long double> p = first_quadrant(n - 2 * k, 2 * n);
    cs = {-p.real(), p.imag()};
  }
  const double c = static_cast<double>(cs.real());
  const double s = static_cast<double>(cs.imag());
  return mirrored ? std::complex<double>(c, s) : std::complex<double>(c, -s);
}

}  // namespace predann::fft
