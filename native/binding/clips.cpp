// Placeholder: filled in by the clips kernel work.
#include "binding/modules.h"

namespace predann::binding {

void register_clips(Napi::Env, Napi::Object) {}

}  // namespace predann::binding
