// conv2d: 3×3, stride 1, zero padding 1 (see conv2d.h for the formulas and the contract).
//
// The fast path is one engine, a "3×3 correlation" of a (N,Cin,H,W) tensor with a repacked kernel:
//   forward  = correlation of the input with W, plus bias;
//   dinput  += correlation of dout with the transposed, flipped kernel W'[c,o,i,j] = W[o,c,2−i,2−j]
//              (substitute i' = 2 − i in din = Σ W[o,c,i,j]·dout[h−i+1, w−j+1]).
// A task is one output row chunk (image n, row h, up to kChunk columns). It first copies rows
// h−1, h, h+1 of every input channel, with their one-column borders, into a zero-padded patch, so
// that the inner loops need no bounds checks; then it sweeps register tiles of 8 output channels ×
// 48 columns (24 accumulators) over it. Kernel rows that would read above the first or below the
// last image row are skipped, not multiplied by zeros: with H = 1 two thirds of the work vanish.
//
// The weight gradient reduces over (n, h, w). A task is up to 4 rows of one image and one column
// chunk; tiles of 4 output × 2 input channels × 3 taps sum its products in 16-lane float vectors,
// then horizontally into a per-thread float64 partial. The shifted inputs of taps j = 1, 2 come
// from aligned loads and a lane rotation. The partials are added in thread order at the end, so
// the result depends on the thread count but never on timing.
//
// Measured on the 2-core AMD EPYC (Zen 5) development VM, 2 threads, N = 8, EEG 128 × 729, against
// an FMA loop's 416 GFLOP/s: Cin 64 → Cout 128 forward 335 GFLOP/s (81 %), dweight + dbias 309
// (74 %), dinput 322 (77 %); Cin 32 → Cout 64: 275, 282, 262. Layer 1 (Cin = 1, 0.4 GFLOP) takes
// ~7–9 ms, a third of it writing its 96 MB output.
#include "kernels/conv2d.h"

#include <algorithm>
#include <cstdint>
#include <stdexcept>
#include <string>
#include <vector>

#include "kernels/conv2d_simd.h"
#include "kernels/parallel.h"

#ifdef _OPENMP
#include <omp.h>
#endif

namespace predann {

namespace {

constexpr int kTaps = 3;  // kernel height and width

void require(bool ok, const std::string& what) {
  if (!ok) throw std::invalid_argument(what);
}

// The kernel rows i that meet the image for output row h: first..last inclusive.
struct TapRows {
  int first, last;
};

TapRows tap_rows(int64_t h, int64_t height) { return {h == 0 ? 1 : 0, h == height - 1 ? 1 : 2}; }

}  // namespace

void check_conv2d_shape(const Conv2dShape& s) {
  require(s.batch >= 1 && s.in_channels >= 1 && s.out_channels >= 1 && s.height >= 1 && s.width >= 1,
          "conv2d: every dimension must be at least 1, got N=" + std::to_string(s.batch) +
              " Cin=" + std::to_string(s.in_channels) + " Cout=" + std::to_string(s.out_channels) +
              " H=" + std::to_string(s.height) + " W=" + std::to_string(s.width));
}

double conv2d_forward_flops(const Conv2dShape& s) {
  return 2.0 * static_cast<double>(s.batch) * static_cast<double>(s.out_channels) *
         static_cast<double>(s.in_channels) * kTaps * kTaps * static_cast<double>(s.height) *
         static_cast<double>(s.width);
}

// ---------------------------------------------------------------------------------------------
// Reference: the formulas of conv2d.h as loops, sums in float64.

template <typename T>
void conv2d_forward_ref(const Conv2dShape& s, const T* input, const T* weight, const T* bias, T* output) {
  check_conv2d_shape(s);
  require(input && weight && output, "conv2d_forward_ref: input, weight and output are required");
  const int64_t N = s.batch, C = s.in_channels, O = s.out_channels, H = s.height, W = s.width;
  // input is (N,C,H,W), weight is (O,C,3,3), bias is (O), output is (N,O,H,W)
  for (int64_t n = 0; n < N; ++n)
    for (int64_t o = 0; o < O; ++o)
      for (int64_t h = 0; h < H; ++h)
        for (int64_t w = 0; w < W; ++w) {
          double sum = bias ? static_cast<double>(bias[o]) : 0.0;
          for (int64_t c = 0; c < C; ++c)
            for (int64_t i = 0; i < kTaps; ++i)
              for (int64_t j = 0; j < kTaps; ++j) {
                const int64_t y = h + i - 1, x = w + j - 1;
                if (y < 0 || y >= H || x < 0 || x >= W) continue;  // zero padding
                sum += static_cast<double>(weight[((o * C + c) * kTaps + i) * kTaps + j]) *
                       static_cast<double>(input[((n * C + c) * H + y) * W + x]);
              }
          output[((n * O + o) * H + h) * W + w] = static_cast<T>(sum);
        }
}

template <typename T>
void conv2d_backward_ref(const Conv2dShape& s, const T* input, const T* weight, const T* doutput, T* dinput,
                         T* dweight, T* dbias) {
  check_conv2d_shape(s);
  require(input && weight && doutput, "conv2d_backward_ref: input, weight and doutput are required");
  const int64_t N = s.batch, C = s.in_channels, O = s.out_channels, H = s.height, W = s.width;
  // input, dinput are (N,C,H,W); weight, dweight are (O,C,3,3); doutput is (N,O,H,W); dbias is (O)
  auto dout = [&](int64_t n, int64_t o, int64_t h, int64_t w) {
    return static_cast<double>(doutput[((n * O + o) * H + h) * W + w]);
  };
  if (dbias) {
    for (int64_t o = 0; o < O; ++o) {
      double sum = 0;
      for (int64_t n = 0; n < N; ++n)
        for (int64_t h = 0; h < H; ++h)
          for (int64_t w = 0; w < W; ++w) sum += dout(n, o, h, w);
      dbias[o] += static_cast<T>(sum);
    }
  }
  if (dweight) {
    for (int64_t o = 0; o < O; ++o)
      for (int64_t c = 0; c < C; ++c)
        for (int64_t i = 0; i < kTaps; ++i)
          for (int64_t j = 0; j < kTaps; ++j) {
            double sum = 0;
            for (int64_t n = 0; n < N; ++n)
              for (int64_t h = 0; h < H; ++h)
                for (int64_t w = 0; w < W; ++w) {
                  const int64_t y = h + i - 1, x = w + j - 1;
                  if (y < 0 || y >= H || x < 0 || x >= W) continue;
                  sum += dout(n, o, h, w) * static_cast<double>(input[((n * C + c) * H + y) * W + x]);
                }
            dweight[((o * C + c) * kTaps + i) * kTaps + j] += static_cast<T>(sum);
          }
  }
  if (dinput) {
    for (int64_t n = 0; n < N; ++n)
      for (int64_t c = 0; c < C; ++c)
        for (int64_t y = 0; y < H; ++y)
          for (int64_t x = 0; x < W; ++x) {
            double sum = 0;  // over the outputs (h, w) = (y − i + 1, x − j + 1) that read in[y, x]
            for (int64_t o = 0; o < O; ++o)
              for (int64_t i = 0; i < kTaps; ++i)
                for (int64_t j = 0; j < kTaps; ++j) {
                  const int64_t h = y - i + 1, w = x - j + 1;
                  if (h < 0 || h >= H || w < 0 || w >= W) continue;
                  sum += static_cast<double>(weight[((o * C + c) * kTaps + i) * kTaps + j]) * dout(n, o, h, w);
                }
            dinput[((n * C + c) * H + y) * W + x] += static_cast<T>(sum);
          }
  }
}

template void conv2d_forward_ref<float>(const Conv2dShape&, const float*, const float*, const float*, float*);
template void conv2d_forward_ref<double>(const Conv2dShape&, const double*, const double*, const double*, double*);
template void conv2d_backward_ref<float>(const Conv2dShape&, const float*, const float*, const float*, float*, float*,
                                         float*);
template void conv2d_backward_ref<double>(const Conv2dShape&, const double*, const double*, const double*, double*,
                                          double*, double*);

// ---------------------------------------------------------------------------------------------
// Fast engine.

namespace {

using simd::kLanes;
using simd::Vec;

// Forward register tile: 8 output channels × 3 vectors of 16 columns = 24 accumulators, plus the 3
// input vectors of one tap and one broadcast weight: 28 of the 32 zmm registers. Each input vector
// is loaded once per tap and used 8 times, so loads (two slots when a load straddles cache lines)
// stay well below the two FMAs per cycle.
constexpr int kOutBlock = 8;
constexpr int kMaxTileVectors = 3;
// Weight-gradient register tile: 4 output channels × 2 input channels × 3 taps = 24 accumulators.
constexpr int kGradOutBlock = 4;
constexpr int kGradInBlock = 2;
// Output rows per weight-gradient task: the 24 horizontal sums of a tile are paid once per 4 rows.
constexpr int64_t kGradRows = 4;
constexpr int64_t kChunk = 768;  // columns per task: splits the 177,147-sample audio rows
constexpr int64_t kGradTaskColumns = 2 * kChunk;  // row-columns per weight-gradient task
constexpr int64_t kAlign = 16;   // floats per 64-byte cache line

// A 64-byte aligned pointer into `v`, which must have kAlign − 1 floats to spare.
float* align64(std::vector<float>& v) {
  const auto address = reinterpret_cast<uintptr_t>(v.data());
  return reinterpret_cast<float*>((address + 63) & ~static_cast<uintptr_t>(63));
}

int64_t round_up(int64_t x, int64_t m) { return (x + m - 1) / m * m; }
int64_t blocks_of(int64_t channels) { return (channels + kOutBlock - 1) / kOutBlock; }

int thread_index() {
#ifdef _OPENMP
  return omp_get_thread_num();
#else
  return 0;
#endif
}

// A kernel repacked for the forward register tiles: (ceil(O/8), C, 3, 3, 8), channels o = 8·block + lane,
// zero for the lanes past O. kernel(o, c, i, j) gives the value.
template <typename Kernel>
std::vector<float> pack_kernel(int64_t out_channels, int64_t in_channels, Kernel kernel) {
  std::vector<float> packed(static_cast<size_t>(blocks_of(out_channels) * in_channels * kTaps * kTaps * kOutBlock));
  for (int64_t o = 0; o < out_channels; ++o)
    for (int64_t c = 0; c < in_channels; ++c)
      for (int i = 0; i < kTaps; ++i)
        for (int j = 0; j < kTaps; ++j) {
          const int64_t block = o / kOutBlock, lane = o % kOutBlock;
          packed[static_cast<size_t>((((block * in_channels + c) * kTaps + i) * kTaps + j) * kOutBlock + lane)] =
              kernel(o, c, i, j);
        }
  return packed;
}

// output (=|+=) bias + correlation(input, kernel), all (N, channels, H, W).
struct Correlation {
  int64_t batch = 0, in_channels = 0, out_channels = 0, height = 0, width = 0;
  const float* input = nullptr;   // (N, in_channels, H, W)
  const float* kernel = nullptr;  // packed: (ceil(out_channels/8), in_channels, 3, 3, 8)
  const float* bias = nullptr;    // (out_channels) or null
  float* output = nullptr;        // (N, out_channels, H, W)
  bool accumulate = false;        // output += … (dinput) instead of output = bias + … (forward)
  const Conv2dEpilogue* epilogue = nullptr;  // applied before the store (forward only), or null
};

// How the columns of a row are split into tasks: `count` chunks of `columns` (the last shorter).
struct ColumnChunks {
  int64_t count, columns;
};

ColumnChunks column_chunks(int64_t width, int64_t max_columns = kChunk) {
  const int64_t count = (width + max_columns - 1) / max_columns;
  return {count, round_up((width + count - 1) / count, kLanes)};
}

// Image rows first_row .. first_row + rows − 1 of every channel of one image for the columns
// [w0 − 1, w0 + columns + 1), zero outside the image and zero beyond, so that a 16-lane load may
// run past the chunk. Rows outside the image are left unwritten: the kernels never read them.
// patch is (channels, rows, stride); patch column p holds image column w0 − 1 + p; rows are
// 64-byte aligned.
struct RowPatch {
  float* data = nullptr;
  int64_t stride = 0;
  int64_t rows = 0;

  static int64_t stride_for(int64_t columns) { return round_up(columns, kLanes) + kLanes; }
  const float* row(int64_t c, int64_t r) const { return data + (c * rows + r) * stride; }

  // image is (channels, H, W).
  void fill(const float* image, int64_t channels, int64_t height, int64_t width, int64_t first_row, int64_t w0,
            int64_t columns) {
    const int64_t first = std::max<int64_t>(w0 - 1, 0), end = std::min(w0 + columns + 1, width);
    for (int64_t c = 0; c < channels; ++c)
      for (int64_t r = 0; r < rows; ++r) {
        const int64_t y = first_row + r;
        if (y < 0 || y >= height) continue;
        float* dst = data + (c * rows + r) * stride;
        const float* src = image + (c * height + y) * width;
        std::fill(dst, dst + stride, 0.0f);
        std::copy(src + first, src + end, dst + (first - (w0 - 1)));
      }
  }
};

// acc[o][k] += Σ_c Σ_{i∈rows} Σ_j kernel[c,i,j,o] · patch[c][i][column + j + 16k]: one register tile
// of 8 output channels × 16·V columns. kernel is one packed block, (C, 3, 3, 8).
template <int V>
void correlate_tile(const RowPatch& patch, int64_t column, const float* kernel, int64_t channels, TapRows rows,
                    Vec (&acc)[kOutBlock][V]) {
  for (int64_t c = 0; c < channels; ++c)
    for (int i = rows.first; i <= rows.last; ++i) {
      const float* x = patch.row(c, i) + column;
      const float* w = kernel + (c * kTaps + i) * kTaps * kOutBlock;
      for (int j = 0; j < kTaps; ++j) {
        Vec in[V];
        for (int k = 0; k < V; ++k) in[k] = simd::load(x + j + k * kLanes);
        for (int o = 0; o < kOutBlock; ++o) {
          const Vec weight = simd::broadcast(w[j * kOutBlock + o]);
          for (int k = 0; k < V; ++k) acc[o][k] = simd::fma(weight, in[k], acc[o][k]);
        }
      }
    }
}

// Where one register tile writes: output row h of image n, columns w0 + column … (lanes_left of
// them exist, at most 16·V).
struct TileTarget {
  int64_t n, h, w0, column, lanes_left;
};

int lanes_of(const TileTarget& t, int k) {
  return static_cast<int>(std::min<int64_t>(kLanes, t.lanes_left - static_cast<int64_t>(k) * kLanes));
}

inline Vec apply_epilogue(const Conv2dEpilogue& e, int64_t channel, Vec x) {
  const Vec y = simd::affine(x, e.scale[channel], e.shift[channel]);
  return e.relu ? simd::relu(y) : y;
}

template <int V>
void run_tile(const Correlation& job, const RowPatch& patch, const TileTarget& t, TapRows rows) {
  for (int64_t block = 0; block < blocks_of(job.out_channels); ++block) {
    const int valid = static_cast<int>(std::min<int64_t>(kOutBlock, job.out_channels - block * kOutBlock));
    float* out[kOutBlock] = {};
    for (int o = 0; o < valid; ++o) {
      const int64_t channel = block * kOutBlock + o;
      out[o] = job.output + ((t.n * job.out_channels + channel) * job.height + t.h) * job.width + t.w0 + t.column;
    }
    Vec acc[kOutBlock][V];
    for (int o = 0; o < kOutBlock; ++o) {
      const float bias = o < valid && job.bias ? job.bias[block * kOutBlock + o] : 0.0f;
      for (int k = 0; k < V; ++k) acc[o][k] = simd::broadcast(bias);
    }
    const float* kernel = job.kernel + block * job.in_channels * kTaps * kTaps * kOutBlock;
    correlate_tile<V>(patch, t.column, kernel, job.in_channels, rows, acc);
    for (int o = 0; o < valid; ++o)
      for (int k = 0; k < V; ++k) {
        const int lanes = lanes_of(t, k);
        float* target = out[o] + k * kLanes;
        // The old value is added after the sum, as `d += sum` in the reference: accumulating twice
        // is then exactly twice one call's contribution added in.
        Vec result = acc[o][k];
        if (job.accumulate) result = simd::add(simd::load_first(target, lanes), result);
        if (job.epilogue) result = apply_epilogue(*job.epilogue, block * kOutBlock + o, result);
        if (lanes == kLanes) simd::store(target, result);
        else simd::store_first(target, result, lanes);
      }
  }
}

// One task: output row h of image n, columns [w0, w0 + columns).
void correlate_row_chunk(const Correlation& job, RowPatch& patch, int64_t n, int64_t h, int64_t w0, int64_t columns) {
  const TapRows rows = tap_rows(h, job.height);
  const float* image = job.input + n * job.in_channels * job.height * job.width;
  patch.fill(image, job.in_channels, job.height, job.width, h - 1, w0, columns);  // patch row i = image row h + i − 1
  constexpr int64_t kTileColumns = kMaxTileVectors * kLanes;
  for (int64_t column = 0; column < columns; column += kTileColumns) {
    const TileTarget t{n, h, w0, column, columns - column};
    switch (std::min<int64_t>(kMaxTileVectors, (t.lanes_left + kLanes - 1) / kLanes)) {
      case 3: run_tile<3>(job, patch, t, rows); break;
      case 2: run_tile<2>(job, patch, t, rows); break;
      default: run_tile<1>(job, patch, t, rows); break;
    }
  }
}

void correlate(const Correlation& job) {
  const ColumnChunks chunks = column_chunks(job.width);
  const int64_t stride = RowPatch::stride_for(chunks.columns);
  const int64_t tasks = job.batch * job.height * chunks.count;
  const int threads = thread_count();
  // Allocated before the parallel region: nothing inside it may throw.
  std::vector<float> patch_memory(static_cast<size_t>(threads * job.in_channels * kTaps * stride + kAlign - 1));
  float* patches = align64(patch_memory);
  run_on_openmp_host([&] {
#pragma omp parallel for schedule(static) num_threads(threads)
    for (int64_t task = 0; task < tasks; ++task) {
      RowPatch patch{patches + thread_index() * job.in_channels * kTaps * stride, stride, kTaps};
      const int64_t chunk = task % chunks.count, row = task / chunks.count;
      const int64_t w0 = chunk * chunks.columns;
      correlate_row_chunk(job, patch, row / job.height, row % job.height, w0, std::min(chunks.columns, job.width - w0));
    }
  });
}

// ---------------------------------------------------------------------------------------------
// Weight and bias gradients.

// Rows h0 .. h0 + rows − 1 of image n of dout for columns [w0, w0 + columns), zero beyond the
// chunk and in the channels that pad O to whole weight-gradient blocks.
// dout_rows is (round_up(O, 4), kGradRows, stride).
void fill_dout_rows(const float* image, int64_t channels, int64_t height, int64_t width, int64_t h0, int64_t rows,
                    int64_t w0, int64_t columns, float* dout_rows, int64_t stride) {
  std::fill(dout_rows, dout_rows + round_up(channels, kGradOutBlock) * kGradRows * stride, 0.0f);
  for (int64_t o = 0; o < channels; ++o)
    for (int64_t t = 0; t < rows; ++t) {
      const float* src = image + (o * height + h0 + t) * width + w0;
      std::copy(src, src + columns, dout_rows + (o * kGradRows + t) * stride);
    }
}

// One task of the weight-gradient pass: up to kGradRows output rows from h0, one column chunk.
struct GradientRows {
  int64_t h0, rows;     // output rows h0 .. h0 + rows − 1
  int64_t vectors;      // 16-column vectors of the chunk
  int64_t height;       // H
  int64_t stride;       // of the patch and dout rows
};

// Kernel row i reads image row h + i − 1 of output row h: is it inside the image for any row?
bool tap_row_used(const GradientRows& g, int i) {
  const int64_t first = g.h0 + i - 1, last = g.h0 + g.rows - 1 + i - 1;
  return last >= 0 && first < g.height;
}

// partial[o, c + b, i, j] += Σ_h Σ_q dout[o][h][q] · patch[c + b][h + i − 1][q + j] for the 4
// output channels of one block and the CB input channels c.., over the rows and `vectors`
// 16-column vectors of one task. dout_rows is (4, kGradRows, stride) of that block; the patch's
// row r holds image row h0 − 1 + r; partial is (O, C, 3, 3) from the block's first channel.
template <int CB>
void weight_gradient_tile(const float* dout_rows, const RowPatch& patch, const GradientRows& g, int64_t channels,
                          int64_t c, int i, int valid, double* partial) {
  Vec acc[kGradOutBlock][CB][kTaps];
  for (auto& per_out : acc)
    for (auto& per_in : per_out)
      for (auto& a : per_in) a = simd::zero();
  for (int64_t t = 0; t < g.rows; ++t) {
    const int64_t y = g.h0 + t + i - 1;
    if (y < 0 || y >= g.height) continue;  // zero padding row
    const float* x[CB];
    for (int b = 0; b < CB; ++b) x[b] = patch.row(c + b, t + i);
    const float* d_row = dout_rows + t * g.stride;
    for (int64_t k = 0; k < g.vectors; ++k) {
      Vec d[kGradOutBlock];
      for (int o = 0; o < kGradOutBlock; ++o) d[o] = simd::load(d_row + o * kGradRows * g.stride + k * kLanes);
      for (int b = 0; b < CB; ++b) {
        // Taps j = 1, 2 from two aligned loads: the shifted loads would straddle cache lines and
        // cost two load slots each.
        const Vec low = simd::load(x[b] + k * kLanes), high = simd::load(x[b] + (k + 1) * kLanes);
        const Vec in[kTaps] = {low, simd::shifted<1>(low, high), simd::shifted<2>(low, high)};
        for (int j = 0; j < kTaps; ++j)
          for (int o = 0; o < kGradOutBlock; ++o) acc[o][b][j] = simd::fma(d[o], in[j], acc[o][b][j]);
      }
    }
  }
  for (int o = 0; o < valid; ++o)
    for (int b = 0; b < CB; ++b)
      for (int j = 0; j < kTaps; ++j)
        partial[((o * channels + c + b) * kTaps + i) * kTaps + j] += static_cast<double>(simd::sum(acc[o][b][j]));
}

void weight_gradient_block(const float* dout_rows, const RowPatch& patch, const GradientRows& g, int64_t channels,
                           int valid, double* partial) {
  for (int64_t c = 0; c < channels; c += kGradInBlock)
    for (int i = 0; i < kTaps; ++i) {
      if (!tap_row_used(g, i)) continue;  // H = 1: rows 0 and 2 stay untouched
      if (c + kGradInBlock <= channels)
        weight_gradient_tile<kGradInBlock>(dout_rows, patch, g, channels, c, i, valid, partial);
      else
        weight_gradient_tile<1>(dout_rows, patch, g, channels, c, i, valid, partial);
    }
}

double row_sum(const float* row, int64_t vectors) {
  Vec acc = simd::zero();
  for (int64_t k = 0; k < vectors; ++k) acc = simd::add(acc, simd::load(row + k * kLanes));
  return static_cast<double>(simd::sum(acc));
}

// Per-thread scratch of the weight-gradient pass.
struct GradientScratch {
  std::vector<float> patch_memory, dout_memory;
  std::vector<double> dweight, dbias;  // (threads, O, C, 3, 3) and (threads, O)
};

void weight_and_bias_gradients(const Conv2dShape& s, const float* input, const float* doutput, float* dweight,
                               float* dbias) {
  const int64_t C = s.in_channels, O = s.out_channels, H = s.height, W = s.width;
  // Rows per task, and wider chunks when there are fewer rows (mono audio: H = 1), so that every
  // task covers about kGradTaskColumns row-columns per horizontal sum: long enough to amortise the
  // sums, short enough that a block's dout rows stay in L1 across the input channels. Measured
  // (batch 8, 2 threads, dW GFLOP/s at 1×/2×/3×/4× kChunk): music 64 → 128 189/251/210/220,
  // EEG 64 → 128 236/317/317/301.
  const int64_t block_rows = std::min(H, kGradRows);
  const ColumnChunks chunks = column_chunks(W, kGradTaskColumns / block_rows);
  const int64_t stride = RowPatch::stride_for(chunks.columns);
  const int64_t row_blocks = (H + block_rows - 1) / block_rows;
  const int64_t tasks = s.batch * row_blocks * chunks.count;
  const int64_t weights = O * C * kTaps * kTaps;
  const int64_t patch_size = C * (block_rows + 2) * stride, dout_size = round_up(O, kGradOutBlock) * kGradRows * stride;
  const int threads = thread_count();
  GradientScratch scratch;
  scratch.patch_memory.resize(static_cast<size_t>(threads * patch_size + kAlign - 1));
  scratch.dout_memory.resize(static_cast<size_t>(threads * dout_size + kAlign - 1));
  float* patches = align64(scratch.patch_memory);
  float* all_dout_rows = align64(scratch.dout_memory);
  scratch.dweight.assign(static_cast<size_t>(threads * weights), 0.0);
  scratch.dbias.assign(static_cast<size_t>(threads * O), 0.0);

  run_on_openmp_host([&] {
#pragma omp parallel for schedule(static) num_threads(threads)
    for (int64_t task = 0; task < tasks; ++task) {
      const int t = thread_index();
      const int64_t chunk = task % chunks.count, block = task / chunks.count;
      const int64_t n = block / row_blocks, h0 = block % row_blocks * block_rows, w0 = chunk * chunks.columns;
      const int64_t columns = std::min(chunks.columns, W - w0);
      const GradientRows g{h0, std::min(block_rows, H - h0), (columns + kLanes - 1) / kLanes, H, stride};
      // Patch row r = image row h0 − 1 + r, for the taps of rows h0 − 1 .. h0 + rows.
      RowPatch patch{patches + t * patch_size, stride, g.rows + 2};
      float* dout_rows = all_dout_rows + t * dout_size;
      if (dweight) patch.fill(input + n * C * H * W, C, H, W, h0 - 1, w0, columns);
      fill_dout_rows(doutput + n * O * H * W, O, H, W, h0, g.rows, w0, columns, dout_rows, stride);
      if (dbias)
        for (int64_t o = 0; o < O; ++o)
          for (int64_t r = 0; r < g.rows; ++r)
            scratch.dbias[t * O + o] += row_sum(dout_rows + (o * kGradRows + r) * stride, g.vectors);
      if (dweight)
        for (int64_t o = 0; o < O; o += kGradOutBlock) {
          const int valid = static_cast<int>(std::min<int64_t>(kGradOutBlock, O - o));
          weight_gradient_block(dout_rows + o * kGradRows * stride, patch, g, C, valid,
                                scratch.dweight.data() + t * weights + o * C * kTaps * kTaps);
        }
    }
  });

  // Thread order, so that the sums are the same from run to run.
  for (int64_t e = 0; dweight && e < weights; ++e) {
    double sum = 0;
    for (int t = 0; t < threads; ++t) sum += scratch.dweight[t * weights + e];
    dweight[e] += static_cast<float>(sum);
  }
  for (int64_t o = 0; dbias && o < O; ++o) {
    double sum = 0;
    for (int t = 0; t < threads; ++t) sum += scratch.dbias[t * O + o];
    dbias[o] += static_cast<float>(sum);
  }
}

}  // namespace

void conv2d_forward(const Conv2dShape& s, const float* input, const float* weight, const float* bias, float* output,
                    const Conv2dEpilogue* epilogue) {
  check_conv2d_shape(s);
  require(input && weight && output, "conv2d_forward: input, weight and output are required");
  require(!epilogue || (epilogue->scale && epilogue->shift), "conv2d_forward: the epilogue needs scale and shift");
  const int64_t C = s.in_channels;
  const std::vector<float> kernel = pack_kernel(s.out_channels, C, [&](int64_t o, int64_t c, int i, int j) {
    return weight[((o * C + c) * kTaps + i) * kTaps + j];
  });
  Correlation job;
  job.batch = s.batch, job.in_channels = C, job.out_channels = s.out_channels;
  job.height = s.height, job.width = s.width;
  job.input = input, job.kernel = kernel.data(), job.bias = bias, job.output = output;
  job.epilogue = epilogue;
  correlate(job);
}

void conv2d_backward(const Conv2dShape& s, const float* input, const float* weight, const float* doutput,
                     float* dinput, float* dweight, float* dbias) {
  check_conv2d_shape(s);
  require(input && weight && doutput, "conv2d_backward: input, weight and doutput are required");
  if (dweight || dbias) weight_and_bias_gradients(s, input, doutput, dweight, dbias);
  if (!dinput) return;
  const int64_t C = s.in_channels;
  // W'[c, o, i, j] = W[o, c, 2 − i, 2 − j]: dinput is dout correlated with the transposed, flipped kernel.
  const std::vector<float> kernel = pack_kernel(C, s.out_channels, [&](int64_t c, int64_t o, int i, int j) {
    return weight[((o * C + c) * kTaps + (kTaps - 1 - i)) * kTaps + (kTaps - 1 - j)];
  });
  Correlation job;
  job.batch = s.batch, job.in_channels = s.out_channels, job.out_channels = C;
  job.height = s.height, job.width = s.width;
  job.input = doutput, job.kernel = kernel.data(), job.output = dinput, job.accumulate = true;
  correlate(job);
}

}  // namespace predann
