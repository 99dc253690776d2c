import t from 'tap';
import { spawn, execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, existsSync, readdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { deriveStatus, execFifoPath, publicState, saveState, writeFileAtomic, loadState } from '../../lib/container/state.js';
import type { SavedState } from '../../lib/container/state.js';
import { isAlive, procStat, waitGone } from '../../lib/container/proc.js';

const dir = mkdtempSync(join(tmpdir(), 'tsrc-state-'));
t.teardown(() => rmSync(dir, { recursive: true, force: true }));

function saved(pid: number, startTime: number): SavedState {
  return {
    ociVersion: '1.3.0', id: 'c1', pid, pidStartTime: startTime, bundle: '/b', rootfs: '/b/rootfs', created: '2026-01-01T00:00:00.000Z',
    owner: 'root', cgroup: { mode: 'v1', paths: {}, created: [] }, sharedPidNs: false, hooks: { poststart: [], poststop: [] },
  };
}

t.test('status follows the init: created with the fifo, running without, stopped when gone', async (t) => {
  const child = spawn('sleep', ['100'], { stdio: 'ignore' });
  await new Promise((r) => child.once('spawn', r));
  const st = procStat(child.pid!)!;
  t.ok(st.startTime > 0);
  const s = saved(child.pid!, st.startTime);
  // deriveStatus reads the state directory, as build/tsrc does (native/fast/container_status.c).
  saveState(dir, s);
  execFileSync('mkfifo', [execFifoPath(dir)]);
  t.equal(deriveStatus(dir), 'created');
  rmSync(execFifoPath(dir));
  t.equal(deriveStatus(dir), 'running', 'no cgroup freezer: not paused');
  saveState(dir, saved(child.pid!, st.startTime + 1));
  t.equal(deriveStatus(dir), 'stopped', 'a reused pid (other start time) is not the container');
  saveState(dir, s);
  child.kill('SIGKILL');
  t.ok(waitGone(child.pid!, st.startTime, 5000));
  t.notOk(isAlive(child.pid!, st.startTime));
  t.equal(deriveStatus(dir), 'stopped');
  t.equal(publicState(s, 'stopped').pid, 0, 'a stopped container reports pid 0, like runc');
  writeFileAtomic(join(dir, 'state.json'), '{"id": "not a state file"}');
  t.throws(() => deriveStatus(dir), { message: `${join(dir, 'state.json')}: not in tsrc's state format (schemas/state-file.schema.json)` }, 'a state file not in the format of schemas/state-file.schema.json');
  t.equal(deriveStatus(join(dir, 'gone')), 'stopped', 'a container deleted meanwhile');
});

t.test('state is written atomically and read back', async (t) => {
  saveState(dir, saved(42, 7));
  t.same(loadState(dir.slice(0, dir.lastIndexOf('/')), dir.slice(dir.lastIndexOf('/') + 1)).pid, 42);
  t.same(readdirSync(dir).filter((f) => f.endsWith('.tmp')), [], 'no temp file left');
  writeFileAtomic(join(dir, 'pid'), '123');
  t.equal(readFileSync(join(dir, 'pid'), 'utf8'), '123');
  t.throws(() => loadState(dir, 'missing'), /container "missing" does not exist/);
  t.notOk(existsSync(join(dir, 'missing')));
});

t.test('procStat handles comm with spaces and parens', async (t) => {
  t.equal(procStat(process.pid)?.state, 'R');
  t.equal(procStat(999999999), null);
});
