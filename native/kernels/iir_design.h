// iir_design: Butterworth and Chebyshev type I digital IIR filters (low-pass, high-pass,
// band-pass, band-stop, any order) as second-order sections or as (b, a), exactly as
//   scipy.signal.butter(N, Wn, btype, fs=fs, output='sos' | 'ba')
//   scipy.signal.cheby1(N, rp, Wn, btype, fs=fs, output='sos' | 'ba')
// compute them (scipy 1.10; the iirfilter / zpk2sos code paths are unchanged 1.8 – 1.12), with
// numpy's float64/complex128 arithmetic reproduced step by step (complex division by Smith's
// method, products from 1 in order, csqrt/csinh/cexp from the C library like numpy's):
//
//   analog prototype (zpk):  butter  p = −exp(iπm/2N), m = −N+1, −N+3, …, N−1;  k = 1
//                            cheby1  ε = sqrt(10^(rp/10) − 1), μ = asinh(1/ε)/N,
//                                    p = −sinh(μ + iπm/2N),  k = Re Π(−p)  (/ sqrt(1+ε²) if N even)
//   pre-warping:             Wn' = 2·Wn/fs,  warped = 4·tan(π·Wn'/2)   (scipy works at fs = 2)
//   lp2lp / lp2hp / lp2bp / lp2bs (zpk), wo = sqrt(w1·w2), bw = w2 − w1 for the band forms
//   bilinear (zpk), fs = 2:  z → (4 + z)/(4 − z); zeros at infinity → −1; k·Re(Π(4−z)/Π(4−p))
//   zpk → sos:               scipy.signal.zpk2sos, pairing 'nearest' (see iir_zpk2sos below)
//   zpk → (b, a):            scipy.signal.zpk2tf: b = k·poly(z), a = poly(p), real parts
//
// Versions:
//   iir_zpk / iir_sos / iir_ba   SciPy's exact steps in numpy's arithmetic (the ones predann uses).
//   iir_zpk_ref / iir_sos_ref    the textbook design in plain std::complex arithmetic at the real
//                                sample rate (prototype poles in closed form, the frequency
//                                transforms as root maps, the bilinear map with 2·fs): an
//                                independent derivation, equal to the exact one to rounding.
//   iir_magnitude_ref            closed-form |H| from the Butterworth / Chebyshev magnitude formulas
//                                through the frequency transform and the bilinear map.
// The design runs once per filter (microseconds), so "fast" here means SciPy-exact, not quicker.
// The response evaluators (sos product, (b, a) polynomials, zpk) serve the tests.
#pragma once
#include <array>
#include <complex>
#include <vector>

namespace predann {

enum class IirFamily { butterworth, chebyshev1 };
enum class IirBand { lowpass, highpass, bandpass, bandstop };

// Digital (z-plane) zeros, poles and gain, in scipy's order.
struct Zpk {
  std::vector<std::complex<double>> zeros;  // (Nz,)
  std::vector<std::complex<double>> poles;  // (Np,)
  double gain = 1.0;
};

// One second-order section, [b0, b1, b2, a0 = 1, a1, a2].
using SosSection = std::array<double, 6>;

struct TransferFunction {
  std::vector<double> b;  // (order + 1,), highest power of z⁻¹ last
  std::vector<double> a;  // (order + 1,), a[0] = 1
};

// The design's zeros, poles and gain (scipy's iirfilter(..., output='zpk')).
// cutoffs_hz: one edge for low/high-pass, two ascending edges for band-pass/stop, each in
// (0, fs/2). ripple_db (> 0) is used by chebyshev1 only. fs = 2 gives scipy's normalised Wn.
// Throws std::invalid_argument with a message naming the bad argument.
Zpk iir_zpk(IirFamily family, IirBand band, int order, double ripple_db, const std::vector<double>& cutoffs_hz, double fs);

// scipy.signal.zpk2sos(z, p, k) with pairing='nearest' (digital). Rows (n_sections, 6).
std::vector<SosSection> iir_zpk2sos(const Zpk& zpk);

// scipy.signal.zpk2tf(z, p, k), real parts.
TransferFunction iir_zpk2tf(const Zpk& zpk);

// butter / cheby1 (..., output='sos'): (ceil(order_total / 2), 6) with order_total = order for
// low/high-pass and 2·order for band-pass/stop.
std::vector<SosSection> iir_sos(IirFamily family, IirBand band, int order, double ripple_db, const std::vector<double>& cutoffs_hz,
                                double fs);

// butter / cheby1 (..., output='ba'). High orders are ill-conditioned in this form; use sos.
TransferFunction iir_ba(IirFamily family, IirBand band, int order, double ripple_db, const std::vector<double>& cutoffs_hz,
                        double fs);

// The textbook design (see Versions above): the same zeros, poles and gain as iir_zpk up to
// rounding and order; iir_sos_ref pairs them with iir_zpk2sos.
Zpk iir_zpk_ref(IirFamily family, IirBand band, int order, double ripple_db, const std::vector<double>& cutoffs_hz, double fs);
std::vector<SosSection> iir_sos_ref(IirFamily family, IirBand band, int order, double ripple_db,
                                    const std::vector<double>& cutoffs_hz, double fs);

// ---- stability ----

// The largest pole radius of a cascade of sections (roots of a0·z² + a1·z + a2 per row): the
// cascade is stable when it is below 1.
double sos_max_pole_radius(const std::vector<SosSection>& sos);

// Whether every root of a[0]·zⁿ + a[1]·zⁿ⁻¹ + … + a[n] lies strictly inside the unit circle
// (Schur–Cohn: the reflection coefficients of the step-down recursion all have |k| < 1).
bool polynomial_is_stable(const std::vector<double>& a);

// ---- oracles and response evaluators (tests, diagnostics) ----

// Closed-form |H(e^{2πi f/fs})| of the design: Butterworth 1/sqrt(1 + Ω^{2N}), Chebyshev-I
// 1/sqrt(1 + ε²·T_N(Ω)²) (peak 0 dB; −rp dB at DC for even N), Ω the prototype frequency
// of the pre-warped analog frequency 2·fs·tan(π f/fs) through the low-pass → band transform.
double iir_magnitude_ref(IirFamily family, IirBand band, int order, double ripple_db, const std::vector<double>& cutoffs_hz,
                         double fs, double f_hz);

// H(e^{2πi f/fs}) of a cascade of sections, of (b, a), and of a digital zpk.
std::complex<double> sos_response(const std::vector<SosSection>& sos, double f_hz, double fs);
std::complex<double> ba_response(const TransferFunction& tf, double f_hz, double fs);
std::complex<double> zpk_response(const Zpk& zpk, double f_hz, double fs);

}  // namespace predann
