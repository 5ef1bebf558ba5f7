// resample(x, channels, samples, num, timeMajor, engine) → Promise<Float64Array>
//   scipy.signal.resample along time (native/kernels/resample.h), off the event loop.
// resampleDescribe(samples, num) → string
//   the fast engine's FFT plans for that shape (for benchmarks and tests).
#include <cstdint>
#include <cstdlib>
#include <cstring>
#include <memory>
#include <mutex>
#include <new>
#include <stdexcept>
#include <string>
#include <utility>
#include <vector>

#if defined(__linux__)
#include <sys/mman.h>
#endif

#include "binding/async_task.h"
#include "binding/modules.h"
#include "kernels/parallel.h"
#include "kernels/resample.h"

namespace predann::binding {

namespace {

// Largest count the typed arrays may hold here (2^53 keeps channel·sample products exact).
constexpr int64_t kMaxElements = int64_t{1} << 53;

// Result memory. A fresh Float64Array is 4 KiB zero pages that fault in one at a time as the
// kernel writes them, and on the VMs measured here a fault costs 5–20 µs: the 37 MB output of one
// recording cost 50–170 ms of faults, more than the resampling. So results of 2 MiB and more live
// in 2 MiB-aligned transparent-huge-page mappings (7 ms to fault in 37 MB), and the mappings of
// results that JS has collected (64 KiB and more) are kept, two at most, for the next result of
// the same size (no faults at all).
// The memory becomes the JS ArrayBuffer itself, with no copy.
struct Block {
  void* base = nullptr;  // what was allocated, `length` bytes
  size_t length = 0;
  void* data = nullptr;  // the result, `bytes` bytes inside it
  size_t bytes = 0;
  bool mapped = false;   // mmap (else calloc)
};

constexpr size_t kHugePage = size_t{2} << 20;
constexpr size_t kCachedBytes = size_t{64} << 10;  // smaller results come from calloc

void free_block(const Block& block) {
  if (block.base == nullptr) return;
#if defined(__linux__)
  if (block.mapped) {
    munmap(block.base, block.length);
    return;
  }
#endif
  std::free(block.base);
}

class BlockCache {
 public:
  // A kept block of exactly `bytes`, or an empty one.
  Block take(size_t bytes) {
    std::lock_guard<std::mutex> lock(mutex_);
    for (size_t i = 0; i < kept_.size(); ++i) {
      if (kept_[i].bytes != bytes) continue;
      const Block block = kept_[i];
      kept_.erase(kept_.begin() + static_cast<std::ptrdiff_t>(i));
      return block;
    }
    return {};
  }
  // Keeps a mapped block (the oldest kept one is freed beyond two); frees anything else.
  void give(const Block& block) {
    if (!block.mapped) return free_block(block);
    std::lock_guard<std::mutex> lock(mutex_);
    kept_.push_back(block);
    if (kept_.size() > 2) {
      free_block(kept_.front());
      kept_.erase(kept_.begin());
    }
  }
  static BlockCache& instance() {
    static BlockCache* cache = new BlockCache();  // never destroyed: finalizers may run at exit
    return *cache;
  }

 private:
  std::mutex mutex_;
  std::vector<Block> kept_;
};

// Worker thread: memory for a result of `bytes` (not necessarily zeroed: the kernels write all of it).
Block allocate_block(size_t bytes) {
#if defined(__linux__) && defined(MADV_HUGEPAGE)
  if (bytes >= kCachedBytes) {
    Block block = BlockCache::instance().take(bytes);
    if (block.base != nullptr) return block;
    const bool huge = bytes >= kHugePage;
    block.length = bytes + (huge ? kHugePage : 0);  // room to start on a huge-page boundary
    block.base = mmap(nullptr, block.length, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    if (block.base == MAP_FAILED) throw std::bad_alloc();
    block.data = block.base;
    if (huge) {
      block.data = reinterpret_cast<void*>((reinterpret_cast<uintptr_t>(block.base) + kHugePage - 1) & ~(kHugePage - 1));
      madvise(block.data, bytes, MADV_HUGEPAGE);  // advice only: without THP the pages are simply 4 KiB
    }
    block.bytes = bytes;
    block.mapped = true;
    return block;
  }
#endif
  Block block;
  block.base = block.data = std::calloc(bytes, 1);
  if (block.base == nullptr) throw std::bad_alloc();
  block.length = block.bytes = bytes;
  return block;
}

// Main thread: the block as a Float64Array that owns it. Where external buffers are not allowed
// (a sandboxed V8), the result is copied into an ordinary array and the block freed.
Napi::Float64Array block_to_js(Napi::Env env, const Block& block) {
  const size_t length = block.bytes / sizeof(double);
#ifndef NODE_API_NO_EXTERNAL_BUFFERS_ALLOWED
  auto* owned = new Block(block);
  Napi::ArrayBuffer buffer;
  try {
    buffer = Napi::ArrayBuffer::New(
        env, block.data, block.bytes,
        [](Napi::Env e, void*, Block* b) {
          Napi::MemoryManagement::AdjustExternalMemory(e, -static_cast<int64_t>(b->length));
          BlockCache::instance().give(*b);
          delete b;
        },
        owned);
  } catch (const Napi::Error&) {
    delete owned;  // external buffers refused: copy below
  }
  if (!buffer.IsEmpty()) {  // the ArrayBuffer owns the block from here on
    Napi::MemoryManagement::AdjustExternalMemory(env, static_cast<int64_t>(block.length));
    return Napi::Float64Array::New(env, length, buffer, 0);
  }
#endif
  Napi::Float64Array copy = Napi::Float64Array::New(env, length);
  std::memcpy(copy.Data(), block.data, block.bytes);
  free_block(block);
  return copy;
}

// The block of one call, freed unless handed to JS.
struct ResultBlock {
  Block block;
  ~ResultBlock() { free_block(block); }
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

Napi::Value resample_js(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  const ResampleInput in = input_arg(info);
  const int64_t num = arg_int(info, 3, "num", 1, kMaxElements);
  const bool reference = !arg_fast_engine(info, 5);
  if (static_cast<double>(in.channels) * static_cast<double>(num) > static_cast<double>(kMaxElements))
    throw Napi::RangeError::New(env, "channels × num is too large for one Float64Array");

  // OpenMP settings are per thread: take the main thread's, which setNumThreads changes.
  const int threads = thread_count();
  auto result = std::make_shared<ResultBlock>();
  // A non-finite input (std::domain_error) rejects as a RangeError naming the sample (async_task.h).
  return run_async(
      env, "predann.resample",
      [in, num, reference, threads, result] {
        result->block = allocate_block(static_cast<size_t>(in.channels * num) * sizeof(double));
        double* out = static_cast<double*>(result->block.data);  // (channels, num)
        if (reference)
          resample_ref(in, num, out, threads);
        else
          resample(in, num, out, threads);
      },
      [result](Napi::Env env) -> Napi::Value { return block_to_js(env, std::exchange(result->block, Block{})); },
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
