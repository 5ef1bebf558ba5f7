// fft_io: how the fast FFT plans read their input, write their output, and where they work.
//
// A Source is one complex sequence given as two real rows (either may be absent = zeros), float
// or double, zero beyond `length`: exactly what resampling needs, where the real and imaginary
// parts are two EEG channels (two real FFTs for the price of one complex FFT). A Sink receives a
// window of the transform: index idx goes to position j = (idx − start) mod modulus when
// j < count, optionally multiplied by a per-position chirp (Bluestein) and a scale.
#pragma once
#include <cstdint>
#include <vector>

#include "kernels/fft_simd.h"

namespace predann::fft {

struct Source {
  const void* re = nullptr;  // null: all zeros
  const void* im = nullptr;  // null: all zeros
  bool f32 = false;          // rows are float (converted to double on load) rather than double
  int64_t length = 0;        // elements at and beyond `length` are zero
  const double* chirp_re = nullptr;  // optional multiplier per index (`length` entries)
  const double* chirp_im = nullptr;

  // Elements n .. n+7 (zeros past the end), one per lane.
  VecC load8(int64_t n) const;
};

typedef float vf __attribute__((vector_size(32)));  // 8 floats

// 8 consecutive elements of a float or double row as doubles.
template <typename T>
inline vd load_row8(const T* row) {
  if constexpr (sizeof(T) == sizeof(float)) {
    vf v;
    std::memcpy(&v, row, sizeof v);
    return __builtin_convertvector(v, vd);
  } else {
    return load_vd(row);
  }
}

struct Sink {
  double* re = nullptr;  // null: discard
  double* im = nullptr;  // null: discard
  int64_t start = 0;
  int64_t count = 0;
  int64_t modulus = 1;
  const double* chirp_re = nullptr;  // optional multiplier per output position j
  const double* chirp_im = nullptr;
  double scale = 1.0;

  // Stores lanes 0..valid−1 of v as indices idx .. idx+valid−1 (idx + valid ≤ modulus).
  inline void store8(int64_t idx, const VecC& v, int valid) const {
    int64_t j0 = idx - start;
    if (j0 < 0) j0 += modulus;
    if (idx >= start || idx + valid <= start) {  // positions j0 .. j0+valid−1, no wrap
      if (j0 >= count) return;                   // entirely outside the window
      if (valid == kLanes && j0 + kLanes <= count) {
        store_full(j0, v);
        return;
      }
    }
    store_lanes(idx, v, valid);
  }

 private:
  void store_full(int64_t j0, const VecC& v) const;
  void store_lanes(int64_t idx, const VecC& v, int valid) const;
};

// Per-thread buffers of a plan's execution, reused across calls.
struct Workspace {
  std::vector<VecC> g;                 // the four-step matrix G, (Q_pad/8, L_pad): row block rb, column r
  std::vector<VecC> buf, scratch;      // one row or column being transformed, and the FFT's other buffer
  std::vector<VecC> aux;               // generic-butterfly work space
  std::vector<VecC> columns;           // a panel of column blocks of the input, (blocks, Q) elements

  struct Size {
    size_t g = 0, line = 0, aux = 0, columns = 0;
  };
  void reserve(const Size& size);
};

// Element-wise maximum of two workspace sizes.
Workspace::Size max_size(const Workspace::Size& a, const Workspace::Size& b);

}  // namespace predann::fft
