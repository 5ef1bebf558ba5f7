// sosfilt: see sosfilt.h.
// No contraction of a·b + c into fused multiply-adds in this file: SciPy's recursions (compiled for
// baseline x86-64) round every product, and the recursion is latency-bound, where an FMA gains
// nothing. It also keeps the fast versions bit-identical to the references.
#if defined(__clang__)
#pragma clang fp contract(off)
#elif defined(__GNUC__)
#pragma GCC optimize("fp-contract=off")
#endif
#include "kernels/sosfilt.h"

#include <algorithm>
#include <cmath>
#include <exception>
#include <mutex>
#include <stdexcept>
#include <string>
#include <vector>

#include "kernels/parallel.h"

namespace predann {

namespace {

constexpr int kLanes = 8;       // channels per block (one AVX-512 or two AVX2 vectors)
constexpr int64_t kTile = 256;  // samples per interleaved tile: (256, 8) doubles = 16 KiB
constexpr int64_t kChunk = 4096;  // filtfilt's recomputed chunk: (4096, 8) doubles = 256 KiB, in L2

int team_size(int requested) { return requested > 0 ? requested : thread_count(); }

// ---------------------------------------------------------------------------------------------
// Coefficients, normalised by a0.

struct Section {
  double b0, b1, b2, a1, a2;
};

// sos is (sections, 6).
std::vector<Section> normalised_sections(const char* who, const double* sos, int64_t sections) {
  if (sos == nullptr) throw std::invalid_argument(std::string(who) + ": sos is missing");
  if (sections < 1) throw std::invalid_argument(std::string(who) + ": sos must have at least one section (row)");
  std::vector<Section> out(static_cast<size_t>(sections));
  for (int64_t s = 0; s < sections; ++s) {
    const double* r = sos + 6 * s;
    if (r[3] == 0.0) {
      throw std::invalid_argument(std::string(who) + ": section " + std::to_string(s) + " has a0 = 0");
    }
    const double a0 = r[3];
    out[static_cast<size_t>(s)] = {r[0] / a0, r[1] / a0, r[2] / a0, r[4] / a0, r[5] / a0};
  }
  return out;
}

// b and a normalised by a[0] and zero-padded to n = max(nb, na).
struct Transfer {
  std::vector<double> b, a;
  int64_t order() const { return static_cast<int64_t>(b.size()); }  // n
};

Transfer normalised_transfer(const char* who, const double* b, int64_t nb, const double* a, int64_t na) {
  if (b == nullptr || a == nullptr) throw std::invalid_argument(std::string(who) + ": b or a is missing");
  if (nb < 1 || na < 1) throw std::invalid_argument(std::string(who) + ": b and a must have at least one coefficient");
  if (a[0] == 0.0) throw std::invalid_argument(std::string(who) + ": a[0] must not be 0");
  const int64_t n = std::max(nb, na);
  Transfer t;
  t.b.assign(static_cast<size_t>(n), 0.0);
  t.a.assign(static_cast<size_t>(n), 0.0);
  for (int64_t k = 0; k < nb; ++k) t.b[static_cast<size_t>(k)] = b[k] / a[0];
  for (int64_t k = 0; k < na; ++k) t.a[static_cast<size_t>(k)] = a[k] / a[0];
  return t;
}

void validate_signal(const char* who, const double* x, int64_t channels, int64_t samples, const double* y) {
  if (x == nullptr || y == nullptr) throw std::invalid_argument(std::string(who) + ": input or output data is missing");
  if (channels < 1) throw std::invalid_argument(std::string(who) + ": channels must be at least 1");
  if (samples < 1) throw std::invalid_argument(std::string(who) + ": samples must be at least 1");
}

int64_t resolve_padlen(const char* who, int64_t padlen, int64_t default_padlen, int64_t samples) {
  if (padlen < -1) throw std::invalid_argument(std::string(who) + ": padlen must be -1 (default) or >= 0");
  const int64_t p = padlen == -1 ? default_padlen : padlen;
  if (p > 0 && samples <= p) {
    throw std::invalid_argument(std::string(who) + ": the length of the input vector x must be greater than padlen, which is " +
                                std::to_string(p) + " (samples: " + std::to_string(samples) + ")");
  }
  return p;
}

std::string non_finite_message(const char* who, double v, int64_t channel, int64_t sample) {
  return std::string(who) + ": non-finite input value (" + (std::isnan(v) ? "NaN" : "Infinity") + ") at channel " +
         std::to_string(channel) + ", sample " + std::to_string(sample);
}

// Throws std::domain_error for the first non-finite value of row `channel` of x, if any.
void require_finite_channel(const char* who, const double* x, int64_t channel, int64_t samples) {
  const double* row = x + channel * samples;
  for (int64_t s = 0; s < samples; ++s) {
    if (!std::isfinite(row[s])) throw std::domain_error(non_finite_message(who, row[s], channel, s));
  }
}

// ---------------------------------------------------------------------------------------------
// Scalar recursions (the reference). z is the channel's state: (sections, 2) resp. (n − 1,).

void sos_scalar(const std::vector<Section>& f, double* z, const double* x, int64_t count, double* y) {
  const int64_t ns = static_cast<int64_t>(f.size());
  for (int64_t t = 0; t < count; ++t) {
    double v = x[t];
    for (int64_t s = 0; s < ns; ++s) {
      const Section& c = f[static_cast<size_t>(s)];
      const double out = c.b0 * v + z[2 * s];
      z[2 * s] = c.b1 * v - c.a1 * out + z[2 * s + 1];
      z[2 * s + 1] = c.b2 * v - c.a2 * out;
      v = out;
    }
    y[t] = v;
  }
}

void transfer_scalar(const Transfer& f, double* z, const double* x, int64_t count, double* y) {
  const int64_t n = f.order();
  const double* b = f.b.data();
  const double* a = f.a.data();
  for (int64_t t = 0; t < count; ++t) {
    const double v = x[t];
    if (n == 1) {
      y[t] = b[0] * v;
      continue;
    }
    const double out = b[0] * v + z[0];
    for (int64_t k = 0; k + 2 < n; ++k) z[k] = b[k + 1] * v - a[k + 1] * out + z[k + 1];
    z[n - 2] = b[n - 1] * v - a[n - 1] * out;
    y[t] = out;
  }
}

// ---------------------------------------------------------------------------------------------
// Lane recursions (the fast engine): data is (count, 8) time-major, filtered in place, forward or
// reversed in time; z is (states, 8). Same arithmetic per lane as the scalar versions, written with
// GCC/Clang vector extensions (one AVX-512 register, or two AVX2 ones): left to itself the
// compiler vectorised the lane loops poorly (scalar multiplies and shuffles).

typedef double Lanes __attribute__((vector_size(kLanes * sizeof(double))));

inline Lanes load(const double* p) {
  Lanes v;
  __builtin_memcpy(&v, p, sizeof v);
  return v;
}
inline void store(double* p, Lanes v) { __builtin_memcpy(p, &v, sizeof v); }
inline Lanes splat(double x) { return Lanes{} + x; }

typedef long long LaneIndex __attribute__((vector_size(kLanes * sizeof(long long))));

// In place 8×8 transpose of r[0..7]: afterwards r[j][i] is the old r[i][j].
inline void transpose8(Lanes r[kLanes]) {
  const LaneIndex even = {0, 8, 2, 10, 4, 12, 6, 14}, odd = {1, 9, 3, 11, 5, 13, 7, 15};
  const LaneIndex low2 = {0, 1, 8, 9, 4, 5, 12, 13}, high2 = {2, 3, 10, 11, 6, 7, 14, 15};
  const LaneIndex low4 = {0, 1, 2, 3, 8, 9, 10, 11}, high4 = {4, 5, 6, 7, 12, 13, 14, 15};
  Lanes a[kLanes], b[kLanes];
  for (int i = 0; i < kLanes; i += 2) {
    a[i] = __builtin_shuffle(r[i], r[i + 1], even);     // columns 0, 2, 4, 6 of rows i, i+1
    a[i + 1] = __builtin_shuffle(r[i], r[i + 1], odd);  // columns 1, 3, 5, 7
  }
  for (int i = 0; i < kLanes; i += 4) {
    for (int j = 0; j < 2; ++j) {
      b[i + j] = __builtin_shuffle(a[i + j], a[i + 2 + j], low2);       // columns j, 4+j of rows i..i+3
      b[i + 2 + j] = __builtin_shuffle(a[i + j], a[i + 2 + j], high2);  // columns 2+j, 6+j
    }
  }
  // b[0..3] hold rows 0..3 for columns {0,4}, {1,5}, {2,6}, {3,7}; b[4..7] the same for rows 4..7.
  for (int j = 0; j < 4; ++j) {
    r[j] = __builtin_shuffle(b[j], b[4 + j], low4);
    r[4 + j] = __builtin_shuffle(b[j], b[4 + j], high4);
  }
}

// tile[t][l] = rows[l][t] for t < 8·groups (tile is time-major (8·groups, 8)).
inline void rows_to_tile(const double* const rows[kLanes], int64_t offset, int64_t groups, double* tile) {
  for (int64_t g = 0; g < groups; ++g) {
    Lanes r[kLanes];
    for (int l = 0; l < kLanes; ++l) r[l] = load(rows[l] + offset + 8 * g);
    transpose8(r);
    for (int t = 0; t < kLanes; ++t) store(tile + (8 * g + t) * kLanes, r[t]);
  }
}

// rows[l][t] = tile[t][l] for t < 8·groups.
inline void tile_to_rows(const double* tile, int64_t groups, double* const rows[kLanes], int64_t offset) {
  for (int64_t g = 0; g < groups; ++g) {
    Lanes r[kLanes];
    for (int t = 0; t < kLanes; ++t) r[t] = load(tile + (8 * g + t) * kLanes);
    transpose8(r);
    for (int l = 0; l < kLanes; ++l) store(rows[l] + offset + 8 * g, r[l]);
  }
}

template <int NS>
void sos_lanes_fixed(const Section* f, double* z, double* data, int64_t count, bool reverse) {
  Lanes z0[NS], z1[NS], b0[NS], b1[NS], b2[NS], a1[NS], a2[NS];
  for (int s = 0; s < NS; ++s) {
    z0[s] = load(z + (2 * s) * kLanes);
    z1[s] = load(z + (2 * s + 1) * kLanes);
    b0[s] = splat(f[s].b0), b1[s] = splat(f[s].b1), b2[s] = splat(f[s].b2);
    a1[s] = splat(f[s].a1), a2[s] = splat(f[s].a2);
  }
  const int64_t step = reverse ? -kLanes : kLanes;
  double* p = reverse ? data + (count - 1) * kLanes : data;
  for (int64_t t = 0; t < count; ++t, p += step) {
    Lanes v = load(p);
    for (int s = 0; s < NS; ++s) {
      const Lanes out = b0[s] * v + z0[s];
      z0[s] = b1[s] * v - a1[s] * out + z1[s];
      z1[s] = b2[s] * v - a2[s] * out;
      v = out;
    }
    store(p, v);
  }
  for (int s = 0; s < NS; ++s) {
    store(z + (2 * s) * kLanes, z0[s]);
    store(z + (2 * s + 1) * kLanes, z1[s]);
  }
}

void sos_lanes_any(const std::vector<Section>& f, double* z, double* data, int64_t count, bool reverse) {
  const int64_t ns = static_cast<int64_t>(f.size());
  const int64_t step = reverse ? -kLanes : kLanes;
  double* p = reverse ? data + (count - 1) * kLanes : data;
  for (int64_t t = 0; t < count; ++t, p += step) {
    Lanes v = load(p);
    for (int64_t s = 0; s < ns; ++s) {
      const Section& c = f[static_cast<size_t>(s)];
      double* z0 = z + 2 * s * kLanes;
      double* z1 = z0 + kLanes;
      const Lanes out = c.b0 * v + load(z0);
      store(z0, c.b1 * v - c.a1 * out + load(z1));
      store(z1, c.b2 * v - c.a2 * out);
      v = out;
    }
    store(p, v);
  }
}

void transfer_lanes(const Transfer& f, double* z, double* data, int64_t count, bool reverse) {
  const int64_t n = f.order();
  const double* b = f.b.data();
  const double* a = f.a.data();
  const int64_t step = reverse ? -kLanes : kLanes;
  double* p = reverse ? data + (count - 1) * kLanes : data;
  for (int64_t t = 0; t < count; ++t, p += step) {
    const Lanes v = load(p);
    if (n == 1) {
      store(p, b[0] * v);
      continue;
    }
    const Lanes out = b[0] * v + load(z);
    for (int64_t k = 0; k + 2 < n; ++k) store(z + k * kLanes, b[k + 1] * v - a[k + 1] * out + load(z + (k + 1) * kLanes));
    store(z + (n - 2) * kLanes, b[n - 1] * v - a[n - 1] * out);
    store(p, out);
  }
}

// transfer_lanes with the order known at compile time: the N − 1 states stay in registers instead
// of going through memory every sample (the official band-pass, N = 11: 2.1× faster). Same
// arithmetic, same results.
template <int N>
void transfer_lanes_fixed(const Transfer& f, double* z, double* data, int64_t count, bool reverse) {
  Lanes b[N], a[N], s[N - 1];
  for (int k = 0; k < N; ++k) b[k] = splat(f.b[static_cast<size_t>(k)]), a[k] = splat(f.a[static_cast<size_t>(k)]);
  for (int k = 0; k < N - 1; ++k) s[k] = load(z + k * kLanes);
  const int64_t step = reverse ? -kLanes : kLanes;
  double* p = reverse ? data + (count - 1) * kLanes : data;
  for (int64_t t = 0; t < count; ++t, p += step) {
    const Lanes v = load(p);
    const Lanes out = b[0] * v + s[0];
    for (int k = 0; k + 2 < N; ++k) s[k] = b[k + 1] * v - a[k + 1] * out + s[k + 1];
    s[N - 2] = b[N - 1] * v - a[N - 1] * out;
    store(p, out);
  }
  for (int k = 0; k < N - 1; ++k) store(z + k * kLanes, s[k]);
}

// One filter, two faces: the scalar recursion for the reference, the lane recursion for the
// fast engine. `states` per channel.
struct SosFilter {
  std::vector<Section> f;
  int64_t states() const { return 2 * static_cast<int64_t>(f.size()); }
  void scalar(double* z, const double* x, int64_t count, double* y) const { sos_scalar(f, z, x, count, y); }
  void lanes(double* z, double* data, int64_t count, bool reverse) const {
    switch (f.size()) {
      case 1: return sos_lanes_fixed<1>(f.data(), z, data, count, reverse);
      case 2: return sos_lanes_fixed<2>(f.data(), z, data, count, reverse);
      case 3: return sos_lanes_fixed<3>(f.data(), z, data, count, reverse);
      case 4: return sos_lanes_fixed<4>(f.data(), z, data, count, reverse);
      case 5: return sos_lanes_fixed<5>(f.data(), z, data, count, reverse);
      case 6: return sos_lanes_fixed<6>(f.data(), z, data, count, reverse);
      case 8: return sos_lanes_fixed<8>(f.data(), z, data, count, reverse);
      default: return sos_lanes_any(f, z, data, count, reverse);
    }
  }
};

struct TransferFilter {
  Transfer f;
  int64_t states() const { return f.order() - 1; }
  void scalar(double* z, const double* x, int64_t count, double* y) const { transfer_scalar(f, z, x, count, y); }
  void lanes(double* z, double* data, int64_t count, bool reverse) const {
    switch (f.order()) {  // the orders of Butterworth / Chebyshev designs up to 8 poles, and 2·5 + 1
      case 2: return transfer_lanes_fixed<2>(f, z, data, count, reverse);
      case 3: return transfer_lanes_fixed<3>(f, z, data, count, reverse);
      case 4: return transfer_lanes_fixed<4>(f, z, data, count, reverse);
      case 5: return transfer_lanes_fixed<5>(f, z, data, count, reverse);
      case 7: return transfer_lanes_fixed<7>(f, z, data, count, reverse);
      case 9: return transfer_lanes_fixed<9>(f, z, data, count, reverse);
      case 11: return transfer_lanes_fixed<11>(f, z, data, count, reverse);
      default: return transfer_lanes(f, z, data, count, reverse);
    }
  }
};

// ---------------------------------------------------------------------------------------------
// Reference drivers.

// x, y are (channels, samples); zi, zf (channels, states) or null.
template <class Filter>
void filter_ref(const Filter& filter, const double* x, int64_t channels, int64_t samples, double* y, const double* zi,
                double* zf) {
  const int64_t k = filter.states();
  std::vector<double> z(static_cast<size_t>(k));
  for (int64_t c = 0; c < channels; ++c) {
    for (int64_t j = 0; j < k; ++j) z[static_cast<size_t>(j)] = zi ? zi[c * k + j] : 0.0;
    filter.scalar(z.data(), x + c * samples, samples, y + c * samples);
    if (zf) std::copy(z.begin(), z.end(), zf + c * k);
  }
}

template <class Filter>
void filtfilt_ref_impl(const char* who, const Filter& filter, const std::vector<double>& zi, const double* x,
                       int64_t channels, int64_t samples, double* y, int64_t padlen) {
  for (int64_t c = 0; c < channels; ++c) require_finite_channel(who, x, c, samples);
  const int64_t k = filter.states();
  const int64_t length = samples + 2 * padlen;
  std::vector<double> ext(static_cast<size_t>(length)), forward(static_cast<size_t>(length)),
      backward(static_cast<size_t>(length)), z(static_cast<size_t>(k));
  for (int64_t c = 0; c < channels; ++c) {
    odd_extend(x + c * samples, samples, padlen, ext.data());  // ext is (length,)
    for (int64_t j = 0; j < k; ++j) z[static_cast<size_t>(j)] = zi[static_cast<size_t>(j)] * ext[0];
    filter.scalar(z.data(), ext.data(), length, forward.data());
    std::reverse(forward.begin(), forward.end());
    for (int64_t j = 0; j < k; ++j) z[static_cast<size_t>(j)] = zi[static_cast<size_t>(j)] * forward[0];
    filter.scalar(z.data(), forward.data(), length, backward.data());
    std::reverse(backward.begin(), backward.end());
    std::copy(backward.begin() + padlen, backward.begin() + padlen + samples, y + c * samples);
  }
}

// ---------------------------------------------------------------------------------------------
// Fast drivers.

// The first non-finite input over all threads: the smallest channel wins, as in the reference.
struct FirstError {
  std::mutex mutex;
  int64_t channel = -1;
  std::string message;
  std::exception_ptr other;

  void non_finite(const char* who, const double* x, int64_t channel_, int64_t samples) {
    const double* row = x + channel_ * samples;
    for (int64_t s = 0; s < samples; ++s) {
      if (!std::isfinite(row[s])) {
        std::lock_guard<std::mutex> lock(mutex);
        if (channel < 0 || channel_ < channel) channel = channel_, message = non_finite_message(who, row[s], channel_, s);
        return;
      }
    }
  }
  void failed(std::exception_ptr e) {
    std::lock_guard<std::mutex> lock(mutex);
    if (!other) other = e;
  }
  void rethrow() const {
    if (other) std::rethrow_exception(other);
    if (channel >= 0) throw std::domain_error(message);
  }
};

// Checks the block's final states; a non-finite one means a non-finite input (NaN and Inf
// propagate through the recursion), which is then located in the input.
void check_block(const char* who, FirstError& error, const double* z, int64_t states, const double* x, int64_t first,
                 int lanes, int64_t samples) {
  for (int l = 0; l < lanes; ++l) {
    bool finite = true;
    for (int64_t j = 0; j < states; ++j) finite = finite && std::isfinite(z[j * kLanes + l]);
    if (!finite) error.non_finite(who, x, first + l, samples);
  }
}

// Runs `block(first, lanes)` for every block of 8 channels on the OpenMP team.
template <class Block>
void for_each_block(int64_t channels, int threads, FirstError& error, const Block& block) {
  const int64_t blocks = (channels + kLanes - 1) / kLanes;
  const int team = static_cast<int>(std::max<int64_t>(1, std::min<int64_t>(team_size(threads), blocks)));
  run_on_openmp_host([&] {
#pragma omp parallel for schedule(dynamic, 1) num_threads(team)
    for (int64_t i = 0; i < blocks; ++i) {
      try {
        const int64_t first = i * kLanes;
        block(first, static_cast<int>(std::min<int64_t>(kLanes, channels - first)));
      } catch (...) {
        error.failed(std::current_exception());
      }
    }
  });
  error.rethrow();
}

// The fast drivers find a non-finite input from the final states, which keep any NaN or Inf that
// passed (every state update multiplies the output, and 0·NaN is NaN, so even FIR sections keep
// it). A plain gain (b and a of length 1) has no states: its input is scanned first.
template <class Filter>
void require_finite_without_states(const char* who, const Filter& filter, const double* x, int64_t channels, int64_t samples) {
  if (filter.states() > 0) return;
  for (int64_t c = 0; c < channels; ++c) require_finite_channel(who, x, c, samples);
}

template <class Filter>
void filter_fast(const char* who, const Filter& filter, const double* x, int64_t channels, int64_t samples, double* y,
                 const double* zi, double* zf, int threads) {
  require_finite_without_states(who, filter, x, channels, samples);
  const int64_t k = filter.states();
  FirstError error;
  for_each_block(channels, threads, error, [&](int64_t first, int lanes) {
    std::vector<double> z(static_cast<size_t>(std::max<int64_t>(k, 1) * kLanes), 0.0);  // z is (states, 8)
    std::vector<double> tile(static_cast<size_t>(kTile * kLanes), 0.0);                // tile is (kTile, 8)
    for (int l = 0; l < lanes; ++l)
      for (int64_t j = 0; j < k; ++j) z[static_cast<size_t>(j * kLanes + l)] = zi ? zi[(first + l) * k + j] : 0.0;
    for (int64_t t0 = 0; t0 < samples; t0 += kTile) {
      const int64_t count = std::min(kTile, samples - t0);
      for (int l = 0; l < lanes; ++l) {
        const double* row = x + (first + l) * samples + t0;
        for (int64_t t = 0; t < count; ++t) tile[static_cast<size_t>(t * kLanes + l)] = row[t];
      }
      filter.lanes(z.data(), tile.data(), count, false);
      for (int l = 0; l < lanes; ++l) {
        double* row = y + (first + l) * samples + t0;
        for (int64_t t = 0; t < count; ++t) row[t] = tile[static_cast<size_t>(t * kLanes + l)];
      }
    }
    check_block(who, error, z.data(), k, x, first, lanes, samples);
    if (zf) {
      for (int l = 0; l < lanes; ++l)
        for (int64_t j = 0; j < k; ++j) zf[(first + l) * k + j] = z[static_cast<size_t>(j * kLanes + l)];
    }
  });
}

template <class Filter>
void filtfilt_fast(const char* who, const Filter& filter, const std::vector<double>& zi, const double* x,
                   int64_t channels, int64_t samples, double* y, int64_t padlen, int threads) {
  require_finite_without_states(who, filter, x, channels, samples);
  const int64_t k = filter.states();
  const int64_t length = samples + 2 * padlen;
  FirstError error;
  // Chunks of kChunk samples: the forward pass keeps only the state at the start of each chunk;
  // the backward pass recomputes one chunk's forward output at a time (from its checkpoint, the
  // same arithmetic, so the same numbers) and filters it backward while it is in cache. x is read
  // twice and y written once; no (samples, 8) buffer goes through memory.
  const int64_t chunks = (length + kChunk - 1) / kChunk;
  for_each_block(channels, threads, error, [&](int64_t first, int lanes) {
    std::vector<double> chunk(static_cast<size_t>(kChunk * kLanes));  // chunk is (kChunk, 8)
    const size_t state_size = static_cast<size_t>(std::max<int64_t>(k, 1) * kLanes);
    std::vector<double> z(state_size, 0.0), zb(state_size, 0.0);  // (states, 8): forward, backward
    std::vector<double> checkpoints(static_cast<size_t>(chunks) * state_size);  // (chunks, states, 8)
    const double* rows[kLanes];
    double* out_rows[kLanes];
    for (int l = 0; l < kLanes; ++l) {
      rows[l] = x + (first + std::min(l, lanes - 1)) * samples;
      out_rows[l] = y + (first + std::min(l, lanes - 1)) * samples;
    }
    // The samples the padding reflects, copied, so that y may alias x: left is (8, padlen + 1) =
    // x[0 ..= padlen], right is (8, padlen + 1) = x[N − 1 − padlen ..= N − 1].
    const int64_t edge = padlen + 1;
    std::vector<double> left(static_cast<size_t>(kLanes * edge)), right(static_cast<size_t>(kLanes * edge));
    for (int l = 0; l < kLanes && padlen > 0; ++l) {
      std::copy(rows[l], rows[l] + edge, left.begin() + l * edge);
      std::copy(rows[l] + samples - edge, rows[l] + samples, right.begin() + l * edge);
    }
    // Gathers ext[c·kChunk ..) of the 8 channels into `chunk` and filters it forward from zz;
    // returns the chunk's length.
    auto forward_chunk = [&](int64_t c, double* zz) {
      const int64_t i0 = c * kChunk, i1 = std::min(length, i0 + kChunk);
      double* tile = chunk.data();
      // The middle of the extension (x itself) by 8×8 transposes, the rest sample by sample.
      const int64_t mid0 = std::max(i0, padlen), mid_end = std::min(i1, padlen + samples);
      const int64_t groups = mid_end > mid0 ? (mid_end - mid0) / 8 : 0;
      if (groups > 0) rows_to_tile(rows, mid0 - padlen, groups, tile + (mid0 - i0) * kLanes);
      for (int l = 0; l < kLanes; ++l) {
        const double* r = rows[l];
        const double* le = left.data() + l * edge;   // le[j] = x[j]
        const double* ri = right.data() + l * edge;  // ri[j] = x[N − 1 − padlen + j]
        // The padding reads the copies: by the time the backward pass recomputes chunk 0 (or the
        // chunks that hold the right padding) the chunks after it have written y, which may be x.
        int64_t i = i0;
        for (; i < std::min(i1, padlen); ++i) tile[(i - i0) * kLanes + l] = 2.0 * le[0] - le[padlen - i];
        for (i = std::max(i, mid0 + 8 * groups); i < mid_end; ++i) tile[(i - i0) * kLanes + l] = r[i - padlen];
        // x[N − 2 − j] = ri[padlen − 1 − j] for the j-th sample after x; x[N − 1] = ri[padlen].
        for (; i < i1; ++i) tile[(i - i0) * kLanes + l] = 2.0 * ri[padlen] - ri[padlen - 1 - (i - padlen - samples)];
      }
      for (int64_t t0 = 0; t0 < i1 - i0; t0 += kTile) filter.lanes(zz, tile + t0 * kLanes, std::min(kTile, i1 - i0 - t0), false);
      return i1 - i0;
    };

    // Forward pass over the odd extension, keeping a checkpoint per chunk.
    for (int l = 0; l < kLanes; ++l) {
      const double* r = rows[l];
      const double ext0 = padlen > 0 ? 2.0 * r[0] - r[padlen] : r[0];
      for (int64_t j = 0; j < k; ++j) z[static_cast<size_t>(j * kLanes + l)] = zi[static_cast<size_t>(j)] * ext0;
    }
    int64_t last_count = 0;
    for (int64_t c = 0; c < chunks; ++c) {
      std::copy(z.begin(), z.end(), checkpoints.begin() + static_cast<ptrdiff_t>(c * state_size));
      last_count = forward_chunk(c, z.data());
    }
    check_block(who, error, z.data(), k, x, first, lanes, samples);

    // Backward pass from the end down to the first kept sample, writing the kept samples.
    for (int l = 0; l < kLanes; ++l) {
      const double last = chunk[static_cast<size_t>((last_count - 1) * kLanes + l)];
      for (int64_t j = 0; j < k; ++j) zb[static_cast<size_t>(j * kLanes + l)] = zi[static_cast<size_t>(j)] * last;
    }
    for (int64_t c = chunks - 1; c >= 0 && (c + 1) * kChunk > padlen; --c) {
      if (c < chunks - 1) {  // the last chunk is still in `chunk`
        std::copy(checkpoints.begin() + static_cast<ptrdiff_t>(c * state_size),
                  checkpoints.begin() + static_cast<ptrdiff_t>((c + 1) * state_size), z.begin());
        forward_chunk(c, z.data());
      }
      const int64_t i0 = std::max(padlen, c * kChunk), i1 = std::min(length, (c + 1) * kChunk);
      double* tile = chunk.data() + (i0 - c * kChunk) * kLanes;
      filter.lanes(zb.data(), tile, i1 - i0, true);
      const int64_t keep_end = std::min(i1, padlen + samples);
      int64_t i = i0;
      if (lanes == kLanes && keep_end - i0 >= 8) {  // full blocks: 8×8 transposes
        const int64_t groups = (keep_end - i0) / 8;
        tile_to_rows(tile, groups, out_rows, i0 - padlen);
        i += 8 * groups;
      }
      for (int l = 0; l < lanes; ++l) {
        double* row = out_rows[l] - padlen;
        for (int64_t j = i; j < keep_end; ++j) row[j] = tile[(j - i0) * kLanes + l];
      }
    }
  });
}

}  // namespace

// ---------------------------------------------------------------------------------------------
// Initial conditions and padding.

std::vector<double> lfilter_zi(const double* b, int64_t nb, const double* a, int64_t na) {
  const Transfer t = normalised_transfer("lfilter_zi", b, nb, a, na);
  const int64_t n = t.order() - 1;
  if (n == 0) return {};
  // m is (n, n): I − companion(a)ᵀ; rhs is (n,): b[1:] − a[1:]·b[0].
  std::vector<double> m(static_cast<size_t>(n * n), 0.0), rhs(static_cast<size_t>(n));
  for (int64_t i = 0; i < n; ++i) {
    m[i * n + i] = 1.0;
    m[i * n + 0] += t.a[static_cast<size_t>(i + 1)];
    if (i + 1 < n) m[i * n + i + 1] -= 1.0;
    rhs[static_cast<size_t>(i)] = t.b[static_cast<size_t>(i + 1)] - t.a[static_cast<size_t>(i + 1)] * t.b[0];
  }
  // Gaussian elimination with partial pivoting.
  for (int64_t col = 0; col < n; ++col) {
    int64_t pivot = col;
    for (int64_t r = col + 1; r < n; ++r)
      if (std::fabs(m[r * n + col]) > std::fabs(m[pivot * n + col])) pivot = r;
    if (m[pivot * n + col] == 0.0) throw std::invalid_argument("lfilter_zi: I - companion(a)^T is singular (a pole at z = 1)");
    if (pivot != col) {
      for (int64_t j = 0; j < n; ++j) std::swap(m[col * n + j], m[pivot * n + j]);
      std::swap(rhs[static_cast<size_t>(col)], rhs[static_cast<size_t>(pivot)]);
    }
    for (int64_t r = col + 1; r < n; ++r) {
      const double factor = m[r * n + col] / m[col * n + col];
      if (factor == 0.0) continue;
      for (int64_t j = col; j < n; ++j) m[r * n + j] -= factor * m[col * n + j];
      rhs[static_cast<size_t>(r)] -= factor * rhs[static_cast<size_t>(col)];
    }
  }
  std::vector<double> zi(static_cast<size_t>(n));
  for (int64_t r = n - 1; r >= 0; --r) {
    double sum = rhs[static_cast<size_t>(r)];
    for (int64_t j = r + 1; j < n; ++j) sum -= m[r * n + j] * zi[static_cast<size_t>(j)];
    zi[static_cast<size_t>(r)] = sum / m[r * n + r];
  }
  return zi;
}

std::vector<double> sosfilt_zi(const double* sos, int64_t sections) {
  normalised_sections("sosfilt_zi", sos, sections);  // validates
  std::vector<double> zi(static_cast<size_t>(2 * sections));
  double scale = 1.0;
  for (int64_t s = 0; s < sections; ++s) {
    const double* r = sos + 6 * s;
    const std::vector<double> section_zi = lfilter_zi(r, 3, r + 3, 3);
    zi[static_cast<size_t>(2 * s)] = scale * section_zi[0];
    zi[static_cast<size_t>(2 * s + 1)] = scale * section_zi[1];
    scale *= (r[0] + r[1] + r[2]) / (r[3] + r[4] + r[5]);
  }
  return zi;
}

int64_t sosfiltfilt_default_padlen(const double* sos, int64_t sections) {
  normalised_sections("sosfiltfilt", sos, sections);
  int64_t b2_zero = 0, a2_zero = 0;
  for (int64_t s = 0; s < sections; ++s) {
    b2_zero += sos[6 * s + 2] == 0.0;
    a2_zero += sos[6 * s + 5] == 0.0;
  }
  return 3 * (2 * sections + 1 - std::min(b2_zero, a2_zero));
}

int64_t filtfilt_default_padlen(int64_t nb, int64_t na) { return 3 * std::max(nb, na); }

void odd_extend(const double* x, int64_t samples, int64_t padlen, double* ext) {
  if (padlen < 0) throw std::invalid_argument("odd_extend: padlen must be >= 0");
  if (padlen > 0 && samples <= padlen) {
    throw std::invalid_argument("odd_extend: the length of the input vector x must be greater than padlen, which is " +
                                std::to_string(padlen) + " (samples: " + std::to_string(samples) + ")");
  }
  for (int64_t i = 0; i < padlen; ++i) ext[i] = 2.0 * x[0] - x[padlen - i];
  for (int64_t i = 0; i < samples; ++i) ext[padlen + i] = x[i];
  for (int64_t j = 0; j < padlen; ++j) ext[padlen + samples + j] = 2.0 * x[samples - 1] - x[samples - 2 - j];
}

// ---------------------------------------------------------------------------------------------
// Public entry points.

void sosfilt_ref(const double* sos, int64_t sections, const double* x, int64_t channels, int64_t samples, double* y,
                 const double* zi, double* zf) {
  const SosFilter filter{normalised_sections("sosfilt", sos, sections)};
  validate_signal("sosfilt", x, channels, samples, y);
  for (int64_t c = 0; c < channels; ++c) require_finite_channel("sosfilt", x, c, samples);
  filter_ref(filter, x, channels, samples, y, zi, zf);
}

void sosfilt(const double* sos, int64_t sections, const double* x, int64_t channels, int64_t samples, double* y,
             const double* zi, double* zf, int threads) {
  const SosFilter filter{normalised_sections("sosfilt", sos, sections)};
  validate_signal("sosfilt", x, channels, samples, y);
  filter_fast("sosfilt", filter, x, channels, samples, y, zi, zf, threads);
}

void lfilter_ref(const double* b, int64_t nb, const double* a, int64_t na, const double* x, int64_t channels,
                 int64_t samples, double* y, const double* zi, double* zf) {
  const TransferFilter filter{normalised_transfer("lfilter", b, nb, a, na)};
  validate_signal("lfilter", x, channels, samples, y);
  for (int64_t c = 0; c < channels; ++c) require_finite_channel("lfilter", x, c, samples);
  filter_ref(filter, x, channels, samples, y, zi, zf);
}

void lfilter(const double* b, int64_t nb, const double* a, int64_t na, const double* x, int64_t channels,
             int64_t samples, double* y, const double* zi, double* zf, int threads) {
  const TransferFilter filter{normalised_transfer("lfilter", b, nb, a, na)};
  validate_signal("lfilter", x, channels, samples, y);
  filter_fast("lfilter", filter, x, channels, samples, y, zi, zf, threads);
}

void sosfiltfilt_ref(const double* sos, int64_t sections, const double* x, int64_t channels, int64_t samples,
                     double* y, int64_t padlen) {
  const SosFilter filter{normalised_sections("sosfiltfilt", sos, sections)};
  validate_signal("sosfiltfilt", x, channels, samples, y);
  const int64_t p = resolve_padlen("sosfiltfilt", padlen, sosfiltfilt_default_padlen(sos, sections), samples);
  filtfilt_ref_impl("sosfiltfilt", filter, sosfilt_zi(sos, sections), x, channels, samples, y, p);
}

void sosfiltfilt(const double* sos, int64_t sections, const double* x, int64_t channels, int64_t samples, double* y,
                 int64_t padlen, int threads) {
  const SosFilter filter{normalised_sections("sosfiltfilt", sos, sections)};
  validate_signal("sosfiltfilt", x, channels, samples, y);
  const int64_t p = resolve_padlen("sosfiltfilt", padlen, sosfiltfilt_default_padlen(sos, sections), samples);
  filtfilt_fast("sosfiltfilt", filter, sosfilt_zi(sos, sections), x, channels, samples, y, p, threads);
}

void filtfilt_ref(const double* b, int64_t nb, const double* a, int64_t na, const double* x, int64_t channels,
                  int64_t samples, double* y, int64_t padlen) {
  const TransferFilter filter{normalised_transfer("filtfilt", b, nb, a, na)};
  validate_signal("filtfilt", x, channels, samples, y);
  const int64_t p = resolve_padlen("filtfilt", padlen, filtfilt_default_padlen(nb, na), samples);
  filtfilt_ref_impl("filtfilt", filter, lfilter_zi(b, nb, a, na), x, channels, samples, y, p);
}

void filtfilt(const double* b, int64_t nb, const double* a, int64_t na, const double* x, int64_t channels,
              int64_t samples, double* y, int64_t padlen, int threads) {
  const TransferFilter filter{normalised_transfer("filtfilt", b, nb, a, na)};
  validate_signal("filtfilt", x, channels, samples, y);
  const int64_t p = resolve_padlen("filtfilt", padlen, filtfilt_default_padlen(nb, na), samples);
  filtfilt_fast("filtfilt", filter, lfilter_zi(b, nb, a, na), x, channels, samples, y, p, threads);
}

}  // namespace predann
