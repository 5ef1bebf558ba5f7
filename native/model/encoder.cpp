#include "model/encoder.h"

#include <algorithm>
#include <mutex>
#include <stdexcept>
#include <string>
#include <vector>

#include "kernels/batchnorm.h"
#include "kernels/conv2d.h"
#include "kernels/global_avg_pool.h"
#include "kernels/linear.h"
#include "kernels/relu.h"
#include "model/activation_buffer.h"

namespace predann {

namespace {

void check(const EncoderDims& dims, const EncoderInput& in) {
  if (in.x == nullptr || in.batch < 1 || in.height < 1 || in.width < 1)
    throw std::invalid_argument("encoder: empty input (batch, height and width must be >= 1)");
  for (int64_t c : dims.conv)
    if (c < 1) throw std::invalid_argument("encoder: conv channel counts must be >= 1");
  if (dims.hidden < 1 || dims.classes < 1 || dims.embedding < 1) throw std::invalid_argument("encoder: projector sizes must be >= 1");
}

// conv3×3 → BatchNorm2d (running statistics) + ReLU in one pass: the BatchNorm and the ReLU are
// the convolution's epilogue, applied before each output is stored. (n,c_in,H,W) → (n,c_out,H,W).
void conv_block_eval(const EncoderTensors& t, int layer, int64_t n, int64_t c_in, int64_t c_out, int64_t h, int64_t w, const float* x, float* y) {
  std::vector<float> scale(static_cast<size_t>(c_out)), shift(static_cast<size_t>(c_out));
  batchnorm_eval_affine(batchnorm_params(t.norm[layer]), c_out, scale.data(), shift.data());
  const Conv2dEpilogue norm_and_relu{scale.data(), shift.data(), true};
  conv2d_forward({n, c_in, c_out, h, w}, x, t.conv_weight[layer], t.conv_bias[layer], y, &norm_and_relu);
}

// Samples per pass through the convolutions: enough rows of work for every thread, while the
// activations stay a few hundred MB (EEG: 4 × 192 channels × 93,312 floats ≈ 290 MB).
constexpr int64_t kEvalChunk = 4;

// linear → BatchNorm1d (running statistics) → ReLU → linear over the batch: (N,c3) → (N,out).
void projector_eval(const ProjectorTensors& p, int64_t batch, int64_t features, int64_t hidden, int64_t out, const float* x, float* y) {
  std::vector<float> h(static_cast<size_t>(batch * hidden));
  linear_forward({batch, features, hidden}, x, p.linear0, h.data());
  batchnorm_forward_eval(h.data(), BatchNormShape{batch, hidden, 1}, batchnorm_params(p.norm), h.data());
  relu_forward(h.data(), batch * hidden, h.data());
  linear_forward({batch, hidden, out}, h.data(), p.linear3, y);
}

}  // namespace

void encoder_forward_eval(const EncoderDims& dims, const EncoderTensors& t, const EncoderInput& in, const EncoderOutputs& out) {
  check(dims, in);
  const int64_t h = in.height, w = in.width, plane = h * w;
  const int64_t c1 = dims.conv[0], c2 = dims.conv[1], c3 = dims.conv[2];
  // Ping-pong activations of a chunk of samples: a holds block 1 then block 3, b holds block 2.
  // Kept between calls, like the training workspaces: fresh pages cost more than the work.
  static std::mutex busy;
  static ActivationBuffer a, b;
  std::lock_guard<std::mutex> lock(busy);
  const int64_t chunk = std::min(kEvalChunk, in.batch);
  a.resize(static_cast<size_t>(chunk * std::max(c1, c3) * plane));
  b.resize(static_cast<size_t>(chunk * c2 * plane));
  std::vector<float> feature(static_cast<size_t>(in.batch * c3));  // (N, c3)
  for (int64_t n0 = 0; n0 < in.batch; n0 += chunk) {
    const int64_t n = std::min(chunk, in.batch - n0);
    conv_block_eval(t, 0, n, 1, c1, h, w, in.x + n0 * plane, a.data());
    conv_block_eval(t, 1, n, c1, c2, h, w, a.data(), b.data());
    conv_block_eval(t, 2, n, c2, c3, h, w, b.data(), a.data());
    global_avg_pool_forward(a.data(), PoolShape{n * c3, plane}, feature.data() + n0 * c3);  // dropout is off in eval
  }
  if (out.feature) std::copy(feature.begin(), feature.end(), out.feature);
  projector_eval(t.projector1, in.batch, c3, dims.hidden, dims.classes, feature.data(), out.logits);
  projector_eval(t.projector2, in.batch, c3, dims.hidden, dims.embedding, feature.data(), out.z);
}

}  // namespace predann
