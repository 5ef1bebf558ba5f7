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

// Sizes a kept buffer; its old contents are not cleared (every user overwrites or zeroes it).
float* sized(std::vector<float>& v, int64_t n) {
  v.resize(static_cast<size_t>(n));
  return v.data();
}

float* zeroed(std::vector<float>& v, int64_t n) {
  float* p = sized(v, n);
  std::fill(v.begin(), v.end(), 0.0f);
  return p;
}

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
    EncoderWorkspace::ConvBlock& b = w_.blocks[layer];
    sized(b.conv, n * c * plane);
    sized(b.act, n * c * plane);
    sized(b.mean, c);
    sized(b.invstd, c);
    conv2d_forward({n, c_in, c, in.height, in.width}, input, t_.conv_weight[layer], t_.conv_bias[layer], b.conv.data());
    batchnorm_forward_train(b.conv.data(), {n, c, plane}, batchnorm_params(t_.norm[layer]), {b.mean.data(), b.invstd.data()},
                            b.act.data(), BatchNormActivation::relu);
    input = b.act.data();
    c_in = c;
  }
  // dropout → mean over H·W. With p = 0 dropout is the identity and needs no buffer.
  const int64_t c3 = dims_.conv[2];
  sized(w_.feature, n * c3);
  const float* pooled = w_.blocks[2].act.data();
  if (dropout_.training && dropout_.p > 0) {
    float* dropped = sized(w_.scratch[0], n * c3 * plane);
    dropout_forward(pooled, n * c3 * plane, dropout_, dropped);
    pooled = dropped;
  }
  global_avg_pool_forward(pooled, {n * c3, plane}, w_.feature.data());
  projector_forward(t_.projector1, w_.projectors[0], dims_.classes, logits);
  projector_forward(t_.projector2, w_.projectors[1], dims_.embedding, z);
}

void EncoderTrainer::projector_forward(const ProjectorTensors& p, Projector& s, int64_t out, float* y) {
  const int64_t n = in_.batch, hidden = dims_.hidden;
  sized(s.linear, n * hidden);
  sized(s.act, n * hidden);
  sized(s.mean, hidden);
  sized(s.invstd, hidden);
  linear_forward({n, dims_.conv[2], hidden}, w_.feature.data(), p.linear0, s.linear.data());
  batchnorm_forward_train(s.linear.data(), {n, hidden, 1}, batchnorm_params(p.norm), {s.mean.data(), s.invstd.data()}, s.act.data(),
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
  linear_backward({n, dims_.conv[2], hidden}, w_.feature.data(), p.linear0, dlinear.data(), dfeature, g.linear0);
}

void EncoderTrainer::backward(const float* dlogits, const float* dz, const EncoderGrads& g) {
  const int64_t n = in_.batch, plane = in_.height * in_.width, c3 = dims_.conv[2];
  std::vector<float> dfeature(static_cast<size_t>(n * c3), 0.0f);
  projector_backward(t_.projector1, w_.projectors[0], dims_.classes, dlogits, g.projector1, dfeature.data());
  if (dz) projector_backward(t_.projector2, w_.projectors[1], dims_.embedding, dz, g.projector2, dfeature.data());

  // d(block 3 output): the pooled gradient spread over H·W, through the same dropout mask.
  std::vector<float>* dact = &w_.scratch[0];
  std::vector<float>* dinput = &w_.scratch[1];
  global_avg_pool_backward(dfeature.data(), {n * c3, plane}, sized(*dact, n * c3 * plane));
  if (dropout_.training && dropout_.p > 0) dropout_backward(dact->data(), n * c3 * plane, dropout_, dact->data());

  for (int layer = 2; layer >= 0; --layer) {
    const int64_t c = dims_.conv[layer], c_in = layer == 0 ? 1 : dims_.conv[layer - 1];
    EncoderWorkspace::ConvBlock& b = w_.blocks[layer];
    float* d = dact->data();
    relu_backward(d, b.act.data(), n * c * plane, d);
    // BatchNorm's dx may share dy's buffer (it is written, not accumulated).
    batchnorm_backward(d, b.conv.data(), {n, c, plane}, t_.norm[layer].weight, {b.mean.data(), b.invstd.data()}, d,
                       g.norm[layer].weight, g.norm[layer].bias);
    const float* input = layer == 0 ? in_.x : w_.blocks[layer - 1].act.data();
    float* din = layer > 0 ? zeroed(*dinput, n * c_in * plane) : nullptr;  // conv2d_backward accumulates
    conv2d_backward({n, c_in, c, in_.height, in_.width}, input, t_.conv_weight[layer], d, din, g.conv_weight[layer],
                    g.conv_bias[layer]);
    std::swap(dact, dinput);
  }
}

}  // namespace predann
