// clip_preprocess: per-clip, per-channel robust scaling of EEG clips, clamp and zero padding;
// the official PredANN `normalize_EEG_4(eeg, clamp_value=20)` followed by `F.pad(eeg, (177, 177))`
// (golden case b).
//
// For every clip and every channel separately, x being that channel's n float32 samples:
//   center = median(x)                             numpy median, in float64
//   scale  = q75(x) − q25(x)                       numpy 'linear' percentiles, in float64
//   scale  = 1 where scale < 10·eps(float64)       sklearn `_handle_zeros_in_scale`
//   y      = float32((float64(x) − center) / scale)   one rounding, at the end
//   y      = min(max(y, −clamp), clamp)            torch.clamp, in float32
// and each row is written as pad_left zeros, the n values of y, pad_right zeros.
// This is `sklearn.preprocessing.RobustScaler().fit(ch).transform(ch)` on the float64 copy that
// sklearn makes of a torch float32 tensor (scikit-learn 0.24.2 and 1.2.1; percentiles as in
// numpy >= 1.22, whose `_lerp` the quartiles follow), then `torch.clamp` and
// `torch.nn.functional.pad` (torch 1.9 / 1.13).
//
// Versions (same arguments, bit-identical results):
//   clip_preprocess_ref    sorts every channel in float64: plain and obviously correct; the oracle.
//   clip_preprocess        selects only the order statistics it needs, with a pruned sorting
//                          network run on 16 channels at once, OpenMP over channels.
//   cuda::clip_preprocess  native/cuda/clip_preprocess.cu: one block per channel, bitonic sort.
//
// Ties between −0 and +0 are ordered −0 < +0 in every version (numpy's sort leaves their order
// unspecified), so that the three versions agree to the bit on every input.
#pragma once
#include <cstdint>
#include <cstring>

#if defined(__CUDACC__)
#define PREDANN_CLIP_HD __host__ __device__
#else
#define PREDANN_CLIP_HD
#endif

namespace predann {

// A batch of clips, each `channels` rows of `length` float32 samples. Channel c of clip k starts at
//   data + k·clip_stride + (starts ? starts[k] : 0) + c·channel_stride,
// which describes a contiguous (N,C,L) array and crops of one (C,T) recording alike, so crops are
// never copied out of the recording before they are processed.
struct ClipBatch {
  const float* data = nullptr;
  int64_t data_size = 0;            // float32 values readable at data: N·C·L, or C·T for crops
  int64_t count = 0;                // N clips
  int64_t channels = 0;             // C
  int64_t length = 0;               // L samples per clip and channel
  int64_t clip_stride = 0;          // C·L for (N,C,L) clips; 0 for crops
  int64_t channel_stride = 0;       // L for clips; T for crops of a (C,T) recording
  const int64_t* starts = nullptr;  // crops: start sample of each clip (count of them); else null

  PREDANN_CLIP_HD const float* channel(int64_t clip, int64_t c) const {
    return data + clip * clip_stride + (starts ? starts[clip] : 0) + c * channel_stride;
  }
};

// clips is (N,C,L), C-order.
ClipBatch clip_batch(const float* clips, int64_t count, int64_t channels, int64_t length);

// recording is (C,T), C-order; clip k is recording[:, starts[k] : starts[k] + length].
// Throws std::out_of_range naming the first start whose crop does not lie inside the recording.
ClipBatch crop_batch(const float* recording, int64_t channels, int64_t samples, const int64_t* starts,
                     int64_t count, int64_t length);

struct ClipPreprocessParams {
  float clamp = 20.0f;     // |y| <= clamp; float32 like torch.clamp on a float32 tensor; +inf: no clamp
  int64_t pad_left = 177;  // zeros before each row: 177 + 375 + 177 = 729 = 3^6 (SampleCNN legacy)
  int64_t pad_right = 177; // zeros after each row

  PREDANN_CLIP_HD int64_t padded_length(int64_t length) const { return pad_left + length + pad_right; }
};

struct ClipPreprocessOutput {
  float* output = nullptr;   // (N, C, pad_left + L + pad_right)
  double* center = nullptr;  // (N, C) median of each channel, or null when not wanted
  double* scale = nullptr;   // (N, C) IQR after the zero fix, or null when not wanted
};

// Throws std::invalid_argument when the batch, the parameters or the output do not make sense
// (negative sizes, null buffers, clamp not > 0, ...). Every version calls it first.
void check_clip_preprocess_arguments(const ClipBatch& batch, const ClipPreprocessParams& params,
                                     const ClipPreprocessOutput& out);

// Throws the std::invalid_argument every version throws for a non-finite input value: it names
// the clip (and its crop start), the channel and the sample.
[[noreturn]] void throw_non_finite_sample(const ClipBatch& batch, int64_t clip, int64_t channel, int64_t sample);

// The reference: a full float64 sort per channel. Single-threaded.
void clip_preprocess_ref(const ClipBatch& batch, const ClipPreprocessParams& params, const ClipPreprocessOutput& out);

// The fast version, bit-identical to clip_preprocess_ref. Uses the OpenMP threads.
// Both throw std::invalid_argument naming the clip, channel and sample of the first non-finite value.
void clip_preprocess(const ClipBatch& batch, const ClipPreprocessParams& params, const ClipPreprocessOutput& out);

// ---------------------------------------------------------------------------------------------
// The arithmetic every version shares (host and device), so that they cannot drift apart.

// Which order statistics of a channel of n samples the statistics read, and how to combine them.
// sorted[rank[i]] for i = kMedianLo, ... are the values; q25/q75 interpolate between their pair.
struct RobustRanks {
  enum { kMedianLo, kMedianHi, kQ25Lo, kQ25Hi, kQ75Lo, kQ75Hi, kCount };
  int64_t rank[kCount];
  double q25_gamma;  // fractional part of numpy's virtual index (n−1)·0.25
  double q75_gamma;  // fractional part of (n−1)·0.75
};

// n >= 1. The median is the mean of the two middle elements (the same one twice when n is odd),
// as sklearn's np.nanmedian computes it (np.ma.median below 600 samples, np.median above).
// Percentile p: v = (n−1)·p/100, lo = floor(v), hi = min(lo + 1, n − 1), γ = v − lo (numpy 'linear').
PREDANN_CLIP_HD inline RobustRanks robust_ranks(int64_t n) {
  RobustRanks r{};
  const int64_t half = n / 2;
  r.rank[RobustRanks::kMedianLo] = (n % 2 == 1) ? half : half - 1;
  r.rank[RobustRanks::kMedianHi] = half;
  const double v25 = static_cast<double>(n - 1) * 0.25;
  const double v75 = static_cast<double>(n - 1) * 0.75;
  const int64_t lo25 = static_cast<int64_t>(v25);  // floor: v >= 0
  const int64_t lo75 = static_cast<int64_t>(v75);
  r.rank[RobustRanks::kQ25Lo] = lo25;
  r.rank[RobustRanks::kQ25Hi] = lo25 + 1 < n ? lo25 + 1 : n - 1;
  r.rank[RobustRanks::kQ75Lo] = lo75;
  r.rank[RobustRanks::kQ75Hi] = lo75 + 1 < n ? lo75 + 1 : n - 1;
  r.q25_gamma = v25 - static_cast<double>(lo25);
  r.q75_gamma = v75 - static_cast<double>(lo75);
  return r;
}

// numpy >= 1.22 `_lerp(a, b, t)`: exact at both ends. γ can only be 0, ¼, ½ or ¾ here (n − 1 is an
// integer), so (b − a)·t is an exact product and a fused multiply-add cannot change the result.
PREDANN_CLIP_HD inline double numpy_lerp(double a, double b, double t) {
  const double diff = b - a;
  return t >= 0.5 ? b - diff * (1.0 - t) : a + diff * t;
}

struct RobustStats {
  double center;  // median
  double scale;   // q75 − q25, or 1 when that is (nearly) zero
};

// order_stat[i] = sorted channel at ranks.rank[i], as float64.
PREDANN_CLIP_HD inline RobustStats robust_stats(const RobustRanks& ranks, const double* order_stat) {
  RobustStats s;
  // np.ma.median: sum of the two middle values, then divided by 2 (exact for the odd case too).
  s.center = (order_stat[RobustRanks::kMedianLo] + order_stat[RobustRanks::kMedianHi]) / 2.0;
  const double q25 = numpy_lerp(order_stat[RobustRanks::kQ25Lo], order_stat[RobustRanks::kQ25Hi], ranks.q25_gamma);
  const double q75 = numpy_lerp(order_stat[RobustRanks::kQ75Lo], order_stat[RobustRanks::kQ75Hi], ranks.q75_gamma);
  const double iqr = q75 - q25;
  const double kZeroScale = 10.0 * 2.220446049250313e-16;  // 10·eps(float64), exact
  s.scale = iqr < kZeroScale ? 1.0 : iqr;
  return s;
}

// One output sample. x is finite and scale >= 2.2e-15, so the float64 quotient is finite; its
// float32 rounding may overflow to ±inf, which the clamp then limits (NaN cannot occur).
PREDANN_CLIP_HD inline float robust_scaled_value(float x, const RobustStats& s, float clamp) {
  const float y = static_cast<float>((static_cast<double>(x) - s.center) / s.scale);
  const float lower = y < -clamp ? -clamp : y;
  return lower > clamp ? clamp : lower;
}

// ---------------------------------------------------------------------------------------------
// Order keys: a monotone map float32 → uint32 (−0 < +0), so that order statistics can be
// selected with integer min/max and converted to float64 afterwards (the conversion is monotone).

PREDANN_CLIP_HD inline uint32_t float_bits(float x) {
#if defined(__CUDA_ARCH__)
  return __float_as_uint(x);
#else
  uint32_t b;
  std::memcpy(&b, &x, sizeof b);
  return b;
#endif
}

PREDANN_CLIP_HD inline bool finite_bits(uint32_t bits) { return (bits & 0x7f800000u) != 0x7f800000u; }

// Negative floats: flip every bit (larger magnitude → smaller key); positive: set the sign bit.
PREDANN_CLIP_HD inline uint32_t order_key(float x) {
  const uint32_t b = float_bits(x);
  return (b & 0x80000000u) ? ~b : (b | 0x80000000u);
}

PREDANN_CLIP_HD inline float key_value(uint32_t key) {
  const uint32_t b = (key & 0x80000000u) ? (key & 0x7fffffffu) : ~key;
#if defined(__CUDA_ARCH__)
  return __uint_as_float(b);
#else
  float x;
  std::memcpy(&x, &b, sizeof x);
  return x;
#endif
}

}  // namespace predann
