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

// The normalisation of one channel in PyTorch's form, y = x·alpha + beta.
struct ChannelAffine {
  float alpha = 1, beta = 0;
};

ChannelAffine train_affine(const float* weight, const float* bias, const BatchNormSaved<const float>& saved, int64_t c) {
  const float alpha = saved.invstd[c] * weight[c];
  return {alpha, (bias ? bias[c] : 0.0f) - saved.mean[c] * alpha};
}

ChannelAffine eval_affine(const BatchNormParams<float>& p, int64_t c) {
  const float alpha = eval_invstd(p, c) * p.weight[c];
  return {alpha, p.bias[c] - p.running_mean[c] * alpha};
}

// x·alpha + beta as one fused multiply-add. The forward and the backward's recomputed ReLU mask
// both go through this expression, so the compiler cannot round them differently.
inline float affine(float x, ChannelAffine a) { return std::fma(x, a.alpha, a.beta); }

// Whether the fused ReLU passed x on: its output max(v, 0) is > 0 (relu_backward's mask).
template <bool kRelu>
inline bool passes(float x, ChannelAffine a) {
  return !kRelu || affine(x, a) > 0.0f;
}

// out = act(x·alpha + beta) over count values (act: max(·, 0) when the ReLU is fused).
template <bool kRelu>
void scale_and_shift(const float* x, int64_t count, ChannelAffine a, float* out) {
  for (int64_t i = 0; i < count; ++i) {
    const float v = affine(x[i], a);
    out[i] = kRelu && v < 0.0f ? 0.0f : v;
  }
}

void normalize_rows(const float* x, BatchNormShape shape, int64_t c, ChannelAffine a, BatchNormActivation act, float* y) {
  for (int64_t n = 0; n < shape.batch; ++n) {
    const int64_t row = row_offset(shape, n, c);
    if (act == BatchNormActivation::relu) {
      scale_and_shift<true>(x + row, shape.spatial, a, y + row);
    } else {
      scale_and_shift<false>(x + row, shape.spatial, a, y + row);
    }
  }
}

// Channel c's batch statistics in one float64 pass.
void statistics_channel(const float* x, BatchNormShape shape, const BatchNormParams<float>& p,
                        const BatchNormSaved<float>& saved, int64_t c) {
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
}

// sums += Σ g, Σ g·(x − mean) over [0 .. count), g = dy where the ReLU passed x on, in the same
// register-resident way as add_shifted_moments.
template <bool kRelu>
void add_gradient_sums(const float* dy, const float* x, int64_t count, double mean, ChannelAffine a, LaneSums& sums) {
  double first[kLanes] = {}, second[kLanes] = {};
  int64_t i = 0;
  for (; i + kLanes <= count; i += kLanes) {
    for (int l = 0; l < kLanes; ++l) {
      const double g = passes<kRelu>(x[i + l], a) ? dy[i + l] : 0.0f;
      first[l] += g;
      second[l] += g * (static_cast<double>(x[i + l]) - mean);
    }
  }
  for (; i < count; ++i) {
    const double g = passes<kRelu>(x[i], a) ? dy[i] : 0.0f;
    first[0] += g;
    second[0] += g * (static_cast<double>(x[i]) - mean);
  }
  sums.add(first, second);
}

// The per-channel constants of pass 2 (input_gradient_channel).
struct InputGradientTerms {
  float mean, grad_mean, k, gain;
};

template <bool kRelu>
void input_gradient_row(const float* dy, const float* x, int64_t count, ChannelAffine a, InputGradientTerms t,
                        float* dx) {
  for (int64_t i = 0; i < count; ++i) {
    const float g = passes<kRelu>(x[i], a) ? dy[i] : 0.0f;
    dx[i] = (g - t.grad_mean - (x[i] - t.mean) * t.k) * t.gain;
  }
}

// Channel c of pass 1 over a part.
void gradient_sums_channel(const float* dy, const float* x, BatchNormShape part, ChannelAffine a, float mean,
                           BatchNormActivation act, BatchNormGradientSums& sums, int64_t c) {
  LaneSums lanes;
  for (int64_t n = 0; n < part.batch; ++n) {
    const int64_t row = row_offset(part, n, c);
    if (act == BatchNormActivation::relu) {
      add_gradient_sums<true>(dy + row, x + row, part.spatial, mean, a, lanes);
    } else {
      add_gradient_sums<false>(dy + row, x + row, part.spatial, mean, a, lanes);
    }
  }
  sums.dy[c] += lanes.total(lanes.first);
  sums.dy_centered[c] += lanes.total(lanes.second);
}

// Channel c of pass 2 over a part: dx = (g − Σg/m − (x − mean)·k)·invstd·weight with
// k = Σg·(x − mean)·invstd²/m.
void input_gradient_channel(const float* dy, const float* x, BatchNormShape part, const float* weight, ChannelAffine a,
                            const BatchNormSaved<const float>& saved, BatchNormActivation act,
                            const BatchNormGradientSums& sums, float* dx, int64_t c) {
  const float invstd = saved.invstd[c];
  const double m = static_cast<double>(sums.values);
  const InputGradientTerms t{saved.mean[c], static_cast<float>(sums.dy[c] / m),
                             static_cast<float>(sums.dy_centered[c] * invstd * invstd / m), invstd * weight[c]};
  for (int64_t n = 0; n < part.batch; ++n) {
    const int64_t row = row_offset(part, n, c);
    if (act == BatchNormActivation::relu) {
      input_gradient_row<true>(dy + row, x + row, part.spatial, a, t, dx + row);
    } else {
      input_gradient_row<false>(dy + row, x + row, part.spatial, a, t, dx + row);
    }
  }
}

// The backward pieces read bias only for the ReLU mask: it may be null without the ReLU.
void check_pieces(const void* dy, const void* x, BatchNormShape part, const void* weight, const void* bias,
                  BatchNormActivation act, const BatchNormSaved<const float>& saved, const void* out) {
  check_shape(part);
  require(dy && x && weight && saved.mean && saved.invstd && out, "null buffer");
  require(bias || act == BatchNormActivation::none, "null bias");
}

}  // namespace

void batchnorm_statistics(const float* x, BatchNormShape shape, const BatchNormParams<float>& params,
                          const BatchNormSaved<float>& saved) {
  check_train(x, shape, params, saved, x);
  for_each_channel(shape, [&](int64_t c) { statistics_channel(x, shape, params, saved, c); });
  if (params.num_batches_tracked) *params.num_batches_tracked += 1;
}

void batchnorm_apply(const float* x, BatchNormShape part, const float* weight, const float* bias,
                     const BatchNormSaved<const float>& saved, BatchNormActivation act, float* y) {
  check_pieces(x, x, part, weight, bias, BatchNormActivation::relu, saved, y);
  for_each_channel(part, [&](int64_t c) { normalize_rows(x, part, c, train_affine(weight, bias, saved, c), act, y); });
}

void batchnorm_forward_train(const float* x, BatchNormShape shape, const BatchNormParams<float>& params,
                             const BatchNormSaved<float>& saved, float* y, BatchNormActivation act) {
  check_train(x, shape, params, saved, y);
  batchnorm_statistics(x, shape, params, saved);
  batchnorm_apply(x, shape, params.weight, params.bias, {saved.mean, saved.invstd}, act, y);
}

void batchnorm_forward_eval(const float* x, BatchNormShape shape, const BatchNormParams<float>& params, float* y,
                            BatchNormActivation act) {
  check_shape(shape);
  check_params(params);
  require(x && y, "null input or output");
  for_each_channel(shape, [&](int64_t c) { normalize_rows(x, shape, c, eval_affine(params, c), act, y); });
}

void batchnorm_eval_affine(const BatchNormParams<float>& params, int64_t channels, float* scale, float* shift) {
  check_params(params);
  require(channels >= 1 && scale && shift, "null scale or shift, or no channels");
  for (int64_t c = 0; c < channels; ++c) {
    const ChannelAffine a = eval_affine(params, c);
    scale[c] = a.alpha;
    shift[c] = a.beta;
  }
}

void batchnorm_gradient_sums(const float* dy, const float* x, BatchNormShape part, const float* weight,
                             const float* bias, const BatchNormSaved<const float>& saved, BatchNormActivation act,
                             BatchNormGradientSums& sums) {
  check_pieces(dy, x, part, weight, bias, act, saved, x);
  require(static_cast<int64_t>(sums.dy.size()) == part.channels && static_cast<int64_t>(sums.dy_centered.size()) == part.channels,
          "gradient sums hold " + std::to_string(sums.dy.size()) + " channels, the part " + std::to_string(part.channels));
  for_each_channel(part, [&](int64_t c) {
    gradient_sums_channel(dy, x, part, train_affine(weight, bias, saved, c), saved.mean[c], act, sums, c);
  });
  sums.values += part.values_per_channel();
}

void batchnorm_input_gradient(const float* dy, const float* x, BatchNormShape part, const float* weight,
                              const float* bias, const BatchNormSaved<const float>& saved, BatchNormActivation act,
                              const BatchNormGradientSums& sums, float* dx) {
  check_pieces(dy, x, part, weight, bias, act, saved, dx);
  require(static_cast<int64_t>(sums.dy.size()) == part.channels && sums.values >= part.values_per_channel(),
          "input gradient before the gradient sums of the whole batch");
  for_each_channel(part, [&](int64_t c) {
    input_gradient_channel(dy, x, part, weight, train_affine(weight, bias, saved, c), saved, act, sums, dx, c);
  });
}

void batchnorm_parameter_gradients(const BatchNormGradientSums& sums, const BatchNormSaved<const float>& saved,
                                   float* dweight, float* dbias) {
  require(dweight && dbias && saved.invstd, "null buffer in backward");
  for (size_t c = 0; c < sums.dy.size(); ++c) {
    dweight[c] += static_cast<float>(sums.dy_centered[c] * saved.invstd[c]);
    dbias[c] += static_cast<float>(sums.dy[c]);
  }
}

void batchnorm_backward(const float* dy, const float* x, BatchNormShape shape, const float* weight,
                        const BatchNormSaved<const float>& saved, float* dx, float* dweight, float* dbias) {
  check_backward(dy, x, shape, weight, saved, dx, dweight, dbias);
  BatchNormGradientSums sums;
  sums.reset(shape.channels);
  batchnorm_gradient_sums(dy, x, shape, weight, nullptr, saved, BatchNormActivation::none, sums);
  batchnorm_input_gradient(dy, x, shape, weight, nullptr, saved, BatchNormActivation::none, sums, dx);
  batchnorm_parameter_gradients(sums, saved, dweight, dbias);
}

}  // namespace predann
