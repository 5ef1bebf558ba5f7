// The addon's entry point: each binding file registers its own functions.
#include <napi.h>

#include "binding/modules.h"

static Napi::Object Init(Napi::Env env, Napi::Object exports) {
  predann::binding::register_info(env, exports);
  predann::binding::register_resample(env, exports);
  predann::binding::register_clips(env, exports);
  predann::binding::register_losses(env, exports);
  predann::binding::register_model(env, exports);
  predann::binding::register_filters(env, exports);
  return exports;
}

NODE_API_MODULE(predann, Init)
