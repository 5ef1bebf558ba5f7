#include "model/encoder.h"

#include <algorithm>
#include <stdexcept>
#include <string>
#include <vector>

#include "kernels/batchnorm.h"
#include "kernels/conv2d.h"
#include "kernels/global_avg_pool.h"
#include "kernels/linear.h"
#include "kernels/relu.h"

namespace predann {

namespace {

BatchNormParams<float> eval_params(const BatchNormTensors& t) {
  BatchNormParams<float> p;
  p.weight = t.weight;
  p.bias = t.bias;
  p.running_mean = t.running_mean;
  p.running_var = t.running_var;
  return p;
}

void check(const EncoderDims& dims, const EncoderInput& in) {
  if (in.x == nullptr || in.batch < 1 || in.height < 1 || in.width < 1)
    throw std::invalid_argument("encoder: empty input (batch, height and width must be >= 1)");
  for (int64_t c : dims.conv)
    if (c < 1) throw std::invalid_argument("encoder: conv channel counts must be >= 1");
  if (dims.hidden < 1 || dims.classes < 1 || dims.embedding < 1) throw std::invalid_argument("encoder: projector sizes must be >= 1");
}

// conv3×3 → BatchNorm2d (running statistics) → ReLU on one sample: (c_in,H,W) → (c_out,H,W).
void conv_block_eval(const EncoderTensors& t, int layer, int64_t c_in, int64_t c_out, int64_t h, int64_t w, const float* x, float* y) {
  const Conv2dShape conv{1, c_in, c_out, h, w};
  conv2d_forward(conv, x, t.conv_weight[layer], t.conv_bias[layer], y);
  const BatchNormShape norm{1, c_out, h * w};
  batchnorm_forward_eval(y, norm, eval_params(t.norm[layer]), y);
  relu_forward(y, c_out * h * w, y);
}

// linear → BatchNorm1d (running statistics) → ReLU → linear over the batch: (N,c3) → (N,out).
void projector_eval(const ProjectorTensors& p, int64_t batch, int64_t features, int64_t hidden, int64_t out, const float* x, float* y) {
  std::vector<float> h(static_cast<size_t>(batch * hidden));
  linear_forward({batch, features, hidden}, x, p.linear0, h.data());
  batchnorm_forward_eval(h.data(), BatchNormShape{batch, hidden, 1}, eval_params(p.norm), h.data());
  relu_forward(h.data(), batch * hidden, h.data());
  linear_forward({batch, hidden, out}, h.data(), p.linear3, y);
}

}  // namespace

void encoder_forward_eval(const EncoderDims& dims, const EncoderTensors& t, const EncoderInput& in, const EncoderOutputs& out) {
  check(dims, in);
  const int64_t h = in.height, w = in.width, plane = h * w;
  const int64_t c1 = dims.conv[0], c2 = dims.conv[1], c3 = dims.conv[2];
  // Ping-pong activations of one sample: a holds block 1 then block 3, b holds block 2.
  std::vector<float> a(static_cast<size_t>(std::max(c1, c3) * plane)), b(static_cast<size_t>(c2 * plane));
  std::vector<float> feature(static_cast<size_t>(in.batch * c3));  // (N, c3)
  for (int64_t n = 0; n < in.batch; ++n) {
    conv_block_eval(t, 0, 1, c1, h, w, in.x + n * plane, a.data());
    conv_block_eval(t, 1, c1, c2, h, w, a.data(), b.data());
    conv_block_eval(t, 2, c2, c3, h, w, b.data(), a.data());
    global_avg_pool_forward(a.data(), PoolShape{c3, plane}, feature.data() + n * c3);  // dropout is off in eval
  }
  if (out.feature) std::copy(feature.begin(), feature.end(), out.feature);
  projector_eval(t.projector1, in.batch, c3, dims.hidden, dims.classes, feature.data(), out.logits);
  projector_eval(t.projector2, in.batch, c3, dims.hidden, dims.embedding, feature.data(), out.z);
}

}  // namespace predann
