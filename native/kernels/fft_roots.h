// fft_roots: accurately rounded roots of unity, the constants every FFT table is built from.
//
// exp(-2πi·k/n) is evaluated in long double after reducing k/n to the first octant with exact
// integer symmetries, so cos and sin are within half an ulp of the true value after rounding and
// the symmetric points (k/n = 1/4, 1/2, 3/4) are exactly 0 and ±1. Tables built this way keep the
// fast FFT within a few ulp of the exact DFT (numpy.fft / pocketfft compute theirs similarly).
#pragma once
#include <complex>
#include <cstdint>

namespace predann::fft {

// exp(-2πi·k/n) for any integer k (reduced modulo n) and n ≥ 1.
std::complex<double> unit_root(int64_t k, int64_t n);

}  // namespace predann::fft
