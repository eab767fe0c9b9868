/**
 * Ingest: how many messages a second reach the end of the line. The baseline is a bare `ws`
 * client that only counts (or, for memory, keeps every payload); the pipeline is the real host
 * path (`InspectorSession`: Transport, frame sniffer, FrameStore, stats, batched posts that are
 * structured-cloned as postMessage would), with the recording a panel makes by default
 * (`--record`: the session history's recorder, redaction on) or without.
 * Each client runs in its own process; the flood server runs in another.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import WebSocket from 'ws';
import { SessionHistory } from '../../src/core/sessions/history';
import { InspectorSession } from '../../src/core/inspector/session';
import { KIND_CODES, DIRECTION_CODES } from '../../src/core/frameStore';
import { PROTOCOL_VERSION, type ToWebview } from '../../src/shared/protocol';
import { readSeq, SOCKET_IO_PREFIX } from '../messages';

export interface IngestResult {
  client: 'bare' | 'session';
  messages: number;
  seconds: number;
  perSecond: number;
  posts: number;
  /** Problems found when checking count and order; empty when none were lost. */
  problems: string[];
  /** The process's peak resident set size at the end. */
  peakRssBytes: number;
}

/** `bench.js ingest-client --client bare|session --port P --count N [--binary]`: prints one IngestResult. */
export async function ingestClientFromCommandLine(args: string[]): Promise<void> {
  const get = (name: string) => args[args.indexOf(name) + 1];
  const client = get('--client') as IngestResult['client'];
  const socketIo = args.includes('--socket-io');
  const url = `ws://127.0.0.1:${get('--port')}/${socketIo ? 'socket.io/?EIO=4&transport=websocket' : ''}`;
  const count = Number(get('--count'));
  const binary = args.includes('--binary');
  // With --socket-io the URL names the protocol; --protocol none reads the same frames as plain WebSocket.
  const protocol = args.includes('--protocol') ? get('--protocol') : undefined;
  const result =
    client === 'bare'
      ? await bare(url, count, args.includes('--keep'))
      : await session(url, count, binary, socketIo, protocol, args.includes('--record'));
  process.stdout.write(JSON.stringify(result) + '\n');
  process.exit(0);
}

const peakRss = () => process.resourceUsage().maxRSS * 1024;

function bare(url: string, count: number, keep: boolean): Promise<IngestResult> {
  return new Promise((resolve, reject) => {
    const ws = new WebSocket(url);
    let received = 0;
    let started = 0;
    const kept: Buffer[] = [];
    ws.on('open', () => (started = performance.now()));
    ws.on('message', (data: Buffer) => {
      received++;
      if (keep) kept.push(data);
    });
    ws.on('error', reject);
    ws.on('close', () => {
      const seconds = (performance.now() - started) / 1000;
      const problems = received === count ? [] : [`received ${received} of ${count}`];
      resolve({
        client: 'bare',
        messages: received,
        seconds,
        perSecond: received / seconds,
        posts: 0,
        problems,
        peakRssBytes: peakRss(),
      });
    });
  });
}

async function session(
  url: string,
  count: number,
  binary: boolean,
  socketIo = false,
  protocol?: string,
  record = false,
): Promise<IngestResult> {
  let posts = 0;
  let finished: () => void = () => undefined;
  const closed = new Promise<void>((resolve) => (finished = resolve));
  const post = (message: ToWebview) => {
    posts++;
    // What webview.postMessage does to every message on its way out.
    structuredClone(message);
    if (message.type === 'state' && message.state.phase === 'closed') finished();
  };
  const s = new InspectorSession({ url, handshakeTimeout: 10_000, ...(protocol ? { protocol } : {}) }, post);
  s.handle({ type: 'ready', protocolVersion: PROTOCOL_VERSION });
  const folder = record ? mkdtempSync(join(tmpdir(), 'wsi-bench-rec-')) : undefined;
  const recorder = folder
    ? await new SessionHistory(folder).record(s.connection, { redact: true, startedAt: Date.now() })
    : undefined;
  await s.connect();
  const started = performance.now();
  await closed;
  const seconds = (performance.now() - started) / 1000;
  const messages = s.stats.receivedMessages;
  const problems = verify(s, count, binary, socketIo ? SOCKET_IO_PREFIX.length : 0);
  if (recorder) {
    await recorder.close();
    if (recorder.eventCount < count) problems.push(`recorded ${recorder.eventCount} events for ${count} messages`);
    rmSync(folder!, { recursive: true, force: true });
  }
  const peakRssBytes = peakRss();
  s.dispose();
  return { client: 'session', messages, seconds, perSecond: messages / seconds, posts, problems, peakRssBytes };
}

/** Every message 0..count-1 is in the store, once, in order. */
export function verify(s: InspectorSession, count: number, binary: boolean, offset = 0): string[] {
  const problems: string[] = [];
  const c = s.store.columns();
  const want = binary ? 'binary' : 'text';
  let next = 0;
  for (let r = 0; r < c.length && problems.length < 5; r++) {
    if (DIRECTION_CODES[c.directions[r]] !== 'received' || KIND_CODES[c.kinds[r]] !== want) continue;
    // The Socket.IO flood's greeting (open packet, CONNECT) carries no number.
    const chunk = c.chunks[c.chunkIndexes[r]];
    const head = chunk.toString('latin1', c.chunkOffsets[r], c.chunkOffsets[r] + offset);
    if (offset && next === 0 && head !== SOCKET_IO_PREFIX) continue;
    const seq = readSeq(c.chunks[c.chunkIndexes[r]], c.chunkOffsets[r], c.sizes[r], binary, offset);
    if (seq !== next) problems.push(`row ${r}: expected message ${next}, found ${seq}`);
    next = seq + 1;
  }
  if (next !== count) problems.push(`stored ${next} of ${count} messages`);
  return problems;
}
