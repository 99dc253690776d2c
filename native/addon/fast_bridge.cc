// The rules build/tsrc (native/fast) and the TypeScript CLI must both apply, given to TypeScript
// from the same C code so each is written once: a container's status from pid + start time, exec
// fifo and freezer (lib/container/state.ts deriveStatus); "is this still the process we started"
// (lib/container/proc.ts isAlive); the cgroup freezer (lib/cgroups/freezer.ts); and removing
// exactly a container's cgroup directories (lib/cgroups/tree.ts destroyTree).
#include <napi.h>

#include <cerrno>
#include <cstring>
#include <string>
#include <vector>

extern "C" {
#include "../fast/cgroup_rm.h"
#include "../fast/container_status.h"
#include "../fast/freezer.h"
}

#include "errno_error.h"
#include "fast_bridge.h"

namespace {

[[noreturn]] void Throw(Napi::Env env, const std::string &op, int err, const std::string &path, const std::string &why = "") {
  Napi::Error e = ErrnoError(env, op, err);
  e.Set("path", Napi::String::New(env, path));
  if (!why.empty()) e.Set("why", Napi::String::New(env, why));
  throw e;
}

std::vector<std::string> Strings(Napi::Value v) {
  Napi::Array a = v.As<Napi::Array>();
  std::vector<std::string> out;
  for (uint32_t i = 0; i < a.Length(); i++) out.push_back(a.Get(i).As<Napi::String>());
  return out;
}

// cgroupIsFrozen(dir, v2): boolean
Napi::Value CgroupIsFrozen(const Napi::CallbackInfo &info) {
  std::string dir = info[0].As<Napi::String>();
  bool frozen = false;
  if (cgroup_is_frozen(dir.c_str(), info[1].As<Napi::Boolean>(), &frozen) < 0) Throw(info.Env(), "freezer", errno, dir, "stuck in FREEZING");
  return Napi::Boolean::New(info.Env(), frozen);
}

// cgroupFreeze(dir, v2): returns once the kernel reports the cgroup frozen; thawed again on failure.
void CgroupFreeze(const Napi::CallbackInfo &info) {
  std::string dir = info[0].As<Napi::String>();
  const char *why = "";
  if (cgroup_freeze(dir.c_str(), info[1].As<Napi::Boolean>(), &why) < 0) Throw(info.Env(), "freeze", errno, dir, why);
}

void CgroupThaw(const Napi::CallbackInfo &info) {
  std::string dir = info[0].As<Napi::String>();
  if (cgroup_thaw(dir.c_str(), info[1].As<Napi::Boolean>()) < 0) Throw(info.Env(), "thaw", errno, dir);
}

// cgroupRemove(leaves, created): throws the first failure, with `count` failures in all.
void CgroupRemove(const Napi::CallbackInfo &info) {
  std::vector<std::string> leaves = Strings(info[0]), created = Strings(info[1]);
  std::vector<const char *> l, c;
  for (auto &s : leaves) l.push_back(s.c_str());
  for (auto &s : created) c.push_back(s.c_str());
  struct cgroup_rm_error err;
  if (cgroup_remove_dirs(l.data(), (int)l.size(), c.data(), (int)c.size(), &err) < 0) {
    Napi::Error e = ErrnoError(info.Env(), err.op, err.err);
    e.Set("path", Napi::String::New(info.Env(), err.path));
    e.Set("count", Napi::Number::New(info.Env(), err.count));
    throw e;
  }
}

Napi::Value ContainerStatus(const Napi::CallbackInfo &info) {
  Napi::Env env = info.Env();
  std::string dir = info[0].As<Napi::String>();
  enum status st;
  if (container_status(dir.c_str(), &st) < 0) ThrowErrno(env, "open", errno);
  return Napi::String::New(env, status_name(st));
}

// processStat(pid): { state, startTime } (fields 3 and 22 of /proc/<pid>/stat), or null.
Napi::Value ProcessStat(const Napi::CallbackInfo &info) {
  char state;
  long long start;
  if (!proc_stat(info[0].As<Napi::Number>().Int64Value(), &state, &start)) return info.Env().Null();
  Napi::Object o = Napi::Object::New(info.Env());
  o.Set("state", Napi::String::New(info.Env(), std::string(1, state)));
  o.Set("startTime", Napi::Number::New(info.Env(), static_cast<double>(start)));
  return o;
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
  exports.Set("processStat", Napi::Function::New(env, ProcessStat, "processStat"));
  exports.Set("cgroupIsFrozen", Napi::Function::New(env, CgroupIsFrozen, "cgroupIsFrozen"));
  exports.Set("cgroupFreeze", Napi::Function::New(env, CgroupFreeze, "cgroupFreeze"));
  exports.Set("cgroupThaw", Napi::Function::New(env, CgroupThaw, "cgroupThaw"));
  exports.Set("cgroupRemove", Napi::Function::New(env, CgroupRemove, "cgroupRemove"));
}
