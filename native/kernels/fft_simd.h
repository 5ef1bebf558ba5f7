// fft_simd: the vector types every fast FFT kernel computes with.
//
// All FFT work here is "vertical": one vector holds the same element of kLanes independent
// sequences (8 columns of a matrix, 8 rows, ...), so a butterfly on vectors is written exactly
// like a scalar butterfly, twiddle factors are broadcast scalars, and no lane shuffles are needed
// except in the one 8×8 transpose between the two passes of the four-step algorithm.
//
// The types are GCC/Clang vector extensions: 8 doubles map to one AVX-512 register, two AVX2
// registers or four SSE2 registers, so correctness never depends on the instruction set.
#pragma once
#include <cstring>

// Without AVX-512, GCC notes that 64-byte vector arguments change the ABI. These functions are
// all inline and internal to the kernel library, so there is no ABI to keep.
#pragma GCC diagnostic ignored "-Wpsabi"

namespace predann::fft {

constexpr int kLanes = 8;

typedef double vd __attribute__((vector_size(64)));    // 8 doubles
typedef long long vi __attribute__((vector_size(64))); // 8 lane indices (shuffle masks)

// kLanes complex numbers in split layout (all real parts, then all imaginary parts).
struct alignas(64) VecC {
  vd re;
  vd im;
};

inline vd splat(double s) { return vd{} + s; }
inline vd load_vd(const double* p) {
  vd v;
  std::memcpy(&v, p, sizeof v);
  return v;
}
inline void store_vd(double* p, vd v) { std::memcpy(p, &v, sizeof v); }

inline VecC operator+(VecC a, VecC b) { return {a.re + b.re, a.im + b.im}; }
inline VecC operator-(VecC a, VecC b) { return {a.re - b.re, a.im - b.im}; }
inline VecC& operator+=(VecC& a, VecC b) { return a = a + b; }
inline VecC operator*(VecC a, double s) { return {a.re * s, a.im * s}; }
inline VecC zero_vecc() { return {vd{}, vd{}}; }

// a · (wr + i·wi) with a broadcast scalar twiddle.
inline VecC cmul(VecC a, double wr, double wi) { return {a.re * wr - a.im * wi, a.re * wi + a.im * wr}; }
// a · w, lane by lane.
inline VecC cmul(VecC a, VecC w) { return {a.re * w.re - a.im * w.im, a.re * w.im + a.im * w.re}; }
// a · (wr + i·Sign·wi): the stored tables hold forward (Sign = -1) roots; the inverse uses their conjugates.
template <int Sign>
inline VecC cmul_signed(VecC a, double wr, double wi) {
  return Sign < 0 ? cmul(a, wr, wi) : cmul(a, wr, -wi);
}
template <int Sign>
inline VecC cmul_signed(VecC a, VecC w) {
  return Sign < 0 ? cmul(a, w) : cmul(a, VecC{w.re, -w.im});
}
// Sign·i·a, the rotation by a quarter turn in the transform's direction.
template <int Sign>
inline VecC mul_sign_i(VecC a) {
  return Sign < 0 ? VecC{a.im, -a.re} : VecC{-a.im, a.re};
}

#if defined(__clang__)
#define PREDANN_SHUFFLE2(a, b, ...) __builtin_shufflevector(a, b, __VA_ARGS__)
#else
#define PREDANN_SHUFFLE2(a, b, ...) __builtin_shuffle(a, b, vi{__VA_ARGS__})
#endif

// In-register transpose of an 8×8 block: row i of the input becomes column i of the output.
inline void transpose8x8(vd r[8]) {
  vd t[8], u[8];
  for (int i = 0; i < 8; i += 2) {  // pairs of rows, 1-element granularity
    t[i] = PREDANN_SHUFFLE2(r[i], r[i + 1], 0, 8, 2, 10, 4, 12, 6, 14);
    t[i + 1] = PREDANN_SHUFFLE2(r[i], r[i + 1], 1, 9, 3, 11, 5, 13, 7, 15);
  }
  for (int i = 0; i < 8; i += 4) {  // 2-element granularity
    for (int j = 0; j < 2; ++j) {
      u[i + j] = PREDANN_SHUFFLE2(t[i + j], t[i + j + 2], 0, 1, 8, 9, 4, 5, 12, 13);
      u[i + j + 2] = PREDANN_SHUFFLE2(t[i + j], t[i + j + 2], 2, 3, 10, 11, 6, 7, 14, 15);
    }
  }
  for (int j = 0; j < 4; ++j) {  // 4-element granularity
    r[j] = PREDANN_SHUFFLE2(u[j], u[j + 4], 0, 1, 2, 3, 8, 9, 10, 11);
    r[j + 4] = PREDANN_SHUFFLE2(u[j], u[j + 4], 4, 5, 6, 7, 12, 13, 14, 15);
  }
}

#undef PREDANN_SHUFFLE2

}  // namespace predann::fft
