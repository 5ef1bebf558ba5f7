// Built instead of the .cu files when nvcc is not found: every CUDA entry point reports
// "not compiled" and callers use the CPU kernels.
#include "cuda/cuda_runtime_info.h"

#include <stdexcept>

#include "cuda/clip_preprocess_cuda.h"

namespace predann::cuda {

RuntimeInfo runtime_info() {
  RuntimeInfo info;
  info.status = "CUDA not compiled into this build (nvcc was not found)";
  return info;
}

bool available() { return false; }

void clip_preprocess(const ClipBatch&, const ClipPreprocessParams&, const ClipPreprocessOutput&) {
  throw std::runtime_error("no CUDA device: " + runtime_info().status);
}

}  // namespace predann::cuda
