// Built instead of the .cu files when nvcc is not found: every CUDA entry point reports
// "not compiled" and callers use the CPU kernels.
#include "cuda/cuda_runtime_info.h"

namespace predann::cuda {

RuntimeInfo runtime_info() {
  RuntimeInfo info;
  info.status = "CUDA not compiled into this build (nvcc was not found)";
  return info;
}

bool available() { return false; }

}  // namespace predann::cuda
