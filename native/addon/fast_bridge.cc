// Container status and process identity for the TypeScript side, computed by the same C code that
// build/tsrc runs (native/fast), so each rule is written once: status from pid + start time, exec
// fifo and freezer (lib/container/state.ts deriveStatus), and "is this still the process we started"
// (lib/container/proc.ts isAlive).
#include <napi.h>

#include <cerrno>
#include <cstring>
#include <string>

extern "C" {
#include "../fast/container_status.h"
}

#include "fast_bridge.h"

namespace {

Napi::Value ContainerStatus(const Napi::CallbackInfo &info) {
  Napi::Env env = info.Env();
  std::string dir = info[0].As<Napi::String>();
  enum status st;
  if (container_status(dir.c_str(), &st) < 0) {
    int err = errno;
    Napi::Error e = Napi::Error::New(env, std::string("container status: ") + std::strerror(err));
    e.Set("errno", Napi::Number::New(env, err));
    e.Set("syscall", Napi::String::New(env, "open"));
    throw e;
  }
  return Napi::String::New(env, status_name(st));
}

Napi::Value ProcessAlive(const Napi::CallbackInfo &info) {
  long long pid = info[0].As<Napi::Number>().Int64Value();
  long long start = info[1].As<Napi::Number>().Int64Value();
  return Napi::Boolean::New(info.Env(), proc_alive(pid, start));
}

}  // namespace

void InitFastBridge(Napi::Env env, Napi::Object exports) {
  exports.Set("containerStatus", Napi::Function::New(env, ContainerStatus, "containerStatus"));
  exports.Set("processAlive", Napi::Function::New(env, ProcessAlive, "processAlive"));
}
