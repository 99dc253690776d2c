// Registers fast_bridge.cc's functions (container status, process identity, freezer, cgroup
// removal: native/fast's C code) on the addon's exports.
#pragma once
#include <napi.h>

void InitFastBridge(Napi::Env env, Napi::Object exports);
