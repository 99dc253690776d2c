// tsrc_native: the few syscalls Node does not offer. Every function is synchronous and small;
// failures throw an Error carrying `errno` (positive) and `syscall`, which lib/sys/native.ts
// turns into a Node-style ErrnoException (code, negative errno).
#include <napi.h>

#include <cerrno>
#include <csignal>
#include <cstring>
#include <fcntl.h>
#include <poll.h>
#include <sys/file.h>
#include <sys/prctl.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <unistd.h>

#ifndef SYS_pidfd_open
#define SYS_pidfd_open 434
#endif
#ifndef SYS_pidfd_send_signal
#define SYS_pidfd_send_signal 424
#endif

namespace {

[[noreturn]] void ThrowErrno(Napi::Env env, const char *syscall, int err) {
  Napi::Error e = Napi::Error::New(env, std::string(syscall) + ": " + std::strerror(err));
  e.Set("errno", Napi::Number::New(env, err));
  e.Set("syscall", Napi::String::New(env, syscall));
  throw e;
}

int32_t IntArg(const Napi::CallbackInfo &info, size_t i, const char *name) {
  if (info.Length() <= i || !info[i].IsNumber())
    throw Napi::TypeError::New(info.Env(), std::string(name) + " must be a number");
  double d = info[i].As<Napi::Number>().DoubleValue();
  if (d != static_cast<int32_t>(d)) throw Napi::TypeError::New(info.Env(), std::string(name) + " must be a 32-bit integer");
  return static_cast<int32_t>(d);
}

// flock(fd, op): op is an OR of LOCK_SH/LOCK_EX/LOCK_UN/LOCK_NB; EINTR is retried.
Napi::Value Flock(const Napi::CallbackInfo &info) {
  int fd = IntArg(info, 0, "fd"), op = IntArg(info, 1, "op");
  int r;
  do r = flock(fd, op);
  while (r < 0 && errno == EINTR);
  if (r < 0) ThrowErrno(info.Env(), "flock", errno);
  return info.Env().Undefined();
}

// pidfdOpen(pid) -> fd (close-on-exec)
Napi::Value PidfdOpen(const Napi::CallbackInfo &info) {
  int pid = IntArg(info, 0, "pid");
  long fd = syscall(SYS_pidfd_open, pid, 0);
  if (fd < 0) ThrowErrno(info.Env(), "pidfd_open", errno);
  return Napi::Number::New(info.Env(), static_cast<double>(fd));
}

// pidfdSendSignal(pidfd, sig)
Napi::Value PidfdSendSignal(const Napi::CallbackInfo &info) {
  int fd = IntArg(info, 0, "pidfd"), sig = IntArg(info, 1, "signal");
  if (syscall(SYS_pidfd_send_signal, fd, sig, nullptr, 0) < 0) ThrowErrno(info.Env(), "pidfd_send_signal", errno);
  return info.Env().Undefined();
}

// pidfdWait(pidfd, timeoutMs) -> true once the process has exited (or is a zombie), false on timeout.
Napi::Value PidfdWait(const Napi::CallbackInfo &info) {
  int fd = IntArg(info, 0, "pidfd"), timeout = IntArg(info, 1, "timeoutMs");
  struct pollfd pf = {fd, POLLIN, 0};
  int r;
  do r = poll(&pf, 1, timeout);
  while (r < 0 && errno == EINTR);
  if (r < 0) ThrowErrno(info.Env(), "poll", errno);
  return Napi::Boolean::New(info.Env(), r > 0);
}

// setChildSubreaper(on)
Napi::Value SetChildSubreaper(const Napi::CallbackInfo &info) {
  if (info.Length() < 1 || !info[0].IsBoolean()) throw Napi::TypeError::New(info.Env(), "on must be a boolean");
  if (prctl(PR_SET_CHILD_SUBREAPER, info[0].As<Napi::Boolean>().Value() ? 1 : 0, 0, 0, 0) < 0)
    ThrowErrno(info.Env(), "prctl", errno);
  return info.Env().Undefined();
}

// mkfifo(path, mode): exact mode (the umask is not applied).
Napi::Value Mkfifo(const Napi::CallbackInfo &info) {
  if (info.Length() < 1 || !info[0].IsString()) throw Napi::TypeError::New(info.Env(), "path must be a string");
  std::string path = info[0].As<Napi::String>().Utf8Value();
  int mode = IntArg(info, 1, "mode");
  if (path.find('\0') != std::string::npos) throw Napi::TypeError::New(info.Env(), "path contains a NUL byte");
  if (mkfifo(path.c_str(), static_cast<mode_t>(mode)) < 0) ThrowErrno(info.Env(), "mkfifo", errno);
  if (chmod(path.c_str(), static_cast<mode_t>(mode)) < 0) {
    int err = errno;
    unlink(path.c_str());
    ThrowErrno(info.Env(), "chmod", err);
  }
  return info.Env().Undefined();
}

Napi::Object Init(Napi::Env env, Napi::Object exports) {
  exports.Set("flock", Napi::Function::New(env, Flock, "flock"));
  exports.Set("pidfdOpen", Napi::Function::New(env, PidfdOpen, "pidfdOpen"));
  exports.Set("pidfdSendSignal", Napi::Function::New(env, PidfdSendSignal, "pidfdSendSignal"));
  exports.Set("pidfdWait", Napi::Function::New(env, PidfdWait, "pidfdWait"));
  exports.Set("setChildSubreaper", Napi::Function::New(env, SetChildSubreaper, "setChildSubreaper"));
  exports.Set("mkfifo", Napi::Function::New(env, Mkfifo, "mkfifo"));
  return exports;
}

}  // namespace

NODE_API_MODULE(tsrc_native, Init)
