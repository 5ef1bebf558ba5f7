// buildInfo(): what the addon was built with and what it finds at run time.
// setNumThreads(n): OpenMP threads for later calls.
#include <memory>

#include "binding/async_task.h"
#include "binding/modules.h"
#include "cuda/cuda_runtime_info.h"
#include "kernels/build_info.h"
#include "kernels/fma_peak.h"

namespace predann::binding {

static Napi::Value build_info_js(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  const BuildInfo b = build_info();
  const cuda::RuntimeInfo c = cuda::runtime_info();
  Napi::Object o = Napi::Object::New(env);
  o.Set("compiler", b.compiler);
  o.Set("buildType", b.build_type);
  o.Set("simd", b.simd);
  o.Set("openmp", b.openmp);
  o.Set("openmpThreads", b.openmp_max_threads);
  o.Set("cudaCompiled", c.compiled);
  o.Set("cudaCompiler", b.cuda_compiler);
  o.Set("cudaRuntimeVersion", c.runtime_version);
  o.Set("cudaDriverVersion", c.driver_version);
  o.Set("cudaStatus", c.status);
  Napi::Array devices = Napi::Array::New(env, c.devices.size());
  for (size_t i = 0; i < c.devices.size(); ++i) {
    const auto& d = c.devices[i];
    Napi::Object dev = Napi::Object::New(env);
    dev.Set("index", d.index);
    dev.Set("name", d.name);
    dev.Set("computeCapability", std::to_string(d.major) + "." + std::to_string(d.minor));
    dev.Set("totalMemory", static_cast<double>(d.total_memory));
    dev.Set("multiprocessors", d.multiprocessors);
    devices.Set(static_cast<uint32_t>(i), dev);
  }
  o.Set("cudaDevices", devices);
  return o;
}

static Napi::Value set_num_threads_js(const Napi::CallbackInfo& info) {
  set_num_threads(static_cast<int>(arg_int(info, 0, "threads", 1, 4096)));
  return info.Env().Undefined();
}

// measureFmaPeak(seconds) → Promise<{ gflops, threads, lanes, seconds }>
static Napi::Value measure_fma_peak_js(const Napi::CallbackInfo& info) {
  if (info.Length() < 1 || !info[0].IsNumber()) throw Napi::TypeError::New(info.Env(), "Expected number for seconds");
  const double seconds = info[0].As<Napi::Number>().DoubleValue();
  auto result = std::make_shared<FmaPeak>();
  return run_async(
      info.Env(), "predann.measureFmaPeak", [seconds, result] { *result = measure_fma_peak(seconds); },
      [result](Napi::Env env) -> Napi::Value {
        Napi::Object o = Napi::Object::New(env);
        o.Set("gflops", result->gflops);
        o.Set("threads", result->threads);
        o.Set("lanes", result->lanes);
        o.Set("seconds", result->seconds);
        return o;
      });
}

void register_info(Napi::Env env, Napi::Object exports) {
  exports.Set("measureFmaPeak", Napi::Function::New(env, measure_fma_peak_js, "measureFmaPeak"));
  exports.Set("buildInfo", Napi::Function::New(env, build_info_js, "buildInfo"));
  exports.Set("setNumThreads", Napi::Function::New(env, set_num_threads_js, "setNumThreads"));
}

}  // namespace predann::binding
