// bpf(2) for the cgroup v2 device filter (lib/cgroups/devices-bpf): load a
// BPF_PROG_TYPE_CGROUP_DEVICE program, attach/detach it to a cgroup directory fd, list the
// programs attached there and open one by id. Raw syscalls, no libbpf: these five commands are
// all the filter needs. Errors throw like addon.cc's (errno, syscall).
#include "bpf.h"
#include "errno_error.h"

#include <cerrno>
#include <cstring>
#include <string>
#include <vector>
#include <linux/bpf.h>
#include <sys/syscall.h>
#include <unistd.h>

namespace tsrc_bpf {
namespace {

uint32_t U32Arg(const Napi::CallbackInfo &info, size_t i, const char *name) {
  if (info.Length() <= i || !info[i].IsNumber())
    throw Napi::TypeError::New(info.Env(), std::string(name) + " must be a number");
  double d = info[i].As<Napi::Number>().DoubleValue();
  if (d < 0 || d > 4294967295.0 || d != static_cast<double>(static_cast<uint32_t>(d)))
    throw Napi::TypeError::New(info.Env(), std::string(name) + " must be an unsigned 32-bit integer");
  return static_cast<uint32_t>(d);
}

long Bpf(int cmd, union bpf_attr *attr) {
  long r;
  do r = syscall(SYS_bpf, cmd, attr, sizeof(*attr));
  while (r < 0 && errno == EINTR);
  return r;
}

// bpfProgLoadCgroupDevice(insns: Buffer, license: string) -> prog fd (close-on-exec).
// A verifier rejection carries the verifier's log in the message.
Napi::Value ProgLoadCgroupDevice(const Napi::CallbackInfo &info) {
  Napi::Env env = info.Env();
  if (info.Length() < 2 || !info[0].IsBuffer() || !info[1].IsString())
    throw Napi::TypeError::New(env, "bpfProgLoadCgroupDevice(insns: Buffer, license: string)");
  Napi::Buffer<uint8_t> insns = info[0].As<Napi::Buffer<uint8_t>>();
  if (insns.Length() == 0 || insns.Length() % sizeof(struct bpf_insn) != 0)
    throw Napi::TypeError::New(env, "insns must be a non-empty multiple of 8 bytes");
  std::string license = info[1].As<Napi::String>().Utf8Value();
  std::vector<char> log(64 * 1024, '\0');

  union bpf_attr attr;
  std::memset(&attr, 0, sizeof(attr));
  attr.prog_type = BPF_PROG_TYPE_CGROUP_DEVICE;
  attr.insns = reinterpret_cast<uintptr_t>(insns.Data());
  attr.insn_cnt = static_cast<uint32_t>(insns.Length() / sizeof(struct bpf_insn));
  attr.license = reinterpret_cast<uintptr_t>(license.c_str());
  long fd = Bpf(BPF_PROG_LOAD, &attr);
  if (fd < 0 && errno == EACCES) {
    // Load again with the verifier's log to say why.
    int first = errno;
    attr.log_buf = reinterpret_cast<uintptr_t>(log.data());
    attr.log_size = static_cast<uint32_t>(log.size());
    attr.log_level = 1;
    fd = Bpf(BPF_PROG_LOAD, &attr);
    if (fd < 0) ThrowErrno(env, "bpf(BPF_PROG_LOAD)", first, std::string(" (verifier: ") + log.data() + ")");
  }
  if (fd < 0) ThrowErrno(env, "bpf(BPF_PROG_LOAD)", errno);
  return Napi::Number::New(env, static_cast<double>(fd));
}

// bpfProgAttach(progFd, targetFd, attachType, flags)
Napi::Value ProgAttach(const Napi::CallbackInfo &info) {
  union bpf_attr attr;
  std::memset(&attr, 0, sizeof(attr));
  attr.attach_bpf_fd = U32Arg(info, 0, "progFd");
  attr.target_fd = U32Arg(info, 1, "targetFd");
  attr.attach_type = U32Arg(info, 2, "attachType");
  attr.attach_flags = U32Arg(info, 3, "flags");
  if (Bpf(BPF_PROG_ATTACH, &attr) < 0) ThrowErrno(info.Env(), "bpf(BPF_PROG_ATTACH)", errno);
  return info.Env().Undefined();
}

// bpfProgDetach(progFd, targetFd, attachType)
Napi::Value ProgDetach(const Napi::CallbackInfo &info) {
  union bpf_attr attr;
  std::memset(&attr, 0, sizeof(attr));
  attr.attach_bpf_fd = U32Arg(info, 0, "progFd");
  attr.target_fd = U32Arg(info, 1, "targetFd");
  attr.attach_type = U32Arg(info, 2, "attachType");
  if (Bpf(BPF_PROG_DETACH, &attr) < 0) ThrowErrno(info.Env(), "bpf(BPF_PROG_DETACH)", errno);
  return info.Env().Undefined();
}

// bpfProgQuery(targetFd, attachType) -> ids of the programs attached directly to the target.
Napi::Value ProgQuery(const Napi::CallbackInfo &info) {
  Napi::Env env = info.Env();
  uint32_t target = U32Arg(info, 0, "targetFd");
  uint32_t type = U32Arg(info, 1, "attachType");
  std::vector<uint32_t> ids(64);
  for (;;) {
    union bpf_attr attr;
    std::memset(&attr, 0, sizeof(attr));
    attr.query.target_fd = target;
    attr.query.attach_type = type;
    attr.query.prog_ids = reinterpret_cast<uintptr_t>(ids.data());
    attr.query.prog_cnt = static_cast<uint32_t>(ids.size());
    long r = Bpf(BPF_PROG_QUERY, &attr);
    // ENOSPC: more programs than room; prog_cnt holds how many there are.
    if (r < 0 && errno == ENOSPC && attr.query.prog_cnt > ids.size()) {
      ids.resize(attr.query.prog_cnt);
      continue;
    }
    if (r < 0) ThrowErrno(env, "bpf(BPF_PROG_QUERY)", errno);
    Napi::Array out = Napi::Array::New(env, attr.query.prog_cnt);
    for (uint32_t i = 0; i < attr.query.prog_cnt; i++) out.Set(i, Napi::Number::New(env, ids[i]));
    return out;
  }
}

// bpfProgGetFdById(id) -> prog fd (close-on-exec)
Napi::Value ProgGetFdById(const Napi::CallbackInfo &info) {
  union bpf_attr attr;
  std::memset(&attr, 0, sizeof(attr));
  attr.prog_id = U32Arg(info, 0, "id");
  long fd = Bpf(BPF_PROG_GET_FD_BY_ID, &attr);
  if (fd < 0) ThrowErrno(info.Env(), "bpf(BPF_PROG_GET_FD_BY_ID)", errno);
  return Napi::Number::New(info.Env(), static_cast<double>(fd));
}

}  // namespace

void Register(Napi::Env env, Napi::Object exports) {
  exports.Set("bpfProgLoadCgroupDevice", Napi::Function::New(env, ProgLoadCgroupDevice, "bpfProgLoadCgroupDevice"));
  exports.Set("bpfProgAttach", Napi::Function::New(env, ProgAttach, "bpfProgAttach"));
  exports.Set("bpfProgDetach", Napi::Function::New(env, ProgDetach, "bpfProgDetach"));
  exports.Set("bpfProgQuery", Napi::Function::New(env, ProgQuery, "bpfProgQuery"));
  exports.Set("bpfProgGetFdById", Napi::Function::New(env, ProgGetFdById, "bpfProgGetFdById"));
}

}  // namespace tsrc_bpf
