// bpf(2) wrappers for the cgroup v2 device filter; registered by addon.cc's Init.
#pragma once
#include <napi.h>

namespace tsrc_bpf {
void Register(Napi::Env env, Napi::Object exports);
}
