// batchnorm: see batchnorm.h.
#include "kernels/batchnorm.h"

#include <algorithm>
#include <cmath>
#include <stdexcept>
#include <string>

#include "kernels/parallel.h"

namespace predann {

namespace {

void require(bool ok, const std::string& problem) {
  if (!ok) throw std::invalid_argument("batchnorm: " + problem);
}

void check_shape(BatchNormShape shape) {
  require(shape.batch >= 1 && shape.channels >= 1 && shape.spatial >= 1,
          "shape must be positive, got N=" + std::to_string(shape.batch) + " C=" + std::to_string(shape.channels) +
              " S=" + std::to_string(shape.spatial));
}

template <typename T>
void check_params(const BatchNormParams<T>& p) {
  require(p.weight && p.bias && p.running_mean && p.running_var, "null weight, bias or running statistics");
  require(p.eps > 0, "eps must be > 0");
}

template <typename T>
void check_train(const void* x, BatchNormShape shape, const BatchNormParams<T>& p, const BatchNormSaved<T>& saved,
                 const void* y) {
  check_shape(shape);
  check_params(p);
  require(x && y && saved.mean && saved.invstd, "null input, output or saved statistics");
  require(shape.values_per_channel() >= 2, "expected more than 1 value per channel when training, got N=" +
                                               std::to_string(shape.batch) + " S=" + std::to_string(shape.spatial));
}

template <typename T>
void check_backward(const void* dy, const void* x, BatchNormShape shape, const void* weight,
                    const BatchNormSaved<const T>& saved, const void* dx, const void* dweight, const void* dbias) {
  check_shape(shape);
  require(dy && x && weight && saved.mean && saved.invstd && dx && dweight && dbias, "null buffer in backward");
}

// Offset of (n, c, 0) in an (N,C,S) tensor.
int64_t row_offset(BatchNormShape shape, int64_t n, int64_t c) { return (n * shape.channels + c) * shape.spatial; }

// Saves channel c's statistics and updates its running statistics, with the roundings of
// PyTorch's batch_norm_cpu_update_stats_template: var_sum/m and var_sum/(m − 1) are divided in
// the data type, invstd and the running averages are computed in float64.
template <typename T>
void finish_channel(int64_t c, T mean, T var_sum, int64_t m, const BatchNormParams<T>& p,
                    const BatchNormSaved<T>& saved) {
  const T biased_var = var_sum / static_cast<T>(m);
  const T unbiased_var = var_sum / static_cast<T>(m - 1);
  saved.mean[c] = mean;
  saved.invstd[c] = static_cast<T>(1.0 / std::sqrt(static_cast<double>(biased_var) + p.eps));
  p.running_mean[c] = static_cast<T>(p.momentum * mean + (1 - p.momentum) * p.running_mean[c]);
  p.running_var[c] = static_cast<T>(p.momentum * unbiased_var + (1 - p.momentum) * p.running_var[c]);
}

template <typename T>
T eval_invstd(const BatchNormParams<T>& p, int64_t c) {
  return static_cast<T>(1.0 / std::sqrt(static_cast<double>(p.running_var[c]) + p.eps));
}

}  // namespace

// ---------------------------------------------------------------------------------------------
// Reference

template <typename T>
void batchnorm_forward_train_ref(const T* x, BatchNormShape shape, const BatchNormParams<T>& params,
                                 const BatchNormSaved<T>& saved, T* y) {
  check_train(x, shape, params, saved, y);
  const int64_t m = shape.values_per_channel();
  for (int64_t c = 0; c < shape.channels; ++c) {
    double sum = 0;  // float64 even for float data, as PyTorch
    for (int64_t n = 0; n < shape.batch; ++n) {
      for (int64_t s = 0; s < shape.spatial; ++s) sum += x[row_offset(shape, n, c) + s];
    }
    const T mean = static_cast<T>(sum / static_cast<double>(m));
    double squares = 0;
    for (int64_t n = 0; n < shape.batch; ++n) {
      for (int64_t s = 0; s < shape.spatial; ++s) {
        const T d = x[row_offset(shape, n, c) + s] - mean;  // difference and square in T, sum in float64, as PyTorch
        squares += d * d;
      }
    }
    finish_channel(c, mean, static_cast<T>(squares), m, params, saved);
    const T invstd = saved.invstd[c];
    for (int64_t n = 0; n < shape.batch; ++n) {
      for (int64_t s = 0; s < shape.spatial; ++s) {
        const int64_t i = row_offset(shape, n, c) + s;
        y[i] = (x[i] - mean) * invstd * params.weight[c] + params.bias[c];
      }
    }
  }
  if (params.num_batches_tracked) *params.num_batches_tracked += 1;
}

template <typename T>
void batchnorm_forward_eval_ref(const T* x, BatchNormShape shape, const BatchNormParams<T>& params, T* y) {
  check_shape(shape);
  check_params(params);
  require(x && y, "null input or output");
  for (int64_t n = 0; n < shape.batch; ++n) {
    for (int64_t c = 0; c < shape.channels; ++c) {
      const T invstd = eval_invstd(params, c);
      for (int64_t s = 0; s < shape.spatial; ++s) {
        const int64_t i = row_offset(shape, n, c) + s;
        y[i] = (x[i] - params.running_mean[c]) * invstd * params.weight[c] + params.bias[c];
      }
    }
  }
}

template <typename T>
void batchnorm_backward_ref(const T* dy, const T* x, BatchNormShape shape, const T* weight,
                            const BatchNormSaved<const T>& saved, T* dx, T* dweight, T* dbias) {
  check_backward(dy, x, shape, weight, saved, dx, dweight, dbias);
  const double m = static_cast<double>(shape.values_per_channel());
  for (int64_t c = 0; c < shape.channels; ++c) {
    const double mean = saved.mean[c], invstd = saved.invstd[c];
    double sum_dy = 0, sum_dy_xhat = 0;
    for (int64_t n = 0; n < shape.batch; ++n) {
      for (int64_t s = 0; s < shape.spatial; ++s) {
        const int64_t i = row_offset(shape, n, c) + s;
        sum_dy += dy[i];
        sum_dy_xhat += dy[i] * (x[i] - mean) * invstd;
      }
    }
    for (int64_t n = 0; n < shape.batch; ++n) {
      for (int64_t s = 0; s < shape.spatial; ++s) {
        const int64_t i = row_offset(shape, n, c) + s;
        const double xhat = (x[i] - mean) * invstd;
        dx[i] = static_cast<T>(weight[c] * invstd * (dy[i] - sum_dy / m - xhat * sum_dy_xhat / m));
      }
    }
    dweight[c] += static_cast<T>(sum_dy_xhat);
    dbias[c] += static_cast<T>(sum_dy);
  }
}

template void batchnorm_forward_train_ref<float>(const float*, BatchNormShape, const BatchNormParams<float>&,
                                                 const BatchNormSaved<float>&, float*);
template void batchnorm_forward_train_ref<double>(const double*, BatchNormShape, const BatchNormParams<double>&,
                                                  const BatchNormSaved<double>&, double*);
template void batchnorm_forward_eval_ref<float>(const float*, BatchNormShape, const BatchNormParams<float>&, float*);
template void batchnorm_forward_eval_ref<double>(const double*, BatchNormShape, const BatchNormParams<double>&,
                                                 double*);
template void batchnorm_backward_ref<float>(const float*, const float*, BatchNormShape, const float*,
                                            const BatchNormSaved<const float>&, float*, float*, float*);
template void batchnorm_backward_ref<double>(const double*, const double*, BatchNormShape, const double*,
                                             const BatchNormSaved<const double>&, double*, double*, double*);

// ---------------------------------------------------------------------------------------------
// Fast version

namespace {

// Channels are shared among the OpenMP threads only when there is enough work: a handoff to the
// OpenMP host thread costs tens of microseconds, more than a BatchNorm1d on (48, 100) takes.
constexpr int64_t kParallelFromValues = int64_t{1} << 16;

// Runs body(c) for every channel c. body must not throw.
template <typename Body>
void for_each_channel(BatchNormShape shape, const Body& body) {
  const int threads = thread_count();
  if (threads == 1 || shape.size() < kParallelFromValues) {
    for (int64_t c = 0; c < shape.channels; ++c) body(c);
    return;
  }
  run_on_openmp_host([&] {
#pragma omp parallel for schedule(dynamic, 1) num_threads(threads)
    for (int64_t c = 0; c < shape.channels; ++c) body(c);
  });
}

// Two float64 sums kept in kLanes independent partial sums, so that the compiler vectorises the
// loops without reassociating anything (no -ffast-math needed). 32 lanes are four AVX-512
// registers per sum: enough independent additions to hide their latency, which made 16 lanes
// compute-bound (17 ms instead of 10 ms for the train forward on (4, 128, 93312), 2 threads).
constexpr int kLanes = 32;

struct LaneSums {
  double first[kLanes] = {};
  double second[kLanes] = {};

  void add(const double* more_first, const double* more_second) {
    for (int l = 0; l < kLanes; ++l) {
      first[l] += more_first[l];
      second[l] += more_second[l];
    }
  }

  double total(const double* lanes) const {
    double t = 0;
    for (int l = 0; l < kLanes; ++l) t += lanes[l];
    return t;
  }
};

// sums += Σ (x − shift), Σ (x − shift)² over x[0 .. count). The partial sums are local arrays,
// indexed only by constants once the lane loop is unrolled, so that they stay in vector
// registers; the ragged end goes to lane 0 (a variable lane index would put them in memory).
void add_shifted_moments(const float* x, int64_t count, double shift, LaneSums& sums) {
  double first[kLanes] = {}, second[kLanes] = {};
  int64_t i = 0;
  for (; i + kLanes <= count; i += kLanes) {
    for (int l = 0; l < kLanes; ++l) {
      const double d = static_cast<double>(x[i + l]) - shift;
      first[l] += d;
      second[l] += d * d;
    }
  }
  for (; i < count; ++i) {
    const double d = static_cast<double>(x[i]) - shift;
    first[0] += d;
    second[0] += d * d;
  }
  sums.add(first, second);
}

// sums += Σ dy, Σ dy·(x − mean) over [0 .. count), in the same register-resident way.
void add_gradient_sums(const float* dy, const float* x, int64_t count, double mean, LaneSums& sums) {
  double first[kLanes] = {}, second[kLanes] = {};
  int64_t i = 0;
  for (; i + kLanes <= count; i += kLanes) {
    for (int l = 0; l < kLanes; ++l) {
      const double g = dy[i + l];
      first[l] += g;
      second[l] += g * (static_cast<double>(x[i + l]) - mean);
    }
  }
  for (; i < count; ++i) {
    const double g = dy[i];
    first[0] += g;
    second[0] += g * (static_cast<double>(x[i]) - mean);
  }
  sums.add(first, second);
}

// out = x·alpha + beta over count values (PyTorch's form of the normalisation, one multiply-add),
// then max(·, 0) as relu_forward when the ReLU is fused.
template <bool kRelu>
void scale_and_shift(const float* x, int64_t count, float alpha, float beta, float* out) {
  for (int64_t i = 0; i < count; ++i) {
    const float v = x[i] * alpha + beta;
    out[i] = kRelu && v < 0.0f ? 0.0f : v;
  }
}

void normalize_rows(const float* x, BatchNormShape shape, int64_t c, float alpha, float beta, BatchNormActivation act,
                    float* y) {
  for (int64_t n = 0; n < shape.batch; ++n) {
    const int64_t row = row_offset(shape, n, c);
    if (act == BatchNormActivation::relu) {
      scale_and_shift<true>(x + row, shape.spatial, alpha, beta, y + row);
    } else {
      scale_and_shift<false>(x + row, shape.spatial, alpha, beta, y + row);
    }
  }
}

// Channel c of the train forward: statistics in one float64 pass, then the normalisation.
void train_channel(const float* x, BatchNormShape shape, const BatchNormParams<float>& p,
                   const BatchNormSaved<float>& saved, BatchNormActivation act, float* y, int64_t c) {
  const int64_t m = shape.values_per_channel();
  const double shift = x[row_offset(shape, 0, c)];
  LaneSums sums;
  for (int64_t n = 0; n < shape.batch; ++n) {
    add_shifted_moments(x + row_offset(shape, n, c), shape.spatial, shift, sums);
  }
  const double mean_offset = sums.total(sums.first) / static_cast<double>(m);
  // Σ(x − mean)² = Σ(x − shift)² − m·(mean − shift)²; the shift keeps both terms of the same size.
  const double var_sum = std::max(0.0, sums.total(sums.second) - mean_offset * mean_offset * static_cast<double>(m));
  finish_channel(c, static_cast<float>(shift + mean_offset), static_cast<float>(var_sum), m, p, saved);
  const float alpha = saved.invstd[c] * p.weight[c];
  const float beta = p.bias[c] - saved.mean[c] * alpha;
  normalize_rows(x, shape, c, alpha, beta, act, y);
}

// Channel c of the backward: the two sums in float64, then dx in PyTorch's form.
void backward_channel(const float* dy, const float* x, BatchNormShape shape, const float* weight,
                      const BatchNormSaved<const float>& saved, float* dx, float* dweight, float* dbias, int64_t c) {
  const float mean = saved.mean[c], invstd = saved.invstd[c];
  LaneSums sums;
  for (int64_t n = 0; n < shape.batch; ++n) {
    const int64_t row = row_offset(shape, n, c);
    add_gradient_sums(dy + row, x + row, shape.spatial, mean, sums);
  }
  const double m = static_cast<double>(shape.values_per_channel());
  const double sum_dy = sums.total(sums.first), sum_dy_centered = sums.total(sums.second);
  const float k = static_cast<float>(sum_dy_centered * invstd * invstd / m);
  const float grad_mean = static_cast<float>(sum_dy / m);
  const float gain = invstd * weight[c];
  for (int64_t n = 0; n < shape.batch; ++n) {
    const int64_t row = row_offset(shape, n, c);
    for (int64_t s = 0; s < shape.spatial; ++s) {
      dx[row + s] = (dy[row + s] - grad_mean - (x[row + s] - mean) * k) * gain;
    }
  }
  dweight[c] += static_cast<float>(sum_dy_centered * invstd);
  dbias[c] += static_cast<float>(sum_dy);
}

}  // namespace

void batchnorm_forward_train(const float* x, BatchNormShape shape, const BatchNormParams<float>& params,
                             const BatchNormSaved<float>& saved, float* y, BatchNormActivation act) {
  check_train(x, shape, params, saved, y);
  for_each_channel(shape, [&](int64_t c) { train_channel(x, shape, params, saved, act, y, c); });
  if (params.num_batches_tracked) *params.num_batches_tracked += 1;
}

void batchnorm_forward_eval(const float* x, BatchNormShape shape, const BatchNormParams<float>& params, float* y,
                            BatchNormActivation act) {
  check_shape(shape);
  check_params(params);
  require(x && y, "null input or output");
  for_each_channel(shape, [&](int64_t c) {
    const float alpha = eval_invstd(params, c) * params.weight[c];
    const float beta = params.bias[c] - params.running_mean[c] * alpha;
    normalize_rows(x, shape, c, alpha, beta, act, y);
  });
}

void batchnorm_backward(const float* dy, const float* x, BatchNormShape shape, const float* weight,
                        const BatchNormSaved<const float>& saved, float* dx, float* dweight, float* dbias) {
  check_backward(dy, x, shape, weight, saved, dx, dweight, dbias);
  for_each_channel(shape, [&](int64_t c) { backward_channel(dy, x, shape, weight, saved, dx, dweight, dbias, c); });
}

}  // namespace predann
