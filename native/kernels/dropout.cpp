// dropout: see dropout.h.
#include "kernels/dropout.h"

#include <algorithm>
#include <cmath>
#include <cstring>
#include <stdexcept>
#include <string>

#include "kernels/parallel.h"

namespace predann {

namespace {

void check(const void* in, const void* out, int64_t count, const DropoutParams& params) {
  if (!(params.p >= 0.0 && params.p <= 1.0)) {
    throw std::invalid_argument("dropout: p must be between 0 and 1, got " + std::to_string(params.p));
  }
  if (count < 0) throw std::invalid_argument("dropout: count must be >= 0");
  if (count > 0 && (!in || !out)) throw std::invalid_argument("dropout: null buffer");
}

bool is_identity(const DropoutParams& params) { return !params.training || params.p == 0.0; }

// 1/(1 − p) in T, as PyTorch's noise.div_(1 − p); 0 for p = 1, where everything is dropped.
template <typename T>
T keep_scale(double p) {
  return p == 1.0 ? T(0) : T(1) / static_cast<T>(1.0 - p);
}

// out[i] = in[i] · keep_i · scale for i in [begin, end): the forward and the backward alike. The
// plain form, one element at a time.
// The mask of element i is that of index first + i of the stream.
template <typename T>
void apply_mask(const T* in, int64_t begin, int64_t end, uint64_t key, uint64_t threshold, T scale, uint64_t first,
                T* out) {
  for (int64_t i = begin; i < end; ++i) {
    out[i] = dropout_keeps(key, threshold, first + static_cast<uint64_t>(i)) ? in[i] * scale : T(0);
  }
}

static_assert(__BYTE_ORDER__ == __ORDER_LITTLE_ENDIAN__,
              "apply_mask_by_chunks reads each word as its two 32-bit halves, low half first");

// Elements per chunk of random words: 2 KB of words, 2 KB of bits, both in L1.
constexpr int64_t kChunk = 512;

// The same as apply_mask, in two vectorisable loops per chunk: the random words (one per pair of
// elements), then the selection, which reads the words as 32-bit halves (low half first:
// dropout_bits' order). The chunks start at even stream indices (an odd first element is masked
// alone). threshold < 2^32 here (p > 0).
void apply_mask_by_chunks(const float* in, int64_t begin, int64_t end, uint64_t key, uint64_t threshold, float scale,
                          uint64_t first, float* out) {
  const uint32_t limit = static_cast<uint32_t>(threshold);
  uint64_t words[kChunk / 2];
  uint32_t bits[kChunk];
  int64_t i = begin;
  if (((first + static_cast<uint64_t>(i)) & 1) && i < end) {
    apply_mask(in, i, i + 1, key, threshold, scale, first, out);
    ++i;
  }
  for (; i + kChunk <= end; i += kChunk) {
    const uint64_t first_pair = (first + static_cast<uint64_t>(i)) >> 1;
    for (int64_t j = 0; j < kChunk / 2; ++j) words[j] = dropout_word(key, first_pair + static_cast<uint64_t>(j));
    std::memcpy(bits, words, sizeof bits);
    for (int64_t j = 0; j < kChunk; ++j) out[i + j] = bits[j] < limit ? in[i + j] * scale : 0.0f;
  }
  apply_mask(in, i, end, key, threshold, scale, first, out);
}

template <typename T>
void copy_unless_aliased(const T* in, int64_t count, T* out) {
  if (in != out) std::copy(in, in + count, out);
}

// Masked work is shared among the OpenMP threads in blocks of this many values, and not at all
// below it (a handoff to the OpenMP host thread costs more than masking 64 Ki values).
constexpr int64_t kBlock = int64_t{1} << 16;

void apply_mask_fast(const float* in, int64_t count, const DropoutParams& params, float* out) {
  const uint64_t key = dropout_stream_key(params.stream), threshold = dropout_keep_threshold(params.p);
  const float scale = keep_scale<float>(params.p);
  const int threads = thread_count();
  if (threads == 1 || count <= kBlock) {
    apply_mask_by_chunks(in, 0, count, key, threshold, scale, params.first_index, out);
    return;
  }
  const int64_t blocks = (count + kBlock - 1) / kBlock;
  run_on_openmp_host([&] {
#pragma omp parallel for schedule(static) num_threads(threads)
    for (int64_t b = 0; b < blocks; ++b) {
      apply_mask_by_chunks(in, b * kBlock, std::min(count, (b + 1) * kBlock), key, threshold, scale, params.first_index,
                           out);
    }
  });
}

}  // namespace

template <typename T>
void dropout_forward_ref(const T* x, int64_t count, const DropoutParams& params, T* y) {
  check(x, y, count, params);
  if (is_identity(params)) return copy_unless_aliased(x, count, y);
  apply_mask(x, 0, count, dropout_stream_key(params.stream), dropout_keep_threshold(params.p),
             keep_scale<T>(params.p), params.first_index, y);
}

template <typename T>
void dropout_backward_ref(const T* dy, int64_t count, const DropoutParams& params, T* dx) {
  check(dy, dx, count, params);
  if (is_identity(params)) return copy_unless_aliased(dy, count, dx);
  apply_mask(dy, 0, count, dropout_stream_key(params.stream), dropout_keep_threshold(params.p),
             keep_scale<T>(params.p), params.first_index, dx);
}

template void dropout_forward_ref<float>(const float*, int64_t, const DropoutParams&, float*);
template void dropout_forward_ref<double>(const double*, int64_t, const DropoutParams&, double*);
template void dropout_backward_ref<float>(const float*, int64_t, const DropoutParams&, float*);
template void dropout_backward_ref<double>(const double*, int64_t, const DropoutParams&, double*);

void dropout_forward(const float* x, int64_t count, const DropoutParams& params, float* y) {
  check(x, y, count, params);
  if (is_identity(params)) return copy_unless_aliased(x, count, y);
  apply_mask_fast(x, count, params, y);
}

void dropout_backward(const float* dy, int64_t count, const DropoutParams& params, float* dx) {
  check(dy, dx, count, params);
  if (is_identity(params)) return copy_unless_aliased(dy, count, dx);
  apply_mask_fast(dy, count, params, dx);
}

}  // namespace predann
