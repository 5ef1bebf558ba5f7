// fft_four_step: a length-n complex DFT of one sequence as n = L·Q (Bailey's four-step FFT),
// vectorised vertically so that every inner loop runs on 8 independent lanes with no shuffles.
//
// View x as the matrix a[q][r] = x[q·L + r] (Q rows of L contiguous samples). Then, with
// k = k1 + Q·k2 (k1 < Q, k2 < L) and ω_m = exp(Sign·2πi/m),
//   X[k1 + Q·k2] = Σ_r ω_L^{r·k2} · ω_n^{r·k1} · Σ_q a[q][r] · ω_Q^{q·k1}.
//   1. columns: a panel of blocks of 8 columns is gathered (contiguous loads along each row, so
//      the input is read about once), then each block gets a length-Q VerticalFFT over q → k1.
//      An 8×8 transpose
//      (the only shuffles of the algorithm) stores the result as G[rb][r], a vector whose lanes
//      are the rows k1 = 8·rb .. 8·rb+7;
//   2. rows: row block rb reads its L vectors G[rb][0..L) contiguously, twiddles them by
//      ω_n^{r·k1}, and takes the length-L DFT over r → k2, written to k = k1 + Q·k2 (8 contiguous
//      outputs per k2).
// Step 2 can be pruned: when only a window of X is wanted (resampling keeps the lowest bins), the
// L-point DFT of each row block is evaluated directly for just the needed outputs, so that a large
// prime factor in L (292,000 = 146·2000 = 2·73·2000) costs O(window·L) instead of O(n·L).
//
// The inverse four-step (columns_inverse) lets Bluestein's convolution run forward and inverse
// transforms back to back on G without ever putting the spectrum in natural order.
#pragma once
#include <cstdint>
#include <string>
#include <vector>

#include "kernels/fft_io.h"
#include "kernels/fft_vertical.h"

namespace predann::fft {

class FourStep {
 public:
  // n = l · (n / l); `window_start`, `window_count`: the outputs the rows pass must produce
  // (count = n: all of them). `pruned` evaluates the rows directly for the needed outputs only.
  FourStep(int64_t n, int64_t l, int64_t window_start, int64_t window_count, bool pruned);

  // Estimated vector flops of one forward transform with this split and window; sets *pruned to
  // whether the direct, pruned rows pass is the cheaper one.
  static double estimate(int64_t n, int64_t l, int64_t window_start, int64_t window_count, bool* pruned);

  int64_t size() const { return n_; }
  int64_t rows() const { return l_; }
  int64_t columns_length() const { return q_; }
  bool pruned() const { return pruned_; }
  Workspace::Size workspace_size() const;
  std::string describe() const;

  // Step 1: x (from `in`) → G, transformed along q with the given sign.
  void columns_forward(const Source& in, int sign, Workspace& ws) const;
  // Step 2: G → X (natural order) restricted to the window, stored through `out`.
  void rows_to_sink(int sign, const Sink& out, Workspace& ws) const;
  // Bluestein: G ← inverse rows(forward rows(G) · spectrum), spectrum in row-block order
  // (spectrum[rb·L + k2] holds X[8·rb + lane + Q·k2] in its lanes).
  void rows_convolve(const std::vector<VecC>& spectrum, Workspace& ws) const;
  // Inverse step 1: G → x along k1 → q, stored through `out` (index q·L + r).
  void columns_inverse(int sign, const Sink& out, Workspace& ws) const;

 private:
  void store_transposed(const VecC* column_block, int64_t cb, Workspace& ws) const;
  template <int Sign>
  void rows_impl(const Sink& out, Workspace& ws) const;
  template <int Sign>
  void load_row_block(int64_t rb, Workspace& ws) const;
  template <int Sign>
  void pruned_rows(int64_t rb, const Sink& out, Workspace& ws) const;

  int64_t n_, l_, q_, l_pad_, q_blocks_;
  bool pruned_;
  VerticalFFT column_fft_, row_fft_;
  // ω_n^{r·k1} = block_twiddle[rb·L + r] · lane_twiddle[r] (lane = k1 − 8·rb), forward roots.
  std::vector<double> block_twiddle_re_, block_twiddle_im_;
  std::vector<VecC> lane_twiddle_;
  // Pruned rows: cos/sin(2πm/L), and for each row block the output classes {t, L−t} it needs.
  std::vector<double> row_cos_, row_sin_;
  std::vector<int64_t> class_offsets_;
  std::vector<int32_t> classes_;
};

}  // namespace predann::fft
