// fft_vertical: a mixed-radix complex FFT of one length n applied to kLanes sequences at once.
//
// The sequences are interleaved "vertically": element i of all lanes is one VecC, data[i]. The
// algorithm is Stockham's self-sorting FFT in decimation-in-frequency form (OTFFT's formulation,
// generalised to mixed radices): each pass reads one buffer and writes the other in natural
// order, so no bit reversal is needed. Radices 8, 4, 2, 3, 5, 7, 11, 13 have unrolled butterflies;
// any other prime factor p is a generic O(p²) butterfly, fine for small p (the planner in fft.cpp
// routes lengths with a large prime factor to Bluestein's algorithm instead).
//
// Sign −1 is numpy.fft.fft's direction, +1 the unnormalised inverse. Twiddles come from
// unit_root (accurately rounded), so a transform is within a few ulp·log(n) of the exact DFT.
#pragma once
#include <cstdint>
#include <vector>

#include "kernels/fft_simd.h"

namespace predann::fft {

class VerticalFFT {
 public:
  explicit VerticalFFT(int n);

  int size() const { return n_; }
  // Elements of the `aux` buffer execute() needs (work space of the generic butterfly).
  int aux_size() const { return aux_size_; }
  // Transforms data[0..n) in place of the kLanes sequences; scratch holds n elements, aux
  // aux_size(). Returns the buffer that holds the result (data or scratch).
  VecC* execute(VecC* data, VecC* scratch, VecC* aux, int sign) const;

  // Prime factors of n in the order the passes use them (8s, then 4s, then 2, then odd primes).
  static std::vector<int> radices(int64_t n);
  // Estimated vector flops for one transform of length n (the planner's cost model).
  static double cost(int64_t n);

 private:
  struct Pass {
    int radix;
    int m;                 // remaining length / radix
    int stride;            // product of the radices before this pass
    size_t twiddle;        // offset of this pass's twiddles: m·(radix−1) roots
    size_t coefficients;   // offset of cos/sin(2πj/radix) for odd radices
  };
  template <int Sign>
  VecC* run(VecC* data, VecC* scratch, VecC* aux) const;
  template <int Sign>
  void run_pass(const Pass& pass, const VecC* x, VecC* y, VecC* aux) const;

  int n_;
  int aux_size_ = 0;
  std::vector<Pass> passes_;
  std::vector<double> twiddle_re_, twiddle_im_;  // forward roots exp(−2πi·k/length)
  std::vector<double> cos_, sin_;                // per odd radix: cos, sin(2πj/p), j < p
};

}  // namespace predann::fft
