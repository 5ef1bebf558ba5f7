// fft_bluestein: a windowed DFT of any length n by Bluestein's chirp-z algorithm.
//
// With ψ[m] = exp(sign·iπ·m²/n), n·k = (n² + k² − (k−n)²)/2 turns the DFT into a convolution:
//   X[k] = ψ[k] · Σ_m (x[m]·ψ[m]) · conj(ψ[k − m]).
// Only the window k = start + j (j < count) is wanted, so the chirp kernel needs n + count − 1
// taps rather than 2n − 1 (a "pruned" Bluestein), and the cyclic convolution runs at the smallest
// 7-smooth length P ≥ n + count − 1 with the four-step FFT. The spectrum of the kernel is
// precomputed in the four-step's row-block order, so the forward FFT, the product and the inverse
// FFT run back to back on the same buffer without reordering.
// pocketfft (numpy, scipy) uses the unpruned form for its large-prime lengths.
#pragma once
#include <memory>
#include <vector>

#include "kernels/fft.h"
#include "kernels/fft_four_step.h"

namespace predann::fft {

class BluesteinDFT final : public WindowedDFT {
 public:
  // `l`: the four-step split of the convolution length `p` (p = l · q).
  BluesteinDFT(int64_t n, int64_t start, int64_t count, int sign, int64_t p, int64_t l);

  void execute(const Source& in, double* out_re, double* out_im, double scale, Workspace& ws) const override;
  Workspace::Size workspace_size() const override { return core_.workspace_size(); }
  std::string describe() const override;

 private:
  int64_t p_;
  FourStep core_;
  std::vector<double> chirp_in_re_, chirp_in_im_;    // ψ[m], m < n
  std::vector<double> chirp_out_re_, chirp_out_im_;  // ψ[start + j], j < count
  std::vector<VecC> kernel_spectrum_;                // FFT_P(conj ψ[start + i − (n−1)]) / P, row-block order
};

}  // namespace predann::fft
