/* The pod sandbox ("pause") process of conformance/cri.test.ts, written for this project and built
 * with `musl-gcc -static` into a one-file image (conformance/env/cri-images.ts). It holds the pod's
 * namespaces open, exits 0 on SIGTERM/SIGINT (StopPodSandbox sends SIGTERM first), and, as pid 1 of
 * a shared pid namespace (NamespaceOption pid=POD), reaps the zombies reparented to it. */
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

static void quit(int sig) {
  (void)sig;
  _exit(0);
}

static void reap(int sig) {
  (void)sig;
  while (waitpid(-1, 0, WNOHANG) > 0) {
  }
}

int main(void) {
  struct sigaction sa = {0};
  sa.sa_handler = quit;
  sigaction(SIGTERM, &sa, 0);
  sigaction(SIGINT, &sa, 0);
  sa.sa_handler = reap;
  sa.sa_flags = SA_NOCLDSTOP | SA_RESTART;
  sigaction(SIGCHLD, &sa, 0);
  for (;;) pause();
  return 0;
}
