#include "model/encoder_train.h"

#include <algorithm>
#include <chrono>
#include <stdexcept>

#include "kernels/batchnorm.h"
#include "kernels/conv2d.h"
#include "kernels/global_avg_pool.h"
#include "kernels/linear.h"
#include "kernels/relu.h"

namespace predann {

namespace {

// Sizes a kept buffer; its old contents are not cleared (every user overwrites or zeroes it).
template <typename Buffer>
float* sized(Buffer& v, int64_t n) {
  v.resize(static_cast<size_t>(n));
  return v.data();
}

// Values of one part's largest tensor (c3 · H · W per sample): 64 MB of floats, one sample of the
// paper's EEG or audio encoder, a few of the smaller presets'. Big enough that every kernel call
// keeps all threads busy, small next to the kept activations.
constexpr int64_t kPartValues = int64_t{1} << 24;

// Runs body(first, count) over the batch in parts of `part` samples.
template <typename Body>
void for_each_part(int64_t batch, int64_t part, const Body& body) {
  for (int64_t first = 0; first < batch; first += part) body(first, std::min(part, batch - first));
}

using Clock = std::chrono::steady_clock;

double seconds_since(Clock::time_point start) { return std::chrono::duration<double>(Clock::now() - start).count(); }

// Adds the seconds from its construction to its destruction to `total`.
class Stopwatch {
 public:
  explicit Stopwatch(double& total) : total_(total), start_(Clock::now()) {}
  ~Stopwatch() { total_ += seconds_since(start_); }

 private:
  double& total_;
  Clock::time_point start_;
};

double sum3(const double (&v)[3]) { return v[0] + v[1] + v[2]; }

BatchNormSaved<const float> saved_statistics(const EncoderWorkspace::ConvBlock& b) { return {b.mean.data(), b.invstd.data()}; }

}  // namespace

int64_t EncoderTrainer::part_samples() const {
  const int64_t per_sample = dims_.conv[2] * in_.height * in_.width;
  return std::max<int64_t>(1, kPartValues / per_sample);
}

DropoutParams EncoderTrainer::dropout_at(int64_t first_sample) const {
  DropoutParams d = dropout_;
  d.first_index = static_cast<uint64_t>(first_sample * dims_.conv[2] * in_.height * in_.width);
  return d;
}

const float* EncoderTrainer::block_output(int layer, int64_t first, int64_t count) {
  const int64_t c = dims_.conv[layer], plane = in_.height * in_.width;
  const EncoderWorkspace::ConvBlock& b = w_.blocks[layer];
  float* out = sized(w_.part_input, count * c * plane);
  batchnorm_apply(b.conv.data() + first * c * plane, {count, c, plane}, t_.norm[layer].weight, t_.norm[layer].bias,
                  saved_statistics(b), BatchNormActivation::relu, out);
  return out;
}

void EncoderTrainer::forward(const EncoderInput& in, float* logits, float* z) {
  if (in.x == nullptr || in.batch < 2 || in.height < 1 || in.width < 1)
    throw std::invalid_argument("encoder training: need a batch of at least 2 (BatchNorm uses batch statistics)");
  in_ = in;
  profile_ = {};
  const Clock::time_point start = Clock::now();
  const int64_t n = in.batch, plane = in.height * in.width, part = part_samples();
  for (int layer = 0; layer < 3; ++layer) {
    const int64_t c = dims_.conv[layer], c_in = layer == 0 ? 1 : dims_.conv[layer - 1];
    EncoderWorkspace::ConvBlock& b = w_.blocks[layer];
    float* conv = sized(b.conv, n * c * plane);
    for_each_part(n, part, [&](int64_t first, int64_t count) {
      const float* input = layer == 0 ? in.x + first * plane : block_output(layer - 1, first, count);
      Stopwatch conv_time(profile_.conv_forward[layer]);
      conv2d_forward({count, c_in, c, in.height, in.width}, input, t_.conv_weight[layer], t_.conv_bias[layer],
                     conv + first * c * plane);
    });
    batchnorm_statistics(conv, {n, c, plane}, batchnorm_params(t_.norm[layer], momentum_), {sized(b.mean, c), sized(b.invstd, c)});
  }
  // Block 3's output → dropout → mean over H·W, a part at a time.
  const int64_t c3 = dims_.conv[2];
  float* feature = sized(w_.feature, n * c3);
  const EncoderWorkspace::ConvBlock& last = w_.blocks[2];
  for_each_part(n, part, [&](int64_t first, int64_t count) {
    float* out = sized(w_.part_output, count * c3 * plane);
    batchnorm_apply(last.conv.data() + first * c3 * plane, {count, c3, plane}, t_.norm[2].weight, t_.norm[2].bias,
                    saved_statistics(last), BatchNormActivation::relu, out);
    dropout_forward(out, count * c3 * plane, dropout_at(first), out);
    global_avg_pool_forward(out, {count * c3, plane}, feature + first * c3);
  });
  projector_forward(t_.projector1, w_.projectors[0], dims_.classes, logits);
  projector_forward(t_.projector2, w_.projectors[1], dims_.embedding, z);
  profile_.other_forward = seconds_since(start) - sum3(profile_.conv_forward);
}

void EncoderTrainer::projector_forward(const ProjectorTensors& p, Projector& s, int64_t out, float* y) {
  const int64_t n = in_.batch, hidden = dims_.hidden;
  sized(s.linear, n * hidden);
  sized(s.act, n * hidden);
  sized(s.mean, hidden);
  sized(s.invstd, hidden);
  linear_forward({n, dims_.conv[2], hidden}, w_.feature.data(), p.linear0, s.linear.data());
  batchnorm_forward_train(s.linear.data(), {n, hidden, 1}, batchnorm_params(p.norm, momentum_), {s.mean.data(), s.invstd.data()}, s.act.data(),
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

float* EncoderTrainer::head_gradient(const float* dfeature, int64_t first, int64_t count) {
  const int64_t c3 = dims_.conv[2], plane = in_.height * in_.width;
  float* d = sized(w_.part_output, count * c3 * plane);
  global_avg_pool_backward(dfeature + first * c3, {count * c3, plane}, d);  // the pooled gradient spread over H·W
  dropout_backward(d, count * c3 * plane, dropout_at(first), d);            // through the forward's mask
  return d;
}

float* EncoderTrainer::output_gradient(int layer, const float* dfeature, int64_t first, int64_t count) {
  if (layer == 2) return head_gradient(dfeature, first, count);
  const int64_t c = dims_.conv[layer], plane = in_.height * in_.width;
  return w_.blocks[layer + 1].conv.data() + first * c * plane;
}

// conv → BatchNorm → ReLU of block `layer`, backward, in two passes over the batch (BatchNorm's
// input gradient needs two sums over the whole batch first). The second pass turns the output
// gradient into the conv's output gradient in place, recomputes the conv's input, and writes the
// input gradient over the front of this block's conv output.
void EncoderTrainer::block_backward(int layer, const float* dfeature, const EncoderGrads& g) {
  const int64_t n = in_.batch, plane = in_.height * in_.width, part = part_samples();
  const int64_t c = dims_.conv[layer], c_in = layer == 0 ? 1 : dims_.conv[layer - 1];
  EncoderWorkspace::ConvBlock& b = w_.blocks[layer];
  const BatchNormTensors& norm = t_.norm[layer];
  BatchNormGradientSums sums;
  sums.reset(c);
  for_each_part(n, part, [&](int64_t first, int64_t count) {
    batchnorm_gradient_sums(output_gradient(layer, dfeature, first, count), b.conv.data() + first * c * plane,
                            {count, c, plane}, norm.weight, norm.bias, saved_statistics(b), BatchNormActivation::relu,
                            sums);
  });
  batchnorm_parameter_gradients(sums, saved_statistics(b), g.norm[layer].weight, g.norm[layer].bias);
  for_each_part(n, part, [&](int64_t first, int64_t count) {
    float* dconv = output_gradient(layer, dfeature, first, count);
    batchnorm_input_gradient(dconv, b.conv.data() + first * c * plane, {count, c, plane}, norm.weight, norm.bias,
                             saved_statistics(b), BatchNormActivation::relu, sums, dconv);
    const float* input = layer == 0 ? in_.x + first * plane : block_output(layer - 1, first, count);
    // The part's conv outputs are consumed: samples [0, first + count) of this block are free, and
    // the input gradient of samples [first, first + count) fits in them (c_in <= c).
    float* dinput = nullptr;
    if (layer > 0) {
      dinput = b.conv.data() + first * c_in * plane;
      std::fill(dinput, dinput + count * c_in * plane, 0.0f);  // conv2d_backward accumulates
    }
    Stopwatch conv_time(profile_.conv_backward[layer]);
    conv2d_backward({count, c_in, c, in_.height, in_.width}, input, t_.conv_weight[layer], dconv, dinput,
                    g.conv_weight[layer], g.conv_bias[layer]);
  });
}

void EncoderTrainer::backward(const float* dlogits, const float* dz, const EncoderGrads& g) {
  const Clock::time_point start = Clock::now();
  const int64_t n = in_.batch, c3 = dims_.conv[2];
  std::vector<float> dfeature(static_cast<size_t>(n * c3), 0.0f);
  projector_backward(t_.projector1, w_.projectors[0], dims_.classes, dlogits, g.projector1, dfeature.data());
  if (dz) projector_backward(t_.projector2, w_.projectors[1], dims_.embedding, dz, g.projector2, dfeature.data());
  for (int layer = 2; layer >= 0; --layer) block_backward(layer, dfeature.data(), g);
  profile_.other_backward = seconds_since(start) - sum3(profile_.conv_backward);
}

}  // namespace predann
