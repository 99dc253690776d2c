// The addon's one error shape: an Error carrying `errno` (positive) and `syscall`, which
// lib/sys/native.ts turns into a Node-style ErrnoException (code, negative errno). Callers may set
// more fields on it (path, why, count) before throwing.
#pragma once
#include <napi.h>

#include <cstring>
#include <string>

inline Napi::Error ErrnoError(Napi::Env env, const std::string &syscall, int err, const std::string &detail = "") {
  Napi::Error e = Napi::Error::New(env, syscall + ": " + std::strerror(err) + detail);
  e.Set("errno", Napi::Number::New(env, err));
  e.Set("syscall", Napi::String::New(env, syscall));
  return e;
}

[[noreturn]] inline void ThrowErrno(Napi::Env env, const std::string &syscall, int err, const std::string &detail = "") {
  throw ErrnoError(env, syscall, err, detail);
}
