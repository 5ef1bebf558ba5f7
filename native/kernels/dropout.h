// dropout: inverted dropout, torch.nn.Dropout(p) (torch.nn.functional.dropout), element-wise over
// any shape, with a counter-based generator of our own instead of PyTorch's global one.
//
//   train, 0 < p < 1:  y = x · keep_i / (1 − p),  keep_i ∈ {0, 1} with P(keep_i = 1) = 1 − p
//   train, p = 1:      y = 0                          (as PyTorch)
//   p = 0 or eval:     y = x                          (the identity; no random numbers drawn)
//   backward:          dx = dy · keep_i / (1 − p)     (the same mask, regenerated, not stored)
//
// The mask: keep_i = [u_i < threshold(p)], u_i one 32-bit half of SplitMix64's output for
// counter ⌊i/2⌋ + 1 of a stream whose 64-bit key is derived from (seed, step). keep_i is a pure
// function of (seed, step, i), so the mask
//   * is the same for every thread count and every split of the work,
//   * resumes exactly from a saved (seed, step) pair (no generator state to save),
//   * costs no memory between forward and backward: the backward recomputes it, which is cheaper
//     than storing one byte per element (573 M elements for the EEG conv3 output at batch 48).
// The caller picks the step, e.g. training step · dropout layers + layer. The masks cannot match
// PyTorch's (its Bernoulli draws come from the MT19937 / Philox state of torch's generator).
//
// Versions: dropout_*_ref<T> (float and double; a plain loop, the oracle) and the fast float
// dropout_* (OpenMP over blocks; per chunk of 512 elements one vectorised loop draws the 256
// random words, a second applies them). Both give identical bits, for any thread count.
// Buffers may alias (y == x, dx == dy): dx is written, not accumulated, so the backward can run
// in place on the gradient of the dropout's output. In PredANN dropout follows a ReLU, and
// running it in place on the ReLU's output is safe: relu_backward then also zeroes the gradient
// of the dropped elements, which is zero anyway.
#pragma once
#include <cstdint>

namespace predann {

struct DropoutStream {
  uint64_t seed = 0;
  uint64_t step = 0;
};

struct DropoutParams {
  double p = 0.5;         // probability of dropping an element, 0 <= p <= 1
  bool training = true;   // false: the identity
  DropoutStream stream;
  // Index of x[0] in the stream: a tensor masked a few samples at a time, each call with the
  // offset of its first value, gets the mask of one call over the whole tensor.
  uint64_t first_index = 0;
};

// ---------------------------------------------------------------------------------------------
// The generator, shared by every version so that they cannot drift apart.

constexpr uint64_t kSplitMixGamma = 0x9E3779B97F4A7C15ull;  // 2^64 / golden ratio, odd

// SplitMix64's output function (Steele, Lea, Flood 2014): a bijection of 64-bit words whose
// outputs on the counters key + γ, key + 2γ, ... pass BigCrush.
inline uint64_t splitmix64_mix(uint64_t z) {
  z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ull;
  z = (z ^ (z >> 27)) * 0x94D049BB133111EBull;
  return z ^ (z >> 31);
}

// The key of the stream of one (seed, step): two SplitMix64 steps, so that neighbouring seeds
// and steps give unrelated keys.
inline uint64_t dropout_stream_key(DropoutStream s) {
  return splitmix64_mix(splitmix64_mix(s.seed + kSplitMixGamma) ^ (s.step * kSplitMixGamma + kSplitMixGamma));
}

// Element `index` is kept when its 32 random bits are below this: (1 − p)·2^32 rounded down, so
// P(keep) is 1 − p within 2^−32; p = 0 keeps everything (2^32) and p = 1 nothing (0). Any p > 0
// gives at most 2^32 − 1, so that the threshold of a drawing dropout fits 32 bits (for p < 2^−53,
// 1 − p would round to 1).
inline uint64_t dropout_keep_threshold(double p) {
  constexpr uint64_t kAll = uint64_t{1} << 32;
  if (p == 0.0) return kAll;
  const uint64_t threshold = static_cast<uint64_t>((1.0 - p) * 4294967296.0);
  return threshold < kAll ? threshold : kAll - 1;
}

// The 64-bit random word of elements 2·pair and 2·pair + 1: one SplitMix64 output serves two
// elements, which halves the cost of the generator (its 64-bit multiplies are what bounds the
// fast loop).
inline uint64_t dropout_word(uint64_t key, uint64_t pair) { return splitmix64_mix(key + (pair + 1) * kSplitMixGamma); }

// The low half of the pair's word for even indices, the high half for odd ones (the order in
// which a little-endian machine stores the two halves, so the fast loop can reinterpret words).
inline uint64_t dropout_bits(uint64_t key, uint64_t index) {
  const uint64_t word = dropout_word(key, index >> 1);
  return (index & 1) ? (word >> 32) : (word & 0xFFFFFFFFull);
}

inline bool dropout_keeps(uint64_t key, uint64_t threshold, uint64_t index) {
  return dropout_bits(key, index) < threshold;
}

// ---------------------------------------------------------------------------------------------

// x, y have count values. Throws std::invalid_argument for p outside [0, 1] or null buffers.
template <typename T>
void dropout_forward_ref(const T* x, int64_t count, const DropoutParams& params, T* y);
void dropout_forward(const float* x, int64_t count, const DropoutParams& params, float* y);

// dy, dx have count values; params must be those of the forward.
template <typename T>
void dropout_backward_ref(const T* dy, int64_t count, const DropoutParams& params, T* dx);
void dropout_backward(const float* dy, int64_t count, const DropoutParams& params, float* dx);

}  // namespace predann
