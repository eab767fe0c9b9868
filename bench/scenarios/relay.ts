/**
 * The relay: added latency and throughput against a direct connection, in the same run. Each part
 * runs in its own process (`bench.js relay-part --role echo|relay|serve`): the target, the relay
 * (recording every connection, as `wsi relay --record` does) and the measuring client.
 *  - latency: a client sends 10,000 msg/s of 100-byte messages for 2 s to an echo server, directly and
 *    through the relay; round trips p50/p99, and the relay's added p50/p99 (relay minus direct).
 *  - throughput: the flood server's `count` messages to a counting client, directly and through the relay.
 */
import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import WebSocket, { WebSocketServer } from 'ws';
import { Relay } from '../../src/core/relay';
import { recordingPath, recordRelayed } from '../../src/core/relay/record';
import type { SessionRecorder } from '../../src/core/sessions/recorder';
import { startFloodServer } from '../floodServer';

export interface RelayBenchResult {
  /** Round trips in ms, medians over rounds of each round's percentile. */
  directP50: number;
  directP99: number;
  relayP50: number;
  relayP99: number;
  addedP50: number;
  addedP99: number;
  /** Messages a second, medians of rounds. */
  directRate: number;
  relayRate: number;
  /** Through the relay without recording, for how much the recording costs. */
  relayNoRecordRate: number;
  problems: string[];
}

/** `bench.js relay-part --role echo|relay|serve …`: one part, printing {port} and running until stdin ends. */
export async function relayPartFromCommandLine(args: string[]): Promise<void> {
  const get = (name: string) => args[args.indexOf(name) + 1];
  const role = get('--role');
  let stop: () => Promise<void>;
  let port: number;
  if (role === 'echo') {
    const wss = new WebSocketServer({ host: '127.0.0.1', port: 0, perMessageDeflate: false });
    await new Promise<void>((r) => wss.once('listening', () => r()));
    wss.on('connection', (ws) => ws.on('message', (d, isBinary) => ws.send(d, { binary: isBinary })));
    port = (wss.address() as { port: number }).port;
    stop = () => new Promise((r) => wss.close(() => r()));
  } else if (role === 'serve') {
    const s = await startFloodServer({ size: 100, count: Number(get('--count')), rate: 0, binary: false });
    port = s.port;
    stop = () => s.close();
  } else {
    const dir = mkdtempSync(join(tmpdir(), 'wsi-bench-relay-'));
    const relay = new Relay({ listen: 0, target: get('--target') });
    const recorders: Promise<SessionRecorder>[] = [];
    if (!args.includes('--no-record'))
      relay.onConnection((c) => recorders.push(recordRelayed(c, recordingPath(join(dir, 'relay.wslog'), c.id))));
    port = await relay.start();
    stop = async () => {
      await relay.stop();
      for (const r of await Promise.all(recorders)) await r.close();
      rmSync(dir, { recursive: true, force: true });
    };
  }
  process.stdout.write(JSON.stringify({ port }) + '\n');
  process.stdin.resume();
  process.stdin.on('end', () => void stop().then(() => process.exit(0)));
}

/** `bench.js relay --count N --rounds R`: prints one RelayBenchResult. */
export async function relayFromCommandLine(args: string[]): Promise<void> {
  const get = (name: string) => args[args.indexOf(name) + 1];
  const count = Number(get('--count'));
  const rounds = Number(get('--rounds'));
  const problems: string[] = [];
  const parts: Array<() => void> = [];
  const part = async (extra: string[]) => {
    const p = spawn(process.execPath, [__filename, 'relay-part', ...extra], { stdio: ['pipe', 'pipe', 'inherit'] });
    parts.push(() => p.stdin.end());
    const line = await new Promise<string>((resolve, reject) => {
      let out = '';
      p.stdout.on('data', (d: Buffer) => {
        out += d.toString();
        if (out.includes('\n')) resolve(out.slice(0, out.indexOf('\n')));
      });
      p.on('exit', (code) => reject(new Error(`relay-part exited with ${code}`)));
    });
    return (JSON.parse(line) as { port: number }).port;
  };
  try {
    const echo = await part(['--role', 'echo']);
    const echoRelay = await part(['--role', 'relay', '--target', `ws://127.0.0.1:${echo}`]);
    const flood = await part(['--role', 'serve', '--count', String(count)]);
    const floodRelay = await part(['--role', 'relay', '--target', `ws://127.0.0.1:${flood}`]);
    const floodPlain = await part(['--role', 'relay', '--no-record', '--target', `ws://127.0.0.1:${flood}`]);
    const lat = { direct: [] as number[][], relay: [] as number[][] };
    const rate = { direct: [] as number[], relay: [] as number[], plain: [] as number[] };
    for (let round = 0; round < rounds; round++) {
      for (const [name, port] of [
        ['direct', echo],
        ['relay', echoRelay],
      ] as const) {
        const r = await roundTrips(`ws://127.0.0.1:${port}`, 10_000, 2);
        if (r.lost) problems.push(`${name} latency: ${r.lost} echoes missing`);
        lat[name].push([pct(r.rtts, 0.5), pct(r.rtts, 0.99)]);
      }
      for (const [name, port] of [
        ['direct', flood],
        ['relay', floodRelay],
        ['plain', floodPlain],
      ] as const) {
        const r = await drink(`ws://127.0.0.1:${port}`);
        if (r.received !== count) problems.push(`${name} throughput: ${r.received} of ${count} arrived`);
        rate[name].push(r.perSecond);
      }
    }
    const m = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];
    const result: RelayBenchResult = {
      directP50: m(lat.direct.map((x) => x[0])),
      directP99: m(lat.direct.map((x) => x[1])),
      relayP50: m(lat.relay.map((x) => x[0])),
      relayP99: m(lat.relay.map((x) => x[1])),
      addedP50: m(lat.relay.map((x, i) => x[0] - lat.direct[i][0])),
      addedP99: m(lat.relay.map((x, i) => x[1] - lat.direct[i][1])),
      directRate: m(rate.direct),
      relayRate: m(rate.relay),
      relayNoRecordRate: m(rate.plain),
      problems,
    };
    process.stdout.write(JSON.stringify(result) + '\n');
  } finally {
    for (const stop of parts) stop();
  }
  process.exit(0);
}

function pct(xs: number[], p: number): number {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.min(s.length - 1, Math.floor(p * s.length))] ?? NaN;
}

/** Sends `rate` messages a second for `seconds` (paced every millisecond) and times each echo. */
function roundTrips(url: string, rate: number, seconds: number): Promise<{ rtts: number[]; lost: number }> {
  return new Promise((resolve, reject) => {
    const ws = new WebSocket(url, { perMessageDeflate: false });
    const total = rate * seconds;
    const sentAt = new Float64Array(total);
    const rtts: number[] = [];
    const pad = 'x'.repeat(90);
    ws.on('error', reject);
    ws.on('message', (d: Buffer) => {
      const i = Number(d.toString('latin1', 0, d.indexOf(32)));
      rtts.push(performance.now() - sentAt[i]);
      if (rtts.length === total) finish();
    });
    let timer: NodeJS.Timeout | undefined;
    const finish = () => {
      clearInterval(timer);
      ws.close();
      resolve({ rtts, lost: total - rtts.length });
    };
    ws.on('open', () => {
      const started = performance.now();
      let sent = 0;
      timer = setInterval(() => {
        const due = Math.min(total, Math.floor(((performance.now() - started) / 1000) * rate));
        for (; sent < due; sent++) {
          sentAt[sent] = performance.now();
          ws.send(`${sent} ${pad}`);
        }
        if (sent === total) {
          clearInterval(timer);
          setTimeout(finish, 2000).unref();
        }
      }, 1);
    });
  });
}

/** Counts the flood server's messages from open to its close. */
function drink(url: string): Promise<{ received: number; perSecond: number }> {
  return new Promise((resolve, reject) => {
    const ws = new WebSocket(url, { perMessageDeflate: false });
    let received = 0;
    let started = 0;
    ws.on('error', reject);
    ws.on('open', () => (started = performance.now()));
    ws.on('message', () => {
      received++;
    });
    ws.on('close', () => resolve({ received, perSecond: received / ((performance.now() - started) / 1000) }));
  });
}
