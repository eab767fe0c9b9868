/**
 * Protocols over WebSocket, decoded lazily: the cost of the list's window and of a filter on a
 * decoded field, over a store of 1,000,000 Socket.IO events (four event names in turn). The
 * Socket.IO ingest figure is in main.ts (it uses the flood server and the ingest client).
 */
import { Filter } from '../../src/core/filter';
import { InspectorSession } from '../../src/core/inspector/session';
import { socketIoDecoder } from '../../src/core/protocols';

const EVENTS = ['chat', 'typing', 'presence', 'tick'];

export interface ProtocolCaseResult {
  name: string;
  p95Ms: number;
  medianMs: number;
  baselineMs: number;
  matches?: number;
  decodes?: number;
}

function percentile(times: number[], p: number): number {
  const sorted = [...times].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.ceil(sorted.length * p) - 1)];
}

/** A session that speaks Socket.IO (by its URL) but never connects, its store filled with `count` events of ~100 bytes. */
function filled(count: number): InspectorSession {
  const s = new InspectorSession(
    { url: 'ws://127.0.0.1:9/socket.io/?EIO=4&transport=websocket', handshakeTimeout: 1000 },
    () => undefined,
  );
  for (let i = 0; i < count; i++) {
    const head = `42["${EVENTS[i % 4]}",{"seq":${1_000_000_000 + i},"user":"u${i % 97}","text":"`;
    const payload = Buffer.from(`${head}${'x'.repeat(Math.max(0, 100 - head.length - 4))}"}]`);
    s.store.append(1_700_000_000_000 + i, 'received', 'text', payload);
  }
  return s;
}

/** `bench.js protocols --count N --runs R`: prints ProtocolCaseResult[]. */
export async function protocolsFromCommandLine(args: string[]): Promise<void> {
  const get = (name: string) => Number(args[args.indexOf(name) + 1]);
  const count = get('--count');
  const runs = get('--runs');
  const s = filled(count);
  const { model, store } = s;
  const results: ProtocolCaseResult[] = [];

  // The list's window: 60 rows far apart each time, so every view is made anew (no cache hits).
  const windowTimes: number[] = [];
  const plainTimes: number[] = [];
  const step = Math.floor(count / (runs * 4 + 2));
  for (let i = 0; i <= runs * 4; i++) {
    const from = (i * step) % (count - 60);
    const t0 = performance.now();
    store.summaries(from + 1, 60);
    const t1 = performance.now();
    const rows = model.withDecoded(store.summaries(from, 60));
    const t2 = performance.now();
    // Row 0 is the note that says the protocol is spoken; every other row is an event.
    if (rows.filter((r) => r.columns?.subject).length < 59) throw new Error('A row of the window was not decoded.');
    if (i > 0) {
      plainTimes.push(t1 - t0);
      windowTimes.push(t2 - t1);
    }
  }
  results.push({
    name: 'window',
    p95Ms: percentile(windowTimes, 0.95),
    medianMs: percentile(windowTimes, 0.5),
    baselineMs: percentile(plainTimes, 0.5),
  });

  // A filter on the decoded event name, as the filter bar runs it (the view through the model).
  const times: number[] = [];
  let matches = 0;
  let decodes = 0;
  for (let i = 0; i <= runs; i++) {
    const before = model.decoders.decodes;
    const filter = new Filter({ json: 'event == "chat"' }, model.filterOptions(false));
    const t0 = performance.now();
    matches = await filter.update(store);
    if (i > 0) times.push(performance.now() - t0);
    decodes = model.decoders.decodes - before;
    filter.dispose();
  }
  if (matches !== count / 4) throw new Error(`The filter found ${matches} chat events of ${count / 4}.`);
  // The obvious loop: decode every message with the Socket.IO decoder and compare the event.
  const decoder = socketIoDecoder(4);
  let best = Infinity;
  for (let run = 0; run < 2; run++) {
    const t0 = performance.now();
    let found = 0;
    for (let i = 0; i < store.length; i++) {
      const row = store.get(i)!;
      const v = decoder.decode({ index: i, direction: 'received', kind: 'text', payload: row.payload })?.value as
        { event?: string } | undefined;
      if (v?.event === 'chat') found++;
    }
    best = Math.min(best, performance.now() - t0);
    if (found !== matches) throw new Error(`The filter found ${matches}, the plain loop ${found}.`);
  }
  results.push({
    name: 'filter',
    p95Ms: percentile(times, 0.95),
    medianMs: percentile(times, 0.5),
    baselineMs: best,
    matches,
    decodes,
  });
  s.dispose();
  process.stdout.write(JSON.stringify(results) + '\n');
}
