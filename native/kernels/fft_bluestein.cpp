// fft_bluestein: see fft_bluestein.h.
#include "kernels/fft_bluestein.h"

#include "kernels/fft_roots.h"

namespace predann::fft {

namespace {

// ψ[m] = exp(sign·iπ·m²/n), exact in m: m² is reduced modulo 2n in integers first.
std::complex<double> chirp(int64_t m, int64_t n, int sign) {
  const int64_t two_n = 2 * n;
  m %= two_n;
  if (m < 0) m += two_n;
  const std::complex<double> w = unit_root((m * m) % two_n, two_n);  // exp(−iπ·m²/n)
  return sign < 0 ? w : std::conj(w);
}

}  // namespace

BluesteinDFT::BluesteinDFT(int64_t n, int64_t start, int64_t count, int sign, int64_t p, int64_t l)
    : WindowedDFT(n, start, count, sign), p_(p), core_(p, l, 0, p, false) {
  for (int64_t m = 0; m < n; ++m) {
    const std::complex<double> c = chirp(m, n, sign);
    chirp_in_re_.push_back(c.real());
    chirp_in_im_.push_back(c.imag());
  }
  for (int64_t j = 0; j < count; ++j) {
    const std::complex<double> c = chirp(start + j, n, sign);
    chirp_out_re_.push_back(c.real());
    chirp_out_im_.push_back(c.imag());
  }
  // Kernel b[i] = conj ψ[start + i − (n−1)], i < n + count − 1, so that the wanted outputs are
  // the cyclic convolution's entries n−1 .. n+count−2 (no wrap-around reaches them).
  const int64_t taps = n + count - 1;
  std::vector<double> kernel_re(static_cast<size_t>(taps)), kernel_im(static_cast<size_t>(taps));
  for (int64_t i = 0; i < taps; ++i) {
    const std::complex<double> c = std::conj(chirp(start + i - (n - 1), n, sign));
    kernel_re[static_cast<size_t>(i)] = c.real();
    kernel_im[static_cast<size_t>(i)] = c.imag();
  }
  Workspace ws;
  ws.reserve(core_.workspace_size());
  Source kernel;
  kernel.re = kernel_re.data();
  kernel.im = kernel_im.data();
  kernel.length = taps;
  core_.columns_forward(kernel, -1, ws);
  std::vector<double> spectrum_re(static_cast<size_t>(p)), spectrum_im(static_cast<size_t>(p));
  Sink natural;
  natural.re = spectrum_re.data();
  natural.im = spectrum_im.data();
  natural.count = p;
  natural.modulus = p;
  natural.scale = 1.0 / static_cast<double>(p);  // the inverse FFT is unnormalised
  core_.rows_to_sink(-1, natural, ws);
  // Row-block order of FourStep::rows_convolve: entry rb·L + k2, lane → bin 8·rb + lane + Q·k2.
  const int64_t q = p / l;
  const int64_t q_blocks = (q + kLanes - 1) / kLanes;
  kernel_spectrum_.assign(static_cast<size_t>(q_blocks * l), zero_vecc());
  for (int64_t rb = 0; rb < q_blocks; ++rb) {
    for (int64_t k2 = 0; k2 < l; ++k2) {
      VecC& v = kernel_spectrum_[static_cast<size_t>(rb * l + k2)];
      for (int lane = 0; lane < kLanes; ++lane) {
        const int64_t k1 = rb * kLanes + lane;
        if (k1 >= q) continue;
        v.re[lane] = spectrum_re[static_cast<size_t>(k1 + q * k2)];
        v.im[lane] = spectrum_im[static_cast<size_t>(k1 + q * k2)];
      }
    }
  }
}

void BluesteinDFT::execute(const Source& in, double* out_re, double* out_im, double scale, Workspace& ws) const {
  Source chirped = in;
  chirped.chirp_re = chirp_in_re_.data();
  chirped.chirp_im = chirp_in_im_.data();
  core_.columns_forward(chirped, -1, ws);
  core_.rows_convolve(kernel_spectrum_, ws);
  Sink sink;
  sink.re = out_re;
  sink.im = out_im;
  sink.start = n_ - 1;
  sink.count = count_;
  sink.modulus = p_;
  sink.chirp_re = chirp_out_re_.data();
  sink.chirp_im = chirp_out_im_.data();
  sink.scale = scale;
  core_.columns_inverse(+1, sink, ws);
}

std::string BluesteinDFT::describe() const {
  return "bluestein " + std::to_string(p_) + " (" + core_.describe() + ")";
}

}  // namespace predann::fft
