// resample: see resample.h.
#include "kernels/resample.h"

#include <algorithm>
#include <cmath>
#include <complex>
#include <exception>
#include <mutex>
#include <stdexcept>
#include <vector>

#include "kernels/fft.h"
#include "kernels/fft_roots.h"
#include "kernels/fft_runtime.h"
#include "kernels/parallel.h"

#ifdef _OPENMP
#include <omp.h>
#endif

namespace predann {

namespace {

using cd = std::complex<double>;

int max_threads() {
#ifdef _OPENMP
  return omp_get_max_threads();
#else
  return 1;
#endif
}

// `requested` threads, or what the calling thread's OpenMP settings give when 0.
int thread_count(int requested) { return requested > 0 ? requested : max_threads(); }

// scipy's copy of the spectrum: bins 0 .. bins−1 of X, the boundary bin scaled when min(num, Nx)
// is even (doubled when it becomes the output's Nyquist bin, halved when the input's Nyquist
// bin is split between +Nx/2 and −Nx/2 of a longer output).
struct SpectrumCopy {
  int64_t bins = 0;
  int64_t scaled_bin = -1;
  double factor = 1.0;
};

SpectrumCopy spectrum_copy(int64_t nx, int64_t num) {
  SpectrumCopy copy;
  const int64_t n = std::min(num, nx);
  copy.bins = n / 2 + 1;
  if (n % 2 == 0 && num != nx) {
    copy.scaled_bin = n / 2;
    copy.factor = num < nx ? 2.0 : 0.5;
  }
  return copy;
}

void validate(const ResampleInput& in, int64_t num) {
  if (in.data == nullptr) throw std::invalid_argument("resample: input data is missing");
  if (in.channels < 1) throw std::invalid_argument("resample: channels must be at least 1");
  if (in.samples < 1) throw std::invalid_argument("resample: samples must be at least 1");
  if (num < 1) throw std::invalid_argument("resample: num must be at least 1");
}

double sample_at(const ResampleInput& in, int64_t channel, int64_t sample) {
  const int64_t i = in.time_major ? sample * in.channels + channel : channel * in.samples + sample;
  return in.type == SampleType::float32 ? static_cast<double>(static_cast<const float*>(in.data)[i])
                                        : static_cast<const double*>(in.data)[i];
}

// Throws std::domain_error for the first non-finite value of `channel`, if any.
void require_finite_channel(const ResampleInput& in, int64_t channel) {
  for (int64_t s = 0; s < in.samples; ++s) {
    const double v = sample_at(in, channel, s);
    if (!std::isfinite(v)) {
      throw std::domain_error("resample: non-finite input value (" + std::string(std::isnan(v) ? "NaN" : "Infinity") +
                              ") at channel " + std::to_string(channel) + ", sample " + std::to_string(s));
    }
  }
}

// ---------------------------------------------------------------------------------------------
// Reference: direct sums.

// X[f] = Σ_n x[n]·exp(−2πi·n·f/Nx) for f < bins; x is one channel as float64.
std::vector<cd> direct_spectrum(const std::vector<double>& x, int64_t bins, const std::vector<cd>& roots) {
  const int64_t nx = static_cast<int64_t>(x.size());
  std::vector<cd> spectrum(static_cast<size_t>(bins));
  for (int64_t f = 0; f < bins; ++f) {
    cd sum = 0.0;
    int64_t index = 0;  // n·f mod Nx
    for (int64_t n = 0; n < nx; ++n) {
      sum += x[static_cast<size_t>(n)] * roots[static_cast<size_t>(index)];
      index += f;
      if (index >= nx) index -= nx;
    }
    spectrum[static_cast<size_t>(f)] = sum;
  }
  return spectrum;
}

// irfft(Y, num)·num/Nx at every output sample: (1/Nx)·[Re Y0 + Σ_f w_f·Re(Y_f·exp(2πi·f·n/num))],
// w_f = 1 for the Nyquist bin 2f = num (irfft keeps only its real part) and 2 otherwise.
void direct_inverse(const std::vector<cd>& y, int64_t nx, int64_t num, const std::vector<cd>& roots, double* out) {
  const int64_t bins = static_cast<int64_t>(y.size());
  for (int64_t n = 0; n < num; ++n) {
    double sum = y[0].real();
    int64_t index = 0;  // f·n mod num
    for (int64_t f = 1; f < bins; ++f) {
      index += n;
      if (index >= num) index -= num;
      const cd& w = roots[static_cast<size_t>(index)];  // exp(−2πi·f·n/num)
      const double term = y[static_cast<size_t>(f)].real() * w.real() + y[static_cast<size_t>(f)].imag() * w.imag();
      sum += (2 * f == num ? 1.0 : 2.0) * term;
    }
    out[n] = sum / static_cast<double>(nx);
  }
}

std::vector<cd> root_table(int64_t n) {
  std::vector<cd> roots(static_cast<size_t>(n));
  for (int64_t m = 0; m < n; ++m) roots[static_cast<size_t>(m)] = fft::unit_root(m, n);
  return roots;
}

// ---------------------------------------------------------------------------------------------
// Fast engine.

// Everything one thread needs to resample channel pairs, reused from pair to pair.
struct PairBuffers {
  fft::Workspace ws;
  std::vector<double> window_re, window_im;  // forward window: bins −(bins−1) .. bins−1
  std::vector<double> spectrum_re, spectrum_im;  // inverse input, length num
};

// Channel-major copies of a group of time-major channels.
struct GroupRows {
  std::vector<float> f32;
  std::vector<double> f64;
};

struct FastPlan {
  int64_t nx = 0, num = 0;
  SpectrumCopy copy;
  std::shared_ptr<const fft::WindowedDFT> forward, inverse;

  FastPlan(int64_t nx_, int64_t num_) : nx(nx_), num(num_), copy(spectrum_copy(nx_, num_)) {
    // Bins −(bins−1) .. bins−1 as one window (all Nx bins when that covers the circle).
    const int64_t count = std::min(2 * copy.bins - 1, nx);
    forward = fft::plan_dft(nx, nx - (copy.bins - 1), count, -1);
    inverse = fft::plan_dft(num, 0, num, +1);
  }

  void reserve(PairBuffers& b) const {
    b.ws.reserve(fft::max_size(forward->workspace_size(), inverse->workspace_size()));
    b.window_re.resize(static_cast<size_t>(forward->count()));
    b.window_im.resize(static_cast<size_t>(forward->count()));
    b.spectrum_re.resize(static_cast<size_t>(num));
    b.spectrum_im.resize(static_cast<size_t>(num));
  }

  // The packed spectrum Z = X_a + i·X_b at bin k (−bins < k < bins).
  cd packed_bin(const PairBuffers& b, int64_t k) const {
    int64_t j = (k - forward->start()) % nx;
    if (j < 0) j += nx;
    return {b.window_re[static_cast<size_t>(j)], b.window_im[static_cast<size_t>(j)]};
  }

  // Separates the two real channels (X_a[k] = (Z[k] + conj Z[−k])/2, X_b[k] = (Z[k] − conj Z[−k])/2i),
  // applies scipy's copy rules and packs the Hermitian output spectra as S = Y_a + i·Y_b, so that
  // one inverse DFT gives y_a in its real and y_b in its imaginary part.
  void build_output_spectrum(PairBuffers& b) const {
    std::fill(b.spectrum_re.begin(), b.spectrum_re.end(), 0.0);
    std::fill(b.spectrum_im.begin(), b.spectrum_im.end(), 0.0);
    for (int64_t f = 0; f < copy.bins; ++f) {
      const cd z = packed_bin(b, f), z_mirror = std::conj(packed_bin(b, -f));
      const double scale = f == copy.scaled_bin ? copy.factor : 1.0;
      const cd ya = 0.5 * scale * (z + z_mirror);
      const cd d = 0.5 * scale * (z - z_mirror);
      const cd yb(d.imag(), -d.real());  // d / i
      if (f == 0 || 2 * f == num) {  // irfft ignores the imaginary part of DC and Nyquist
        b.spectrum_re[static_cast<size_t>(f)] = ya.real();
        b.spectrum_im[static_cast<size_t>(f)] = yb.real();
        continue;
      }
      // S[f] = Y_a + i·Y_b and S[num − f] = conj(Y_a) + i·conj(Y_b).
      b.spectrum_re[static_cast<size_t>(f)] = ya.real() - yb.imag();
      b.spectrum_im[static_cast<size_t>(f)] = ya.imag() + yb.real();
      b.spectrum_re[static_cast<size_t>(num - f)] = ya.real() + yb.imag();
      b.spectrum_im[static_cast<size_t>(num - f)] = yb.real() - ya.imag();
    }
  }

  // Resamples rows a and b (b may be null) into out_a and out_b (out_b null when b is).
  void run_pair(const void* row_a, const void* row_b, bool f32, double* out_a, double* out_b, PairBuffers& b) const {
    fft::Source x;
    x.re = row_a;
    x.im = row_b;
    x.f32 = f32;
    x.length = nx;
    forward->execute(x, b.window_re.data(), b.window_im.data(), 1.0, b.ws);
    build_output_spectrum(b);
    fft::Source s;
    s.re = b.spectrum_re.data();
    s.im = b.spectrum_im.data();
    s.length = num;
    inverse->execute(s, out_a, out_b, 1.0 / static_cast<double>(nx), b.ws);
  }
};

bool all_finite(const double* p, int64_t n) {
  bool ok = true;
  for (int64_t i = 0; i < n; ++i) ok &= std::isfinite(p[i]);
  return ok;
}

// Resamples channels [first, first + count) whose rows lie at `rows` (row c − first, Nx elements
// each), in pairs (first must be even). Marks pairs whose output is not finite in `bad`.
void run_block(const FastPlan& plan, const void* rows, bool f32, int64_t first, int64_t count, int64_t channels,
               int threads, double* out, std::vector<char>& bad) {
  const size_t element = f32 ? sizeof(float) : sizeof(double);
  const char* base = static_cast<const char*>(rows);
  const int64_t pairs = (count + 1) / 2;
  std::exception_ptr error;  // exceptions must not leave an OpenMP region: keep the first
  std::mutex error_mutex;
#pragma omp parallel num_threads(threads)
  {
    std::unique_ptr<fft::Borrowed<PairBuffers>> buffers;  // borrowed on a thread's first pair
#pragma omp for schedule(dynamic, 1)
    for (int64_t p = 0; p < pairs; ++p) {
      try {
        if (!buffers) buffers = std::make_unique<fft::Borrowed<PairBuffers>>();
        plan.reserve(**buffers);
        const int64_t a = first + 2 * p;
        const bool has_b = a + 1 < channels;
        const void* row_a = base + static_cast<size_t>((a - first) * plan.nx) * element;
        const void* row_b = has_b ? base + static_cast<size_t>((a + 1 - first) * plan.nx) * element : nullptr;
        double* out_a = out + a * plan.num;
        double* out_b = has_b ? out_a + plan.num : nullptr;
        plan.run_pair(row_a, row_b, f32, out_a, out_b, **buffers);
        bad[static_cast<size_t>(a / 2)] = !all_finite(out_a, has_b ? 2 * plan.num : plan.num);
      } catch (...) {
        std::lock_guard<std::mutex> lock(error_mutex);
        if (!error) error = std::current_exception();
      }
    }
  }
  if (error) std::rethrow_exception(error);
}

// Copies channels [first, first + count) of a time-major (Nx, C) array into channel-major rows.
template <typename T>
void gather_channels(const T* x, int64_t nx, int64_t channels, int64_t first, int64_t count, int threads, T* rows) {
  constexpr int64_t kTile = 256;  // time steps per tile: the tile's cache lines stay in L1/L2
#pragma omp parallel for schedule(static) num_threads(threads)
  for (int64_t t0 = 0; t0 < nx; t0 += kTile) {
    const int64_t t1 = std::min(nx, t0 + kTile);
    for (int64_t c = 0; c < count; ++c) {
      T* row = rows + c * nx;
      for (int64_t t = t0; t < t1; ++t) row[t] = x[t * channels + first + c];
    }
  }
}

}  // namespace

void resample_ref(const ResampleInput& in, int64_t num, double* out, int threads) {
  validate(in, num);
  for (int64_t c = 0; c < in.channels; ++c) require_finite_channel(in, c);
  const int64_t nx = in.samples;
  const SpectrumCopy copy = spectrum_copy(nx, num);
  const std::vector<cd> forward_roots = root_table(nx), inverse_roots = root_table(num);
  const int team = thread_count(threads);
  run_on_openmp_host([&] {
    std::exception_ptr error;  // exceptions must not leave an OpenMP region: keep the first
    std::mutex error_mutex;
#pragma omp parallel for schedule(dynamic, 1) num_threads(team)
    for (int64_t c = 0; c < in.channels; ++c) {
      try {
        std::vector<double> x(static_cast<size_t>(nx));  // x is (Nx,) for this channel
        for (int64_t s = 0; s < nx; ++s) x[static_cast<size_t>(s)] = sample_at(in, c, s);
        std::vector<cd> y = direct_spectrum(x, copy.bins, forward_roots);  // y is (bins,)
        if (copy.scaled_bin >= 0) y[static_cast<size_t>(copy.scaled_bin)] *= copy.factor;
        direct_inverse(y, nx, num, inverse_roots, out + c * num);
      } catch (...) {
        std::lock_guard<std::mutex> lock(error_mutex);
        if (!error) error = std::current_exception();
      }
    }
    if (error) std::rethrow_exception(error);
  });
}

void resample(const ResampleInput& in, int64_t num, double* out, int threads) {
  validate(in, num);
  const FastPlan plan(in.samples, num);
  const bool f32 = in.type == SampleType::float32;
  const int team = thread_count(threads);
  std::vector<char> bad(static_cast<size_t>((in.channels + 1) / 2), 0);
  run_on_openmp_host([&] {
    if (!in.time_major) {
      run_block(plan, in.data, f32, 0, in.channels, in.channels, team, out, bad);
      return;
    }
    // Transpose a group of channels at a time into channel-major rows: each time step's group
    // is one or two cache lines, so the input is read once, and the copy stays small.
    const int64_t group = std::min<int64_t>(in.channels, std::max(16, 4 * team) / 2 * 2);
    fft::Borrowed<GroupRows> rows;
    const size_t size = static_cast<size_t>(group * in.samples);
    if (f32 && rows->f32.size() < size) rows->f32.resize(size);
    if (!f32 && rows->f64.size() < size) rows->f64.resize(size);
    for (int64_t first = 0; first < in.channels; first += group) {
      const int64_t count = std::min(group, in.channels - first);
      if (f32) {
        gather_channels(static_cast<const float*>(in.data), in.samples, in.channels, first, count, team,
                        rows->f32.data());
        run_block(plan, rows->f32.data(), true, first, count, in.channels, team, out, bad);
      } else {
        gather_channels(static_cast<const double*>(in.data), in.samples, in.channels, first, count, team,
                        rows->f64.data());
        run_block(plan, rows->f64.data(), false, first, count, in.channels, team, out, bad);
      }
    }
  });
  // A non-finite input spreads to the whole output of its pair; name the first one exactly.
  for (size_t p = 0; p < bad.size(); ++p) {
    if (!bad[p]) continue;
    const int64_t a = static_cast<int64_t>(2 * p);
    require_finite_channel(in, a);
    if (a + 1 < in.channels) require_finite_channel(in, a + 1);
    throw std::domain_error("resample: the result of channels " + std::to_string(a) + " and " + std::to_string(a + 1) +
                            " overflowed to infinity: the input values are too large for float64");
  }
}

std::string resample_describe(int64_t samples, int64_t num) {
  if (samples < 1 || num < 1) throw std::invalid_argument("resample: samples and num must be at least 1");
  const FastPlan plan(samples, num);
  return "forward " + std::to_string(samples) + ": " + plan.forward->describe() + "; inverse " + std::to_string(num) +
         ": " + plan.inverse->describe();
}

}  // namespace predann
