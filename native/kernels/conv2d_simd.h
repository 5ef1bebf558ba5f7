// conv2d_simd: the few 16-lane float operations the fast conv2d needs. AVX-512 intrinsics when the
// compiler targets AVX-512F; otherwise a plain 16-float struct whose loops the compiler vectorises
// for whatever the target has (AVX2, NEON, ...). Same results either way except for the order of
// the lanes in `sum`.
#pragma once

#include <cmath>

#ifdef __AVX512F__
#include <immintrin.h>
#endif

namespace predann::simd {

constexpr int kLanes = 16;

#ifdef __AVX512F__

struct Vec {
  __m512 v;
};

// The all-lanes maskz forms below are the plain instructions: GCC 12's unmasked shuffle intrinsics
// (and _mm512_reduce_add_ps) trip -Wmaybe-uninitialized inside its own headers.

inline __mmask16 first_lanes(int n) { return static_cast<__mmask16>((1u << n) - 1u); }

inline Vec zero() { return {_mm512_setzero_ps()}; }
inline Vec broadcast(float x) { return {_mm512_set1_ps(x)}; }
inline Vec load(const float* p) { return {_mm512_loadu_ps(p)}; }
inline void store(float* p, Vec x) { _mm512_storeu_ps(p, x.v); }
// Lanes n..15 read as 0 and are never touched in memory: safe at the end of a buffer.
inline Vec load_first(const float* p, int n) { return {_mm512_maskz_loadu_ps(first_lanes(n), p)}; }
inline void store_first(float* p, Vec x, int n) { _mm512_mask_storeu_ps(p, first_lanes(n), x.v); }
inline Vec fma(Vec a, Vec b, Vec c) { return {_mm512_fmadd_ps(a.v, b.v, c.v)}; }  // a·b + c, one rounding
inline Vec add(Vec a, Vec b) { return {_mm512_add_ps(a.v, b.v)}; }
// x·scale + shift with one rounding in every lane: std::fma, lane by lane.
inline Vec affine(Vec x, float scale, float shift) { return {_mm512_fmadd_ps(x.v, _mm512_set1_ps(scale), _mm512_set1_ps(shift))}; }
// 0 where x < 0, else x (−0 and NaN pass, as the scalar `x < 0 ? 0 : x`).
inline Vec relu(Vec x) {
  const __m512 zero = _mm512_setzero_ps();
  return {_mm512_mask_blend_ps(_mm512_cmp_ps_mask(x.v, zero, _CMP_LT_OQ), x.v, zero)};
}
// Lanes N..15 of `low` followed by lanes 0..N−1 of `high`: the vector that starts N floats after
// `low` in memory, without the cache-line-straddling load.
template <int N>
inline Vec shifted(Vec low, Vec high) {
  const __m512i joined = _mm512_maskz_alignr_epi32(0xffff, _mm512_castps_si512(high.v), _mm512_castps_si512(low.v), N);
  return {_mm512_castsi512_ps(joined)};
}
// Folds halves, quarters, pairs, neighbours.
inline float sum(Vec x) {
  constexpr __mmask16 kAll = 0xffff;
  __m512 s = _mm512_add_ps(x.v, _mm512_maskz_shuffle_f32x4(kAll, x.v, x.v, _MM_SHUFFLE(1, 0, 3, 2)));
  s = _mm512_add_ps(s, _mm512_maskz_shuffle_f32x4(kAll, s, s, _MM_SHUFFLE(2, 3, 0, 1)));
  s = _mm512_add_ps(s, _mm512_maskz_permute_ps(kAll, s, _MM_SHUFFLE(1, 0, 3, 2)));
  s = _mm512_add_ps(s, _mm512_maskz_permute_ps(kAll, s, _MM_SHUFFLE(2, 3, 0, 1)));
  return _mm512_cvtss_f32(s);
}

#else

struct Vec {
  float v[kLanes];
};

inline Vec zero() { return Vec{}; }
inline Vec broadcast(float x) {
  Vec r;
  for (int l = 0; l < kLanes; ++l) r.v[l] = x;
  return r;
}
inline Vec load(const float* p) {
  Vec r;
  for (int l = 0; l < kLanes; ++l) r.v[l] = p[l];
  return r;
}
inline void store(float* p, Vec x) {
  for (int l = 0; l < kLanes; ++l) p[l] = x.v[l];
}
inline Vec load_first(const float* p, int n) {
  Vec r{};
  for (int l = 0; l < n; ++l) r.v[l] = p[l];
  return r;
}
inline void store_first(float* p, Vec x, int n) {
  for (int l = 0; l < n; ++l) p[l] = x.v[l];
}
inline Vec fma(Vec a, Vec b, Vec c) {
  Vec r;
  for (int l = 0; l < kLanes; ++l) r.v[l] = a.v[l] * b.v[l] + c.v[l];
  return r;
}
inline Vec add(Vec a, Vec b) {
  Vec r;
  for (int l = 0; l < kLanes; ++l) r.v[l] = a.v[l] + b.v[l];
  return r;
}
inline Vec affine(Vec x, float scale, float shift) {
  Vec r;
  for (int l = 0; l < kLanes; ++l) r.v[l] = std::fma(x.v[l], scale, shift);
  return r;
}
inline Vec relu(Vec x) {
  Vec r;
  for (int l = 0; l < kLanes; ++l) r.v[l] = x.v[l] < 0.0f ? 0.0f : x.v[l];
  return r;
}
template <int N>
inline Vec shifted(Vec low, Vec high) {
  Vec r;
  for (int l = 0; l < kLanes; ++l) r.v[l] = l + N < kLanes ? low.v[l + N] : high.v[l + N - kLanes];
  return r;
}
inline float sum(Vec x) {
  float s = 0;
  for (int l = 0; l < kLanes; ++l) s += x.v[l];
  return s;
}

#endif

}  // namespace predann::simd
