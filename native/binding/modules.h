// Each binding file registers its functions on the addon's exports. One file per kernel family.
#pragma once
#include <napi.h>

namespace predann::binding {

void register_info(Napi::Env env, Napi::Object exports);      // info.cpp
void register_resample(Napi::Env env, Napi::Object exports);  // resample.cpp
void register_clips(Napi::Env env, Napi::Object exports);     // clips.cpp
void register_losses(Napi::Env env, Napi::Object exports);    // losses.cpp
void register_model(Napi::Env env, Napi::Object exports);     // model.cpp
void register_filters(Napi::Env env, Napi::Object exports);   // filters.cpp

}  // namespace predann::binding
