// Clip preprocessing (robust scaling, clamp, zero padding); wrapped by src/data/clip-preprocess.ts.
//   preprocessClips(clips, count, channels, length, clamp, padLeft, padRight, engine, stats, output?)
//   preprocessCrops(recording, channels, samples, starts, length, clamp, padLeft, padRight, engine, stats, output?)
// Both return a Promise of { output, center?, scale?, engine }. Inputs are pinned, not copied (the
// caller must not touch them until the promise settles). The output arrays are allocated here, on
// the main thread, and filled by the worker before JavaScript can see them, unless the caller
// passes an output array to reuse (which saves the first-touch page faults of a fresh array).
#include <cmath>
#include <cstdint>
#include <memory>
#include <stdexcept>
#include <string>
#include <vector>

#include "binding/async_task.h"
#include "binding/modules.h"
#include "cuda/clip_preprocess_cuda.h"
#include "cuda/cuda_runtime_info.h"
#include "kernels/clip_preprocess.h"

namespace predann::binding {

namespace {

enum class ClipEngine { kFast, kReference, kCuda };

const char* engine_name(ClipEngine e) {
  switch (e) {
    case ClipEngine::kFast: return "fast";
    case ClipEngine::kReference: return "reference";
    case ClipEngine::kCuda: return "cuda";
  }
  return "fast";
}

// 'auto' takes the GPU when one is usable and the clips fit its kernel, else the fast CPU path.
// An explicit 'cuda' is kept even without a GPU: cuda::clip_preprocess then says why it cannot run.
ClipEngine resolve_engine(Napi::Env env, const std::string& name, int64_t length) {
  if (name == "fast") return ClipEngine::kFast;
  if (name == "reference") return ClipEngine::kReference;
  if (name == "cuda") return ClipEngine::kCuda;
  if (name == "auto") {
    return cuda::available() && length <= cuda::kClipPreprocessMaxLength ? ClipEngine::kCuda : ClipEngine::kFast;
  }
  throw Napi::RangeError::New(env, "Expected one of auto, fast, reference, cuda for engine but received \"" + name + "\"");
}

void run_engine(ClipEngine e, const ClipBatch& b, const ClipPreprocessParams& p, const ClipPreprocessOutput& o) {
  switch (e) {
    case ClipEngine::kFast: return clip_preprocess(b, p, o);
    case ClipEngine::kReference: return clip_preprocess_ref(b, p, o);
    case ClipEngine::kCuda: return cuda::clip_preprocess(b, p, o);
  }
}

// The arguments both functions share, starting at info[first]: clamp, padLeft, padRight, engine,
// stats, and an optional output array to fill instead of a new one.
struct CommonArgs {
  ClipPreprocessParams params;
  std::string engine;
  bool stats = false;
  Napi::Float32Array output;  // empty: allocate
};

CommonArgs common_args(const Napi::CallbackInfo& info, size_t first) {
  CommonArgs a;
  if (info.Length() <= first || !info[first].IsNumber())
    throw Napi::TypeError::New(info.Env(), "Expected number for clamp");
  a.params.clamp = static_cast<float>(info[first].As<Napi::Number>().DoubleValue());
  if (!(a.params.clamp > 0.0f)) throw Napi::RangeError::New(info.Env(), "Expected clamp > 0 (as float32)");
  a.params.pad_left = arg_int(info, first + 1, "padLeft", 0, int64_t(1) << 30);
  a.params.pad_right = arg_int(info, first + 2, "padRight", 0, int64_t(1) << 30);
  if (info.Length() <= first + 3 || !info[first + 3].IsString())
    throw Napi::TypeError::New(info.Env(), "Expected string for engine");
  a.engine = info[first + 3].As<Napi::String>().Utf8Value();
  a.stats = arg_bool(info, first + 4, "stats");
  if (info.Length() > first + 5 && !info[first + 5].IsUndefined()) a.output = arg_float32(info, first + 5, "output");
  return a;
}

// Everything the worker needs; owned by the closures, so it lives until the task settles.
struct ClipJob {
  ClipBatch batch;
  ClipPreprocessParams params;
  ClipPreprocessOutput out;
  ClipEngine engine = ClipEngine::kFast;
  std::vector<int64_t> starts;  // crops: a copy of the start samples that batch.starts points into
};

// The result arrays, held until the promise settles. Created and released on the main thread.
struct ClipResultRefs {
  Napi::ObjectReference output, center, scale;
};

// The caller's output array, checked: the right size and no memory shared with the input (the
// kernels read each input row after writing other rows, so an overlap would corrupt the result).
Napi::Float32Array given_output(Napi::Env env, const Napi::Float32Array& output, double values, const ClipBatch& b) {
  if (static_cast<double>(output.ElementLength()) != values)
    throw Napi::RangeError::New(env, "Expected " + std::to_string(static_cast<int64_t>(values)) +
                                         " elements for output but received " + std::to_string(output.ElementLength()));
  const auto out_begin = reinterpret_cast<uintptr_t>(output.Data());
  const auto out_end = out_begin + output.ElementLength() * sizeof(float);
  const auto in_begin = reinterpret_cast<uintptr_t>(b.data);
  const auto in_end = in_begin + static_cast<uintptr_t>(b.data_size) * sizeof(float);
  if (out_begin < in_end && in_begin < out_end)
    throw Napi::RangeError::New(env, "The output array must not share memory with the input");
  return output;
}

// Allocates the outputs (main thread) unless the caller gave one, then queues the kernel.
Napi::Value queue_job(Napi::Env env, const char* name, std::shared_ptr<ClipJob> job, const CommonArgs& args,
                      Napi::Value input) {
  const ClipBatch& b = job->batch;
  const double rows = static_cast<double>(b.count) * static_cast<double>(b.channels);
  const double values = rows * static_cast<double>(job->params.padded_length(b.length));
  if (values > 9007199254740991.0) throw Napi::RangeError::New(env, "The padded output would be too large");
  auto refs = std::make_shared<ClipResultRefs>();
  Napi::Float32Array output = args.output.IsEmpty() ? Napi::Float32Array::New(env, static_cast<size_t>(values))
                                                    : given_output(env, args.output, values, b);
  job->out.output = output.Data();
  refs->output = Napi::Persistent(output.As<Napi::Object>());
  if (args.stats) {
    Napi::Float64Array center = Napi::Float64Array::New(env, static_cast<size_t>(rows));
    Napi::Float64Array scale = Napi::Float64Array::New(env, static_cast<size_t>(rows));
    job->out.center = center.Data();
    job->out.scale = scale.Data();
    refs->center = Napi::Persistent(center.As<Napi::Object>());
    refs->scale = Napi::Persistent(scale.As<Napi::Object>());
  }
  auto work = [job] { run_engine(job->engine, job->batch, job->params, job->out); };
  auto done = [job, refs](Napi::Env env) {
    Napi::Object result = Napi::Object::New(env);
    result.Set("output", refs->output.Value());
    if (!refs->center.IsEmpty()) {
      result.Set("center", refs->center.Value());
      result.Set("scale", refs->scale.Value());
    }
    result.Set("engine", engine_name(job->engine));
    return Napi::Value(result);
  };
  return run_async(env, name, work, done, {input});
}

// rows × columns as a double, so that absurd sizes are compared, not overflowed.
bool has_elements(const Napi::TypedArray& a, int64_t rows, int64_t columns) {
  return static_cast<double>(a.ElementLength()) == static_cast<double>(rows) * static_cast<double>(columns);
}

Napi::Value preprocess_clips_js(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  Napi::Float32Array clips = arg_float32(info, 0, "clips");
  const int64_t count = arg_int(info, 1, "count", 0, int64_t(1) << 32);
  const int64_t channels = arg_int(info, 2, "channels", 1, int64_t(1) << 20);
  const int64_t length = arg_int(info, 3, "length", 1, int64_t(1) << 30);
  if (!has_elements(clips, count * channels, length))
    throw Napi::RangeError::New(env, "Expected count × channels × length elements for clips but received " +
                                         std::to_string(clips.ElementLength()));
  const CommonArgs args = common_args(info, 4);
  auto job = std::make_shared<ClipJob>();
  job->batch = clip_batch(clips.Data(), count, channels, length);
  job->params = args.params;
  job->engine = resolve_engine(env, args.engine, length);
  return queue_job(env, "predann.preprocessClips", job, args, clips);
}

Napi::Value preprocess_crops_js(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  Napi::Float32Array recording = arg_float32(info, 0, "recording");
  const int64_t channels = arg_int(info, 1, "channels", 1, int64_t(1) << 20);
  const int64_t samples = arg_int(info, 2, "samples", 1, int64_t(1) << 40);
  if (!has_elements(recording, channels, samples))
    throw Napi::RangeError::New(env, "Expected channels × samples elements for recording but received " +
                                         std::to_string(recording.ElementLength()));
  Napi::Float64Array starts = arg_float64(info, 3, "starts");
  const int64_t length = arg_int(info, 4, "length", 1, samples);
  const CommonArgs args = common_args(info, 5);
  auto job = std::make_shared<ClipJob>();
  job->starts.resize(starts.ElementLength());
  for (size_t k = 0; k < starts.ElementLength(); ++k) {
    const double s = starts[k];
    if (!(std::fabs(s) <= 9007199254740991.0) || std::floor(s) != s)  // also rejects NaN before the cast
      throw Napi::RangeError::New(env, "Expected integer for starts[" + std::to_string(k) + "]");
    job->starts[k] = static_cast<int64_t>(s);
  }
  try {
    job->batch = crop_batch(recording.Data(), channels, samples, job->starts.data(),
                            static_cast<int64_t>(job->starts.size()), length);
  } catch (const std::out_of_range& e) {
    throw Napi::RangeError::New(env, e.what());
  }
  job->params = args.params;
  job->engine = resolve_engine(env, args.engine, length);
  return queue_job(env, "predann.preprocessCrops", job, args, recording);
}

}  // namespace

void register_clips(Napi::Env env, Napi::Object exports) {
  exports.Set("preprocessClips", Napi::Function::New(env, preprocess_clips_js, "preprocessClips"));
  exports.Set("preprocessCrops", Napi::Function::New(env, preprocess_crops_js, "preprocessCrops"));
}

}  // namespace predann::binding
