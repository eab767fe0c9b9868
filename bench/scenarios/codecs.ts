/**
 * Payload codecs, decoded lazily: the cost of the list's window and of a filter on a decoded field
 * (`price > 100`) over a store of 1,000,000 MessagePack messages of ~100 bytes. The baseline is the
 * obvious loop: decode every message with @msgpack/msgpack and compare the price.
 */
import { decode as msgpackDecode, encode as msgpackEncode } from '@msgpack/msgpack';
import { Filter } from '../../src/core/filter';
import { InspectorSession } from '../../src/core/inspector/session';

export interface CodecCaseResult {
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

/** Message `i`: a map of ~100 bytes whose price runs 50..149.99 (every 4th above 100 on average: 49.99%). */
function message(i: number): Uint8Array {
  return msgpackEncode({
    seq: 1_000_000_000 + i,
    symbol: ['ACME', 'INIT', 'TECH', 'OMNI'][i % 4],
    price: 50 + ((i * 7919) % 10_000) / 100,
    qty: i % 1000,
    side: i % 2 ? 'buy' : 'sell',
    venue: 'XNAS',
    note: 'x'.repeat(30),
  });
}

/** A session that never connects, its store filled with `count` MessagePack messages, decoded as a user gets it by default ('auto'). */
function filled(count: number): InspectorSession {
  const s = new InspectorSession({ url: 'ws://127.0.0.1:9/feed', handshakeTimeout: 1000 }, () => undefined);
  for (let i = 0; i < count; i++) s.store.append(1_700_000_000_000 + i, 'received', 'binary', Buffer.from(message(i)));
  return s;
}

/** `bench.js codecs --count N --runs R`: prints CodecCaseResult[]. */
export async function codecsFromCommandLine(args: string[]): Promise<void> {
  const get = (name: string) => Number(args[args.indexOf(name) + 1]);
  const count = get('--count');
  const runs = get('--runs');
  const s = filled(count);
  const { model, store } = s;
  const results: CodecCaseResult[] = [];

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
    if (rows.filter((r) => r.decodedLine?.startsWith('{"seq":')).length < 60)
      throw new Error('A row of the window was not decoded as MessagePack.');
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

  // A filter on a decoded field, as the filter bar runs it (the view through the model).
  const times: number[] = [];
  let matches = 0;
  let decodes = 0;
  for (let i = 0; i <= runs; i++) {
    const before = model.decoders.decodes;
    const filter = new Filter({ json: 'price > 100' }, model.filterOptions(false));
    const t0 = performance.now();
    matches = await filter.update(store);
    if (i > 0) times.push(performance.now() - t0);
    decodes = model.decoders.decodes - before;
    filter.dispose();
  }
  // The obvious loop: decode every message with the reference decoder and compare the price.
  let best = Infinity;
  for (let run = 0; run < 2; run++) {
    const t0 = performance.now();
    let found = 0;
    for (let i = 0; i < store.length; i++) {
      const v = msgpackDecode(store.get(i)!.payload) as { price?: number };
      if (typeof v.price === 'number' && v.price > 100) found++;
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
