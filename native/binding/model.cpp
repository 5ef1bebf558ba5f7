// encoderForwardEval(tensors, input, batch, height, width, dims) → Promise<{ feature, logits, z }>
//   One encoder (`eeg.*` or `music.*`) in eval mode (native/model/encoder.h), off the event loop.
//   `tensors` are the encoder's 35 state-dict tensors in state-dict order (src/model/model-spec.ts
//   `encoderTensors`); `dims` is [c1, c2, c3, hidden, classes, embedding].
#include <memory>
#include <string>
#include <vector>

#include "binding/async_task.h"
#include "binding/modules.h"
#include "model/encoder.h"

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

}  // namespace

void register_model(Napi::Env env, Napi::Object exports) {
  exports.Set("encoderForwardEval", Napi::Function::New(env, encoder_forward_eval_js, "encoderForwardEval"));
}

}  // namespace predann::binding
