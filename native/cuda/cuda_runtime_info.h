// CUDA capability query. Compiled from device.cu when nvcc is found, else from cuda_stub.cpp.
// Without a GPU or driver (cudaErrorInsufficientDriver = 35, cudaErrorNoDevice = 100) the
// query reports zero devices and the reason: the caller then uses the CPU kernels.
#pragma once
#include <string>
#include <vector>

namespace predann::cuda {

struct Device {
  int index = 0;
  std::string name;
  int major = 0, minor = 0;   // compute capability
  size_t total_memory = 0;    // bytes
  int multiprocessors = 0;
};

struct RuntimeInfo {
  bool compiled = false;        // CUDA code is in this build
  int runtime_version = 0;      // cudaRuntimeGetVersion
  int driver_version = 0;       // 0 when no driver is installed
  std::vector<Device> devices;  // empty when no usable GPU
  std::string status;           // "ok" or why no device is usable
};

RuntimeInfo runtime_info();

// True when at least one CUDA device can run the kernels.
bool available();

}  // namespace predann::cuda
