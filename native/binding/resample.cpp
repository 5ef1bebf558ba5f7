// Placeholder: filled in by the resample kernel work.
#include "binding/modules.h"

namespace predann::binding {

void register_resample(Napi::Env, Napi::Object) {}

}  // namespace predann::binding
