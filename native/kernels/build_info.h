// build_info: what the kernel library was compiled with and what it finds at run time
// (compiler, SIMD level, OpenMP threads, CUDA). Reported by `predann info`.
#pragma once
#include <string>
#include <vector>

namespace predann {

struct BuildInfo {
  std::string compiler;       // e.g. "GNU 12.2.0"
  std::string build_type;     // CMake build type
  std::string simd;           // widest SIMD level enabled at compile time
  bool openmp = false;        // compiled with OpenMP
  int openmp_max_threads = 1; // threads the kernels use now (OMP_NUM_THREADS until set)
  bool cuda_compiled = false; // CUDA kernels compiled into the addon
  std::string cuda_compiler;  // nvcc version when compiled
};

BuildInfo build_info();

// Sets the thread count of every later kernel call (see kernels/parallel.h).
void set_num_threads(int n);

}  // namespace predann
