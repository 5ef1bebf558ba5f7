// Filter bindings (kernels/iir_design.h, kernels/sosfilt.h):
//   iirDesign(family, band, order, rippleDb, cutoffsHz, fs) → { sos: Float64Array (sections × 6),
//       b: Float64Array, a: Float64Array, maxPoleRadius (of the sections), baStable (of (b, a)),
//       sosPadlen, baPadlen (SciPy's default paddings of sosfiltfilt and filtfilt) }
//   sosMagnitude(sos, frequencies, fs), baMagnitude(b, a, frequencies, fs) → Float64Array of |H|
//   sosfiltZi(sos) → Float64Array (sections × 2);  lfilterZi(b, a) → Float64Array
//   sosfilt(sos, x, channels, samples, zi | null, y, engine) → Promise<zf>   (one pass, y = filtered x)
//   lfilter(b, a, x, channels, samples, zi | null, y, engine) → Promise<zf>
//   sosfiltfilt(sos, x, channels, samples, padlen, y, engine) → Promise<y>   (padlen −1: SciPy's)
//   filtfilt(b, a, x, channels, samples, padlen, y, engine)   → Promise<y>   (engine 'fast' | 'reference')
// y is the caller's (channels × samples) output and may be x itself (in place): a fresh 300-MB
// output costs more in first-touch page faults than the filtering does.
// The design is cheap and synchronous; filtering runs off the event loop. The TypeScript layer
// (src/dsp/iir-filter.ts) checks arguments with friendly messages first.
#include <napi.h>

#include <algorithm>
#include <complex>
#include <cstdint>
#include <functional>
#include <memory>
#include <stdexcept>
#include <string>
#include <vector>

#include "binding/async_task.h"
#include "binding/modules.h"
#include "kernels/iir_design.h"
#include "kernels/sosfilt.h"

namespace predann::binding {

namespace {

constexpr int64_t kMaxElements = int64_t{1} << 40;

Napi::Float64Array to_js(Napi::Env env, const std::vector<double>& v) {
  auto a = Napi::Float64Array::New(env, v.size());
  std::copy(v.begin(), v.end(), a.Data());
  return a;
}

IirFamily family_from(Napi::Env env, const std::string& s) {
  if (s == "butter") return IirFamily::butterworth;
  if (s == "cheby1") return IirFamily::chebyshev1;
  throw Napi::RangeError::New(env, "Expected butter or cheby1 for family but received " + s);
}

IirBand band_from(Napi::Env env, const std::string& s) {
  if (s == "lowpass") return IirBand::lowpass;
  if (s == "highpass") return IirBand::highpass;
  if (s == "bandpass") return IirBand::bandpass;
  if (s == "bandstop") return IirBand::bandstop;
  throw Napi::RangeError::New(env, "Expected lowpass, highpass, bandpass or bandstop for band but received " + s);
}

Napi::Value iir_design_js(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  if (info.Length() < 6 || !info[0].IsString() || !info[1].IsString() || !info[4].IsArray())
    throw Napi::TypeError::New(env, "iirDesign: expected (family, band, order, rippleDb, cutoffsHz, fs)");
  const IirFamily family = family_from(env, info[0].As<Napi::String>());
  const IirBand band = band_from(env, info[1].As<Napi::String>());
  const int order = static_cast<int>(arg_int(info, 2, "order", 1, 64));
  const double ripple = info[3].As<Napi::Number>().DoubleValue();
  std::vector<double> cutoffs;
  auto list = info[4].As<Napi::Array>();
  for (uint32_t i = 0; i < list.Length(); ++i) cutoffs.push_back(list.Get(i).As<Napi::Number>().DoubleValue());
  const double fs = info[5].As<Napi::Number>().DoubleValue();
  try {
    const std::vector<SosSection> sos = iir_sos(family, band, order, ripple, cutoffs, fs);
    std::vector<double> flat;
    for (const SosSection& s : sos) flat.insert(flat.end(), s.begin(), s.end());
    const TransferFunction tf = iir_ba(family, band, order, ripple, cutoffs, fs);
    Napi::Object o = Napi::Object::New(env);
    o.Set("sos", to_js(env, flat));
    o.Set("b", to_js(env, tf.b));
    o.Set("a", to_js(env, tf.a));
    o.Set("maxPoleRadius", Napi::Number::New(env, sos_max_pole_radius(sos)));
    o.Set("baStable", Napi::Boolean::New(env, polynomial_is_stable(tf.a)));
    o.Set("sosPadlen", Napi::Number::New(env, static_cast<double>(sosfiltfilt_default_padlen(flat.data(), static_cast<int64_t>(sos.size())))));
    const auto taps = static_cast<int64_t>(tf.b.size());
    o.Set("baPadlen", Napi::Number::New(env, static_cast<double>(filtfilt_default_padlen(taps, static_cast<int64_t>(tf.a.size())))));
    return o;
  } catch (const std::exception& e) {
    throw Napi::Error::New(env, e.what());
  }
}

int64_t sections_of(const Napi::CallbackInfo& info, const Napi::TypedArrayOf<double>& sos) {
  if (sos.ElementLength() == 0 || sos.ElementLength() % 6 != 0)
    throw Napi::RangeError::New(info.Env(), "Expected sections × 6 values for sos");
  return static_cast<int64_t>(sos.ElementLength() / 6);
}

// |H(e^{2πi f/fs})| at each frequency, from one of the kernels' response evaluators.
Napi::Value magnitudes(const Napi::CallbackInfo& info, size_t at, const std::function<std::complex<double>(double, double)>& response) {
  auto frequencies = arg_float64(info, at, "frequencies");
  if (info.Length() <= at + 1 || !info[at + 1].IsNumber()) throw Napi::TypeError::New(info.Env(), "Expected number for fs");
  const double fs = info[at + 1].As<Napi::Number>().DoubleValue();
  std::vector<double> out(frequencies.ElementLength());
  for (size_t i = 0; i < out.size(); ++i) out[i] = std::abs(response(frequencies[i], fs));
  return to_js(info.Env(), out);
}

Napi::Value sos_magnitude_js(const Napi::CallbackInfo& info) {
  auto flat = arg_float64(info, 0, "sos");
  std::vector<SosSection> sos(static_cast<size_t>(sections_of(info, flat)));
  for (size_t s = 0; s < sos.size(); ++s) std::copy(flat.Data() + 6 * s, flat.Data() + 6 * s + 6, sos[s].begin());
  return magnitudes(info, 1, [&](double f, double fs) { return sos_response(sos, f, fs); });
}

Napi::Value ba_magnitude_js(const Napi::CallbackInfo& info) {
  auto b = arg_float64(info, 0, "b");
  auto a = arg_float64(info, 1, "a");
  const TransferFunction tf{std::vector<double>(b.Data(), b.Data() + b.ElementLength()), std::vector<double>(a.Data(), a.Data() + a.ElementLength())};
  return magnitudes(info, 2, [&](double f, double fs) { return ba_response(tf, f, fs); });
}

Napi::Value sosfilt_zi_js(const Napi::CallbackInfo& info) {
  auto sos = arg_float64(info, 0, "sos");
  try {
    return to_js(info.Env(), sosfilt_zi(sos.Data(), sections_of(info, sos)));
  } catch (const std::exception& e) {
    throw Napi::Error::New(info.Env(), e.what());
  }
}

Napi::Value lfilter_zi_js(const Napi::CallbackInfo& info) {
  auto b = arg_float64(info, 0, "b");
  auto a = arg_float64(info, 1, "a");
  try {
    return to_js(info.Env(), lfilter_zi(b.Data(), static_cast<int64_t>(b.ElementLength()), a.Data(), static_cast<int64_t>(a.ElementLength())));
  } catch (const std::exception& e) {
    throw Napi::Error::New(info.Env(), e.what());
  }
}

// The (channels, samples) input of a filtering call and the caller's output array.
struct Signal {
  Napi::TypedArrayOf<double> x, y;
  int64_t channels, samples, padlen;
};

// x and y hold channels × samples values; y is x itself or does not overlap it.
void check_signal(const Napi::CallbackInfo& info, const Signal& s) {
  const auto values = static_cast<size_t>(s.channels * s.samples);
  if (s.x.ElementLength() != values) throw Napi::RangeError::New(info.Env(), "Expected channels × samples values for x");
  if (s.y.ElementLength() != values) throw Napi::RangeError::New(info.Env(), "Expected channels × samples values for y");
  const bool same = s.x.Data() == s.y.Data();
  const auto xb = reinterpret_cast<uintptr_t>(s.x.Data()), yb = reinterpret_cast<uintptr_t>(s.y.Data());
  if (!same && xb < yb + values * sizeof(double) && yb < xb + values * sizeof(double))
    throw Napi::RangeError::New(info.Env(), "y must be x itself or not overlap it");
}

// (x, channels, samples, padlen, y) from argument `first` on.
Signal signal_from(const Napi::CallbackInfo& info, size_t first) {
  Signal s{arg_float64(info, first, "x"), arg_float64(info, first + 4, "y"), arg_int(info, first + 1, "channels", 1, kMaxElements),
           arg_int(info, first + 2, "samples", 1, kMaxElements), arg_int(info, first + 3, "padlen", -1, kMaxElements)};
  check_signal(info, s);
  return s;
}

// A zero-phase call (sosfiltfilt / filtfilt) with the engine at argument `engine_at`; resolves to y.
Napi::Value zero_phase(const Napi::CallbackInfo& info, const char* name, const Signal& s, size_t engine_at,
                       std::function<void(bool)> run, std::initializer_list<Napi::Value> keep) {
  const bool fast = arg_fast_engine(info, engine_at);
  auto out = std::make_shared<Napi::ObjectReference>(Napi::Persistent(s.y.As<Napi::Object>()));
  return run_async(
      info.Env(), name, [=] { run(fast); }, [out](Napi::Env) -> Napi::Value { return out->Value(); }, keep);
}

Napi::Value sosfiltfilt_js(const Napi::CallbackInfo& info) {
  auto sos = arg_float64(info, 0, "sos");
  const int64_t sections = sections_of(info, sos);
  Signal s = signal_from(info, 1);
  const double* coefficients = sos.Data();
  const double* x = s.x.Data();
  double* y = s.y.Data();
  const int64_t channels = s.channels, samples = s.samples, padlen = s.padlen;
  return zero_phase(info, "predann.sosfiltfilt", s, 6,
                    [=](bool fast) {
                      if (fast) sosfiltfilt(coefficients, sections, x, channels, samples, y, padlen);
                      else sosfiltfilt_ref(coefficients, sections, x, channels, samples, y, padlen);
                    },
                    {info[0], info[1], info[5]});
}

Napi::Value filtfilt_js(const Napi::CallbackInfo& info) {
  auto b = arg_float64(info, 0, "b");
  auto a = arg_float64(info, 1, "a");
  Signal s = signal_from(info, 2);
  const double* pb = b.Data();
  const double* pa = a.Data();
  const int64_t nb = static_cast<int64_t>(b.ElementLength()), na = static_cast<int64_t>(a.ElementLength());
  const double* x = s.x.Data();
  double* y = s.y.Data();
  const int64_t channels = s.channels, samples = s.samples, padlen = s.padlen;
  return zero_phase(info, "predann.filtfilt", s, 7,
                    [=](bool fast) {
                      if (fast) filtfilt(pb, nb, pa, na, x, channels, samples, y, padlen);
                      else filtfilt_ref(pb, nb, pa, na, x, channels, samples, y, padlen);
                    },
                    {info[0], info[1], info[2], info[6]});
}

// The optional initial states of a one-pass filter, copied (they are small): null, or
// (channels × states) values.
std::shared_ptr<std::vector<double>> initial_states(const Napi::CallbackInfo& info, size_t i, int64_t expected) {
  if (info[i].IsNull() || info[i].IsUndefined()) return nullptr;
  auto zi = arg_float64(info, i, "zi");
  if (static_cast<int64_t>(zi.ElementLength()) != expected)
    throw Napi::RangeError::New(info.Env(), "Expected " + std::to_string(expected) + " values (channels × states) for zi");
  return std::make_shared<std::vector<double>>(zi.Data(), zi.Data() + expected);
}

// One pass (sosfilt / lfilter) with the initial states at argument `zi_at` and the engine last;
// the final states come back as a new array.
Napi::Value one_pass(const Napi::CallbackInfo& info, const char* name, int64_t states, const Signal& s, size_t zi_at,
                     std::function<void(const double*, double*, bool)> run, std::initializer_list<Napi::Value> keep) {
  auto zi = initial_states(info, zi_at, s.channels * states);
  const bool fast = arg_fast_engine(info, zi_at + 2);
  auto zf = std::make_shared<std::vector<double>>(static_cast<size_t>(s.channels * states));
  return run_async(
      info.Env(), name, [=] { run(zi ? zi->data() : nullptr, zf->data(), fast); },
      [zf](Napi::Env e) -> Napi::Value { return to_js(e, *zf); }, keep);
}

Napi::Value sosfilt_js(const Napi::CallbackInfo& info) {
  auto sos = arg_float64(info, 0, "sos");
  const int64_t sections = sections_of(info, sos);
  Signal s{arg_float64(info, 1, "x"), arg_float64(info, 5, "y"), arg_int(info, 2, "channels", 1, kMaxElements),
           arg_int(info, 3, "samples", 1, kMaxElements), 0};
  check_signal(info, s);
  const double* coefficients = sos.Data();
  const double* x = s.x.Data();
  double* y = s.y.Data();
  const int64_t channels = s.channels, samples = s.samples;
  return one_pass(info, "predann.sosfilt", 2 * sections, s, 4,
                  [=](const double* zi, double* zf, bool fast) {
                    if (fast) sosfilt(coefficients, sections, x, channels, samples, y, zi, zf);
                    else sosfilt_ref(coefficients, sections, x, channels, samples, y, zi, zf);
                  },
                  {info[0], info[1], info[5]});
}

Napi::Value lfilter_js(const Napi::CallbackInfo& info) {
  auto b = arg_float64(info, 0, "b");
  auto a = arg_float64(info, 1, "a");
  Signal s{arg_float64(info, 2, "x"), arg_float64(info, 6, "y"), arg_int(info, 3, "channels", 1, kMaxElements),
           arg_int(info, 4, "samples", 1, kMaxElements), 0};
  check_signal(info, s);
  const double* pb = b.Data();
  const double* pa = a.Data();
  const int64_t nb = static_cast<int64_t>(b.ElementLength()), na = static_cast<int64_t>(a.ElementLength());
  const double* x = s.x.Data();
  double* y = s.y.Data();
  const int64_t channels = s.channels, samples = s.samples;
  return one_pass(info, "predann.lfilter", std::max(nb, na) - 1, s, 5,
                  [=](const double* zi, double* zf, bool fast) {
                    if (fast) lfilter(pb, nb, pa, na, x, channels, samples, y, zi, zf);
                    else lfilter_ref(pb, nb, pa, na, x, channels, samples, y, zi, zf);
                  },
                  {info[0], info[1], info[2], info[6]});
}

}  // namespace

void register_filters(Napi::Env env, Napi::Object exports) {
  exports.Set("iirDesign", Napi::Function::New(env, iir_design_js, "iirDesign"));
  exports.Set("sosMagnitude", Napi::Function::New(env, sos_magnitude_js, "sosMagnitude"));
  exports.Set("baMagnitude", Napi::Function::New(env, ba_magnitude_js, "baMagnitude"));
  exports.Set("sosfiltZi", Napi::Function::New(env, sosfilt_zi_js, "sosfiltZi"));
  exports.Set("lfilterZi", Napi::Function::New(env, lfilter_zi_js, "lfilterZi"));
  exports.Set("sosfilt", Napi::Function::New(env, sosfilt_js, "sosfilt"));
  exports.Set("lfilter", Napi::Function::New(env, lfilter_js, "lfilter"));
  exports.Set("sosfiltfilt", Napi::Function::New(env, sosfiltfilt_js, "sosfiltfilt"));
  exports.Set("filtfilt", Napi::Function::New(env, filtfilt_js, "filtfilt"));
}

}  // namespace predann::binding
