// The losses on their own; wrapped by src/model/losses.ts.
//   infoNce(zEeg, zMusic, batch, dim, temperature, detach, engine)
//     → Promise<{ loss, dEeg, dMusic? }>          (dMusic only without detach)
//   crossEntropy(logits, labels, batch, classes, engine) → Promise<{ loss, dLogits }>
// engine is 'fast' or 'reference' (the float instantiation of the *_ref kernels). Inputs are
// pinned, not copied (the caller must not touch them until the promise settles); the gradient
// arrays are allocated here, on the main thread, and filled by the worker.
#include <cmath>
#include <cstdint>
#include <memory>
#include <string>

#include "binding/async_task.h"
#include "binding/modules.h"
#include "kernels/cross_entropy.h"
#include "kernels/infonce.h"

namespace predann::binding {

namespace {

Napi::TypedArrayOf<int32_t> arg_int32(const Napi::CallbackInfo& info, size_t i, const char* name) {
  if (info.Length() <= i || !info[i].IsTypedArray() ||
      info[i].As<Napi::TypedArray>().TypedArrayType() != napi_int32_array)
    throw Napi::TypeError::New(info.Env(), std::string("Expected Int32Array for ") + name);
  return info[i].As<Napi::TypedArrayOf<int32_t>>();
}

void expect_elements(Napi::Env env, const Napi::TypedArray& a, int64_t rows, int64_t columns, const char* name) {
  if (static_cast<double>(a.ElementLength()) != static_cast<double>(rows) * static_cast<double>(columns))
    throw Napi::RangeError::New(env, std::string("Expected ") + std::to_string(rows * columns) + " elements for " + name +
                                         " but received " + std::to_string(a.ElementLength()));
}

// A gradient array made on the main thread and kept alive until the promise settles.
struct HeldArray {
  Napi::ObjectReference ref;
  float* data = nullptr;

  static std::shared_ptr<HeldArray> make(Napi::Env env, int64_t n) {
    auto held = std::make_shared<HeldArray>();
    Napi::Float32Array a = Napi::Float32Array::New(env, static_cast<size_t>(n));
    held->data = a.Data();
    held->ref = Napi::Persistent(a.As<Napi::Object>());
    return held;
  }
};

Napi::Value info_nce_js(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  Napi::Float32Array z_eeg = arg_float32(info, 0, "zEeg");
  Napi::Float32Array z_music = arg_float32(info, 1, "zMusic");
  InfoNceParams p;
  p.batch = arg_int(info, 2, "batch", 2, int64_t(1) << 20);
  p.dim = arg_int(info, 3, "dim", 1, int64_t(1) << 24);
  expect_elements(env, z_eeg, p.batch, p.dim, "zEeg");
  expect_elements(env, z_music, p.batch, p.dim, "zMusic");
  if (info.Length() <= 4 || !info[4].IsNumber()) throw Napi::TypeError::New(env, "Expected number for temperature");
  p.temperature = info[4].As<Napi::Number>().DoubleValue();
  if (!(p.temperature > 0) || !std::isfinite(p.temperature))
    throw Napi::RangeError::New(env, "Expected finite temperature > 0");
  p.detach = arg_bool(info, 5, "detach");
  const bool fast = arg_fast_engine(info, 6);

  auto d_eeg = HeldArray::make(env, p.batch * p.dim);
  auto d_music = p.detach ? nullptr : HeldArray::make(env, p.batch * p.dim);
  auto loss = std::make_shared<double>(0.0);
  const float* eeg = z_eeg.Data();
  const float* music = z_music.Data();
  auto work = [=] {
    float* dm = d_music ? d_music->data : nullptr;
    *loss = fast ? infonce(p, eeg, music, d_eeg->data, dm) : infonce_ref<float>(p, eeg, music, d_eeg->data, dm);
  };
  auto done = [=](Napi::Env env) {
    Napi::Object result = Napi::Object::New(env);
    result.Set("loss", *loss);
    result.Set("dEeg", d_eeg->ref.Value());
    if (d_music) result.Set("dMusic", d_music->ref.Value());
    return Napi::Value(result);
  };
  return run_async(env, "predann.infoNce", work, done, {z_eeg, z_music});
}

Napi::Value cross_entropy_js(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  Napi::Float32Array logits = arg_float32(info, 0, "logits");
  Napi::TypedArrayOf<int32_t> labels = arg_int32(info, 1, "labels");
  CrossEntropyShape s;
  s.batch = arg_int(info, 2, "batch", 1, int64_t(1) << 24);
  s.classes = arg_int(info, 3, "classes", 1, int64_t(1) << 24);
  expect_elements(env, logits, s.batch, s.classes, "logits");
  expect_elements(env, labels, s.batch, 1, "labels");
  const bool fast = arg_fast_engine(info, 4);

  auto d_logits = HeldArray::make(env, s.batch * s.classes);
  auto loss = std::make_shared<double>(0.0);
  const float* x = logits.Data();
  const int32_t* y = labels.Data();
  auto work = [=] {
    *loss = fast ? cross_entropy(s, x, y, d_logits->data) : cross_entropy_ref<float>(s, x, y, d_logits->data);
  };
  auto done = [=](Napi::Env env) {
    Napi::Object result = Napi::Object::New(env);
    result.Set("loss", *loss);
    result.Set("dLogits", d_logits->ref.Value());
    return Napi::Value(result);
  };
  return run_async(env, "predann.crossEntropy", work, done, {logits, labels});
}

}  // namespace

void register_losses(Napi::Env env, Napi::Object exports) {
  exports.Set("infoNce", Napi::Function::New(env, info_nce_js, "infoNce"));
  exports.Set("crossEntropy", Napi::Function::New(env, cross_entropy_js, "crossEntropy"));
}

}  // namespace predann::binding
