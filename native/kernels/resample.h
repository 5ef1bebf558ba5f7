// resample: FFT resampling along time, exactly scipy.signal.resample(x, num, axis=-1) for real x
// (scipy 1.10; the code path is unchanged since 1.6). Computation in float64, output float64.
//
//   X = rfft(x)                                       (length Nx//2 + 1)
//   Y = zeros(num//2 + 1);  N = min(num, Nx);  Y[0 : N//2 + 1] = X[0 : N//2 + 1]
//   if N is even:  Y[N/2] *= 2 when num < Nx  (the kept bin becomes the output's Nyquist bin)
//                  Y[N/2] *= 0.5 when num > Nx (the input's Nyquist bin is split in two halves)
//   y = irfft(Y, num) · num/Nx                        (irfft drops Im of the DC and Nyquist bins)
//
// Two versions with one signature:
//   resample_ref — the oracle: direct O(Nx·N) DFT sums over exact root-of-unity tables. Slow,
//                  obviously correct, kept forever.
//   resample     — the fast engine: two channels form one complex signal (x_a + i·x_b), a
//                  windowed forward DFT (fft.h) computes only bins −N/2 .. N/2, the channels are
//                  separated with the conjugate symmetry of real spectra, and one inverse DFT of
//                  length num produces both outputs (y_a + i·y_b). OpenMP over channel pairs.
// No CUDA twin: there is no cuFFT on these machines and the CPU path is memory-bound already.
#pragma once
#include <cstdint>
#include <string>

namespace predann {

enum class SampleType { float32, float64 };

// x is (channels, samples) when channel-major, (samples, channels) when time-major.
struct ResampleInput {
  const void* data = nullptr;
  SampleType type = SampleType::float64;
  int64_t channels = 0;
  int64_t samples = 0;
  bool time_major = false;
};

// out is (channels, num), float64. Throws std::invalid_argument for bad shapes and
// std::domain_error naming the channel and sample of the first non-finite input value.
// `threads`: OpenMP threads; 0 takes omp_get_max_threads() of the calling thread (the binding
// passes the main thread's value, which setNumThreads changes).
void resample_ref(const ResampleInput& in, int64_t num, double* out, int threads = 0);
void resample(const ResampleInput& in, int64_t num, double* out, int threads = 0);

// The fast engine's plans for this shape, e.g.
// "forward 292000: four-step 73x4000 (pruned rows); inverse 36500: four-step 73x500".
std::string resample_describe(int64_t samples, int64_t num);

}  // namespace predann
