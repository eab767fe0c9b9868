/**
 * TCP ingest: 100-byte length-prefixed messages (4-byte big-endian length) from a flood server,
 * read through the real host path (`InspectorSession` on a `TcpTransport` with `prefix=4be`
 * framing, the frame store, stats, batched posts, and the recording a panel makes by default),
 * against a bare `net.Socket` reader that cuts the same frames and only counts them.
 * The server and each client run in their own processes.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { connect, createServer, type AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { InspectorSession } from '../../src/core/inspector/session';
import { SessionHistory } from '../../src/core/sessions/history';
import { TcpTransport } from '../../src/core/transport';
import { PROTOCOL_VERSION, type ToWebview } from '../../src/shared/protocol';

export interface TcpIngestResult {
  client: 'bare' | 'transport' | 'session';
  messages: number;
  seconds: number;
  perSecond: number;
  problems: string[];
}

/** The whole flood, built once: `count` messages of `size` bytes, each "<seq> " then padding. */
function flood(count: number, size: number): Buffer {
  const out = Buffer.alloc(count * (size + 4), 0x78);
  for (let i = 0; i < count; i++) {
    const at = i * (size + 4);
    out.writeUInt32BE(size, at);
    out.write(`${i} `, at + 4, 'latin1');
  }
  return out;
}

/** `bench.js tcp-serve --size S --count N`: prints {port}; each client gets the flood, then the end. */
export async function tcpServeFromCommandLine(args: string[]): Promise<void> {
  const get = (name: string) => Number(args[args.indexOf(name) + 1]);
  const bytes = flood(get('--count'), get('--size'));
  const server = createServer((socket) => {
    socket.on('error', () => socket.destroy());
    socket.end(bytes);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', () => resolve()));
  process.stdout.write(JSON.stringify({ port: (server.address() as AddressInfo).port }) + '\n');
  process.stdin.resume();
  process.stdin.on('end', () => server.close(() => process.exit(0)));
}

/** `bench.js tcp-client --client bare|transport|session --port P --count N`: prints one TcpIngestResult. */
export async function tcpClientFromCommandLine(args: string[]): Promise<void> {
  const get = (name: string) => args[args.indexOf(name) + 1];
  const port = Number(get('--port'));
  const count = Number(get('--count'));
  const client = get('--client');
  const result =
    client === 'bare'
      ? await bare(port, count)
      : client === 'transport'
        ? await transport(port, count)
        : await session(port, count);
  process.stdout.write(JSON.stringify(result) + '\n');
  process.exit(0);
}

function bare(port: number, count: number): Promise<TcpIngestResult> {
  return new Promise((resolve, reject) => {
    const socket = connect(port, '127.0.0.1');
    let started = 0;
    let received = 0;
    let rest: Buffer | undefined;
    socket.on('connect', () => (started = performance.now()));
    socket.on('data', (chunk: Buffer) => {
      const b = rest ? Buffer.concat([rest, chunk]) : chunk;
      let at = 0;
      while (b.length - at >= 4) {
        const total = 4 + b.readUInt32BE(at);
        if (b.length - at < total) break;
        b.subarray(at + 4, at + total);
        received++;
        at += total;
      }
      rest = at < b.length ? b.subarray(at) : undefined;
    });
    socket.on('error', reject);
    socket.on('close', () => {
      const seconds = (performance.now() - started) / 1000;
      resolve({
        client: 'bare',
        messages: received,
        seconds,
        perSecond: received / seconds,
        problems: received === count ? [] : [`received ${received} of ${count}`],
      });
    });
  });
}

/** The transport and framer alone (raw chunk log on, as by default), counting messages: no store, no recording. */
async function transport(port: number, count: number): Promise<TcpIngestResult> {
  const t = new TcpTransport({ url: `tcp://127.0.0.1:${port}`, handshakeTimeout: 10_000, framing: 'prefix=4be' });
  let received = 0;
  t.onMessage(() => received++);
  const closed = new Promise<void>((resolve) => t.onState((s) => s.phase === 'closed' && resolve()));
  await t.connect();
  const started = performance.now();
  await closed;
  const seconds = (performance.now() - started) / 1000;
  t.dispose();
  const problems = received === count ? [] : [`received ${received} of ${count}`];
  return { client: 'transport', messages: received, seconds, perSecond: received / seconds, problems };
}

async function session(port: number, count: number): Promise<TcpIngestResult> {
  let finished: () => void = () => undefined;
  const closed = new Promise<void>((resolve) => (finished = resolve));
  const post = (message: ToWebview) => {
    structuredClone(message);
    if (message.type === 'state' && message.state.phase === 'closed') finished();
  };
  const s = new InspectorSession(
    { url: `tcp://127.0.0.1:${port}`, handshakeTimeout: 10_000, framing: 'prefix=4be', protocol: 'none' },
    post,
  );
  s.handle({ type: 'ready', protocolVersion: PROTOCOL_VERSION });
  const folder = mkdtempSync(join(tmpdir(), 'wsi-bench-tcp-'));
  const recorder = await new SessionHistory(folder).record(s.connection, { redact: true, startedAt: Date.now() });
  const started = performance.now();
  await s.connect();
  await closed;
  const seconds = (performance.now() - started) / 1000;
  const messages = s.stats.receivedMessages;
  const problems = messages === count ? [] : [`stored ${messages} of ${count}`];
  await recorder.close();
  if (recorder.eventCount < count) problems.push(`recorded ${recorder.eventCount} events for ${count} messages`);
  rmSync(folder, { recursive: true, force: true });
  s.dispose();
  return { client: 'session', messages, seconds, perSecond: messages / seconds, problems };
}
