// Placeholder: filled in by the losses kernel work.
#include "binding/modules.h"

namespace predann::binding {

void register_losses(Napi::Env, Napi::Object) {}

}  // namespace predann::binding
