// cross_entropy: softmax cross-entropy of N rows of C logits against integer labels, mean over
// the rows: torch.nn.functional.cross_entropy(logits, labels) (reduction 'mean', no weights, no
// label smoothing), and its gradient:
//   loss       = 1/N · Σ_n [ logsumexp_c logits[n,c] − logits[n, label_n] ]
//   dlogits    = scale/N · (softmax(logits[n,:]) − onehot(label_n))
// logsumexp subtracts the row maximum first (no overflow for any finite logits) and sums the
// exponentials in float64; the loss is accumulated in float64 and returned as a double.
// `scale` is the upstream gradient dL_total/dloss (1 for a loss used alone). dlogits is written,
// not accumulated: a loss is where backpropagation starts. It may be null (loss only).
// PredANN applies it to both encoders' 10 logits (L_clsE, L_clsM), batch 48.
//
// Versions:
//   cross_entropy_ref<T>  float and double: one row at a time, every exp evaluated in double.
//   cross_entropy         float: exponentials in float32 (vectorised), sums in double,
//                         OpenMP over rows for large batches.
// Both throw std::invalid_argument naming the first label outside [0, C) before computing anything.
#pragma once
#include <cstdint>

namespace predann {

struct CrossEntropyShape {
  int64_t batch = 0;    // N >= 1
  int64_t classes = 0;  // C >= 1
};

// logits is (N,C), labels is (N), dlogits is (N,C) or null. Returns the mean loss.
template <typename T>
double cross_entropy_ref(const CrossEntropyShape& s, const T* logits, const int32_t* labels, T* dlogits,
                         double scale = 1.0);

double cross_entropy(const CrossEntropyShape& s, const float* logits, const int32_t* labels, float* dlogits,
                     double scale = 1.0);

}  // namespace predann
