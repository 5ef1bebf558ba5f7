// clip_preprocess_cuda: the CUDA twin of predann::clip_preprocess (native/kernels/clip_preprocess.h):
// same arguments, same arithmetic, bit-identical results. Compiled from clip_preprocess.cu when
// nvcc is found; otherwise cuda_stub.cpp provides a version that reports why it cannot run.
#pragma once
#include <cstdint>

#include "kernels/clip_preprocess.h"

namespace predann::cuda {

// The longest channel the kernel takes: one block sorts a channel's keys in shared memory
// (8192 keys = 32 KiB). Longer clips go to the CPU.
constexpr int64_t kClipPreprocessMaxLength = 8192;

// Runs on the current CUDA device. Throws std::runtime_error "no CUDA device: <status>" when no
// GPU is usable (or CUDA is not compiled in), std::invalid_argument for bad arguments, a channel
// longer than kClipPreprocessMaxLength or a non-finite input value (same message as the CPU),
// and std::runtime_error naming the CUDA call that failed.
void clip_preprocess(const ClipBatch& batch, const ClipPreprocessParams& params, const ClipPreprocessOutput& out);

}  // namespace predann::cuda
