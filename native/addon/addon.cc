// tsrc_native: the few syscalls Node does not offer. Every function is synchronous and small;
// failures throw an Error carrying `errno` (positive) and `syscall`, which lib/sys/native.ts
// turns into a Node-style ErrnoException (code, negative errno).
#include <napi.h>

#include "bpf.h"
#include "errno_error.h"
#include "fast_bridge.h"

#include <cerrno>
#include <csignal>
#include <cstring>
#include <vector>
#include <fcntl.h>
#include <poll.h>
#include <sys/file.h>
#include <sys/prctl.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/statfs.h>
#include <linux/magic.h>
#include <linux/nsfs.h>
#include <sys/syscall.h>
#include <sys/un.h>
#include <termios.h>
#include <time.h>
#include <unistd.h>

#include "../linux_compat.h"

namespace {

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

// The AF_UNIX address of path (an ENAMETOOLONG from `syscall` when it does not fit sun_path).
struct sockaddr_un UnixAddress(const Napi::Env &env, const std::string &path, const char *syscall) {
  struct sockaddr_un sa = {};
  sa.sun_family = AF_UNIX;
  if (path.empty() || path.find('\0') != std::string::npos) throw Napi::TypeError::New(env, "path must be a non-empty string without NUL");
  if (path.size() >= sizeof(sa.sun_path)) ThrowErrno(env, syscall, ENAMETOOLONG);
  std::memcpy(sa.sun_path, path.data(), path.size());
  return sa;
}

// listenUnix(path) -> fd: a blocking, close-on-exec AF_UNIX stream socket bound to path and listening.
Napi::Value ListenUnix(const Napi::CallbackInfo &info) {
  if (info.Length() < 1 || !info[0].IsString()) throw Napi::TypeError::New(info.Env(), "path must be a string");
  struct sockaddr_un sa = UnixAddress(info.Env(), info[0].As<Napi::String>().Utf8Value(), "bind");
  int fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
  if (fd < 0) ThrowErrno(info.Env(), "socket", errno);
  if (bind(fd, reinterpret_cast<struct sockaddr *>(&sa), sizeof(sa)) < 0 || listen(fd, 4) < 0) {
    int err = errno;
    close(fd);
    ThrowErrno(info.Env(), "bind", err);
  }
  return Napi::Number::New(info.Env(), fd);
}

// shutdownSocket(fd): wakes a pending acceptRecvFd on that listening socket (it fails with ECANCELED).
Napi::Value ShutdownSocket(const Napi::CallbackInfo &info) {
  int fd = IntArg(info, 0, "fd");
  if (shutdown(fd, SHUT_RDWR) < 0 && errno != ENOTCONN) ThrowErrno(info.Env(), "shutdown", errno);
  return info.Env().Undefined();
}

long long MonotonicMs() {
  struct timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return static_cast<long long>(ts.tv_sec) * 1000 + ts.tv_nsec / 1000000;
}

// A thread-pool job settling a Promise: rejections carry the failing syscall and errno, like the
// synchronous calls' ThrowErrno.
class PromiseWorker : public Napi::AsyncWorker {
 public:
  explicit PromiseWorker(Napi::Env env) : Napi::AsyncWorker(env), deferred_(Napi::Promise::Deferred::New(env)) {}

  Napi::Promise Promise() { return deferred_.Promise(); }

  void OnError(const Napi::Error &) override {
    Napi::Error e = Napi::Error::New(Env(), std::string(syscall_) + ": " + std::strerror(err_));
    e.Set("errno", Napi::Number::New(Env(), err_));
    e.Set("syscall", Napi::String::New(Env(), syscall_));
    deferred_.Reject(e.Value());
  }

 protected:
  // Records the failure (Execute then returns); false, so callers can `return Fail(...)`.
  bool Fail(const char *syscall, int err) {
    syscall_ = syscall;
    err_ = err;
    SetError(syscall);
    return false;
  }

  Napi::Promise::Deferred deferred_;

 private:
  const char *syscall_ = "";
  int err_ = 0;
};

// Waits (in the thread pool) for one connection on a listening socket and one message on it
// carrying an fd with SCM_RIGHTS, as runc's console socket protocol sends it.
class AcceptRecvFdWorker : public PromiseWorker {
 public:
  AcceptRecvFdWorker(Napi::Env env, int listen_fd, int timeout_ms) : PromiseWorker(env), listen_fd_(listen_fd), timeout_ms_(timeout_ms) {}

  void Execute() override {
    long long deadline = timeout_ms_ >= 0 ? MonotonicMs() + timeout_ms_ : -1;
    if (!WaitReadable(listen_fd_, deadline, "accept")) return;
    int conn;
    do conn = accept4(listen_fd_, nullptr, nullptr, SOCK_CLOEXEC);
    while (conn < 0 && errno == EINTR);
    if (conn < 0) return (void)Fail("accept", errno == EINVAL ? ECANCELED : errno);
    if (WaitReadable(conn, deadline, "recvmsg")) Receive(conn);
    close(conn);
  }

  void OnOK() override {
    Napi::Object r = Napi::Object::New(Env());
    r.Set("fd", Napi::Number::New(Env(), fd_));
    r.Set("name", Napi::String::New(Env(), name_));
    deferred_.Resolve(r);
  }

 private:
  bool WaitReadable(int fd, long long deadline, const char *what) {
    for (;;) {
      int timeout = -1;
      if (deadline >= 0) {
        long long left = deadline - MonotonicMs();
        timeout = left > 0 ? static_cast<int>(left) : 0;
      }
      struct pollfd pf = {fd, POLLIN, 0};
      int r = poll(&pf, 1, timeout);
      if (r < 0 && errno == EINTR) continue;
      if (r < 0) return Fail("poll", errno);
      if (r == 0) return Fail(what, ETIMEDOUT);
      // A shut-down listening socket reports POLLHUP without a connection to accept.
      if ((pf.revents & POLLHUP) && !(pf.revents & POLLIN)) return Fail(what, ECANCELED);
      return true;
    }
  }

  void Receive(int conn) {
    char name[4096];
    union {
      char buf[CMSG_SPACE(sizeof(int) * 4)];
      struct cmsghdr align;
    } u;
    struct iovec iov = {name, sizeof(name) - 1};
    struct msghdr mh = {};
    mh.msg_iov = &iov;
    mh.msg_iovlen = 1;
    mh.msg_control = u.buf;
    mh.msg_controllen = sizeof(u.buf);
    ssize_t n;
    do n = recvmsg(conn, &mh, MSG_CMSG_CLOEXEC);
    while (n < 0 && errno == EINTR);
    if (n < 0) return (void)Fail("recvmsg", errno);
    int got = -1;
    for (struct cmsghdr *c = CMSG_FIRSTHDR(&mh); c; c = CMSG_NXTHDR(&mh, c)) {
      if (c->cmsg_level != SOL_SOCKET || c->cmsg_type != SCM_RIGHTS) continue;
      size_t count = (c->cmsg_len - CMSG_LEN(0)) / sizeof(int);
      for (size_t i = 0; i < count; i++) {
        int fd;
        std::memcpy(&fd, CMSG_DATA(c) + i * sizeof(int), sizeof(int));
        if (got < 0) got = fd;
        else close(fd);  // one fd is the protocol; never leak extras
      }
    }
    if (got < 0) return (void)Fail("recvmsg", n == 0 ? ECONNRESET : EBADMSG);
    if (mh.msg_flags & MSG_CTRUNC) {
      close(got);
      return (void)Fail("recvmsg", EMSGSIZE);
    }
    fd_ = got;
    name_.assign(name, static_cast<size_t>(n));
  }

  int listen_fd_, timeout_ms_;
  int fd_ = -1;
  std::string name_;
};

// acceptRecvFd(listenFd, timeoutMs) -> Promise<{ fd, name }>; timeoutMs < 0 waits forever.
Napi::Value AcceptRecvFd(const Napi::CallbackInfo &info) {
  int fd = IntArg(info, 0, "listenFd"), timeout = IntArg(info, 1, "timeoutMs");
  auto *w = new AcceptRecvFdWorker(info.Env(), fd, timeout);
  Napi::Promise p = w->Promise();
  w->Queue();
  return p;
}

// Waits (in the thread pool) up to timeoutMs for fd to be readable and reads what is there.
// For a pty master this is the only safe way to find its end: libuv takes POLLHUP after a short
// read as EOF, but a master's last output can still be on its way then; read() itself keeps
// returning it and only then fails with EIO.
class PollReadWorker : public PromiseWorker {
 public:
  PollReadWorker(Napi::Env env, int fd, size_t size, int timeout_ms) : PromiseWorker(env), fd_(fd), timeout_ms_(timeout_ms), buf_(size) {}

  void Execute() override {
    struct pollfd pf = {fd_, POLLIN, 0};
    int r;
    do r = poll(&pf, 1, timeout_ms_);
    while (r < 0 && errno == EINTR);
    if (r < 0) return (void)Fail("poll", errno);
    if (r == 0) return;  // timed out: n_ stays -1
    ssize_t n;
    do n = read(fd_, buf_.data(), buf_.size());
    while (n < 0 && errno == EINTR);
    if (n < 0 && errno == EAGAIN) return;
    if (n < 0) return (void)Fail("read", errno);
    n_ = n;
  }

  void OnOK() override {
    if (n_ < 0) return deferred_.Resolve(Env().Null());
    deferred_.Resolve(Napi::Buffer<char>::Copy(Env(), buf_.data(), static_cast<size_t>(n_)));
  }

 private:
  int fd_, timeout_ms_;
  std::vector<char> buf_;
  ssize_t n_ = -1;
};

// pollRead(fd, size, timeoutMs) -> Promise<Buffer | null>: null when nothing came in time; an
// empty Buffer at end of file; rejects with the read's errno (EIO: a pty master with no slave).
Napi::Value PollRead(const Napi::CallbackInfo &info) {
  int fd = IntArg(info, 0, "fd"), size = IntArg(info, 1, "size"), timeout = IntArg(info, 2, "timeoutMs");
  if (size <= 0 || size > (1 << 20)) throw Napi::RangeError::New(info.Env(), "size must be 1..1048576");
  auto *w = new PollReadWorker(info.Env(), fd, static_cast<size_t>(size), timeout);
  Napi::Promise p = w->Promise();
  w->Queue();
  return p;
}

// namespaceType(path) -> the CLONE_NEW* flag of the namespace that path is (a /proc/<pid>/ns/*
// file or a bind mount of one, such as /run/netns/x), or 0 when it is no namespace file. The file
// is judged by what it is (nsfs, NS_GET_NSTYPE), not by the text a /proc/self/fd link gives:
// that text is the mount's path for a bind-mounted namespace file. O_NONBLOCK keeps a FIFO from
// blocking the open.
Napi::Value NamespaceType(const Napi::CallbackInfo &info) {
  if (info.Length() < 1 || !info[0].IsString()) throw Napi::TypeError::New(info.Env(), "path must be a string");
  std::string path = info[0].As<Napi::String>().Utf8Value();
  if (path.find('\0') != std::string::npos) throw Napi::TypeError::New(info.Env(), "path contains a NUL byte");
  int fd = open(path.c_str(), O_RDONLY | O_CLOEXEC | O_NONBLOCK | O_NOCTTY);
  if (fd < 0) ThrowErrno(info.Env(), "open", errno);
  struct statfs sf;
  int type = 0;
  if (fstatfs(fd, &sf) < 0) {
    int err = errno;
    close(fd);
    ThrowErrno(info.Env(), "fstatfs", err);
  }
  if (static_cast<unsigned long>(sf.f_type) == NSFS_MAGIC) {
    type = ioctl(fd, NS_GET_NSTYPE);
    if (type < 0) {
      int err = errno;
      close(fd);
      ThrowErrno(info.Env(), "ioctl", err);
    }
  }
  close(fd);
  return Napi::Number::New(info.Env(), type);
}

// sendFd(path, payload, fd): connect to the unix stream socket at path, send payload with fd
// (SCM_RIGHTS) in the first sendmsg and the rest of it after, then close the connection: the
// seccomp agent protocol of config-linux.md (one container process state per connection).
Napi::Value SendFd(const Napi::CallbackInfo &info) {
  if (info.Length() < 2 || !info[0].IsString() || !info[1].IsString()) throw Napi::TypeError::New(info.Env(), "path and payload must be strings");
  std::string path = info[0].As<Napi::String>().Utf8Value(), payload = info[1].As<Napi::String>().Utf8Value();
  int fd = IntArg(info, 2, "fd");
  struct sockaddr_un sa = UnixAddress(info.Env(), path, "connect");
  int s = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
  if (s < 0) ThrowErrno(info.Env(), "socket", errno);
  if (connect(s, reinterpret_cast<struct sockaddr *>(&sa), sizeof(sa)) < 0) {
    int err = errno;
    close(s);
    ThrowErrno(info.Env(), "connect", err);
  }
  union {
    char buf[CMSG_SPACE(sizeof(int))];
    struct cmsghdr align;
  } u;
  std::memset(u.buf, 0, sizeof(u.buf));
  size_t sent = 0;
  while (sent < payload.size()) {
    struct iovec iov = {const_cast<char *>(payload.data()) + sent, payload.size() - sent};
    struct msghdr mh = {};
    mh.msg_iov = &iov;
    mh.msg_iovlen = 1;
    if (sent == 0) {
      mh.msg_control = u.buf;
      mh.msg_controllen = sizeof(u.buf);
      struct cmsghdr *c = CMSG_FIRSTHDR(&mh);
      c->cmsg_level = SOL_SOCKET;
      c->cmsg_type = SCM_RIGHTS;
      c->cmsg_len = CMSG_LEN(sizeof(int));
      std::memcpy(CMSG_DATA(c), &fd, sizeof(int));
    }
    ssize_t n = sendmsg(s, &mh, MSG_NOSIGNAL);
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) {
      int err = errno;
      close(s);
      ThrowErrno(info.Env(), "sendmsg", err);
    }
    sent += static_cast<size_t>(n);
  }
  close(s);
  return info.Env().Undefined();
}

// setWinsize(fd, rows, cols): TIOCSWINSZ.
Napi::Value SetWinsize(const Napi::CallbackInfo &info) {
  int fd = IntArg(info, 0, "fd"), rows = IntArg(info, 1, "rows"), cols = IntArg(info, 2, "cols");
  if (rows < 0 || rows > 0xffff || cols < 0 || cols > 0xffff) throw Napi::RangeError::New(info.Env(), "rows and cols must be 0..65535");
  struct winsize ws = {};
  ws.ws_row = static_cast<unsigned short>(rows);
  ws.ws_col = static_cast<unsigned short>(cols);
  if (ioctl(fd, TIOCSWINSZ, &ws) < 0) ThrowErrno(info.Env(), "ioctl", errno);
  return info.Env().Undefined();
}

Napi::Object Init(Napi::Env env, Napi::Object exports) {
  exports.Set("flock", Napi::Function::New(env, Flock, "flock"));
  InitFastBridge(env, exports);
  exports.Set("pidfdOpen", Napi::Function::New(env, PidfdOpen, "pidfdOpen"));
  exports.Set("pidfdSendSignal", Napi::Function::New(env, PidfdSendSignal, "pidfdSendSignal"));
  exports.Set("pidfdWait", Napi::Function::New(env, PidfdWait, "pidfdWait"));
  exports.Set("setChildSubreaper", Napi::Function::New(env, SetChildSubreaper, "setChildSubreaper"));
  exports.Set("mkfifo", Napi::Function::New(env, Mkfifo, "mkfifo"));
  exports.Set("listenUnix", Napi::Function::New(env, ListenUnix, "listenUnix"));
  exports.Set("shutdownSocket", Napi::Function::New(env, ShutdownSocket, "shutdownSocket"));
  exports.Set("acceptRecvFd", Napi::Function::New(env, AcceptRecvFd, "acceptRecvFd"));
  exports.Set("setWinsize", Napi::Function::New(env, SetWinsize, "setWinsize"));
  exports.Set("pollRead", Napi::Function::New(env, PollRead, "pollRead"));
  exports.Set("namespaceType", Napi::Function::New(env, NamespaceType, "namespaceType"));
  exports.Set("sendFd", Napi::Function::New(env, SendFd, "sendFd"));
  tsrc_bpf::Register(env, exports);
  return exports;
}

}  // namespace

NODE_API_MODULE(tsrc_native, Init)
