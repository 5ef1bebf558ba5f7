// clip_preprocess: robust scaling, clamp and zero padding of EEG clips (see clip_preprocess.h for
// the exact recipe). Two versions with one result:
//   clip_preprocess_ref  sorts each channel in float64 and reads the order statistics it needs.
//   clip_preprocess      selects those order statistics only: a sorting network (Batcher's odd–even
//                        merge sort) pruned to the comparators that can reach the wanted ranks,
//                        run on the integer order keys of 16 channels at once so that every
//                        comparator is one vector min and one vector max and no branch depends on
//                        the data. Measured on n = 375: ~0.6 µs per channel against ~6 µs for
//                        three std::nth_element calls and ~15 µs for a float64 std::sort.
//                        Channels longer than kNetworkMaxLength use std::nth_element instead.
#include "kernels/clip_preprocess.h"
#include "kernels/parallel.h"

#include <algorithm>
#include <climits>
#include <cmath>
#include <stdexcept>
#include <string>
#include <vector>

#ifdef _OPENMP
#include <omp.h>
#endif

namespace predann {

// ---------------------------------------------------------------------------------------------
// Batches and argument checks

ClipBatch clip_batch(const float* clips, int64_t count, int64_t channels, int64_t length) {
  ClipBatch b;
  b.data = clips;
  b.data_size = count * channels * length;
  b.count = count;
  b.channels = channels;
  b.length = length;
  b.clip_stride = channels * length;
  b.channel_stride = length;
  return b;
}

ClipBatch crop_batch(const float* recording, int64_t channels, int64_t samples, const int64_t* starts,
                     int64_t count, int64_t length) {
  for (int64_t k = 0; k < count; ++k) {
    if (starts[k] < 0 || starts[k] > samples - length) {
      throw std::out_of_range("crop " + std::to_string(k) + " (start " + std::to_string(starts[k]) +
                              ", length " + std::to_string(length) + ") does not lie inside the recording of " +
                              std::to_string(samples) + " samples");
    }
  }
  ClipBatch b;
  b.data = recording;
  b.data_size = channels * samples;
  b.count = count;
  b.channels = channels;
  b.length = length;
  b.clip_stride = 0;
  b.channel_stride = samples;
  b.starts = starts;
  return b;
}

static void require(bool ok, const std::string& problem) {
  if (!ok) throw std::invalid_argument("clip_preprocess: " + problem);
}

void check_clip_preprocess_arguments(const ClipBatch& b, const ClipPreprocessParams& p, const ClipPreprocessOutput& out) {
  require(b.count >= 0, "count must be >= 0, got " + std::to_string(b.count));
  require(b.channels >= 1, "channels must be >= 1, got " + std::to_string(b.channels));
  require(b.length >= 1, "length must be >= 1, got " + std::to_string(b.length));
  require(b.clip_stride >= 0 && b.channel_stride >= 0, "strides must be >= 0");
  require(p.clamp > 0.0f, "clamp must be > 0 (as float32), got " + std::to_string(p.clamp));
  require(p.pad_left >= 0 && p.pad_right >= 0, "pads must be >= 0");
  if (b.count == 0) return;
  require(b.data != nullptr && out.output != nullptr, "null input or output buffer");
  // Every row of every clip must lie inside data: no read past the caller's buffer, whatever
  // strides and starts the batch was built with.
  const int64_t row_span = (b.channels - 1) * b.channel_stride + b.length;
  for (int64_t k = 0; k < b.count; ++k) {
    const int64_t first = k * b.clip_stride + (b.starts ? b.starts[k] : 0);
    require(first >= 0 && first + row_span <= b.data_size,
            "clip " + std::to_string(k) + " reaches outside the input (" + std::to_string(b.data_size) + " values)");
  }
}

// ---------------------------------------------------------------------------------------------
// Shared pieces

static std::string describe_value(float x) {
  if (std::isnan(x)) return "NaN";
  return x > 0 ? "Infinity" : "-Infinity";
}

void throw_non_finite_sample(const ClipBatch& b, int64_t clip, int64_t channel, int64_t sample) {
  const std::string where = b.starts ? "clip " + std::to_string(clip) + " (crop start " + std::to_string(b.starts[clip]) + ")"
                                     : "clip " + std::to_string(clip);
  throw std::invalid_argument(where + ", channel " + std::to_string(channel) + ", sample " + std::to_string(sample) +
                              ": value is " + describe_value(b.channel(clip, channel)[sample]) +
                              "; EEG clips must be finite");
}

// Index of the first non-finite sample of x (n values), or -1.
static int64_t first_non_finite(const float* x, int64_t n) {
  for (int64_t i = 0; i < n; ++i) {
    if (!finite_bits(float_bits(x[i]))) return i;
  }
  return -1;
}

// row is (pad_left + n + pad_right): zeros, the scaled channel x (n values), zeros.
static void write_row(const float* x, int64_t n, const RobustStats& stats, const ClipPreprocessParams& p, float* row) {
  std::fill_n(row, p.pad_left, 0.0f);
  float* body = row + p.pad_left;
  for (int64_t i = 0; i < n; ++i) body[i] = robust_scaled_value(x[i], stats, p.clamp);
  std::fill_n(body + n, p.pad_right, 0.0f);
}

static void store_stats(const ClipPreprocessOutput& out, int64_t task, const RobustStats& stats) {
  if (out.center) out.center[task] = stats.center;
  if (out.scale) out.scale[task] = stats.scale;
}

// ---------------------------------------------------------------------------------------------
// Reference

// The order of the keys: numeric, and −0 before +0.
static bool total_order_less(double a, double b) {
  return a < b || (a == b && std::signbit(a) && !std::signbit(b));
}

void clip_preprocess_ref(const ClipBatch& b, const ClipPreprocessParams& p, const ClipPreprocessOutput& out) {
  check_clip_preprocess_arguments(b, p, out);
  const int64_t n = b.length;
  const int64_t padded = p.padded_length(n);
  const RobustRanks ranks = robust_ranks(n);
  std::vector<double> sorted(static_cast<size_t>(n));  // one channel, float64, ascending
  for (int64_t k = 0; k < b.count; ++k) {
    for (int64_t c = 0; c < b.channels; ++c) {
      const float* x = b.channel(k, c);
      const int64_t bad = first_non_finite(x, n);
      if (bad >= 0) throw_non_finite_sample(b, k, c, bad);
      for (int64_t i = 0; i < n; ++i) sorted[i] = static_cast<double>(x[i]);
      std::sort(sorted.begin(), sorted.end(), total_order_less);
      double order_stat[RobustRanks::kCount];
      for (int j = 0; j < RobustRanks::kCount; ++j) order_stat[j] = sorted[ranks.rank[j]];
      const RobustStats stats = robust_stats(ranks, order_stat);
      const int64_t task = k * b.channels + c;
      write_row(x, n, stats, p, out.output + task * padded);
      store_stats(out, task, stats);
    }
  }
}

// ---------------------------------------------------------------------------------------------
// Fast version

namespace {

constexpr int kLanes = 16;                  // channels sorted side by side (one 512-bit register of keys)
constexpr int64_t kNetworkMaxLength = 4096;  // longer channels: std::nth_element (network grows as n·log²n)

// Row i of a group: the order key of sample i of 16 channels, one channel per lane.
struct alignas(64) LaneRow {
  uint32_t key[kLanes];
};

// After a comparator, row `lo` holds the lane-wise minimum and row `hi` the maximum.
struct Comparator {
  uint16_t lo, hi;
};

// The loop over lanes compiles to one vector min and one vector max per comparator (AVX-512: one
// instruction each; SSE4.1/AVX2: a few). Copies keep the compiler free of aliasing doubts.
inline void compare_exchange(LaneRow& a, LaneRow& b) {
  LaneRow lo, hi;
  for (int l = 0; l < kLanes; ++l) {
    const uint32_t x = a.key[l], y = b.key[l];
    lo.key[l] = x < y ? x : y;
    hi.key[l] = x < y ? y : x;
  }
  a = lo;
  b = hi;
}

// Batcher's odd–even merge sort on n wires: the power-of-two network with the wires >= n removed,
// which is exact because those wires would carry +inf, which never moves to a lower wire. Then
// pruned backwards: a comparator stays only if a wire it writes is still needed for a wanted rank.
// For n = 375 this keeps 6,071 of 6,952 comparators.
std::vector<Comparator> selection_network(int64_t n, const RobustRanks& ranks) {
  std::vector<Comparator> sorter;
  for (int64_t p = 1; p < n; p <<= 1) {
    for (int64_t k = p; k >= 1; k >>= 1) {
      for (int64_t j = k % p; j + k < n; j += 2 * k) {
        for (int64_t i = 0; i < std::min(k, n - j - k); ++i) {
          if ((i + j) / (2 * p) == (i + j + k) / (2 * p)) {
            sorter.push_back({static_cast<uint16_t>(i + j), static_cast<uint16_t>(i + j + k)});
          }
        }
      }
    }
  }
  std::vector<char> needed(static_cast<size_t>(n), 0);
  for (int j = 0; j < RobustRanks::kCount; ++j) needed[ranks.rank[j]] = 1;
  std::vector<Comparator> pruned;
  for (auto it = sorter.rbegin(); it != sorter.rend(); ++it) {
    if (needed[it->lo] || needed[it->hi]) {
      needed[it->lo] = needed[it->hi] = 1;
      pruned.push_back(*it);
    }
  }
  std::reverse(pruned.begin(), pruned.end());
  return pruned;
}

// The first non-finite sample seen by any thread (lowest task, then sample).
class FirstNonFinite {
 public:
  void record(int64_t task, int64_t sample) {
#pragma omp critical(predann_clip_non_finite)
    {
      if (task < task_ || (task == task_ && sample < sample_)) {
        task_ = task;
        sample_ = sample;
      }
    }
  }
  void throw_if_any(const ClipBatch& b) const {
    if (task_ != INT64_MAX) throw_non_finite_sample(b, task_ / b.channels, task_ % b.channels, sample_);
  }

 private:
  int64_t task_ = INT64_MAX;
  int64_t sample_ = 0;
};

int thread_id() {
#ifdef _OPENMP
  return omp_get_thread_num();
#else
  return 0;
#endif
}

// Loads the keys of tasks first .. first + lanes − 1 (task = clip·C + channel) into rows (n of
// them); unused lanes get key 0. Returns false (after recording it) on a non-finite sample.
bool load_lanes(const ClipBatch& b, int64_t first, int lanes, LaneRow* rows, FirstNonFinite& failure) {
  const int64_t n = b.length;
  for (int l = 0; l < kLanes; ++l) {
    if (l >= lanes) {
      for (int64_t i = 0; i < n; ++i) rows[i].key[l] = 0;
      continue;
    }
    const int64_t task = first + l;
    const float* x = b.channel(task / b.channels, task % b.channels);
    uint32_t all_finite = 1;
    for (int64_t i = 0; i < n; ++i) {
      all_finite &= static_cast<uint32_t>(finite_bits(float_bits(x[i])));
      rows[i].key[l] = order_key(x[i]);
    }
    if (!all_finite) {
      failure.record(task, first_non_finite(x, n));
      return false;
    }
  }
  return true;
}

// Sorts 16 channels' wanted ranks into place, then scales and writes each channel.
void process_group(const ClipBatch& b, const ClipPreprocessParams& p, const ClipPreprocessOutput& out,
                   const RobustRanks& ranks, const std::vector<Comparator>& network, int64_t first, int lanes,
                   LaneRow* rows, FirstNonFinite& failure) {
  if (!load_lanes(b, first, lanes, rows, failure)) return;
  for (const Comparator& cmp : network) compare_exchange(rows[cmp.lo], rows[cmp.hi]);
  const int64_t padded = p.padded_length(b.length);
  for (int l = 0; l < lanes; ++l) {
    double order_stat[RobustRanks::kCount];
    for (int j = 0; j < RobustRanks::kCount; ++j) order_stat[j] = key_value(rows[ranks.rank[j]].key[l]);
    const RobustStats stats = robust_stats(ranks, order_stat);
    const int64_t task = first + l;
    write_row(b.channel(task / b.channels, task % b.channels), b.length, stats, p, out.output + task * padded);
    store_stats(out, task, stats);
  }
}

// Long channels: select the wanted ranks in ascending order, each std::nth_element working only
// on the part right of the previous rank. keys is scratch of n values.
void process_long_channel(const ClipBatch& b, const ClipPreprocessParams& p, const ClipPreprocessOutput& out,
                          const RobustRanks& ranks, int64_t task, uint32_t* keys, FirstNonFinite& failure) {
  const int64_t n = b.length;
  const float* x = b.channel(task / b.channels, task % b.channels);
  const int64_t bad = first_non_finite(x, n);
  if (bad >= 0) {
    failure.record(task, bad);
    return;
  }
  for (int64_t i = 0; i < n; ++i) keys[i] = order_key(x[i]);
  int64_t wanted[RobustRanks::kCount];
  std::copy(ranks.rank, ranks.rank + RobustRanks::kCount, wanted);
  std::sort(wanted, wanted + RobustRanks::kCount);
  int64_t settled = 0;  // keys[0 .. settled) are <= everything right of them
  for (int64_t r : wanted) {
    if (r < settled) continue;  // a repeated rank
    std::nth_element(keys + settled, keys + r, keys + n);
    settled = r + 1;
  }
  double order_stat[RobustRanks::kCount];
  for (int j = 0; j < RobustRanks::kCount; ++j) order_stat[j] = key_value(keys[ranks.rank[j]]);
  const RobustStats stats = robust_stats(ranks, order_stat);
  write_row(x, n, stats, p, out.output + task * p.padded_length(n));
  store_stats(out, task, stats);
}

}  // namespace

void clip_preprocess(const ClipBatch& b, const ClipPreprocessParams& p, const ClipPreprocessOutput& out) {
  check_clip_preprocess_arguments(b, p, out);
  const int64_t n = b.length;
  const int64_t tasks = b.count * b.channels;
  const RobustRanks ranks = robust_ranks(n);
  FirstNonFinite failure;
  const int threads = thread_count();

  if (n > kNetworkMaxLength) {
    // Scratch is allocated before the parallel region: nothing inside it may throw.
    std::vector<uint32_t> scratch(static_cast<size_t>(threads) * static_cast<size_t>(n));
    run_on_openmp_host([&] {
#pragma omp parallel for schedule(dynamic, 4) num_threads(threads)
      for (int64_t task = 0; task < tasks; ++task) {
        process_long_channel(b, p, out, ranks, task, scratch.data() + thread_id() * n, failure);
      }
    });
  } else {
    const std::vector<Comparator> network = selection_network(n, ranks);
    std::vector<LaneRow> scratch(static_cast<size_t>(threads) * static_cast<size_t>(n));
    const int64_t groups = (tasks + kLanes - 1) / kLanes;
    run_on_openmp_host([&] {
#pragma omp parallel for schedule(static) num_threads(threads)
      for (int64_t g = 0; g < groups; ++g) {
        const int64_t first = g * kLanes;
        const int lanes = static_cast<int>(std::min<int64_t>(kLanes, tasks - first));
        process_group(b, p, out, ranks, network, first, lanes, scratch.data() + thread_id() * n, failure);
      }
    });
  }
  failure.throw_if_any(b);
}

}  // namespace predann
