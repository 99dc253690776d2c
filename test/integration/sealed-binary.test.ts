// CVE-2019-5736: a process in a container must never reach a runtime binary of the host through
// /proc/<pid>/exe of a runtime process it can see (the init blocked on the exec fifo, the child
// of `tsrc exec` before its execve). tsrc-init runs from a sealed memfd copy of itself and is
// non-dumpable until it execs the container's program. Tried from inside a created container
// while execs come and go; judged by what the attacker could open and by the host binaries'
// checksums.
import t from 'tap';
import { createHash } from 'node:crypto';
import { spawn } from 'node:child_process';
import { readFileSync, readlinkSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { Harness, haveRoot, REPO, TSRC_LAUNCHER } from '../helpers/tsrc.js';

const sha = (f: string) => createHash('sha256').update(readFileSync(f)).digest('hex');
const HOST_BINARIES = ['build/Release/tsrc-init', 'build/tsrc', 'build/Release/tsrc_native.node', 'bin/tsrc'].map((f) => join(REPO, f));

// The attack as published: hold a read-only fd on the /proc/<pid>/exe of every runtime process
// that shows up in the container's pid namespace, and once that process has moved on (the file is
// no longer busy), reopen the fd for writing through /proc/self/fd. Nothing is ever written: a
// successful open is the finding. It runs until /tmp/stop appears.
const ATTACKER = `found=0
while [ ! -e /tmp/stop ]; do
  for e in /proc/[0-9]*/exe; do
    case "$e" in /proc/$$/exe|/proc/self/exe) continue;; esac
    command exec 3<"$e" 2>/dev/null || continue
    l=$(readlink /proc/self/fd/3)
    case "$l" in /bin/busybox) command exec 3<&-; continue;; esac
    found=$((found+1)); echo "GOT $e $l"
    k=0
    while [ $k -lt 50 ]; do
      k=$((k+1))
      if command exec 4>>/proc/self/fd/3 2>/dev/null; then echo "OPENED $l"; command exec 4>&-; break; fi
      sleep 0.02
    done
    command exec 3<&-
  done
done
echo "DONE $found"`;

if (haveRoot(t)) {
  const h = new Harness('sealed');
  t.teardown(() => h.cleanup());

  t.test('runtime processes run from a sealed, non-dumpable copy', async (t) => {
    const b = await h.bundle('sleep 1000');
    t.equal(h.tsrc(['create', '--bundle', b.dir, b.id]).status, 0);
    const pid = JSON.parse(h.tsrc(['state', b.id]).stdout).pid as number;
    t.match(readlinkSync(`/proc/${pid}/exe`), /^\/memfd:tsrc-init \(deleted\)$/, 'the waiting init runs from a memfd');
    t.match(readFileSync(`/proc/${pid}/status`, 'utf8'), /^Name:\ttsrc-init$/m, 'and is still called tsrc-init');
    // From inside: the init is pid 1 of the container, its exe not even readable.
    const r = h.tsrc(['exec', b.id, 'sh', '-c', 'readlink /proc/1/exe || echo unreadable; (exec 3>>/proc/1/exe) 2>/dev/null && echo OPENED || echo refused']);
    t.equal(r.stdout, 'unreadable\nrefused\n', r.stderr);
    h.tsrc(['delete', '--force', b.id]);
  });

  t.test('an attacker in the container during concurrent execs opens no runtime binary', async (t) => {
    const before = HOST_BINARIES.map(sha);
    const b = await h.bundle('sleep 1000', (c) => (c.root.readonly = false));
    t.equal(h.tsrc(['run', '--detach', '--bundle', b.dir, b.id]).status, 0);
    // Each exec adds a runtime child (tsrc-init until its execve) to the pid namespace.
    const attacker = h.tsrc(['exec', '--detach', b.id, 'sh', '-c', `(${ATTACKER}) > /tmp/attack.log 2>&1`]);
    t.equal(attacker.status, 0, attacker.stderr);
    const execs: Array<Promise<number | null>> = [];
    for (let i = 0; i < 20; i++) {
      execs.push(
        new Promise((res) => {
          const p = spawn(TSRC_LAUNCHER, ['--root', h.root, 'exec', b.id, 'true'], { stdio: 'ignore' });
          p.on('exit', (code) => res(code));
        }),
      );
      // In bursts, with gaps in which no runtime process runs the binary (so it is not busy).
      if (i % 4 === 3) {
        await Promise.all(execs.slice(-4));
        await new Promise((r) => setTimeout(r, 300));
      }
    }
    t.same(await Promise.all(execs), Array(20).fill(0), 'every exec ran');
    writeFileSync(join(b.dir, 'rootfs', 'tmp', 'stop'), '');
    const log = join(b.dir, 'rootfs', 'tmp', 'attack.log');
    let text = '';
    for (let i = 0; i < 600 && !/DONE/.test(text); i++) {
      await new Promise((r) => setTimeout(r, 50));
      try {
        text = readFileSync(log, 'utf8');
      } catch {
        /* not yet */
      }
    }
    t.match(text, /DONE \d+/, 'the attacker ran to the end');
    t.same(text.split('\n').filter((l) => l.startsWith('OPENED')), [], 'no exe could be opened for writing');
    t.same(HOST_BINARIES.map(sha), before, "the host binaries' checksums never changed");
    h.tsrc(['delete', '--force', b.id]);
  });
}
