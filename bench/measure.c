/*
 * measure: run one command, or N copies of it at once, and report wall time and peak RSS.
 *
 * Why a C helper: Node's spawnSync exposes neither wait4's rusage (ru_maxrss) nor a clock
 * reading taken right around fork/exec, and its own spawn overhead (~1 ms) would be charged
 * to every runtime call. This helper adds only a fork and two clock reads.
 *
 * usage: measure [-n N] [-t TIMEOUT_SECONDS] -- CMD ARGS...
 *   -n N  start N copies at once; in each copy, "{}" inside any argument becomes the copy index
 *   -t S  SIGKILL every copy still running after S seconds (the result then says "timeout")
 * The result is one line on fd 3 (stdout if fd 3 is not open), never inherited by the command:
 *   <wall_ns> <max ru_maxrss over copies, KiB> <failed copies> <first failure: ok|exit:N|signal:N|timeout|exec>
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

static volatile sig_atomic_t timed_out;
static void on_alarm(int sig) { (void)sig; timed_out = 1; }

static long long now_ns(void) {
  struct timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return (long long)ts.tv_sec * 1000000000LL + ts.tv_nsec;
}

/* arg with its first "{}" replaced by idx (only called in the forked child; leaks are fine) */
static char *with_index(char *arg, const char *idx) {
  char *at = strstr(arg, "{}");
  if (!at) return arg;
  size_t head = (size_t)(at - arg);
  char *s = malloc(strlen(arg) + strlen(idx) + 1);
  memcpy(s, arg, head);
  strcpy(s + head, idx);
  strcat(s, at + 2);
  return s;
}

int main(int argc, char **argv) {
  int n = 1, timeout = 0, i = 1;
  for (; i < argc; i++) {
    if (!strcmp(argv[i], "-n") && i + 1 < argc) n = atoi(argv[++i]);
    else if (!strcmp(argv[i], "-t") && i + 1 < argc) timeout = atoi(argv[++i]);
    else if (!strcmp(argv[i], "--")) { i++; break; }
    else { fprintf(stderr, "measure: unknown argument %s\n", argv[i]); return 2; }
  }
  if (i >= argc || n < 1 || n > 4096) {
    fprintf(stderr, "usage: measure [-n N] [-t SECONDS] -- CMD ARGS...\n");
    return 2;
  }
  int out = fcntl(3, F_GETFD) == -1 ? 1 : 3;
  if (out == 3) fcntl(3, F_SETFD, FD_CLOEXEC);
  char **cmd = argv + i;
  int cmdc = argc - i;

  struct sigaction sa;
  memset(&sa, 0, sizeof sa);
  sa.sa_handler = on_alarm; /* no SA_RESTART: wait4 must return EINTR so we can kill */
  sigaction(SIGALRM, &sa, NULL);

  pid_t *pids = calloc((size_t)n, sizeof *pids);
  char idx[16];
  long long t0 = now_ns();
  for (int k = 0; k < n; k++) {
    pid_t pid = fork();
    if (pid == 0) {
      if (out == 3) close(3);
      snprintf(idx, sizeof idx, "%d", k);
      char **a = calloc((size_t)cmdc + 1, sizeof *a);
      for (int j = 0; j < cmdc; j++) a[j] = with_index(cmd[j], idx);
      execvp(a[0], a);
      fprintf(stderr, "measure: cannot run %s: %s\n", a[0], strerror(errno));
      _exit(127);
    }
    if (pid < 0) { perror("measure: fork"); n = k; break; }
    pids[k] = pid;
  }
  if (timeout > 0) alarm((unsigned)timeout);

  long maxrss = 0;
  int failed = 0, left = n;
  char first[32] = "ok";
  while (left > 0) {
    int status;
    struct rusage ru;
    pid_t pid = wait4(-1, &status, 0, &ru);
    if (pid < 0) {
      if (errno == EINTR && timed_out) {
        for (int k = 0; k < n; k++) if (pids[k]) kill(pids[k], SIGKILL);
        continue;
      }
      if (errno == EINTR) continue;
      break;
    }
    for (int k = 0; k < n; k++) if (pids[k] == pid) { pids[k] = 0; left--; }
    if (ru.ru_maxrss > maxrss) maxrss = ru.ru_maxrss;
    char what[32] = "";
    if (timed_out && WIFSIGNALED(status) && WTERMSIG(status) == SIGKILL) snprintf(what, sizeof what, "timeout");
    else if (WIFSIGNALED(status)) snprintf(what, sizeof what, "signal:%d", WTERMSIG(status));
    else if (WEXITSTATUS(status) == 127) snprintf(what, sizeof what, "exec");
    else if (WEXITSTATUS(status) != 0) snprintf(what, sizeof what, "exit:%d", WEXITSTATUS(status));
    if (what[0]) {
      if (!failed) memcpy(first, what, sizeof first);
      failed++;
    }
  }
  long long wall = now_ns() - t0;
  dprintf(out, "%lld %ld %d %s\n", wall, maxrss, failed, first);
  return 0;
}
