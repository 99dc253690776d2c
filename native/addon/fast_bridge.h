// Registers containerStatus and processAlive (fast_bridge.cc) on the addon's exports.
#pragma once
#include <napi.h>

void InitFastBridge(Napi::Env env, Napi::Object exports);
