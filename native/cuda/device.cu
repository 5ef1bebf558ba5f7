// CUDA device discovery with the runtime API only (statically linked: no driver needed to load).
#include <cuda_runtime.h>

#include "cuda/cuda_runtime_info.h"

namespace predann::cuda {

RuntimeInfo runtime_info() {
  RuntimeInfo info;
  info.compiled = true;
  cudaRuntimeGetVersion(&info.runtime_version);
  cudaDriverGetVersion(&info.driver_version);
  int count = 0;
  cudaError_t err = cudaGetDeviceCount(&count);
  if (err != cudaSuccess) {
    info.status = std::string("no usable GPU (") + cudaGetErrorName(err) + ": " + cudaGetErrorString(err) + ")";
    cudaGetLastError();  // clear the sticky error so later queries start clean
    return info;
  }
  for (int i = 0; i < count; ++i) {
    cudaDeviceProp prop;
    if (cudaGetDeviceProperties(&prop, i) != cudaSuccess) continue;
    Device d;
    d.index = i;
    d.name = prop.name;
    d.major = prop.major;
    d.minor = prop.minor;
    d.total_memory = prop.totalGlobalMem;
    d.multiprocessors = prop.multiProcessorCount;
    info.devices.push_back(d);
  }
  info.status = info.devices.empty() ? "no CUDA devices" : "ok";
  return info;
}

bool available() {
  static const bool ok = !runtime_info().devices.empty();
  return ok;
}

}  // namespace predann::cuda
