// SCMP_ACT_NOTIFY: the filter's notify fd reaches a seccomp agent at linux.seccomp.listenerPath
// with the container process state of config-linux.md (SCM_RIGHTS, one connection), and the
// agent decides the notified syscalls. The agent is a small C program built by the test: it
// records the state it got and answers every notification "success" without doing anything, so a
// notified mkdir "succeeds" and no directory appears.
import t from 'tap';
import type { Test } from 'tap';
import { execFileSync, spawn } from 'node:child_process';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { errorMessage, Harness, haveRoot } from '../helpers/tsrc.js';
import type { Config } from '../helpers/tsrc.js';

const AGENT = `#include <errno.h>
#include <linux/seccomp.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>
static void serve(int fd) {
  for (;;) {
    struct seccomp_notif req;
    struct seccomp_notif_resp resp;
    memset(&req, 0, sizeof(req));
    if (ioctl(fd, SECCOMP_IOCTL_NOTIF_RECV, &req) < 0) {
      if (errno == EINTR) continue;
      _exit(0); /* the processes under the filter are gone */
    }
    memset(&resp, 0, sizeof(resp));
    resp.id = req.id; /* error 0, val 0: "done", though nothing was */
    ioctl(fd, SECCOMP_IOCTL_NOTIF_SEND, &resp);
  }
}
/* agent <socket> <state-file prefix>: one connection per filter; state N goes to <prefix>.N */
int main(int argc, char **argv) {
  if (argc != 3) return 2;
  signal(SIGCHLD, SIG_IGN);
  int l = socket(AF_UNIX, SOCK_STREAM, 0);
  struct sockaddr_un sa = { .sun_family = AF_UNIX };
  strncpy(sa.sun_path, argv[1], sizeof(sa.sun_path) - 1);
  if (bind(l, (struct sockaddr *)&sa, sizeof(sa)) < 0 || listen(l, 4) < 0) return 3;
  puts("ready");
  fflush(stdout);
  for (int k = 0;; k++) {
    int s = accept(l, NULL, NULL);
    if (s < 0) return 0;
    static char buf[1 << 16];
    union { char b[CMSG_SPACE(sizeof(int))]; struct cmsghdr a; } u;
    struct iovec iov = { buf, sizeof(buf) - 1 };
    struct msghdr mh = { .msg_iov = &iov, .msg_iovlen = 1, .msg_control = u.b, .msg_controllen = sizeof(u.b) };
    ssize_t n = recvmsg(s, &mh, 0), m;
    struct cmsghdr *c = CMSG_FIRSTHDR(&mh);
    if (n <= 0 || !c || c->cmsg_type != SCM_RIGHTS) return 4;
    int fd;
    memcpy(&fd, CMSG_DATA(c), sizeof(int));
    while ((m = read(s, buf + n, sizeof(buf) - 1 - n)) > 0) n += m; /* until the runtime closes */
    close(s);
    char name[4096];
    snprintf(name, sizeof(name), "%s.%d", argv[2], k);
    FILE *f = fopen(name, "w");
    fwrite(buf, 1, n, f);
    fclose(f);
    if (fork() == 0) serve(fd);
    close(fd);
  }
}
`;

if (haveRoot(t)) {
  const h = new Harness('notify');
  t.teardown(() => h.cleanup());
  const src = join(h.work, 'agent.c');
  const agentBin = join(h.work, 'agent');
  writeFileSync(src, AGENT);
  execFileSync('cc', ['-O2', '-o', agentBin, src]);

  /** The agent on sock, recording each state it gets at <prefix>.N; it is up when this resolves. */
  async function startAgent(t: Test, sock: string, prefix: string): Promise<void> {
    const agent = spawn(agentBin, [sock, prefix], { stdio: ['ignore', 'pipe', 'inherit'] });
    t.teardown(() => agent.kill('SIGKILL'));
    await new Promise<void>((res) => agent.stdout?.once('data', () => res()));
  }

  const notifying = (listenerPath: string) => (c: Config) => {
    c.root.readonly = false;
    c.linux.seccomp = {
      defaultAction: 'SCMP_ACT_ALLOW',
      listenerPath,
      listenerMetadata: 'made-by-the-test',
      syscalls: [{ names: ['mkdir', 'mkdirat'], action: 'SCMP_ACT_NOTIFY' }],
    };
  };

  t.test('the agent gets the notify fd with the container process state, and decides mkdir', async (t) => {
    const sock = join(h.work, 'agent.sock');
    const stateFile = join(h.work, 'state-from-runtime.json');
    await startAgent(t, sock, stateFile);

    const b = await h.bundle('mkdir /tmp/x && echo "mkdir said ok"; test -d /tmp/x && echo "/tmp/x exists" || echo "no /tmp/x"', notifying(sock));
    t.equal(h.tsrc(['create', '--bundle', b.dir, b.id]).status, 0);
    const pid = JSON.parse(h.tsrc(['state', b.id]).stdout).pid as number;
    const state = JSON.parse(readFileSync(`${stateFile}.0`, 'utf8'));
    t.strictSame(state.fds, ['seccompFd']);
    t.equal(state.pid, pid, "pid: the container process, as the runtime sees it");
    t.equal(state.metadata, 'made-by-the-test');
    t.match(state.state, { id: b.id, status: 'creating', pid, bundle: b.dir });
    t.ok(typeof state.ociVersion === 'string' && state.ociVersion.length > 0);

    const r = h.tsrc(['start', b.id]);
    t.equal(r.status, 0, r.stderr);
    for (let i = 0; i < 100 && h.tsrc(['state', b.id]).stdout.includes('"running"'); i++) await new Promise((res) => setTimeout(res, 20));
    t.notOk(existsSync(join(b.dir, 'rootfs', 'tmp', 'x')), 'the agent answered mkdir without making the directory');
    h.tsrc(['delete', '--force', b.id]);
  });

  t.test('an exec\'d process gets its own connection and state; its mkdir is the agent\'s too', async (t) => {
    const sock = join(h.work, 'agent3.sock');
    const prefix = join(h.work, 'state3');
    await startAgent(t, sock, prefix);
    const b = await h.bundle('sleep 1000', notifying(sock));
    t.equal(h.tsrc(['run', '--detach', '--bundle', b.dir, b.id]).status, 0);
    const r = h.tsrc(['exec', b.id, 'sh', '-c', 'mkdir /tmp/y && echo "mkdir said ok"; test -d /tmp/y && echo "/tmp/y exists" || echo "no /tmp/y"']);
    t.equal(r.status, 0, r.stderr);
    t.equal(r.stdout, 'mkdir said ok\nno /tmp/y\n');
    const init = JSON.parse(readFileSync(`${prefix}.0`, 'utf8'));
    const exec = JSON.parse(readFileSync(`${prefix}.1`, 'utf8'));
    t.equal(init.state.status, 'creating');
    t.equal(exec.state.status, 'running', 'the container was running when the exec began');
    t.not(exec.pid, init.pid, "pid: the exec'd process");
    t.equal(exec.state.pid, init.pid, "state.pid: the container's init");
    h.tsrc(['delete', '--force', b.id]);
  });

  t.test('run in the foreground: what the process sees', async (t) => {
    const sock = join(h.work, 'agent2.sock');
    await startAgent(t, sock, join(h.work, 'state2.json'));
    const b = await h.bundle('mkdir /tmp/x && echo "mkdir said ok"; test -d /tmp/x && echo "/tmp/x exists" || echo "no /tmp/x"', notifying(sock));
    const r = h.tsrc(['run', '--bundle', b.dir, b.id]);
    t.equal(r.status, 0, r.stderr);
    t.equal(r.stdout, 'mkdir said ok\nno /tmp/x\n');
  });

  t.test('an agent that is not there fails create with one line, leaving nothing', async (t) => {
    const b = await h.bundle('true', notifying(join(h.work, 'nobody.sock')));
    const r = h.tsrc(['create', '--bundle', b.dir, b.id]);
    t.equal(r.status, 1);
    t.match(errorMessage(r.stderr), /^config\.json: \/linux\/seccomp\/listenerPath: cannot send the seccomp state to .*nobody\.sock: .*no such file or directory/i);
    t.same(h.leftovers(b.id, b.cgroupsPath), []);
  });
}
