import type { StatsSnapshot } from '../../shared/protocol';
import { DIRECTION_CODES, KIND_CODES, type FrameColumns } from '../frameStore';

/** Bucket lengths the rate charts use, the smallest that keeps a session to at most `MAX_BUCKETS`. */
const BUCKET_MS = [1000, 2000, 5000, 10_000, 30_000, 60_000, 300_000, 600_000, 1_800_000, 3_600_000, 21_600_000];
const MAX_BUCKETS = 300;
/** Size buckets: ≤16 B, ≤64 B, … (powers of 4), ≤1 MiB, then everything larger. */
const SIZE_BOUNDS = [16, 64, 256, 1024, 4096, 16_384, 65_536, 262_144, 1_048_576, -1];
/** Round trips kept for the chart (the newest). */
const MAX_RTT = 2000;
const SECOND = 1000;
/** Codes of `FrameColumns.directions` and `.kinds` this counts: sent/received text and binary. */
const SENT = DIRECTION_CODES.indexOf('sent');
const RECEIVED = DIRECTION_CODES.indexOf('received');
const TEXT = KIND_CODES.indexOf('text');
const BINARY = KIND_CODES.indexOf('binary');

/** The size bucket of `size` bytes (see `SIZE_BOUNDS`). */
export function sizeBucket(size: number): number {
  if (size <= 16) return 0;
  // ceil(log2(size)), then steps of two bits from 16 bytes up.
  const log2 = 32 - Math.clz32(size - 1);
  return Math.min(SIZE_BOUNDS.length - 1, Math.ceil((log2 - 4) / 2));
}

/**
 * Per-second counts of a connection's data messages and bytes in each direction, their sizes and
 * the round trips of its pings, for the Stats tab. Rows are read from the store's columns only
 * when a snapshot is asked for, from where the last one stopped, so arriving messages cost
 * nothing here; Clear (the store shrinking) starts it over.
 */
export class Timeline {
  private done = 0;
  /** Time of the first counted row's second; buckets are seconds from it. */
  private origin: number | undefined;
  private seconds = 0;
  private perSecond = emptySeries();
  private readonly sizes = { sent: SIZE_BOUNDS.map(() => 0), received: SIZE_BOUNDS.map(() => 0) };
  private rtt: { time: number; ms: number }[] = [];

  /** A ping's round trip. */
  addRtt(time: number, ms: number): void {
    this.rtt.push({ time, ms });
    if (this.rtt.length > MAX_RTT) this.rtt = this.rtt.slice(-MAX_RTT);
  }

  /** Counts the rows added since the last call (all of them again after a Clear). */
  update(columns: FrameColumns): void {
    if (columns.length < this.done) this.reset();
    const { times, directions, kinds, sizes, length } = columns;
    const per = this.perSecond;
    for (let i = this.done; i < length; i++) {
      const direction = directions[i];
      const kind = kinds[i];
      if ((direction !== SENT && direction !== RECEIVED) || (kind !== TEXT && kind !== BINARY)) continue;
      const time = times[i];
      if (this.origin === undefined) this.origin = Math.floor(time / SECOND) * SECOND;
      // Rows are in arrival order; a clock step back counts in the first second.
      const second = Math.max(0, Math.floor((time - this.origin) / SECOND));
      while (this.seconds <= second) {
        for (const series of Object.values(per)) series.push(0);
        this.seconds++;
      }
      const size = sizes[i];
      if (direction === SENT) {
        per.sentMessages[second]++;
        per.sentBytes[second] += size;
        this.sizes.sent[sizeBucket(size)]++;
      } else {
        per.receivedMessages[second]++;
        per.receivedBytes[second] += size;
        this.sizes.received[sizeBucket(size)]++;
      }
    }
    this.done = length;
  }

  /** What the charts draw, in at most ~300 buckets. */
  snapshot(): StatsSnapshot {
    const span = this.seconds * SECOND;
    const bucketMs = BUCKET_MS.find((ms) => span / ms <= MAX_BUCKETS) ?? BUCKET_MS[BUCKET_MS.length - 1];
    const per = bucketMs / SECOND;
    const group = (series: number[]) => {
      const out: number[] = [];
      for (let s = 0; s < this.seconds; s++) out[Math.floor(s / per)] = (out[Math.floor(s / per)] ?? 0) + series[s];
      return out;
    };
    const p = this.perSecond;
    return {
      ...(this.origin !== undefined ? { start: this.origin } : {}),
      bucketMs,
      sent: { messages: group(p.sentMessages), bytes: group(p.sentBytes) },
      received: { messages: group(p.receivedMessages), bytes: group(p.receivedBytes) },
      rtt: this.rtt.slice(),
      sizes: { bounds: SIZE_BOUNDS, sent: this.sizes.sent.slice(), received: this.sizes.received.slice() },
    };
  }

  private reset(): void {
    this.done = 0;
    this.origin = undefined;
    this.seconds = 0;
    this.perSecond = emptySeries();
    this.sizes.sent.fill(0);
    this.sizes.received.fill(0);
  }
}

function emptySeries(): Record<'sentMessages' | 'receivedMessages' | 'sentBytes' | 'receivedBytes', number[]> {
  return { sentMessages: [], receivedMessages: [], sentBytes: [], receivedBytes: [] };
}

/** The first position in `indexes` (ascending row indexes, `count` of them) whose row is at or after `row`. */
export function firstAtOrAfter(indexes: ArrayLike<number>, count: number, row: number): number {
  let lo = 0;
  let hi = count;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if (indexes[mid] < row) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}

/** The first row whose time is at or after `time` (rows are in arrival order), or `length` when none is. */
export function rowAtTime(times: Float64Array, length: number, time: number): number {
  let lo = 0;
  let hi = length;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if (times[mid] < time) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}
