// clip_preprocess.cu: robust scaling, clamp and zero padding of EEG clips on the GPU; the CUDA twin
// of predann::clip_preprocess (recipe in native/kernels/clip_preprocess.h, mirroring sklearn's
// RobustScaler on float64 + torch.clamp + F.pad, golden case b).
//
// One block per (clip, channel): the block loads the channel's order keys into shared memory
// (padded with +inf keys to a power of two), bitonic-sorts them, reads the six order statistics
// and writes the padded, scaled row. The statistics and the per-sample formula are the host/device
// functions of clip_preprocess.h, in float64 with IEEE division and round-to-nearest conversion,
// so the results are bit-identical to the CPU versions.
//
// Host side: clips are copied to the device in chunks of at most kChunkBytes (input + output);
// for crops the whole recording is copied once and the blocks read their crops from it.
#include <cuda_runtime.h>

#include <algorithm>
#include <climits>
#include <stdexcept>
#include <string>

#include "cuda/clip_preprocess_cuda.h"
#include "cuda/cuda_runtime_info.h"

namespace predann::cuda {

namespace {

constexpr size_t kChunkBytes = size_t(256) << 20;  // device memory per chunk of clips
constexpr uint32_t kPadKey = 0xffffffffu;           // above every finite key (+inf is 0xff800000)
constexpr unsigned long long kNoFailure = ULLONG_MAX;

void check(cudaError_t err, const char* what) {
  if (err != cudaSuccess) {
    cudaGetLastError();  // clear a non-sticky error so later calls start clean
    throw std::runtime_error(std::string("clip_preprocess (CUDA): ") + what + " failed: " + cudaGetErrorName(err) +
                             ": " + cudaGetErrorString(err));
  }
}

// Device memory that is freed on every path out, exceptions included.
template <class T>
class DeviceBuffer {
 public:
  explicit DeviceBuffer(size_t count) {
    if (count > 0) check(cudaMalloc(&ptr_, count * sizeof(T)), "cudaMalloc");
  }
  ~DeviceBuffer() {
    if (ptr_) cudaFree(ptr_);
  }
  DeviceBuffer(const DeviceBuffer&) = delete;
  DeviceBuffer& operator=(const DeviceBuffer&) = delete;
  T* get() const { return ptr_; }

 private:
  T* ptr_ = nullptr;
};

int64_t next_power_of_two(int64_t n) {
  int64_t p = 1;
  while (p < n) p <<= 1;
  return p;
}

// In-place ascending bitonic sort of keys[0 .. size), size a power of two, by the whole block.
__device__ void bitonic_sort(uint32_t* keys, int size) {
  for (int k = 2; k <= size; k <<= 1) {
    for (int j = k >> 1; j > 0; j >>= 1) {
      for (int i = threadIdx.x; i < size; i += blockDim.x) {
        const int partner = i ^ j;
        if (partner > i) {
          const uint32_t a = keys[i], b = keys[partner];
          const bool ascending = (i & k) == 0;
          if ((a > b) == ascending) {
            keys[i] = b;
            keys[partner] = a;
          }
        }
      }
      __syncthreads();
    }
  }
}

// batch: the chunk's clips in device memory (count = clips in the chunk).
// output is (count, C, padded); center/scale are (count, C) or null.
// first_bad: lowest (first_task + task)·n + sample of a non-finite value, kNoFailure if none.
__global__ void clip_preprocess_kernel(ClipBatch batch, ClipPreprocessParams params, RobustRanks ranks, int sort_size,
                                       int64_t first_task, float* output, double* center, double* scale,
                                       unsigned long long* first_bad) {
  extern __shared__ uint32_t keys[];  // sort_size keys: the channel, then kPadKey
  __shared__ int has_non_finite;
  __shared__ RobustStats stats;

  const int64_t n = batch.length;
  const int64_t task = blockIdx.x;  // clip·C + channel within the chunk
  const float* x = batch.channel(task / batch.channels, task % batch.channels);

  if (threadIdx.x == 0) has_non_finite = 0;
  __syncthreads();
  for (int i = threadIdx.x; i < sort_size; i += blockDim.x) {
    if (i < n) {
      const float v = x[i];
      if (!finite_bits(float_bits(v))) {
        atomicMin(first_bad, static_cast<unsigned long long>((first_task + task) * n + i));
        has_non_finite = 1;
      }
      keys[i] = order_key(v);
    } else {
      keys[i] = kPadKey;
    }
  }
  __syncthreads();
  if (has_non_finite) return;  // the same for every thread of the block

  bitonic_sort(keys, sort_size);
  if (threadIdx.x == 0) {
    double order_stat[RobustRanks::kCount];
    for (int j = 0; j < RobustRanks::kCount; ++j) order_stat[j] = key_value(keys[ranks.rank[j]]);
    stats = robust_stats(ranks, order_stat);
    if (center) center[task] = stats.center;
    if (scale) scale[task] = stats.scale;
  }
  __syncthreads();

  const int64_t padded = params.padded_length(n);
  float* row = output + task * padded;
  for (int64_t i = threadIdx.x; i < padded; i += blockDim.x) {
    const int64_t s = i - params.pad_left;
    row[i] = (s >= 0 && s < n) ? robust_scaled_value(x[s], stats, params.clamp) : 0.0f;
  }
}

// What one chunk of clips [first, first + count) needs copied in, relative to batch.data.
struct InputSpan {
  int64_t begin, size;  // float32 values
};

InputSpan input_span(const ClipBatch& b, int64_t first, int64_t count) {
  if (b.starts) return {0, b.data_size};  // crops: the whole recording, copied once
  const int64_t row_span = (b.channels - 1) * b.channel_stride + b.length;
  return {first * b.clip_stride, (count - 1) * b.clip_stride + row_span};
}

}  // namespace

void clip_preprocess(const ClipBatch& b, const ClipPreprocessParams& p, const ClipPreprocessOutput& out) {
  check_clip_preprocess_arguments(b, p, out);
  if (!available()) throw std::runtime_error("no CUDA device: " + runtime_info().status);
  if (b.length > kClipPreprocessMaxLength) {
    throw std::invalid_argument("clip_preprocess (CUDA): clips of " + std::to_string(b.length) +
                                " samples are longer than the CUDA kernel's limit of " +
                                std::to_string(kClipPreprocessMaxLength) + "; use the CPU engine");
  }
  if (b.count == 0) return;

  const int64_t n = b.length, channels = b.channels, padded = p.padded_length(n);
  const RobustRanks ranks = robust_ranks(n);
  const int sort_size = static_cast<int>(next_power_of_two(n));
  const int threads = std::min(256, std::max(32, sort_size / 2));

  // Clips per chunk: bounded by kChunkBytes of device memory, and by the grid's x limit.
  const int64_t input_per_clip = b.starts ? 0 : b.clip_stride;
  const int64_t bytes_per_clip = channels * (padded * 4 + 16) + input_per_clip * 4;
  const int64_t chunk = std::max<int64_t>(
      1, std::min<int64_t>({b.count, static_cast<int64_t>(kChunkBytes) / bytes_per_clip, INT_MAX / channels}));

  const InputSpan whole = input_span(b, 0, chunk);
  DeviceBuffer<float> d_input(static_cast<size_t>(whole.size));
  DeviceBuffer<int64_t> d_starts(b.starts ? static_cast<size_t>(b.count) : 0);
  DeviceBuffer<float> d_output(static_cast<size_t>(chunk * channels * padded));
  DeviceBuffer<double> d_center(out.center ? static_cast<size_t>(chunk * channels) : 0);
  DeviceBuffer<double> d_scale(out.scale ? static_cast<size_t>(chunk * channels) : 0);
  DeviceBuffer<unsigned long long> d_first_bad(1);
  const unsigned long long no_failure = kNoFailure;
  check(cudaMemcpy(d_first_bad.get(), &no_failure, sizeof no_failure, cudaMemcpyHostToDevice), "cudaMemcpy");
  if (b.starts) {
    check(cudaMemcpy(d_input.get(), b.data, whole.size * sizeof(float), cudaMemcpyHostToDevice), "cudaMemcpy");
    check(cudaMemcpy(d_starts.get(), b.starts, b.count * sizeof(int64_t), cudaMemcpyHostToDevice), "cudaMemcpy");
  }

  for (int64_t first = 0; first < b.count; first += chunk) {
    const int64_t count = std::min(chunk, b.count - first);
    ClipBatch device_batch = b;  // same geometry, device pointers, this chunk's clips
    device_batch.count = count;
    if (b.starts) {
      device_batch.data = d_input.get();
      device_batch.starts = d_starts.get() + first;
    } else {
      const InputSpan span = input_span(b, first, count);
      check(cudaMemcpy(d_input.get(), b.data + span.begin, span.size * sizeof(float), cudaMemcpyHostToDevice),
            "cudaMemcpy");
      device_batch.data = d_input.get();
    }
    const int64_t tasks = count * channels;
    clip_preprocess_kernel<<<static_cast<unsigned>(tasks), threads, sort_size * sizeof(uint32_t)>>>(
        device_batch, p, ranks, sort_size, first * channels, d_output.get(), d_center.get(), d_scale.get(),
        d_first_bad.get());
    check(cudaGetLastError(), "kernel launch");

    unsigned long long first_bad = kNoFailure;
    check(cudaMemcpy(&first_bad, d_first_bad.get(), sizeof first_bad, cudaMemcpyDeviceToHost), "kernel");
    if (first_bad != kNoFailure) {
      const int64_t bad_task = static_cast<int64_t>(first_bad / n);
      throw_non_finite_sample(b, bad_task / channels, bad_task % channels, static_cast<int64_t>(first_bad % n));
    }
    check(cudaMemcpy(out.output + first * channels * padded, d_output.get(), tasks * padded * sizeof(float),
                     cudaMemcpyDeviceToHost),
          "cudaMemcpy");
    if (out.center) {
      check(cudaMemcpy(out.center + first * channels, d_center.get(), tasks * sizeof(double), cudaMemcpyDeviceToHost),
            "cudaMemcpy");
    }
    if (out.scale) {
      check(cudaMemcpy(out.scale + first * channels, d_scale.get(), tasks * sizeof(double), cudaMemcpyDeviceToHost),
            "cudaMemcpy");
    }
  }
}

}  // namespace predann::cuda
