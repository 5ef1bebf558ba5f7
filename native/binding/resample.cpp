// resample(x, channels, samples, num, timeMajor, engine) → Promise<Float64Array>
//   scipy.signal.resample along time (native/kernels/resample.h), off the event loop.
// resampleDescribe(samples, num) → string
//   the fast engine's FFT plans for that shape (for benchmarks and tests).
#include <cstdint>
#include <cstdlib>
#include <cstring>
#include <memory>
#include <new>
#include <stdexcept>
#include <string>

#if defined(__linux__)
#include <sys/mman.h>
#endif

#include "binding/async_task.h"
#include "binding/modules.h"
#include "kernels/build_info.h"
#include "kernels/resample.h"

namespace predann::binding {

namespace {

// Largest count the typed arrays may hold here (2^53 keeps channel·sample products exact).
constexpr int64_t kMaxElements = int64_t{1} << 53;

// The result's memory, in transparent huge pages where the kernel offers them. A fresh
// Float64Array is 4 KiB zero pages that fault in one at a time as the kernel writes them; on the
// VMs measured here a fault costs 5–20 µs, so the 37 MB output of one recording cost 50–170 ms
// of faults (more than the resampling), against 7 ms with 2 MiB pages. The memory then becomes
// the JS ArrayBuffer itself (no copy), unmapped by its finalizer.
class ResultMemory {
 public:
  ResultMemory() = default;
  ResultMemory(const ResultMemory&) = delete;
  ResultMemory& operator=(const ResultMemory&) = delete;
  ~ResultMemory() { release(mapping_); }

  // Worker thread: zeroed memory for the result; large results in 2 MiB-aligned huge pages.
  double* allocate(size_t bytes) {
    bytes_ = bytes;
#if defined(__linux__) && defined(MADV_HUGEPAGE)
    constexpr size_t kHugePage = size_t{2} << 20;
    if (bytes >= 2 * kHugePage) {
      mapping_ = {nullptr, bytes + kHugePage, true};  // room to start on a huge-page boundary
      void* p = mmap(nullptr, mapping_.bytes, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
      if (p == MAP_FAILED) throw std::bad_alloc();
      mapping_.base = p;
      data_ = reinterpret_cast<void*>((reinterpret_cast<uintptr_t>(p) + kHugePage - 1) & ~(kHugePage - 1));
      madvise(data_, bytes, MADV_HUGEPAGE);  // advice only: without THP the pages are simply 4 KiB
      return static_cast<double*>(data_);
    }
#endif
    mapping_ = {std::calloc(bytes, 1), bytes, false};
    if (mapping_.base == nullptr) throw std::bad_alloc();
    data_ = mapping_.base;
    return static_cast<double*>(data_);
  }

  // Main thread: hands the memory to a Float64Array. Where external buffers are not allowed
  // (a sandboxed V8), the result is copied into an ordinary one instead.
  Napi::Float64Array to_js(Napi::Env env) {
    const size_t length = bytes_ / sizeof(double);
#ifndef NODE_API_NO_EXTERNAL_BUFFERS_ALLOWED
    auto* owned = new Mapping(mapping_);
    Napi::ArrayBuffer buffer;
    try {
      buffer = Napi::ArrayBuffer::New(
          env, data_, bytes_,
          [](Napi::Env e, void*, Mapping* mapping) {
            Napi::MemoryManagement::AdjustExternalMemory(e, -static_cast<int64_t>(mapping->bytes));
            release(*mapping);
            delete mapping;
          },
          owned);
    } catch (const Napi::Error&) {
      delete owned;  // external buffers refused: copy below
    }
    if (!buffer.IsEmpty()) {
      mapping_ = Mapping{};  // the ArrayBuffer owns the memory now
      Napi::MemoryManagement::AdjustExternalMemory(env, static_cast<int64_t>(owned->bytes));
      return Napi::Float64Array::New(env, length, buffer, 0);
    }
#endif
    Napi::Float64Array copy = Napi::Float64Array::New(env, length);
    std::memcpy(copy.Data(), data_, bytes_);
    return copy;
  }

 private:
  struct Mapping {
    void* base = nullptr;
    size_t bytes = 0;
    bool mapped = false;  // mmap (else calloc)
  };

  static void release(const Mapping& mapping) {
    if (mapping.base == nullptr) return;
#if defined(__linux__)
    if (mapping.mapped) {
      munmap(mapping.base, mapping.bytes);
      return;
    }
#endif
    std::free(mapping.base);
  }

  Mapping mapping_;
  void* data_ = nullptr;
  size_t bytes_ = 0;
};

ResampleInput input_arg(const Napi::CallbackInfo& info) {
  if (info.Length() < 1 || !info[0].IsTypedArray())
    throw Napi::TypeError::New(info.Env(), "Expected Float32Array or Float64Array for x");
  const Napi::TypedArray x = info[0].As<Napi::TypedArray>();
  ResampleInput in;
  if (x.TypedArrayType() == napi_float32_array) {
    in.type = SampleType::float32;
    in.data = x.As<Napi::Float32Array>().Data();
  } else if (x.TypedArrayType() == napi_float64_array) {
    in.type = SampleType::float64;
    in.data = x.As<Napi::Float64Array>().Data();
  } else {
    throw Napi::TypeError::New(info.Env(), "Expected Float32Array or Float64Array for x");
  }
  in.channels = arg_int(info, 1, "channels", 1, kMaxElements);
  in.samples = arg_int(info, 2, "samples", 1, kMaxElements);
  if (static_cast<double>(in.channels) * static_cast<double>(in.samples) != static_cast<double>(x.ElementLength()))
    throw Napi::RangeError::New(info.Env(), "Expected channels × samples = " + std::to_string(x.ElementLength()) +
                                                " elements of x but received " + std::to_string(in.channels) + " × " +
                                                std::to_string(in.samples));
  in.time_major = arg_bool(info, 4, "timeMajor");
  return in;
}

bool reference_engine_arg(const Napi::CallbackInfo& info, size_t i) {
  const std::string engine = info.Length() > i && info[i].IsString() ? info[i].As<Napi::String>().Utf8Value() : "";
  if (engine != "fast" && engine != "reference")
    throw Napi::RangeError::New(info.Env(), "Expected one of fast, reference for engine");
  return engine == "reference";
}

Napi::Value resample_js(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  const ResampleInput in = input_arg(info);
  const int64_t num = arg_int(info, 3, "num", 1, kMaxElements);
  const bool reference = reference_engine_arg(info, 5);
  if (static_cast<double>(in.channels) * static_cast<double>(num) > static_cast<double>(kMaxElements))
    throw Napi::RangeError::New(env, "channels × num is too large for one Float64Array");

  // OpenMP settings are per thread: take the main thread's, which setNumThreads changes.
  const int threads = build_info().openmp_max_threads;
  auto result = std::make_shared<ResultMemory>();
  // A non-finite input is a bad value, not a failure: it becomes a RangeError naming the sample.
  auto bad_input = std::make_shared<std::string>();
  return run_async(
      env, "predann.resample",
      [in, num, reference, threads, result, bad_input] {
        double* out = result->allocate(static_cast<size_t>(in.channels * num) * sizeof(double));  // (channels, num)
        try {
          if (reference)
            resample_ref(in, num, out, threads);
          else
            resample(in, num, out, threads);
        } catch (const std::domain_error& e) {
          *bad_input = e.what();
        }
      },
      [result, bad_input](Napi::Env env) -> Napi::Value {
        if (!bad_input->empty()) throw Napi::RangeError::New(env, *bad_input);
        return result->to_js(env);
      },
      {info[0]});
}

Napi::Value resample_describe_js(const Napi::CallbackInfo& info) {
  const int64_t samples = arg_int(info, 0, "samples", 1, kMaxElements);
  const int64_t num = arg_int(info, 1, "num", 1, kMaxElements);
  try {
    return Napi::String::New(info.Env(), resample_describe(samples, num));
  } catch (const std::exception& e) {
    throw Napi::Error::New(info.Env(), e.what());
  }
}

}  // namespace

void register_resample(Napi::Env env, Napi::Object exports) {
  exports.Set("resample", Napi::Function::New(env, resample_js, "resample"));
  exports.Set("resampleDescribe", Napi::Function::New(env, resample_describe_js, "resampleDescribe"));
}

}  // namespace predann::binding
