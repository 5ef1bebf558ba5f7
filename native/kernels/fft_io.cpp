// fft_io: see fft_io.h.
#include "kernels/fft_io.h"

#include <algorithm>

namespace predann::fft {

namespace {

typedef float vf __attribute__((vector_size(32)));  // 8 floats

inline vd load_row8(const void* row, bool f32, int64_t n) {
  if (f32) {
    vf v;
    std::memcpy(&v, static_cast<const float*>(row) + n, sizeof v);
    return __builtin_convertvector(v, vd);
  }
  return load_vd(static_cast<const double*>(row) + n);
}

inline double load_row1(const void* row, bool f32, int64_t n) {
  return f32 ? static_cast<double>(static_cast<const float*>(row)[n]) : static_cast<const double*>(row)[n];
}

}  // namespace

VecC Source::load8(int64_t n) const {
  VecC v = zero_vecc();
  if (n + kLanes <= length) {
    if (re) v.re = load_row8(re, f32, n);
    if (im) v.im = load_row8(im, f32, n);
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

void Sink::store8(int64_t idx, const VecC& v, int valid) const {
  int64_t j0 = idx - start;
  if (j0 < 0) j0 += modulus;
  const bool contiguous = idx >= start || idx + valid <= start;
  if (contiguous && valid == kLanes && j0 + kLanes <= count) {
    VecC w = v;
    if (chirp_re) w = cmul(w, VecC{load_vd(chirp_re + j0), load_vd(chirp_im + j0)});
    if (re) store_vd(re + j0, w.re * scale);
    if (im) store_vd(im + j0, w.im * scale);
    return;
  }
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
  if (g_re.size() < size.g) {
    g_re.assign(size.g, vd{});
    g_im.assign(size.g, vd{});
  }
  if (buf.size() < size.line) {
    buf.assign(size.line, zero_vecc());
    scratch.assign(size.line, zero_vecc());
    out.assign(size.line, zero_vecc());
  }
  if (aux.size() < size.aux) aux.assign(size.aux, zero_vecc());
}

Workspace::Size max_size(const Workspace::Size& a, const Workspace::Size& b) {
  return {std::max(a.g, b.g), std::max(a.line, b.line), std::max(a.aux, b.aux)};
}

}  // namespace predann::fft
