// Drives one CRI streaming Exec URL the way `kubectl exec` does over websockets
// (v4.channel.k8s.io: every binary message starts with a channel byte, 1 stdout, 2 stderr,
// 3 the final status as JSON). Written for conformance/cri.test.ts, which runs it inside the
// private network namespace where containerd's streaming server listens on 127.0.0.1.
// Usage: node ws-exec.mjs <url>  → prints {"stdout":…,"stderr":…,"status":…} on stdout.
import { request } from 'node:http';
import { randomBytes } from 'node:crypto';

const url = new URL(process.argv[2]);
const req = request({
  host: url.hostname,
  port: url.port,
  path: url.pathname + url.search,
  headers: {
    Connection: 'Upgrade',
    Upgrade: 'websocket',
    'Sec-WebSocket-Version': '13',
    'Sec-WebSocket-Key': randomBytes(16).toString('base64'),
    'Sec-WebSocket-Protocol': 'v4.channel.k8s.io',
    Origin: `http://${url.host}`,
  },
});
const out = { stdout: '', stderr: '', status: undefined, protocol: undefined };
const finish = (code) => {
  process.stdout.write(`${JSON.stringify(out)}\n`);
  process.exit(code);
};
req.on('response', (res) => {
  out.status = `HTTP ${res.statusCode} without an upgrade`;
  finish(1);
});
req.on('error', (e) => {
  out.status = `error: ${e.message}`;
  finish(1);
});
req.on('upgrade', (res, socket, head) => {
  out.protocol = res.headers['sec-websocket-protocol'];
  let buf = head;
  const onMessage = (payload) => {
    if (payload.length === 0) return;
    const text = payload.subarray(1).toString('utf8');
    if (payload[0] === 1) out.stdout += text;
    else if (payload[0] === 2) out.stderr += text;
    else if (payload[0] === 3) out.status = text ? JSON.parse(text) : out.status;
  };
  // Server frames are unmasked; a message may span fragments (continuation opcode 0).
  let fragments = [];
  const parse = () => {
    for (;;) {
      if (buf.length < 2) return;
      const fin = (buf[0] & 0x80) !== 0;
      const opcode = buf[0] & 0x0f;
      let len = buf[1] & 0x7f;
      let off = 2;
      if (len === 126) {
        if (buf.length < 4) return;
        len = buf.readUInt16BE(2);
        off = 4;
      } else if (len === 127) {
        if (buf.length < 10) return;
        len = Number(buf.readBigUInt64BE(2));
        off = 10;
      }
      if (buf.length < off + len) return;
      const payload = buf.subarray(off, off + len);
      buf = buf.subarray(off + len);
      if (opcode === 8) {
        socket.end();
        return;
      }
      if (opcode === 0 || opcode === 1 || opcode === 2) {
        fragments.push(payload);
        if (fin) {
          onMessage(Buffer.concat(fragments));
          fragments = [];
        }
      }
    }
  };
  socket.on('data', (d) => {
    buf = Buffer.concat([buf, d]);
    parse();
  });
  socket.on('close', () => finish(0));
  socket.on('error', () => finish(0));
  parse();
});
req.end();
setTimeout(() => {
  out.status = out.status ?? 'timed out';
  finish(2);
}, 15_000).unref();
