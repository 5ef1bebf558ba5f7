// async_task: run a kernel off the event loop and settle a Promise.
//
// The binding copies or pins its inputs into a plain struct, then hands two closures to
// run_async: `work` runs on a worker thread and must not touch N-API; `done` converts the
// result on the main thread. Any std::exception thrown by `work` rejects the promise with a
// JS Error carrying its message, so a kernel failure never takes the process down. A
// std::domain_error, which the kernels throw for a bad value in the data (a NaN, an Inf), rejects
// with a RangeError, so callers can tell bad data from a failure.
#pragma once
#include <napi.h>

#include <exception>
#include <functional>
#include <memory>
#include <stdexcept>
#include <string>

namespace predann::binding {

class AsyncTask : public Napi::AsyncWorker {
 public:
  using Work = std::function<void()>;
  using Done = std::function<Napi::Value(Napi::Env)>;

  AsyncTask(Napi::Env env, const char* name, Work work, Done done)
      : Napi::AsyncWorker(env, name), deferred_(Napi::Promise::Deferred::New(env)),
        work_(std::move(work)), done_(std::move(done)) {}

  Napi::Promise promise() { return deferred_.Promise(); }

  // Keeps a JS value (an input typed array) alive until the task settles.
  void keep_alive(Napi::Value v) { refs_.push_back(Napi::Persistent(v.As<Napi::Object>())); }

 protected:
  void Execute() override {
    try {
      work_();
    } catch (const std::domain_error& e) {
      bad_value_ = true;
      SetError(e.what());
    } catch (const std::exception& e) {
      SetError(e.what());
    } catch (...) {
      SetError("unknown native error");
    }
  }
  void OnOK() override {
    Napi::Env env = Env();
    try {
      deferred_.Resolve(done_(env));
    } catch (const Napi::Error& e) {
      deferred_.Reject(e.Value());
    } catch (const std::exception& e) {
      deferred_.Reject(Napi::Error::New(env, e.what()).Value());
    }
  }
  void OnError(const Napi::Error& e) override {
    deferred_.Reject(bad_value_ ? Napi::RangeError::New(Env(), e.Message()).Value() : e.Value());
  }

 private:
  Napi::Promise::Deferred deferred_;
  Work work_;
  Done done_;
  std::vector<Napi::ObjectReference> refs_;
  bool bad_value_ = false;
};

// Queues the task and returns its promise. The AsyncWorker deletes itself when done.
inline Napi::Promise run_async(Napi::Env env, const char* name, AsyncTask::Work work, AsyncTask::Done done,
                               std::initializer_list<Napi::Value> keep = {}) {
  auto* task = new AsyncTask(env, name, std::move(work), std::move(done));
  for (const auto& v : keep) task->keep_alive(v);
  Napi::Promise p = task->promise();
  task->Queue();
  return p;
}

// Argument helpers: the TypeScript layer validates with friendly messages; these are the
// last line of defence and throw TypeError/RangeError rather than crash.
inline Napi::TypedArrayOf<float> arg_float32(const Napi::CallbackInfo& info, size_t i, const char* name) {
  if (info.Length() <= i || !info[i].IsTypedArray() ||
      info[i].As<Napi::TypedArray>().TypedArrayType() != napi_float32_array)
    throw Napi::TypeError::New(info.Env(), std::string("Expected Float32Array for ") + name);
  return info[i].As<Napi::TypedArrayOf<float>>();
}

inline Napi::TypedArrayOf<double> arg_float64(const Napi::CallbackInfo& info, size_t i, const char* name) {
  if (info.Length() <= i || !info[i].IsTypedArray() ||
      info[i].As<Napi::TypedArray>().TypedArrayType() != napi_float64_array)
    throw Napi::TypeError::New(info.Env(), std::string("Expected Float64Array for ") + name);
  return info[i].As<Napi::TypedArrayOf<double>>();
}

inline int64_t arg_int(const Napi::CallbackInfo& info, size_t i, const char* name, int64_t lo, int64_t hi) {
  if (info.Length() <= i || !info[i].IsNumber())
    throw Napi::TypeError::New(info.Env(), std::string("Expected integer for ") + name);
  double v = info[i].As<Napi::Number>().DoubleValue();
  if (v != static_cast<double>(static_cast<int64_t>(v)) || v < static_cast<double>(lo) || v > static_cast<double>(hi))
    throw Napi::RangeError::New(info.Env(), std::string("Expected integer between ") + std::to_string(lo) + " and " +
                                                std::to_string(hi) + " for " + name);
  return static_cast<int64_t>(v);
}

inline bool arg_bool(const Napi::CallbackInfo& info, size_t i, const char* name) {
  if (info.Length() <= i || !info[i].IsBoolean())
    throw Napi::TypeError::New(info.Env(), std::string("Expected boolean for ") + name);
  return info[i].As<Napi::Boolean>().Value();
}

// The kernel version to run: true for the fast one, false for the plain reference.
inline bool arg_fast_engine(const Napi::CallbackInfo& info, size_t i) {
  if (info.Length() <= i || !info[i].IsString()) throw Napi::TypeError::New(info.Env(), "Expected string for engine");
  const std::string name = info[i].As<Napi::String>().Utf8Value();
  if (name == "fast") return true;
  if (name == "reference") return false;
  throw Napi::RangeError::New(info.Env(), "Expected one of fast, reference for engine but received \"" + name + "\"");
}

}  // namespace predann::binding
