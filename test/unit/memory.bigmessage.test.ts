import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { join, resolve } from 'node:path';
import { test } from 'node:test';

// A 64 MiB text message received by a Transport and kept in a FrameStore (the host's path for a row)
// must not be held many times over. Measured in a child process (--expose-gc, nothing else running):
// the peak of heapUsed + arrayBuffers above the baseline, sampled every millisecond and at the row.
// The server runs in the child too, but its 64 MiB are allocated before the baseline.

const core = resolve(__dirname, '../../src/core');
const SCRIPT = `
const { WebSocketServer } = require('ws');
const { WebSocketTransport } = require(${JSON.stringify(join(core, 'transport', 'websocket.js'))});
const { FrameStore } = require(${JSON.stringify(join(core, 'frameStore.js'))});
const { SessionRecorder } = require(${JSON.stringify(join(core, 'sessions', 'recorder.js'))});
const RECORD = process.argv.includes('--record');
const SIZE = 64 * 1024 * 1024;
(async () => {
  const wss = new WebSocketServer({ host: '127.0.0.1', port: 0, perMessageDeflate: false });
  await new Promise((r) => wss.on('listening', r));
  const big = Buffer.alloc(SIZE, 0x61);
  wss.on('connection', (s) => s.send(big, { binary: false }));
  const c = new WebSocketTransport({ url: 'ws://127.0.0.1:' + wss.address().port + '/', handshakeTimeout: 5000, perMessageDeflate: false });
  const store = new FrameStore();
  const dir = require('node:fs').mkdtempSync(require('node:path').join(require('node:os').tmpdir(), 'wsi-mem-'));
  const recorder = RECORD ? await SessionRecorder.create(require('node:path').join(dir, 'r.wslog'), { url: 'ws://127.0.0.1/' }) : undefined;
  if (recorder) recorder.attach(c);
  const used = () => { const m = process.memoryUsage(); return m.arrayBuffers + m.heapUsed; };
  global.gc();
  const base = used();
  let peak = 0;
  const timer = setInterval(() => (peak = Math.max(peak, used() - base)), 1);
  await new Promise((resolve) => {
    c.onMessage((f) => {
      if (f.kind !== 'text') return;
      store.append(f.time, f.direction, f.kind, f.payload);
      store.summaries(0, 10);
      peak = Math.max(peak, used() - base);
      if (!recorder) return resolve();
      recorder.close().then(() => { peak = Math.max(peak, used() - base); resolve(); });
    });
    c.connect();
  });
  clearInterval(timer);
  console.log(JSON.stringify({ ratio: peak / SIZE, rows: store.length }));
  c.dispose();
  wss.close();
  require('node:fs').rmSync(dir, { recursive: true, force: true });
  process.exit(0);
})();
`;

for (const record of [false, true]) {
  test(
    `a 64 MiB text message peaks under 2.5x its size in the connection and the frame store${record ? ', recorded to a .wslog' : ''}`,
    { timeout: 90_000 },
    async (t) => {
      const out = await new Promise<string>((done, fail) =>
        execFile(
          process.execPath,
          ['--expose-gc', '-e', SCRIPT, ...(record ? ['--', '--record'] : [])],
          { cwd: resolve(__dirname, '../../..'), timeout: 60_000, maxBuffer: 1 << 20 },
          (err, stdout, stderr) => (err ? fail(new Error(`${err.message}\n${stderr}`)) : done(stdout)),
        ),
      );
      const { ratio, rows } = JSON.parse(out.trim().split('\n').pop() ?? '{}') as { ratio: number; rows: number };
      t.diagnostic(`peak ${ratio.toFixed(2)}x the message size`);
      assert.ok(rows >= 1);
      assert.ok(ratio < 2.5, `peak ${ratio.toFixed(2)}x the 64 MiB message`);
    },
  );
}
