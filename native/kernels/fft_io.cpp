// fft_io: see fft_io.h.
#include "kernels/fft_io.h"

#include <algorithm>

namespace predann::fft {

namespace {

inline vd load_row8_any(const void* row, bool f32, int64_t n) {
  return f32 ? load_row8(static_cast<const float*>(row) + n) : load_row8(static_cast<const double*>(row) + n);
}

inline double load_row1(const void* row, bool f32, int64_t n) {
  return f32 ? static_cast<double>(static_cast<const float*>(row)[n]) : static_cast<const double*>(row)[n];
}

}  // namespace

VecC Source::load8(int64_t n) const {
  VecC v = zero_vecc();
  if (n + kLanes <= length) {
    if (re) v.re = load_row8_any(re, f32, n);
    if (im) v.im = load_row8_any(im, f32, n);
    if (chirp_re) v = cmul(v, VecC{load_vd(chirp_re + n), load_vd(chirp_im + n)});
    return v;
  }
  for (int lane = 0; lane < kLanes && n + lane < length; ++lane) {
    const int64_t i = n + lane;
    const double a = re ? load_row1(re, f32, i) : 0.0;
    const double b = im ? load_row1(im, f32, i) : 0.0;
    if (chirp_re) {
      v.re[lane] = a * chirp_re[i] - b * chirp_im[i];
      v.im[lane] = a * chirp_im[i] + b * chirp_re[i];
    } else {
      v.re[lane] = a;
      v.im[lane] = b;
    }
  }
  return v;
}

void Sink::store_full(int64_t j0, const VecC& v) const {
  VecC w = v;
  if (chirp_re) w = cmul(w, VecC{load_vd(chirp_re + j0), load_vd(chirp_im + j0)});
  if (re) store_vd(re + j0, w.re * scale);
  if (im) store_vd(im + j0, w.im * scale);
}

void Sink::store_lanes(int64_t idx, const VecC& v, int valid) const {
  for (int lane = 0; lane < valid; ++lane) {
    int64_t j = idx + lane - start;
    if (j < 0) j += modulus;
    if (j >= count) continue;
    double a = v.re[lane], b = v.im[lane];
    if (chirp_re) {
      const double c = chirp_re[j], s = chirp_im[j];
      const double t = a * c - b * s;
      b = a * s + b * c;
      a = t;
    }
    if (re) re[j] = a * scale;
    if (im) im[j] = b * scale;
  }
}

void Workspace::reserve(const Size& size) {
  if (g.size() < size.g) g.resize(size.g);
  if (buf.size() < size.line) {
    buf.assign(size.line, zero_vecc());
    scratch.assign(size.line, zero_vecc());
  }
  if (aux.size() < size.aux) aux.assign(size.aux, zero_vecc());
  if (columns.size() < size.columns) columns.resize(size.columns);
}

Workspace::Size max_size(const Workspace::Size& a, const Workspace::Size& b) {
  return {std::max(a.g, b.g), std::max(a.line, b.line), std::max(a.aux, b.aux), std::max(a.columns, b.columns)};
}

}  // namespace predann::fft
