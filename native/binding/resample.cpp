// resample(x, channels, samples, num, timeMajor, engine) → Promise<Float64Array>
//   scipy.signal.resample along time (native/kernels/resample.h), off the event loop.
// resampleDescribe(samples, num) → string
//   the fast engine's FFT plans for that shape (for benchmarks and tests).
#include <memory>
#include <stdexcept>
#include <string>

#include "binding/async_task.h"
#include "binding/modules.h"
#include "kernels/resample.h"

namespace predann::binding {

namespace {

// Largest count the typed arrays may hold here (2^53 keeps channel·sample products exact).
constexpr int64_t kMaxElements = int64_t{1} << 53;

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

  // The output is allocated here and filled by the worker; JS cannot see it until it resolves.
  Napi::Float64Array out = Napi::Float64Array::New(env, static_cast<size_t>(in.channels * num));
  auto out_ref = std::make_shared<Napi::Reference<Napi::Float64Array>>(Napi::Persistent(out));
  double* out_data = out.Data();
  // A non-finite input is a bad value, not a failure: it becomes a RangeError naming the sample.
  auto bad_input = std::make_shared<std::string>();
  return run_async(
      env, "predann.resample",
      [in, num, reference, out_data, bad_input] {
        try {
          if (reference)
            resample_ref(in, num, out_data);
          else
            resample(in, num, out_data);
        } catch (const std::domain_error& e) {
          *bad_input = e.what();
        }
      },
      [out_ref, bad_input](Napi::Env env) -> Napi::Value {
        if (!bad_input->empty()) throw Napi::RangeError::New(env, *bad_input);
        return out_ref->Value();
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
