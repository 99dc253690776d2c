// linux.netDevices: a host device moved into the container's network namespace under its new
// name, with its permanent global addresses, up; a name the namespace already has is refused;
// a device the host lacks fails create with one line, leaving nothing. Judged from the host with
// nsenter into the container's network namespace. veth pairs stand in for physical devices (this
// kernel has no dummy driver); a veth is destroyed with the namespace, a physical one would return.
import t from 'tap';
import { execFileSync, spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { errorMessage, Harness, haveRoot } from '../helpers/tsrc.js';
import type { Config } from '../helpers/tsrc.js';

const ipIn = (pid: number, ...args: string[]) => JSON.parse(execFileSync('nsenter', [`--net=/proc/${pid}/ns/net`, '--', 'ip', '-j', ...args], { encoding: 'utf8' }));
const veth = (a: string) => {
  spawnSync('ip', ['link', 'del', a]);
  execFileSync('ip', ['link', 'add', a, 'type', 'veth', 'peer', 'name', `${a}p`]);
};

if (haveRoot(t)) {
  const h = new Harness('netdev');
  const made: string[] = [];
  t.teardown(() => {
    h.cleanup();
    for (const a of made) spawnSync('ip', ['link', 'del', a]);
  });
  const withNet = (devices: Record<string, { name?: string }>) => (c: Config) => {
    if (!c.linux.namespaces.some((n: { type: string }) => n.type === 'network')) c.linux.namespaces.push({ type: 'network' });
    c.linux.netDevices = devices;
  };

  t.test('moved, renamed, addressed and up', async (t) => {
    const dev = `tsv${process.pid % 10000}a`;
    veth(dev);
    made.push(dev);
    execFileSync('ip', ['addr', 'add', '10.199.0.2/24', 'dev', dev]);
    execFileSync('ip', ['addr', 'add', 'fd00:199::2/64', 'dev', dev, 'nodad']);
    execFileSync('ip', ['addr', 'add', '10.199.1.2/24', 'dev', dev, 'scope', 'link']);
    const b = await h.bundle('sleep 1000', withNet({ [dev]: { name: 'eth7' } }));
    const r = h.tsrc(['run', '--detach', '--bundle', b.dir, b.id]);
    t.equal(r.status, 0, r.stderr);
    const pid = JSON.parse(h.tsrc(['state', b.id]).stdout).pid as number;
    t.notOk(existsSync(`/sys/class/net/${dev}`), 'gone from the host');
    const [link] = ipIn(pid, 'addr', 'show', 'dev', 'eth7');
    t.ok(link.flags.includes('UP'), 'up in the container');
    const addrs = link.addr_info.map((a: { local: string; prefixlen: number }) => `${a.local}/${a.prefixlen}`);
    t.ok(addrs.includes('10.199.0.2/24'), 'its IPv4 global address came along');
    t.ok(addrs.includes('fd00:199::2/64'), 'and its IPv6 one');
    t.notOk(addrs.includes('10.199.1.2/24'), 'a link-scope address did not (the spec keeps global ones only)');
    t.equal(h.tsrc(['delete', '--force', b.id]).status, 0);
    t.notOk(existsSync(`/sys/class/net/${dev}`), 'not moved back by delete (the spec: MUST NOT); a veth dies with the namespace');
  });

  t.test('a %d template is numbered; a name the namespace has is refused, leaving nothing', async (t) => {
    const dev = `tsv${process.pid % 10000}b`;
    veth(dev);
    made.push(dev);
    const b = await h.bundle('sleep 1000', withNet({ [dev]: { name: 'net%d' } }));
    t.equal(h.tsrc(['run', '--detach', '--bundle', b.dir, b.id]).status, 0);
    const pid = JSON.parse(h.tsrc(['state', b.id]).stdout).pid as number;
    t.same(ipIn(pid, 'link', 'show').map((l: { ifname: string }) => l.ifname).sort(), ['lo', 'net0']);
    h.tsrc(['delete', '--force', b.id]);

    const dev2 = `tsv${process.pid % 10000}c`;
    veth(dev2);
    made.push(dev2);
    const clash = await h.bundle('true', withNet({ [dev2]: { name: 'lo' } }));
    const r = h.tsrc(['create', '--bundle', clash.dir, clash.id]);
    t.equal(r.status, 1);
    t.equal(errorMessage(r.stderr), `config.json: /linux/netDevices/${dev2}: the container's network namespace already has a device named lo`);
    t.same(h.leftovers(clash.id, clash.cgroupsPath), [], 'nothing left behind');
    t.ok(existsSync(`/sys/class/net/${dev2}`), 'the device stays on the host');
  });

  t.test('features says network devices can be moved', async (t) => {
    t.same(JSON.parse(h.tsrc(['features']).stdout).linux.netDevices, { enabled: true });
  });

  t.test('a device the host does not have', async (t) => {
    const b = await h.bundle('true', withNet({ 'tsrc-none0': {} }));
    const r = h.tsrc(['create', '--bundle', b.dir, b.id]);
    t.equal(r.status, 1);
    t.equal(errorMessage(r.stderr), 'config.json: /linux/netDevices/tsrc-none0: no network device of that name on the host');
    t.same(h.leftovers(b.id, b.cgroupsPath), []);
  });
}
