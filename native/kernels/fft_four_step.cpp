// fft_four_step: see fft_four_step.h.
#include "kernels/fft_four_step.h"

#include <algorithm>
#include <stdexcept>

#include "kernels/fft_roots.h"

namespace predann::fft {

namespace {

int64_t round_up(int64_t v, int64_t m) { return (v + m - 1) / m * m; }

// The transform's window as at most two half-open intervals of [0, n).
struct Window {
  int64_t lo[2], hi[2];
  int parts;
  Window(int64_t n, int64_t start, int64_t count) {
    if (start + count <= n) {
      lo[0] = start, hi[0] = start + count, parts = 1;
    } else {
      lo[0] = start, hi[0] = n, lo[1] = 0, hi[1] = start + count - n, parts = 2;
    }
  }
  bool intersects(int64_t a, int64_t b) const {  // [a, b)
    for (int i = 0; i < parts; ++i)
      if (a < hi[i] && lo[i] < b) return true;
    return false;
  }
};

// For row block rb: which output classes {t, L−t} (t ≤ L/2) hold at least one wanted output,
// written as 0/1 flags into `wanted` (L/2 + 1 entries); returns how many.
// Outputs of the block are k = k1 + Q·k2 for k1 ∈ [8·rb, min(8·rb + 8, Q)).
size_t mark_classes(int64_t l, int64_t q, const Window& window, int64_t rb, std::vector<char>& wanted) {
  const int64_t k1_lo = rb * kLanes, k1_hi = std::min(k1_lo + kLanes, q);
  wanted.assign(static_cast<size_t>(l / 2 + 1), 0);
  size_t marked = 0;
  for (int64_t k2 = 0; k2 < l; ++k2) {
    if (!window.intersects(k1_lo + q * k2, k1_hi + q * k2)) continue;
    char& flag = wanted[static_cast<size_t>(std::min(k2, l - k2))];
    marked += flag == 0;
    flag = 1;
  }
  return marked;
}

// Vector flops of one pruned row block: pair sums, then per class a cos and a sin sum.
double pruned_block_cost(int64_t l, size_t classes) {
  const double h = static_cast<double>((l - 1) / 2);
  return 4.0 * h + static_cast<double>(classes) * (8.0 * h + 12.0);
}

// A vertical FFT whose two buffers outgrow half of L2 (L2 is 1 MiB per core on the machines
// measured) competes with the streams around it; measured about 25 % slower per operation.
double cache_penalty(int64_t length) {
  return length * 2 * static_cast<int64_t>(sizeof(VecC)) > (1 << 19) ? 1.25 : 1.0;
}

// The column blocks are transformed a panel at a time: the panel's blocks are gathered in one
// pass over the rows q (contiguous samples of each row, so the input is read about once in all)
// into a staging buffer sized to stay in L2 next to the FFT's own buffers.
constexpr size_t kPanelBytes = size_t{1} << 19;

int64_t panel_blocks(int64_t q, int64_t blocks) {
  return std::max<int64_t>(1, std::min<int64_t>(blocks, static_cast<int64_t>(kPanelBytes / (q * sizeof(VecC)))));
}

}  // namespace

double FourStep::estimate(int64_t n, int64_t l, int64_t start, int64_t count, bool* pruned) {
  const int64_t q = n / l;
  const int64_t q_blocks = (q + kLanes - 1) / kLanes;
  const double columns = static_cast<double>(round_up(l, kLanes) / kLanes) *
                         (VerticalFFT::cost(q) + 4.0 * static_cast<double>(q_blocks * kLanes)) * cache_penalty(q);
  const double per_block_io = 14.0 * static_cast<double>(l);  // loads, twiddles, stores
  const double full_rows =
      static_cast<double>(q_blocks) * (per_block_io + VerticalFFT::cost(l) * cache_penalty(l));
  double pruned_rows = 0.0;
  if (count < n) {
    const Window window(n, start, count);
    std::vector<char> wanted;
    for (int64_t rb = 0; rb < q_blocks; ++rb)
      pruned_rows += per_block_io + pruned_block_cost(l, mark_classes(l, q, window, rb, wanted));
  }
  *pruned = count < n && pruned_rows < full_rows;
  return columns + (*pruned ? pruned_rows : full_rows);
}

FourStep::FourStep(int64_t n, int64_t l, int64_t window_start, int64_t window_count, bool pruned)
    : n_(n),
      l_(l),
      q_(n / l),
      l_pad_(round_up(l, kLanes)),
      q_blocks_((n / l + kLanes - 1) / kLanes),
      pruned_(pruned),
      column_fft_(static_cast<int>(n / l)),
      row_fft_(static_cast<int>(l)) {
  if (l < 1 || n % l != 0) throw std::invalid_argument("FourStep: L must divide n");
  block_twiddle_re_.resize(static_cast<size_t>(q_blocks_ * l_));
  block_twiddle_im_.resize(block_twiddle_re_.size());
  for (int64_t rb = 0; rb < q_blocks_; ++rb) {
    for (int64_t r = 0; r < l_; ++r) {
      const std::complex<double> w = unit_root((r * kLanes * rb) % n_, n_);
      block_twiddle_re_[static_cast<size_t>(rb * l_ + r)] = w.real();
      block_twiddle_im_[static_cast<size_t>(rb * l_ + r)] = w.imag();
    }
  }
  lane_twiddle_.resize(static_cast<size_t>(l_));
  for (int64_t r = 0; r < l_; ++r) {
    for (int lane = 0; lane < kLanes; ++lane) {
      const std::complex<double> w = unit_root((r * lane) % n_, n_);
      lane_twiddle_[static_cast<size_t>(r)].re[lane] = w.real();
      lane_twiddle_[static_cast<size_t>(r)].im[lane] = w.imag();
    }
  }
  if (pruned_) {
    for (int64_t m = 0; m < l_; ++m) {
      const std::complex<double> w = unit_root(m, l_);
      row_cos_.push_back(w.real());
      row_sin_.push_back(-w.imag());
    }
    const Window window(n, window_start, window_count);
    std::vector<char> wanted;
    class_offsets_.push_back(0);
    for (int64_t rb = 0; rb < q_blocks_; ++rb) {
      mark_classes(l_, q_, window, rb, wanted);
      for (size_t t = 0; t < wanted.size(); ++t)
        if (wanted[t]) classes_.push_back(static_cast<int32_t>(t));
      class_offsets_.push_back(static_cast<int64_t>(classes_.size()));
    }
  }
}

Workspace::Size FourStep::workspace_size() const {
  Workspace::Size s;
  s.g = static_cast<size_t>(l_pad_ * q_blocks_);
  s.line = static_cast<size_t>(std::max(q_blocks_ * kLanes, l_pad_));
  s.aux = static_cast<size_t>(std::max<int64_t>({column_fft_.aux_size(), row_fft_.aux_size(), l_}));
  s.columns = static_cast<size_t>(panel_blocks(q_, l_pad_ / kLanes) * q_);
  return s;
}

std::string FourStep::describe() const {
  return "four-step " + std::to_string(l_) + "x" + std::to_string(q_) + (pruned_ ? " (pruned rows)" : "");
}

namespace {

// panel[(cb − first)·Q + q] = x[q·L + 8·cb + lane] for cb in [first, last). Lanes past column
// L − 1 read the next row's samples: finite values in padding columns that are never used.
template <typename T, bool kHasIm, bool kChirp>
void gather_panel(const Source& in, int64_t l, int64_t q_count, int64_t first, int64_t last, VecC* panel) {
  const T* re = static_cast<const T*>(in.re);
  const T* im = static_cast<const T*>(in.im);
  constexpr int64_t kRowsAhead = 8;  // software prefetch distance: the row stride defeats the hardware's
  const int64_t span = (last - first) * kLanes;
  for (int64_t q = 0; q < q_count; ++q) {
    const int64_t ahead = (q + kRowsAhead) * l + first * kLanes;
    if (ahead + span <= in.length) {
      for (int64_t i = 0; i < span; i += 64 / static_cast<int64_t>(sizeof(T))) {
        __builtin_prefetch(re + ahead + i);
        if (kHasIm) __builtin_prefetch(im + ahead + i);
      }
    }
    for (int64_t cb = first; cb < last; ++cb) {
      const int64_t n = q * l + cb * kLanes;
      VecC v;
      if (n + kLanes <= in.length) {
        v.re = load_row8(re + n);
        v.im = kHasIm ? load_row8(im + n) : vd{};
        if (kChirp) v = cmul(v, VecC{load_vd(in.chirp_re + n), load_vd(in.chirp_im + n)});
      } else {
        v = in.load8(n);
      }
      panel[(cb - first) * q_count + q] = v;
    }
  }
}

template <typename T>
void gather_panel(const Source& in, int64_t l, int64_t q_count, int64_t first, int64_t last, VecC* panel) {
  const bool chirp = in.chirp_re != nullptr;
  if (in.im && chirp) gather_panel<T, true, true>(in, l, q_count, first, last, panel);
  else if (in.im) gather_panel<T, true, false>(in, l, q_count, first, last, panel);
  else if (chirp) gather_panel<T, false, true>(in, l, q_count, first, last, panel);
  else gather_panel<T, false, false>(in, l, q_count, first, last, panel);
}

}  // namespace

void FourStep::columns_forward(const Source& in, int sign, Workspace& ws) const {
  if (in.re == nullptr) throw std::invalid_argument("FourStep: the source needs a real part");
  const int64_t blocks = l_pad_ / kLanes;
  const int64_t panel = panel_blocks(q_, blocks);
  for (int64_t first = 0; first < blocks; first += panel) {
    const int64_t last = std::min(blocks, first + panel);
    if (in.f32)
      gather_panel<float>(in, l_, q_, first, last, ws.columns.data());
    else
      gather_panel<double>(in, l_, q_, first, last, ws.columns.data());
    for (int64_t cb = first; cb < last; ++cb) {
      const VecC* res =
          column_fft_.execute(ws.columns.data() + (cb - first) * q_, ws.scratch.data(), ws.aux.data(), sign);
      store_transposed(res, cb, ws);
    }
  }
}

// res[k1] holds the columns r = 8·cb .. 8·cb+7 in its lanes; G wants the rows k1 = 8·kb .. 8·kb+7
// in its lanes: 8×8 transposes.
void FourStep::store_transposed(const VecC* res, int64_t cb, Workspace& ws) const {
  for (int64_t kb = 0; kb < q_blocks_; ++kb) {
    vd re[kLanes], im[kLanes];
    for (int i = 0; i < kLanes; ++i) {
      const int64_t k = kb * kLanes + i;
      re[i] = k < q_ ? res[k].re : vd{};
      im[i] = k < q_ ? res[k].im : vd{};
    }
    transpose8x8(re);
    transpose8x8(im);
    for (int i = 0; i < kLanes; ++i) ws.g[static_cast<size_t>(kb * l_pad_ + cb * kLanes + i)] = VecC{re[i], im[i]};
  }
}

template <int Sign>
void FourStep::load_row_block(int64_t rb, Workspace& ws) const {
  const double* br = block_twiddle_re_.data() + rb * l_;
  const double* bi = block_twiddle_im_.data() + rb * l_;
  const VecC* g = ws.g.data() + rb * l_pad_;
  const bool prefetch = rb + 1 < q_blocks_;
  for (int64_t r = 0; r < l_; ++r) {
    // G comes from L3: ask for the next row block while this one is transformed.
    if (prefetch) {
      __builtin_prefetch(&g[l_pad_ + r].re);
      __builtin_prefetch(&g[l_pad_ + r].im);
    }
    const VecC twiddle = cmul(lane_twiddle_[static_cast<size_t>(r)], br[r], bi[r]);  // ω_n^{r·k1}, forward
    ws.buf[static_cast<size_t>(r)] = cmul_signed<Sign>(g[r], twiddle);
  }
}

// The L-point DFT of the row block, evaluated only for its needed classes {t, L−t} with the
// symmetric form (see fft_butterflies.h): with s_j = a_j + a_{L−j}, d_j = a_j − a_{L−j},
//   even = a_0 (+ (−1)^t·a_{L/2} when L is even) + Σ_j cos(2πjt/L)·s_j,   odd = Σ_j sin(2πjt/L)·d_j,
//   b_t = even + Sign·i·odd,   b_{L−t} = even − Sign·i·odd.
template <int Sign>
void FourStep::pruned_rows(int64_t rb, const Sink& out, Workspace& ws) const {
  const VecC* a = ws.buf.data();
  const int64_t h = (l_ - 1) / 2;
  VecC* sums = ws.aux.data();
  VecC* diffs = sums + h;
  for (int64_t j = 1; j <= h; ++j) {
    sums[j - 1] = a[j] + a[l_ - j];
    diffs[j - 1] = a[j] - a[l_ - j];
  }
  const int valid = static_cast<int>(std::min<int64_t>(kLanes, q_ - rb * kLanes));
  const int64_t k1 = rb * kLanes;
  for (int64_t c = class_offsets_[static_cast<size_t>(rb)]; c < class_offsets_[static_cast<size_t>(rb + 1)]; ++c) {
    const int64_t t = classes_[static_cast<size_t>(c)];
    VecC even = a[0];
    if (l_ % 2 == 0) even += a[l_ / 2] * ((t & 1) ? -1.0 : 1.0);
    VecC odd = zero_vecc();
    int64_t m = 0;  // (j·t) mod L, stepped without division
    for (int64_t j = 1; j <= h; ++j) {
      m += t;
      if (m >= l_) m -= l_;
      even = even + sums[j - 1] * row_cos_[static_cast<size_t>(m)];
      odd = odd + diffs[j - 1] * row_sin_[static_cast<size_t>(m)];
    }
    const VecC rotated = mul_sign_i<Sign>(odd);
    out.store8(k1 + q_ * t, even + rotated, valid);
    if (t != 0 && l_ - t != t) out.store8(k1 + q_ * (l_ - t), even - rotated, valid);
  }
}

template <int Sign>
void FourStep::rows_impl(const Sink& out, Workspace& ws) const {
  for (int64_t rb = 0; rb < q_blocks_; ++rb) {
    load_row_block<Sign>(rb, ws);
    if (pruned_) {
      pruned_rows<Sign>(rb, out, ws);
      continue;
    }
    const VecC* res = row_fft_.execute(ws.buf.data(), ws.scratch.data(), ws.aux.data(), Sign);
    const int valid = static_cast<int>(std::min<int64_t>(kLanes, q_ - rb * kLanes));
    for (int64_t k2 = 0; k2 < l_; ++k2) out.store8(rb * kLanes + q_ * k2, res[k2], valid);
  }
}

void FourStep::rows_to_sink(int sign, const Sink& out, Workspace& ws) const {
  if (sign < 0)
    rows_impl<-1>(out, ws);
  else
    rows_impl<+1>(out, ws);
}

void FourStep::rows_convolve(const std::vector<VecC>& spectrum, Workspace& ws) const {
  for (int64_t rb = 0; rb < q_blocks_; ++rb) {
    load_row_block<-1>(rb, ws);
    VecC* x = row_fft_.execute(ws.buf.data(), ws.scratch.data(), ws.aux.data(), -1);
    VecC* other = x == ws.buf.data() ? ws.scratch.data() : ws.buf.data();
    const VecC* s = spectrum.data() + rb * l_;
    for (int64_t k2 = 0; k2 < l_; ++k2) x[k2] = cmul(x[k2], s[k2]);
    const VecC* y = row_fft_.execute(x, other, ws.aux.data(), +1);
    const double* br = block_twiddle_re_.data() + rb * l_;
    const double* bi = block_twiddle_im_.data() + rb * l_;
    for (int64_t r = 0; r < l_; ++r) {
      const VecC twiddle = cmul(lane_twiddle_[static_cast<size_t>(r)], br[r], bi[r]);
      ws.g[static_cast<size_t>(rb * l_pad_ + r)] = cmul_signed<+1>(y[r], twiddle);
    }
  }
}

void FourStep::columns_inverse(int sign, const Sink& out, Workspace& ws) const {
  for (int64_t r0 = 0; r0 < l_pad_; r0 += kLanes) {
    VecC* buf = ws.buf.data();
    for (int64_t kb = 0; kb < q_blocks_; ++kb) {
      vd re[kLanes], im[kLanes];
      for (int i = 0; i < kLanes; ++i) {
        re[i] = ws.g[static_cast<size_t>(kb * l_pad_ + r0 + i)].re;
        im[i] = ws.g[static_cast<size_t>(kb * l_pad_ + r0 + i)].im;
      }
      transpose8x8(re);
      transpose8x8(im);
      for (int i = 0; i < kLanes; ++i) buf[kb * kLanes + i] = VecC{re[i], im[i]};
    }
    const VecC* res = column_fft_.execute(buf, ws.scratch.data(), ws.aux.data(), sign);
    const int valid = static_cast<int>(std::min<int64_t>(kLanes, l_ - r0));
    for (int64_t q = 0; q < q_; ++q) out.store8(q * l_ + r0, res[q], valid);
  }
}

}  // namespace predann::fft
