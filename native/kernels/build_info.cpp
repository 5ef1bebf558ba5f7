#include "kernels/build_info.h"

#include "kernels/parallel.h"

namespace predann {

static const char* simd_level() {
#if defined(__AVX512F__)
  return "AVX-512";
#elif defined(__AVX2__)
  return "AVX2";
#elif defined(__AVX__)
  return "AVX";
#elif defined(__SSE4_2__)
  return "SSE4.2";
#elif defined(__ARM_NEON)
  return "NEON";
#else
  return "scalar";
#endif
}

BuildInfo build_info() {
  BuildInfo info;
  info.compiler = PREDANN_CXX_COMPILER;
  info.build_type = PREDANN_BUILD_TYPE;
  info.simd = simd_level();
#ifdef _OPENMP
  info.openmp = true;
  info.openmp_max_threads = thread_count();
#endif
#ifdef PREDANN_WITH_CUDA
  info.cuda_compiled = true;
#endif
  info.cuda_compiler = PREDANN_CUDA_COMPILER;
  return info;
}

void set_num_threads(int n) { set_thread_count(n); }

}  // namespace predann
