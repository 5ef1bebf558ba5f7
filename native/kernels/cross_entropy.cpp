// cross_entropy: mean softmax cross-entropy and its gradient (see cross_entropy.h).
#include "kernels/cross_entropy.h"
#include "kernels/parallel.h"

#include <algorithm>
#include <cmath>
#include <stdexcept>
#include <string>
#include <vector>

namespace predann {

static void check_arguments(const CrossEntropyShape& s, const void* logits, const int32_t* labels) {
  if (s.batch < 1 || s.classes < 1) {
    throw std::invalid_argument("cross_entropy: batch and classes must be >= 1, got " + std::to_string(s.batch) +
                                " and " + std::to_string(s.classes));
  }
  if (!logits || !labels) throw std::invalid_argument("cross_entropy: null buffer");
  for (int64_t n = 0; n < s.batch; ++n) {
    if (labels[n] < 0 || labels[n] >= s.classes) {
      throw std::invalid_argument("cross_entropy: labels[" + std::to_string(n) + "] = " + std::to_string(labels[n]) +
                                  " is outside [0, " + std::to_string(s.classes) + ")");
    }
  }
}

// ---------------------------------------------------------------------------------------------
// Reference

template <typename T>
double cross_entropy_ref(const CrossEntropyShape& s, const T* logits, const int32_t* labels, T* dlogits, double scale) {
  check_arguments(s, logits, labels);
  const int64_t N = s.batch, C = s.classes;
  double total = 0;
  for (int64_t n = 0; n < N; ++n) {
    const T* row = logits + n * C;  // row is (C,)
    const double max = static_cast<double>(*std::max_element(row, row + C));
    double sum = 0;
    for (int64_t c = 0; c < C; ++c) sum += std::exp(static_cast<double>(row[c]) - max);
    const double lse = max + std::log(sum);
    total += lse - static_cast<double>(row[labels[n]]);
    if (!dlogits) continue;
    for (int64_t c = 0; c < C; ++c) {
      const double p = std::exp(static_cast<double>(row[c]) - lse);
      dlogits[n * C + c] = static_cast<T>(scale / N * (p - (c == labels[n] ? 1.0 : 0.0)));
    }
  }
  return total / N;
}

template double cross_entropy_ref<float>(const CrossEntropyShape&, const float*, const int32_t*, float*, double);
template double cross_entropy_ref<double>(const CrossEntropyShape&, const double*, const int32_t*, double*, double);

// ---------------------------------------------------------------------------------------------
// Fast

// Rows times classes below which the loss runs on the calling thread (PredANN's 48 × 10 is far
// below: the whole loss takes about a microsecond).
constexpr int64_t kParallelElements = int64_t(1) << 16;

// One row: returns its loss term; writes exp(row − max) into e (C values, scratch).
static double row_loss(const float* row, int32_t label, int64_t C, float* e, double* sum_out) {
  float max = row[0];
  for (int64_t c = 1; c < C; ++c) max = std::max(max, row[c]);
#pragma omp simd
  for (int64_t c = 0; c < C; ++c) e[c] = std::exp(row[c] - max);
  double sum = 0;
  for (int64_t c = 0; c < C; ++c) sum += e[c];
  *sum_out = sum;
  // lse − row[label] = log(sum) − (row[label] − max); the difference is exact in float for
  // the row maximum and rounds once otherwise.
  return std::log(sum) - static_cast<double>(row[label] - max);
}

double cross_entropy(const CrossEntropyShape& s, const float* logits, const int32_t* labels, float* dlogits,
                     double scale) {
  check_arguments(s, logits, labels);
  const int64_t N = s.batch, C = s.classes;
  std::vector<float> exps(static_cast<size_t>(N * C));  // exps is (N,C): exp(logits − row max)
  std::vector<double> terms(static_cast<size_t>(N));    // terms is (N): each row's loss
  auto one_row = [&](int64_t n) {
    float* e = exps.data() + n * C;
    double sum = 0;
    terms[n] = row_loss(logits + n * C, labels[n], C, e, &sum);
    if (!dlogits) return;
    const double factor = scale / N / sum;
    for (int64_t c = 0; c < C; ++c) {
      const double onehot = c == labels[n] ? scale / N : 0.0;
      dlogits[n * C + c] = static_cast<float>(e[c] * factor - onehot);
    }
  };
  if (N * C < kParallelElements) {
    for (int64_t n = 0; n < N; ++n) one_row(n);
  } else {
    run_on_openmp_host([&] {
#pragma omp parallel for schedule(static) num_threads(thread_count())
      for (int64_t n = 0; n < N; ++n) one_row(n);
    });
  }
  double total = 0;  // summed in row order whatever the threads did: the same loss every run
  for (double t : terms) total += t;
  return total / N;
}

}  // namespace predann
