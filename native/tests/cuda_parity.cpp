// cuda_parity: checks every CUDA twin against its CPU reference on fresh random inputs, bit for
// bit, and times both. A plain C++ program (no Node), for GPU machines that have nvcc and CMake
// but no Node.js:
//   cmake -S . -B build-native -DPREDANN_NATIVE_TESTS=ON && cmake --build build-native
//   build-native/cuda_parity
// Exits 0 when every check passes, 1 on a mismatch, 2 when no GPU is usable.
#include <chrono>
#include <cmath>
#include <cstdio>
#include <cstring>
#include <random>
#include <vector>

#include "cuda/clip_preprocess_cuda.h"
#include "cuda/cuda_runtime_info.h"
#include "kernels/clip_preprocess.h"

namespace {

using Clock = std::chrono::steady_clock;

double seconds_since(Clock::time_point t0) { return std::chrono::duration<double>(Clock::now() - t0).count(); }

// EEG-like clips (microvolt scale, offsets, spikes) with the golden case's edge cases mixed in.
std::vector<float> make_clips(int64_t n, int64_t c, int64_t l, uint32_t seed) {
  std::mt19937 rng(seed);
  std::normal_distribution<float> noise(0.f, 20.f), offset(0.f, 300.f);
  std::uniform_real_distribution<float> u(0.f, 1.f);
  std::vector<float> x(static_cast<size_t>(n * c * l));
  for (int64_t k = 0; k < n; ++k) {
    for (int64_t ch = 0; ch < c; ++ch) {
      float* row = &x[static_cast<size_t>((k * c + ch) * l)];
      const float dc = offset(rng);
      const int kind = static_cast<int>((k * 131 + ch * 7) % 23);
      for (int64_t t = 0; t < l; ++t) {
        float v = dc + noise(rng);
        if (kind == 0) v = 42.5f;                                   // constant: IQR 0, output 0
        if (kind == 1) v = u(rng) < 0.8f ? -7.25f : 600.f * u(rng) - 300.f;  // IQR 0, not constant
        if (kind == 2) v = std::round(v * 4.f) / 4.f;              // many ties
        if (kind == 3) v *= 1e-4f;                                  // tiny amplitude
        if (kind == 4 && u(rng) < 0.05f) v += 4000.f;               // spikes: clamped
        row[t] = v;
      }
    }
  }
  return x;
}

bool same_bits(const void* a, const void* b, size_t bytes, const char* what) {
  if (std::memcmp(a, b, bytes) == 0) return true;
  const auto* fa = static_cast<const unsigned char*>(a);
  const auto* fb = static_cast<const unsigned char*>(b);
  size_t i = 0;
  while (fa[i] == fb[i]) ++i;
  std::printf("  MISMATCH in %s at byte %zu\n", what, i);
  return false;
}

bool check_clip_preprocess(int64_t n, int64_t c, int64_t l, uint32_t seed) {
  const std::vector<float> x = make_clips(n, c, l, seed);
  const predann::ClipPreprocessParams params;
  const int64_t width = params.padded_length(l);
  std::vector<float> ref(n * c * width), gpu(n * c * width);
  std::vector<double> ref_center(n * c), ref_scale(n * c), gpu_center(n * c), gpu_scale(n * c);
  const predann::ClipBatch batch = predann::clip_batch(x.data(), n, c, l);

  auto t0 = Clock::now();
  predann::clip_preprocess_ref(batch, params, {ref.data(), ref_center.data(), ref_scale.data()});
  const double t_ref = seconds_since(t0);
  predann::cuda::clip_preprocess(batch, params, {gpu.data(), gpu_center.data(), gpu_scale.data()});  // warm-up
  t0 = Clock::now();
  predann::cuda::clip_preprocess(batch, params, {gpu.data(), gpu_center.data(), gpu_scale.data()});
  const double t_gpu = seconds_since(t0);

  bool ok = same_bits(ref.data(), gpu.data(), ref.size() * sizeof(float), "output");
  ok &= same_bits(ref_center.data(), gpu_center.data(), ref_center.size() * sizeof(double), "center");
  ok &= same_bits(ref_scale.data(), gpu_scale.data(), ref_scale.size() * sizeof(double), "scale");
  std::printf("clip_preprocess %lldx%lldx%lld: %s  (ref %.3f s, cuda %.4f s incl. copies = %.0f clips/s)\n",
              static_cast<long long>(n), static_cast<long long>(c), static_cast<long long>(l), ok ? "bit-identical" : "FAILED",
              t_ref, t_gpu, static_cast<double>(n) / t_gpu);
  return ok;
}

bool check_crops(uint32_t seed) {
  const int64_t c = 128, t = 8749, l = 375, n = 28;
  const std::vector<float> rec = make_clips(1, c, t, seed);
  std::vector<int64_t> starts(n);
  for (int64_t k = 0; k < n; ++k) starts[k] = 25 + (k % 14) * 200 + 312 + (k / 14) * 3750;
  const predann::ClipPreprocessParams params;
  const int64_t width = params.padded_length(l);
  std::vector<float> ref(n * c * width), gpu(n * c * width);
  const predann::ClipBatch batch = predann::crop_batch(rec.data(), c, t, starts.data(), n, l);
  predann::clip_preprocess_ref(batch, params, {ref.data(), nullptr, nullptr});
  predann::cuda::clip_preprocess(batch, params, {gpu.data(), nullptr, nullptr});
  const bool ok = same_bits(ref.data(), gpu.data(), ref.size() * sizeof(float), "crop output");
  std::printf("clip_preprocess crops of a 128x%lld recording: %s\n", static_cast<long long>(t), ok ? "bit-identical" : "FAILED");
  return ok;
}

}  // namespace

int main() {
  const predann::cuda::RuntimeInfo info = predann::cuda::runtime_info();
  if (info.devices.empty()) {
    std::printf("no usable GPU: %s\n", info.status.c_str());
    return 2;
  }
  std::printf("GPU: %s (sm_%d%d), runtime %d, driver %d\n", info.devices[0].name.c_str(), info.devices[0].major,
              info.devices[0].minor, info.runtime_version, info.driver_version);
  bool ok = true;
  ok &= check_clip_preprocess(64, 128, 375, 1);
  ok &= check_clip_preprocess(7, 5, 1, 2);
  ok &= check_clip_preprocess(9, 17, 2, 3);
  ok &= check_clip_preprocess(5, 33, 1000, 4);
  ok &= check_clip_preprocess(5600, 128, 375, 5);
  ok &= check_crops(6);
  std::printf("%s\n", ok ? "all CUDA parity checks passed" : "CUDA PARITY FAILED");
  return ok ? 0 : 1;
}
