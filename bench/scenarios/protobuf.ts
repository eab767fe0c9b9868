/**
 * Protobuf decoded lazily: the cost of the list's window of 60 Protobuf rows (each view made
 * anew, no cache hits) over a store of `count` ~100-byte ticker messages, decoded with a schema
 * (field ranges included, as the panel gets them). Baseline: the same window's raw summaries.
 */
import { protobufEncoder, loadProtoSchema } from '../../src/core/decode/protobuf';
import { InspectorSession } from '../../src/core/inspector/session';

export interface ProtobufCaseResult {
  name: string;
  p95Ms: number;
  medianMs: number;
  baselineMs: number;
  /** Bytes of one message. */
  messageBytes: number;
  decodes: number;
}

const PROTO = `syntax = "proto3";
package bench;
import "google/protobuf/timestamp.proto";
enum Side { SIDE_UNSPECIFIED = 0; BUY = 1; SELL = 2; }
message Ticker {
  string symbol = 1;
  double price = 2;
  double bid = 3;
  double ask = 4;
  int64 volume = 5;
  uint64 seq = 6;
  Side side = 7;
  google.protobuf.Timestamp at = 8;
  string venue = 9;
  repeated double last = 10;
}
`;
const SYMBOLS = ['BTCUSDT', 'ETHUSDT', 'SOLUSDT', 'XRPUSDT'];

function percentile(times: number[], p: number): number {
  const sorted = [...times].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.ceil(sorted.length * p) - 1)];
}

/** `bench.js protobuf --count N --runs R`: prints ProtobufCaseResult[]. */
export function protobufFromCommandLine(args: string[]): Promise<void> {
  const get = (name: string) => Number(args[args.indexOf(name) + 1]);
  const count = get('--count');
  const runs = get('--runs');
  const loaded = loadProtoSchema({
    files: ['/bench/ticker.proto'],
    readFile: (p) => (p.endsWith('ticker.proto') ? PROTO : undefined),
  });
  if (!loaded.schema) throw new Error(`The bench schema did not load: ${JSON.stringify(loaded.errors)}`);
  const encoder = protobufEncoder(loaded.schema, 'bench.Ticker');

  // A plain WebSocket session that never connects; its store holds `count` binary ticker messages.
  const s = new InspectorSession({ url: 'ws://127.0.0.1:9/feed', handshakeTimeout: 1000 }, () => undefined);
  const { model, store } = s;
  let messageBytes = 0;
  for (let i = 0; i < count; i++) {
    const payload = encoder.encode({
      symbol: SYMBOLS[i % 4],
      price: 60000 + (i % 1000) / 8,
      bid: 59999.5,
      ask: 60000.5,
      volume: String(9_007_199_254_740_000 + i),
      seq: String(1_000_000_000 + i),
      side: i % 2 ? 'BUY' : 'SELL',
      at: { seconds: String(1_714_564_800 + i), nanos: (i % 1000) * 1_000_000 },
      venue: 'binance',
      last: [60000.125, 60000.25, 60000.375],
    });
    messageBytes = payload.length;
    store.append(1_700_000_000_000 + i, 'received', 'binary', payload);
  }
  // As the Payloads picker sets it.
  model.protocols.usePayloads({ schema: loaded.schema, choice: 'protobuf:bench.Ticker' });

  // The list's window: 60 rows far apart each time, so every view is made anew (no cache hits).
  const windowTimes: number[] = [];
  const plainTimes: number[] = [];
  const step = Math.floor(count / (runs * 4 + 2));
  const before = model.decoders.decodes;
  for (let i = 0; i <= runs * 4; i++) {
    const from = (i * step) % (count - 60);
    const t0 = performance.now();
    store.summaries(from + 1, 60);
    const t1 = performance.now();
    const rows = model.withDecoded(store.summaries(from, 60));
    const t2 = performance.now();
    const decoded = rows.filter((r) => r.decodedLine?.startsWith('{"symbol":"')).length;
    if (decoded < 60) throw new Error(`${60 - decoded} rows of the window were not decoded as Protobuf.`);
    if (i > 0) {
      plainTimes.push(t1 - t0);
      windowTimes.push(t2 - t1);
    }
  }
  const results: ProtobufCaseResult[] = [
    {
      name: 'window',
      p95Ms: percentile(windowTimes, 0.95),
      medianMs: percentile(windowTimes, 0.5),
      baselineMs: percentile(plainTimes, 0.5),
      messageBytes,
      decodes: model.decoders.decodes - before,
    },
  ];
  s.dispose();
  process.stdout.write(JSON.stringify(results) + '\n');
  return Promise.resolve();
}
