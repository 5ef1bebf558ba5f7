// sosfilt: IIR filtering along time of (channels, samples) float64 arrays, exactly as scipy.signal
// computes it (scipy 1.6 – 1.14; these code paths are unchanged there):
//
//   sosfilt(sos, x, zi)      cascaded second-order sections, direct form II transposed, sections in
//                            row order; rows [b0, b1, b2, a0, a1, a2] (normalised by a0 here; SciPy
//                            requires a0 = 1, where the division is exact). Per section and sample:
//                              y  = b0·x + z0
//                              z0 = (b1·x − a1·y) + z1
//                              z1 =  b2·x − a2·y
//   lfilter(b, a, x, zi)     the same recursion for any order on (b, a), both normalised by a[0] and
//                            zero-padded to n = max(len(a), len(b)); n − 1 states.
//   lfilter_zi(b, a)         the steady state of the step response: solves
//                            (I − companion(a)ᵀ)·zi = b[1:] − a[1:]·b[0]  (Gaussian elimination with
//                            partial pivoting; SciPy calls LAPACK's solve, so the last bits may differ).
//   sosfilt_zi(sos)          section s: lfilter_zi(b_s, a_s) · Π_{r<s} Σb_r/Σa_r, shape (sections, 2).
//   sosfiltfilt(sos, x)      zero phase, SciPy's defaults: padtype 'odd', padlen =
//                            3·(2·sections + 1 − min(#{b2 = 0}, #{a2 = 0})); ext = odd extension of x
//                            by padlen at each end (left 2·x[0] − x[padlen..1], right
//                            2·x[N−1] − x[N−2..N−1−padlen]); forward sosfilt of ext from zi·ext[0],
//                            backward sosfilt of the reversed result from zi·(its last sample),
//                            reverse again, drop padlen samples at each end.
//   filtfilt(b, a, x)        the same with lfilter / lfilter_zi, padlen = 3·max(len(a), len(b)),
//                            method 'pad'.
//
// Versions, one signature each:
//   *_ref   plain per-channel loops over scalars; the oracle, kept forever.
//   fast    8 channels per block are interleaved time-major (tiles of 256 samples) so that the
//           recursion, sequential in time, runs over 8 independent lanes that vectorise; OpenMP over
//           blocks of 8 channels (schedule dynamic). The per-lane arithmetic is written in the same
//           order as the reference (and no FMA contraction in either), so the fast versions are
//           bit-identical to the references. filtfilt runs the forward pass in chunks of 4096
//           samples keeping only each chunk's starting state, then, chunk by chunk from the end,
//           recomputes the chunk's forward output from its checkpoint (in L2) and filters it backward:
//           no (samples, 8) buffer goes through memory, at the cost of a third recursion pass.
//
// Errors: std::invalid_argument for bad shapes, a0 = 0, a bad padlen or a signal not longer than
// padlen (SciPy: "The length of the input vector x must be greater than padlen"); std::domain_error
// naming the channel and sample of the first non-finite input value (the fast versions locate it
// after seeing non-finite final states, which keep any NaN or Inf that passed; a plain gain, which
// has no states, has its input scanned first).
// `threads`: OpenMP threads; 0 takes predann::thread_count(). y may alias x everywhere.
#pragma once
#include <cstdint>
#include <vector>

namespace predann {

// zi is (sections, 2), direct form II transposed states. sos is (sections, 6).
std::vector<double> sosfilt_zi(const double* sos, int64_t sections);
// zi is (max(nb, na) − 1,).
std::vector<double> lfilter_zi(const double* b, int64_t nb, const double* a, int64_t na);

// SciPy's default padlen for sosfiltfilt / filtfilt (padtype 'odd').
int64_t sosfiltfilt_default_padlen(const double* sos, int64_t sections);
int64_t filtfilt_default_padlen(int64_t nb, int64_t na);

// ext is (samples + 2·padlen,): the 'odd' extension of x (samples,). Requires samples > padlen
// (or padlen = 0).
void odd_extend(const double* x, int64_t samples, int64_t padlen, double* ext);

// x and y are (channels, samples). zi: (channels, sections, 2) initial states or null (zeros);
// zf: (channels, sections, 2) final states or null.
void sosfilt_ref(const double* sos, int64_t sections, const double* x, int64_t channels, int64_t samples, double* y,
                 const double* zi = nullptr, double* zf = nullptr);
void sosfilt(const double* sos, int64_t sections, const double* x, int64_t channels, int64_t samples, double* y,
             const double* zi = nullptr, double* zf = nullptr, int threads = 0);

// zi, zf: (channels, max(nb, na) − 1) or null.
void lfilter_ref(const double* b, int64_t nb, const double* a, int64_t na, const double* x, int64_t channels,
                 int64_t samples, double* y, const double* zi = nullptr, double* zf = nullptr);
void lfilter(const double* b, int64_t nb, const double* a, int64_t na, const double* x, int64_t channels,
             int64_t samples, double* y, const double* zi = nullptr, double* zf = nullptr, int threads = 0);

// padlen −1: SciPy's default; 0: no extension.
void sosfiltfilt_ref(const double* sos, int64_t sections, const double* x, int64_t channels, int64_t samples,
                     double* y, int64_t padlen = -1);
void sosfiltfilt(const double* sos, int64_t sections, const double* x, int64_t channels, int64_t samples, double* y,
                 int64_t padlen = -1, int threads = 0);
void filtfilt_ref(const double* b, int64_t nb, const double* a, int64_t na, const double* x, int64_t channels,
                  int64_t samples, double* y, int64_t padlen = -1);
void filtfilt(const double* b, int64_t nb, const double* a, int64_t na, const double* x, int64_t channels,
              int64_t samples, double* y, int64_t padlen = -1, int threads = 0);

}  // namespace predann
