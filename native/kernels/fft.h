// fft: windowed complex DFT plans of any length, the fast engine behind resample.
//
//   out[j] = scale · Σ_{m<n} x[m] · exp(sign·2πi·m·(start + j)/n),   j = 0 .. count−1,
//
// i.e. numpy.fft.fft (sign −1) or the unnormalised numpy.fft.ifft (sign +1) of length n, keeping
// only `count` consecutive bins from `start` (wrapping modulo n). Resampling keeps the lowest
// bins of a long spectrum, and a plan that knows this skips most of the work.
//
// plan_dft chooses, by an operation-count model, between
//   * FourStep (fft_four_step.h): n = L·Q, vertical mixed-radix FFTs for both factors, rows
//     pruned to the window when that is cheaper (292,000 = 146·2000: the prime 73 costs only
//     O(window·146) in the pruned rows);
//   * Bluestein (fft_bluestein.h): a chirp-z convolution of length P ≥ n + count − 1 with P
//     7-smooth, for lengths with a large prime factor (277,999 is prime).
// Plans are immutable, cached and shared between threads; each thread brings its own Workspace.
#pragma once
#include <cstdint>
#include <memory>
#include <string>

#include "kernels/fft_io.h"

namespace predann::fft {

class WindowedDFT {
 public:
  WindowedDFT(int64_t n, int64_t start, int64_t count, int sign) : n_(n), start_(start), count_(count), sign_(sign) {}
  virtual ~WindowedDFT() = default;

  int64_t size() const { return n_; }
  int64_t start() const { return start_; }
  int64_t count() const { return count_; }
  int sign() const { return sign_; }

  // Transforms `in` (its chirp must be unset) into out_re/out_im[0 .. count); either may be null.
  virtual void execute(const Source& in, double* out_re, double* out_im, double scale, Workspace& ws) const = 0;
  virtual Workspace::Size workspace_size() const = 0;
  // The algorithm chosen, e.g. "four-step 73x4000 (pruned rows)" or "bluestein 314928 (four-step 432x729)".
  virtual std::string describe() const = 0;

 protected:
  int64_t n_, start_, count_;
  int sign_;
};

// A cached plan. Requires 1 ≤ n < 2^31, 1 ≤ count ≤ n, sign = ±1; start is reduced modulo n.
std::shared_ptr<const WindowedDFT> plan_dft(int64_t n, int64_t start, int64_t count, int sign);

// Smallest m ≥ n whose prime factors are all 2, 3, 5 or 7.
int64_t next_smooth(int64_t n);

}  // namespace predann::fft
