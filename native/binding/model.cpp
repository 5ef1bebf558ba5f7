// encoderForwardEval(tensors, input, batch, height, width, dims) → Promise<{ feature, logits, z }>
//   One encoder (`eeg.*` or `music.*`) in eval mode (native/model/encoder.h), off the event loop.
// trainStep(eeg, music, eegGrads, musicGrads, xEeg, eegShape, xMusic, musicShape, labels, dims, config)
//   → Promise<{ lossEeg, lossMusic, lossPredann, total, logitsEeg, zEeg, logitsMusic, zMusic }>
//   Forward and backward of both encoders (native/model/train_step.h); gradients accumulate.
// adamStep(params, grads, m, v, step, lr, beta1, beta2, eps) → Promise<void>
//   torch.optim.Adam's update of every (param, grad, m, v) quadruple (kernels/adam.h).
// Tensors are passed as arrays of typed arrays: an encoder's 35 state-dict tensors in state-dict
// order (src/model/model-spec.ts `encoderTensors`), gradients the 20 trainable ones in the same
// order; `dims` is [c1, c2, c3, hidden, classes, embedding].
#include <memory>
#include <string>
#include <vector>

#include "binding/async_task.h"
#include "binding/modules.h"
#include "kernels/adam.h"
#include "model/encoder.h"
#include "model/train_step.h"

namespace predann::binding {

namespace {

constexpr uint32_t kEncoderTensors = 35;

// Pins the JS arrays and points an EncoderTensors at them, checking every length.
struct PinnedEncoder {
  EncoderTensors tensors;
  std::vector<Napi::Reference<Napi::Value>> refs;
};

class TensorReader {
 public:
  TensorReader(const Napi::Array& array, PinnedEncoder& pinned) : array_(array), pinned_(pinned) {}

  const float* f32(uint32_t index, int64_t length, const char* name) { return mutable_f32(index, length, name); }

  float* mutable_f32(uint32_t index, int64_t length, const char* name) {
    Napi::Value v = array_.Get(index);
    if (!v.IsTypedArray() || v.As<Napi::TypedArray>().TypedArrayType() != napi_float32_array)
      throw Napi::TypeError::New(array_.Env(), std::string("Expected Float32Array for tensor ") + std::to_string(index) + " (" + name + ")");
    auto a = v.As<Napi::Float32Array>();
    if (static_cast<int64_t>(a.ElementLength()) != length)
      throw Napi::RangeError::New(array_.Env(), std::string("Expected ") + std::to_string(length) + " elements for tensor " +
                                                    std::to_string(index) + " (" + name + ") but received " + std::to_string(a.ElementLength()));
    pinned_.refs.push_back(Napi::Persistent(v));
    return a.Data();
  }

  int64_t* counter(uint32_t index) {
    Napi::Value v = array_.Get(index);
    if (!v.IsTypedArray() || v.As<Napi::TypedArray>().TypedArrayType() != napi_bigint64_array ||
        v.As<Napi::TypedArray>().ElementLength() != 1)
      throw Napi::TypeError::New(array_.Env(), std::string("Expected a one-element BigInt64Array for tensor ") + std::to_string(index) + " (num_batches_tracked)");
    pinned_.refs.push_back(Napi::Persistent(v));
    return reinterpret_cast<int64_t*>(v.As<Napi::TypedArray>().ArrayBuffer().Data()) + v.As<Napi::TypedArray>().ByteOffset() / 8;
  }

  BatchNormTensors norm(uint32_t first, int64_t channels) {
    BatchNormTensors n;
    n.weight = f32(first, channels, "batchnorm weight");
    n.bias = f32(first + 1, channels, "batchnorm bias");
    n.running_mean = mutable_f32(first + 2, channels, "running_mean");
    n.running_var = mutable_f32(first + 3, channels, "running_var");
    n.num_batches_tracked = counter(first + 4);
    return n;
  }

 private:
  const Napi::Array& array_;
  PinnedEncoder& pinned_;
};

std::shared_ptr<PinnedEncoder> pin_encoder(const Napi::Array& array, const EncoderDims& d) {
  if (array.Length() != kEncoderTensors)
    throw Napi::RangeError::New(array.Env(), "Expected 35 encoder tensors but received " + std::to_string(array.Length()));
  auto pinned = std::make_shared<PinnedEncoder>();
  TensorReader r(array, *pinned);
  EncoderTensors& t = pinned->tensors;
  const int64_t c_in[3] = {1, d.conv[0], d.conv[1]};
  for (int layer = 0; layer < 3; ++layer) {
    const uint32_t base = static_cast<uint32_t>(layer * 7);  // weight, bias, 5 BatchNorm tensors
    t.conv_weight[layer] = r.f32(base, d.conv[layer] * c_in[layer] * 9, "conv weight");
    t.conv_bias[layer] = r.f32(base + 1, d.conv[layer], "conv bias");
    t.norm[layer] = r.norm(base + 2, d.conv[layer]);
  }
  const auto projector = [&](uint32_t base, int64_t out) {
    ProjectorTensors p;
    p.linear0 = r.f32(base, d.hidden * d.conv[2], "projector linear 0");
    p.norm = r.norm(base + 1, d.hidden);
    p.linear3 = r.f32(base + 6, out * d.hidden, "projector linear 3");
    return p;
  };
  t.projector1 = projector(21, d.classes);
  t.projector2 = projector(28, d.embedding);
  return pinned;
}

EncoderDims dims_from(const Napi::CallbackInfo& info, size_t index) {
  if (info.Length() <= index || !info[index].IsArray() || info[index].As<Napi::Array>().Length() != 6)
    throw Napi::TypeError::New(info.Env(), "Expected [c1, c2, c3, hidden, classes, embedding] for dims");
  auto a = info[index].As<Napi::Array>();
  auto at = [&](uint32_t i) {
    Napi::Value v = a.Get(i);
    if (!v.IsNumber() || v.As<Napi::Number>().Int64Value() < 1) throw Napi::RangeError::New(info.Env(), "Expected positive integers in dims");
    return v.As<Napi::Number>().Int64Value();
  };
  EncoderDims d;
  for (uint32_t i = 0; i < 3; ++i) d.conv[i] = at(i);
  d.hidden = at(3);
  d.classes = at(4);
  d.embedding = at(5);
  return d;
}

Napi::Value encoder_forward_eval_js(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  if (info.Length() < 1 || !info[0].IsArray()) throw Napi::TypeError::New(env, "Expected an array of tensors");
  const EncoderDims dims = dims_from(info, 5);
  auto pinned = pin_encoder(info[0].As<Napi::Array>(), dims);
  auto x = arg_float32(info, 1, "input");
  EncoderInput in;
  in.batch = arg_int(info, 2, "batch", 1, int64_t{1} << 31);
  in.height = arg_int(info, 3, "height", 1, int64_t{1} << 31);
  in.width = arg_int(info, 4, "width", 1, int64_t{1} << 31);
  if (static_cast<int64_t>(x.ElementLength()) != in.batch * in.height * in.width)
    throw Napi::RangeError::New(env, "Expected batch × height × width elements for input but received " + std::to_string(x.ElementLength()));
  in.x = x.Data();
  auto feature = std::make_shared<std::vector<float>>(in.batch * dims.conv[2]);
  auto logits = std::make_shared<std::vector<float>>(in.batch * dims.classes);
  auto z = std::make_shared<std::vector<float>>(in.batch * dims.embedding);
  auto to_js = [](Napi::Env e, const std::vector<float>& v) {
    auto a = Napi::Float32Array::New(e, v.size());
    std::copy(v.begin(), v.end(), a.Data());
    return a;
  };
  return run_async(
      env, "predann.encoderForwardEval",
      [dims, pinned, in, feature, logits, z] {
        encoder_forward_eval(dims, pinned->tensors, in, {feature->data(), logits->data(), z->data()});
      },
      [feature, logits, z, to_js, pinned](Napi::Env e) -> Napi::Value {
        Napi::Object o = Napi::Object::New(e);
        o.Set("feature", to_js(e, *feature));
        o.Set("logits", to_js(e, *logits));
        o.Set("z", to_js(e, *z));
        return o;
      },
      {info[1]});
}


constexpr uint32_t kTrainableTensors = 20;

// The 20 gradient buffers of one encoder, in the order of its trainable state-dict tensors.
std::shared_ptr<PinnedEncoder> pin_grads(const Napi::Array& array, const EncoderDims& d, EncoderGrads& g) {
  if (array.Length() != kTrainableTensors)
    throw Napi::RangeError::New(array.Env(), "Expected 20 gradient tensors but received " + std::to_string(array.Length()));
  auto pinned = std::make_shared<PinnedEncoder>();
  TensorReader r(array, *pinned);
  const int64_t c_in[3] = {1, d.conv[0], d.conv[1]};
  for (int layer = 0; layer < 3; ++layer) {
    const uint32_t base = static_cast<uint32_t>(layer * 4);  // weight, bias, norm weight, norm bias
    g.conv_weight[layer] = r.mutable_f32(base, d.conv[layer] * c_in[layer] * 9, "d conv weight");
    g.conv_bias[layer] = r.mutable_f32(base + 1, d.conv[layer], "d conv bias");
    g.norm[layer] = {r.mutable_f32(base + 2, d.conv[layer], "d batchnorm weight"), r.mutable_f32(base + 3, d.conv[layer], "d batchnorm bias")};
  }
  const auto projector = [&](uint32_t base, int64_t out) {
    ProjectorGrads p;
    p.linear0 = r.mutable_f32(base, d.hidden * d.conv[2], "d projector linear 0");
    p.norm = {r.mutable_f32(base + 1, d.hidden, "d projector batchnorm weight"), r.mutable_f32(base + 2, d.hidden, "d projector batchnorm bias")};
    p.linear3 = r.mutable_f32(base + 3, out * d.hidden, "d projector linear 3");
    return p;
  };
  g.projector1 = projector(12, d.classes);
  g.projector2 = projector(16, d.embedding);
  return pinned;
}

EncoderInput input_from(const Napi::CallbackInfo& info, size_t data, size_t shape, const char* name) {
  auto x = arg_float32(info, data, name);
  if (!info[shape].IsArray() || info[shape].As<Napi::Array>().Length() != 3)
    throw Napi::TypeError::New(info.Env(), std::string("Expected [batch, height, width] for the shape of ") + name);
  auto s = info[shape].As<Napi::Array>();
  EncoderInput in;
  in.batch = s.Get(0u).As<Napi::Number>().Int64Value();
  in.height = s.Get(1u).As<Napi::Number>().Int64Value();
  in.width = s.Get(2u).As<Napi::Number>().Int64Value();
  if (in.batch < 1 || in.height < 1 || in.width < 1 || static_cast<int64_t>(x.ElementLength()) != in.batch * in.height * in.width)
    throw Napi::RangeError::New(info.Env(), std::string("Expected batch × height × width elements for ") + name);
  in.x = x.Data();
  return in;
}

double number_field(const Napi::Object& o, const char* key) {
  Napi::Value v = o.Get(key);
  if (!v.IsNumber()) throw Napi::TypeError::New(o.Env(), std::string("Expected number for config.") + key);
  return v.As<Napi::Number>().DoubleValue();
}

TrainStepConfig config_from(const Napi::Object& o) {
  TrainStepConfig c;
  c.weight_eeg = number_field(o, "weightEeg");
  c.weight_music = number_field(o, "weightMusic");
  c.lambda = number_field(o, "lambda");
  c.temperature = number_field(o, "temperature");
  c.detach = o.Get("detach").ToBoolean().Value();
  const double p = number_field(o, "dropout");
  const double seed = number_field(o, "dropoutSeed"), step = number_field(o, "dropoutStep");
  c.dropout_eeg = {p, true, {static_cast<uint64_t>(seed), static_cast<uint64_t>(step) * 2}};
  c.dropout_music = {p, true, {static_cast<uint64_t>(seed), static_cast<uint64_t>(step) * 2 + 1}};
  if (!o.Get("batchNormMomentum").IsUndefined()) {
    c.batchnorm_momentum = number_field(o, "batchNormMomentum");
    if (!(c.batchnorm_momentum > 0 && c.batchnorm_momentum <= 1))
      throw Napi::RangeError::New(o.Env(), "Expected config.batchNormMomentum in (0, 1]");
  }
  return c;
}

Napi::Object profile_to_js(Napi::Env env, const EncoderProfile& p) {
  const auto layers = [&](const double (&v)[3]) {
    Napi::Array a = Napi::Array::New(env, 3);
    for (uint32_t i = 0; i < 3; ++i) a.Set(i, v[i]);
    return a;
  };
  Napi::Object o = Napi::Object::New(env);
  o.Set("convForward", layers(p.conv_forward));
  o.Set("convBackward", layers(p.conv_backward));
  o.Set("otherForward", p.other_forward);
  o.Set("otherBackward", p.other_backward);
  return o;
}

Napi::Value train_step_js(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  if (info.Length() < 11) throw Napi::TypeError::New(env, "trainStep: expected 11 arguments");
  for (size_t i = 0; i < 4; ++i)
    if (!info[i].IsArray()) throw Napi::TypeError::New(env, "trainStep: expected arrays of tensors first");
  if (!info[10].IsObject()) throw Napi::TypeError::New(env, "trainStep: expected a config object");
  const EncoderDims dims = dims_from(info, 9);
  auto eeg = pin_encoder(info[0].As<Napi::Array>(), dims);
  auto music = pin_encoder(info[1].As<Napi::Array>(), dims);
  auto grads = std::make_shared<std::pair<EncoderGrads, EncoderGrads>>();
  auto eeg_g = pin_grads(info[2].As<Napi::Array>(), dims, grads->first);
  auto music_g = pin_grads(info[3].As<Napi::Array>(), dims, grads->second);
  TrainStepBatch batch;
  batch.eeg = input_from(info, 4, 5, "the EEG input");
  // Argument 11, optional: a teacher table's embeddings (N × embedding) replacing the music input.
  const bool teacher = info.Length() > 11 && !info[11].IsUndefined();
  if (teacher) {
    auto t = arg_float32(info, 11, "teacher");
    if (static_cast<int64_t>(t.ElementLength()) != batch.eeg.batch * dims.embedding)
      throw Napi::RangeError::New(env, "Expected batch × embedding values for the teacher embeddings");
    batch.teacher = t.Data();
  } else {
    batch.music = input_from(info, 6, 7, "the music input");
  }
  if (!info[8].IsTypedArray() || info[8].As<Napi::TypedArray>().TypedArrayType() != napi_int32_array ||
      static_cast<int64_t>(info[8].As<Napi::TypedArray>().ElementLength()) != batch.eeg.batch)
    throw Napi::TypeError::New(env, "Expected an Int32Array of batch labels");
  batch.labels = info[8].As<Napi::Int32Array>().Data();
  const TrainStepConfig config = config_from(info[10].As<Napi::Object>());
  const int64_t n = batch.eeg.batch;
  auto out = std::make_shared<std::vector<std::vector<float>>>(4);
  (*out)[0].resize(n * dims.classes);
  (*out)[1].resize(n * dims.embedding);
  (*out)[2].resize(n * dims.classes);
  (*out)[3].resize(n * dims.embedding);
  auto result = std::make_shared<TrainStepResult>();
  return run_async(
      env, "predann.trainStep",
      [dims, eeg, music, grads, eeg_g, music_g, batch, config, out, result] {
        *result = train_step(dims, eeg->tensors, music->tensors, grads->first, grads->second, batch, config,
                             {(*out)[0].data(), (*out)[1].data(), (*out)[2].data(), (*out)[3].data()});
      },
      [out, result](Napi::Env e) -> Napi::Value {
        auto to_js = [&](const std::vector<float>& v) {
          auto a = Napi::Float32Array::New(e, v.size());
          std::copy(v.begin(), v.end(), a.Data());
          return a;
        };
        Napi::Object o = Napi::Object::New(e);
        o.Set("lossEeg", result->loss_eeg);
        o.Set("lossMusic", result->loss_music);
        o.Set("lossPredann", result->loss_predann);
        o.Set("total", static_cast<double>(result->total));
        o.Set("logitsEeg", to_js((*out)[0]));
        o.Set("zEeg", to_js((*out)[1]));
        o.Set("logitsMusic", to_js((*out)[2]));
        o.Set("zMusic", to_js((*out)[3]));
        Napi::Object profile = Napi::Object::New(e);
        profile.Set("eeg", profile_to_js(e, result->eeg_profile));
        profile.Set("music", profile_to_js(e, result->music_profile));
        o.Set("profile", profile);
        return o;
      },
      {info[4], teacher ? info[11] : info[6], info[8]});
}

Napi::Value adam_step_js(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  for (size_t i = 0; i < 4; ++i)
    if (info.Length() <= i || !info[i].IsArray()) throw Napi::TypeError::New(env, "adamStep: expected arrays of params, grads, m and v");
  const uint32_t count = info[0].As<Napi::Array>().Length();
  struct Slot { float* p; const float* g; float* m; float* v; int64_t n; };
  auto slots = std::make_shared<std::vector<Slot>>();
  auto refs = std::make_shared<std::vector<Napi::Reference<Napi::Value>>>();
  const auto f32 = [&](size_t arg, uint32_t i, int64_t length) -> float* {
    Napi::Value v = info[arg].As<Napi::Array>().Get(i);
    if (!v.IsTypedArray() || v.As<Napi::TypedArray>().TypedArrayType() != napi_float32_array)
      throw Napi::TypeError::New(env, "adamStep: expected Float32Arrays");
    auto a = v.As<Napi::Float32Array>();
    if (length >= 0 && static_cast<int64_t>(a.ElementLength()) != length) throw Napi::RangeError::New(env, "adamStep: tensor sizes differ");
    refs->push_back(Napi::Persistent(v));
    return a.Data();
  };
  for (uint32_t i = 0; i < count; ++i) {
    const int64_t n = info[0].As<Napi::Array>().Get(i).As<Napi::TypedArray>().ElementLength();
    slots->push_back({f32(0, i, n), f32(1, i, n), f32(2, i, n), f32(3, i, n), n});
  }
  const int64_t step = arg_int(info, 4, "step", 1, int64_t{1} << 53);
  AdamParams params;
  params.lr = info[5].As<Napi::Number>().DoubleValue();
  params.beta1 = info[6].As<Napi::Number>().DoubleValue();
  params.beta2 = info[7].As<Napi::Number>().DoubleValue();
  params.eps = info[8].As<Napi::Number>().DoubleValue();
  return run_async(
      env, "predann.adamStep",
      [slots, params, step] {
        for (const Slot& s : *slots) adam_step(params, step, s.n, s.p, s.g, s.m, s.v);
      },
      [refs](Napi::Env e) -> Napi::Value { return e.Undefined(); });
}

}  // namespace

void register_model(Napi::Env env, Napi::Object exports) {
  exports.Set("encoderForwardEval", Napi::Function::New(env, encoder_forward_eval_js, "encoderForwardEval"));
  exports.Set("trainStep", Napi::Function::New(env, train_step_js, "trainStep"));
  exports.Set("adamStep", Napi::Function::New(env, adam_step_js, "adamStep"));
}

}  // namespace predann::binding
