#include "model/encoder_train.h"

#include <algorithm>
#include <stdexcept>

#include "kernels/batchnorm.h"
#include "kernels/conv2d.h"
#include "kernels/global_avg_pool.h"
#include "kernels/linear.h"
#include "kernels/relu.h"

namespace predann {

namespace {

BatchNormParams<float> train_params(const BatchNormTensors& t) {
  BatchNormParams<float> p;
  p.weight = t.weight;
  p.bias = t.bias;
  p.running_mean = t.running_mean;
  p.running_var = t.running_var;
  p.num_batches_tracked = t.num_batches_tracked;
  return p;
}

void resize(std::vector<float>& v, int64_t n) { v.assign(static_cast<size_t>(n), 0.0f); }

}  // namespace

void EncoderTrainer::forward(const EncoderInput& in, float* logits, float* z) {
  if (in.x == nullptr || in.batch < 2 || in.height < 1 || in.width < 1)
    throw std::invalid_argument("encoder training: need a batch of at least 2 (BatchNorm uses batch statistics)");
  in_ = in;
  const int64_t n = in.batch, plane = in.height * in.width;
  const float* input = in.x;
  int64_t c_in = 1;
  for (int layer = 0; layer < 3; ++layer) {
    const int64_t c = dims_.conv[layer];
    ConvBlock& b = blocks_[layer];
    resize(b.conv, n * c * plane);
    resize(b.act, n * c * plane);
    resize(b.mean, c);
    resize(b.invstd, c);
    conv2d_forward({n, c_in, c, in.height, in.width}, input, t_.conv_weight[layer], t_.conv_bias[layer], b.conv.data());
    batchnorm_forward_train(b.conv.data(), {n, c, plane}, train_params(t_.norm[layer]), {b.mean.data(), b.invstd.data()},
                            b.act.data(), BatchNormActivation::relu);
    input = b.act.data();
    c_in = c;
  }
  // dropout → mean over H·W. With p = 0 dropout is the identity and needs no buffer.
  const int64_t c3 = dims_.conv[2];
  resize(feature_, n * c3);
  const float* pooled = blocks_[2].act.data();
  std::vector<float> dropped;
  if (dropout_.training && dropout_.p > 0) {
    resize(dropped, n * c3 * plane);
    dropout_forward(pooled, n * c3 * plane, dropout_, dropped.data());
    pooled = dropped.data();
  }
  global_avg_pool_forward(pooled, {n * c3, plane}, feature_.data());
  projector_forward(t_.projector1, projectors_[0], dims_.classes, logits);
  projector_forward(t_.projector2, projectors_[1], dims_.embedding, z);
}

void EncoderTrainer::projector_forward(const ProjectorTensors& p, Projector& s, int64_t out, float* y) {
  const int64_t n = in_.batch, hidden = dims_.hidden;
  resize(s.linear, n * hidden);
  resize(s.act, n * hidden);
  resize(s.mean, hidden);
  resize(s.invstd, hidden);
  linear_forward({n, dims_.conv[2], hidden}, feature_.data(), p.linear0, s.linear.data());
  batchnorm_forward_train(s.linear.data(), {n, hidden, 1}, train_params(p.norm), {s.mean.data(), s.invstd.data()}, s.act.data(),
                          BatchNormActivation::relu);
  linear_forward({n, hidden, out}, s.act.data(), p.linear3, y);
}

void EncoderTrainer::projector_backward(const ProjectorTensors& p, Projector& s, int64_t out, const float* dy,
                                        const ProjectorGrads& g, float* dfeature) {
  const int64_t n = in_.batch, hidden = dims_.hidden;
  std::vector<float> dact(static_cast<size_t>(n * hidden), 0.0f);  // linear_backward accumulates dx
  linear_backward({n, hidden, out}, s.act.data(), p.linear3, dy, dact.data(), g.linear3);
  relu_backward(dact.data(), s.act.data(), n * hidden, dact.data());
  std::vector<float> dlinear(static_cast<size_t>(n * hidden));
  batchnorm_backward(dact.data(), s.linear.data(), {n, hidden, 1}, p.norm.weight, {s.mean.data(), s.invstd.data()},
                     dlinear.data(), g.norm.weight, g.norm.bias);
  linear_backward({n, dims_.conv[2], hidden}, feature_.data(), p.linear0, dlinear.data(), dfeature, g.linear0);
}

void EncoderTrainer::backward(const float* dlogits, const float* dz, const EncoderGrads& g) {
  const int64_t n = in_.batch, plane = in_.height * in_.width, c3 = dims_.conv[2];
  std::vector<float> dfeature(static_cast<size_t>(n * c3), 0.0f);
  projector_backward(t_.projector1, projectors_[0], dims_.classes, dlogits, g.projector1, dfeature.data());
  if (dz) projector_backward(t_.projector2, projectors_[1], dims_.embedding, dz, g.projector2, dfeature.data());

  // d(block 3 output): the pooled gradient spread over H·W, through the same dropout mask.
  std::vector<float> dact(static_cast<size_t>(n * c3 * plane));
  global_avg_pool_backward(dfeature.data(), {n * c3, plane}, dact.data());
  if (dropout_.training && dropout_.p > 0) dropout_backward(dact.data(), n * c3 * plane, dropout_, dact.data());

  for (int layer = 2; layer >= 0; --layer) {
    const int64_t c = dims_.conv[layer], c_in = layer == 0 ? 1 : dims_.conv[layer - 1];
    ConvBlock& b = blocks_[layer];
    relu_backward(dact.data(), b.act.data(), n * c * plane, dact.data());
    // BatchNorm's dx may share dy's buffer (it is written, not accumulated).
    batchnorm_backward(dact.data(), b.conv.data(), {n, c, plane}, t_.norm[layer].weight, {b.mean.data(), b.invstd.data()},
                       dact.data(), g.norm[layer].weight, g.norm[layer].bias);
    const float* input = layer == 0 ? in_.x : blocks_[layer - 1].act.data();
    std::vector<float> dinput;
    if (layer > 0) dinput.assign(static_cast<size_t>(n * c_in * plane), 0.0f);  // conv2d_backward accumulates
    conv2d_backward({n, c_in, c, in_.height, in_.width}, input, t_.conv_weight[layer], dact.data(),
                    layer > 0 ? dinput.data() : nullptr, g.conv_weight[layer], g.conv_bias[layer]);
    dact.swap(dinput);
  }
}

}  // namespace predann
