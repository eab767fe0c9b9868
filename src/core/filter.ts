// Over 400 lines: one incremental filter whose scan loops stay together (the hot path); the conditions live in filterAll, filterJson, filterValue and filterKeepalive.
import type { FilterQuery } from '../shared/protocol';
import type { KeepaliveTest, QuickField } from './decode';
import { FilterError } from './filterError';
import { dropKeepalives } from './filterKeepalive';
import { JsonConditions } from './filterAll';
import { DIRECTION_CODES, KIND_CODES, type FrameColumns, type FrameStore } from './frameStore';

const TEXT = KIND_CODES.indexOf('text');
const BINARY = KIND_CODES.indexOf('binary');
import { RegexRunner, type RegexBatch } from './regexWorker';

export { FilterError, REGEX_TIMEOUT_MESSAGE } from './filterError';

/** What to keep: the filter bar's query, typed in the shared protocol. */
export type { FilterQuery } from '../shared/protocol';

export interface FilterOptions {
  /** Milliseconds one batch of regex work may take before it is stopped. Default 1000. */
  regexBudgetMs?: number;
  /** A shared regex worker; without one the filter starts its own and ends it on `dispose()`. */
  regexRunner?: RegexRunner;
  /** Longest stretch of synchronous work before yielding to the event loop. Default 12 ms. */
  sliceMs?: number;
  /**
   * The decoder seam: a structured view of row `index` for rows whose bytes are not JSON (a
   * protocol's or a codec's view, made lazily and cached by the caller), or undefined. JSON
   * conditions that the bytes do not satisfy are tried on it.
   */
  decoded?: (index: number) => unknown;
  /** Only binary rows have a decoder's view (no protocol decodes text): text rows skip `decoded` and `quickField`. */
  decodedBinaryOnly?: boolean;
  /** The protocol's keepalive test, for `query.hideKeepalives`. */
  keepalive?: KeepaliveTest;
  /** The decoder's quick field reader: JSON conditions on top-level fields skip decoding where it can tell. */
  quickField?: QuickField;
}

/** Rows examined per step: small enough to yield often, large enough to amortize the bookkeeping. */
const SLICE_ROWS = 32768;
/** Largest payload batch sent to the regex worker at once. */
const REGEX_BATCH_BYTES = 8 * 1024 * 1024;
/** Regex batches in flight, so packing the next overlaps matching the current. */
const REGEX_PIPELINE = 2;

/** A growable, sorted list of row indexes. */
export class MatchList {
  private array = new Uint32Array(1024);
  private size = 0;

  get length(): number {
    return this.size;
  }

  /** The indexes so far (a view: copy it to keep it past the next update). */
  get indexes(): Uint32Array {
    return this.array.subarray(0, this.size);
  }

  clear(): void {
    this.size = 0;
  }

  push(row: number): void {
    if (this.size === this.array.length) this.reserve(this.size + 1);
    this.array[this.size++] = row;
  }

  pushAll(rows: Uint32Array, count = rows.length): void {
    if (this.size + count > this.array.length) this.reserve(this.size + count);
    this.array.set(count === rows.length ? rows : rows.subarray(0, count), this.size);
    this.size += count;
  }

  private reserve(min: number): void {
    const next = new Uint32Array(Math.max(min, this.array.length * 2));
    next.set(this.array.subarray(0, this.size));
    this.array = next;
  }
}

/**
 * Checks a query and builds its filter, or throws a `FilterError` with a sentence
 * (an invalid regular expression, a malformed JSON condition).
 */
export function createFilter(query: FilterQuery, options: FilterOptions = {}): Filter {
  return new Filter(query, options);
}

/**
 * The rows of one store that match a query, kept up to date incrementally: each `update(store)`
 * looks only at rows appended since the previous one. Substring, direction, kind and JSON
 * conditions run here in slices that yield to the event loop; a regular expression runs in a
 * worker with a time budget. When the store is cleared, the next update starts over.
 */
export class Filter {
  readonly matches = new MatchList();
  private examinedRows = 0;
  /** The store's first payload chunk when rows were examined: a different one means it was cleared. */
  private firstChunk: Buffer | undefined;
  private store: FrameStore | undefined;
  private failure: FilterError | undefined;
  private running: Promise<number> = Promise.resolve(0);
  private disposed = false;
  /** Cancels this filter's batches in a shared regex worker (on dispose, or once it failed). */
  private readonly cancel = new AbortController();

  private readonly directionMask: number;
  private readonly kindMask: number;
  private readonly needle: Buffer | undefined;
  /** Lower-case needle for case-insensitive search. */
  private readonly foldedNeedle: string | undefined;
  private readonly needleAscii: boolean;
  private readonly regex: { source: string; flags: string } | undefined;
  private readonly json: JsonConditions | undefined;
  private readonly regexBudgetMs: number;
  private readonly sliceMs: number;
  private readonly decoded: ((index: number) => unknown) | undefined;
  private readonly decodedBinaryOnly: boolean;
  private readonly keepalive: KeepaliveTest | undefined;
  private readonly quickField: QuickField | undefined;
  /** Keepalives the filter left out, with `hideKeepalives`. */
  keepalivesHidden = 0;
  private runner: RegexRunner | undefined;
  private readonly ownsRunner: boolean;
  private scratch = new Uint32Array(SLICE_ROWS);

  constructor(
    readonly query: FilterQuery,
    options: FilterOptions = {},
  ) {
    this.directionMask = mask(query.directions, DIRECTION_CODES, 'direction');
    this.kindMask = mask(query.kinds, KIND_CODES, 'kind');
    const text = query.text ?? '';
    const caseSensitive = query.caseSensitive ?? false;
    if (text !== '' && query.mode === 'regex') {
      const flags = caseSensitive ? '' : 'i';
      checkRegex(text, flags);
      this.regex = { source: text, flags };
    } else if (text !== '') {
      this.needle = Buffer.from(text, 'utf8');
      this.needleAscii = this.needle.length === text.length;
      if (!caseSensitive) this.foldedNeedle = text.toLowerCase();
    }
    this.needleAscii ??= true;
    if (query.json !== undefined && query.json.trim() !== '') this.json = new JsonConditions(query.json);
    this.regexBudgetMs = options.regexBudgetMs ?? 1000;
    this.sliceMs = options.sliceMs ?? 12;
    this.decoded = options.decoded;
    this.decodedBinaryOnly = options.decodedBinaryOnly === true;
    this.quickField = options.quickField;
    this.keepalive = query.hideKeepalives ? options.keepalive : undefined;
    this.runner = options.regexRunner;
    this.ownsRunner = !options.regexRunner;
  }

  /** Rows that match so far. */
  get count(): number {
    return this.matches.length;
  }

  /** Rows of the store looked at so far. */
  get examined(): number {
    return this.examinedRows;
  }

  /** The sentence of the failure that stopped this filter, if one did. */
  get error(): string | undefined {
    return this.failure?.message;
  }

  /**
   * Examines the rows appended to `store` since the last call and adds the matches.
   * Resolves with the match count; rejects with a `FilterError` (for example a regex that ran
   * out of time), after which the filter stays failed. Calls queue behind each other.
   */
  update(store: FrameStore): Promise<number> {
    // The rows present now are the ones this call covers, even if more arrive while it waits.
    const target = store.length;
    const next = this.running.then(
      () => this.run(store, target),
      () => this.run(store, target),
    );
    this.running = next;
    return next;
  }

  /** Stops the filter; its own regex worker ends. */
  dispose(): void {
    this.disposed = true;
    this.cancel.abort();
    if (this.ownsRunner) this.runner?.dispose();
  }

  private async run(store: FrameStore, requested: number): Promise<number> {
    if (this.failure) throw this.failure;
    if (this.disposed) throw new FilterError('The filter was closed.');
    if (this.store !== store) {
      if (this.store) throw new FilterError('A filter belongs to one message store; create a new filter for another.');
      this.store = store;
    }
    // A store cleared before or during a pass starts the filter over on what it holds now.
    while (!(await this.pass(store, requested))) requested = store.length;
    return this.matches.length;
  }

  /** Examines rows up to `requested`; false when the store was cleared meanwhile (matches are reset). */
  private async pass(store: FrameStore, requested: number): Promise<boolean> {
    if (this.wasCleared(store)) this.reset();
    const target = Math.min(requested, store.length);
    let sliceStart = Date.now();
    const inFlight: Promise<Uint32Array>[] = [];
    let cleared = false;
    const collect = async () => {
      const rows = await inFlight.shift()!;
      cleared ||= this.wasCleared(store);
      if (!cleared) this.matches.pushAll(rows);
    };
    try {
      let from = this.examinedRows;
      while (from < target && !cleared) {
        // A filter replaced by the next keystroke stops here, between slices.
        if (this.disposed) throw new FilterError('The filter was closed.');
        if (this.wasCleared(store)) {
          cleared = true;
          break;
        }
        const to = Math.min(target, from + SLICE_ROWS);
        const columns = store.columns();
        this.firstChunk ??= columns.chunks[0];
        let found = this.scan(columns, from, to);
        if (this.keepalive) {
          const kept = dropKeepalives(columns, this.scratch, found, this.keepalive);
          this.keepalivesHidden += found - kept;
          found = kept;
        }
        if (this.regex) {
          for (const batch of packBatches(columns, this.scratch, found)) {
            inFlight.push(
              this.regexRunner().test(
                this.regex.source,
                this.regex.flags,
                batch,
                this.regexBudgetMs,
                this.cancel.signal,
              ),
            );
            if (inFlight.length >= REGEX_PIPELINE) await collect();
          }
        } else {
          this.matches.pushAll(this.scratch, found);
          this.examinedRows = to;
        }
        from = to;
        if (Date.now() - sliceStart >= this.sliceMs) {
          await new Promise((resolve) => setImmediate(resolve));
          sliceStart = Date.now();
        }
      }
      while (inFlight.length > 0) await collect();
      if (cleared) {
        this.reset();
        return false;
      }
      if (target > this.examinedRows) this.examinedRows = target;
      return true;
    } catch (err) {
      // Later batches may still be pending; their failure is this one.
      for (const p of inFlight) p.catch(() => undefined);
      // Its other batches in the shared worker are of no use now.
      this.cancel.abort();
      this.failure = err instanceof FilterError ? err : new FilterError(`Filtering failed: ${(err as Error).message}`);
      throw this.failure;
    }
  }

  /** The store was cleared since rows were examined: its first payload chunk is gone, or rows are. */
  private wasCleared(store: FrameStore): boolean {
    if (this.examinedRows === 0 && this.firstChunk === undefined) return false;
    return store.length < this.examinedRows || store.columns().chunks[0] !== this.firstChunk;
  }

  private reset(): void {
    this.matches.clear();
    this.keepalivesHidden = 0;
    this.examinedRows = 0;
    this.firstChunk = undefined;
  }

  private regexRunner(): RegexRunner {
    this.runner ??= new RegexRunner();
    return this.runner;
  }

  /** True when a decoder's view of row `r` satisfies the JSON condition (the bytes did not). */
  private decodedMatches(r: number, kind: number, bytes: Buffer, start: number, stop: number): boolean {
    if (!this.decoded || !this.json || (this.decodedBinaryOnly && kind !== BINARY)) return false;
    const quick = this.quickField;
    if (quick && (kind === TEXT || kind === BINARY)) {
      const known = this.json.matchesQuick(quick, kind === TEXT ? 'text' : 'binary', bytes, start, stop);
      if (known !== undefined) return known;
    }
    const value = this.decoded(r);
    return value !== undefined && this.json.matchesValue(value);
  }

  /** Puts the rows of `[from, to)` that pass every condition except the regex into `scratch`. */
  private scan(c: FrameColumns, from: number, to: number): number {
    if (this.scratch.length < to - from) this.scratch = new Uint32Array(to - from);
    const out = this.scratch;
    const json = this.json;
    const { directions, kinds, chunks, chunkIndexes, chunkOffsets, sizes } = c;
    if (this.needle && (this.needleAscii || this.foldedNeedle === undefined)) {
      let found = this.searchBytes(c, from, to);
      if (json) {
        let kept = 0;
        for (let i = 0; i < found; i++) {
          const r = out[i];
          const start = chunkOffsets[r];
          const chunk = chunks[chunkIndexes[r]];
          if (
            json.matches(chunk, start, start + sizes[r]) ||
            this.decodedMatches(r, kinds[r], chunk, start, start + sizes[r])
          )
            out[kept++] = r;
        }
        found = kept;
      }
      return found;
    }
    // One pass for everything else: direction, kind, a non-ASCII case-insensitive needle, JSON.
    const dm = this.directionMask;
    const km = this.kindMask;
    const folded = this.foldedNeedle;
    let found = 0;
    for (let r = from; r < to; r++) {
      if (((dm >> directions[r]) & 1) === 0 || ((km >> kinds[r]) & 1) === 0) continue;
      if (folded !== undefined || json !== undefined) {
        const chunk = chunks[chunkIndexes[r]];
        const start = chunkOffsets[r];
        const stop = start + sizes[r];
        if (folded !== undefined && !chunk.toString('utf8', start, stop).toLowerCase().includes(folded)) continue;
        if (
          json !== undefined &&
          !json.matches(chunk, start, stop) &&
          !this.decodedMatches(r, kinds[r], chunk, start, stop)
        )
          continue;
      }
      out[found++] = r;
    }
    return found;
  }

  /**
   * Substring search over whole runs of rows that share a payload chunk: one `Buffer.indexOf`
   * (or one string search over a lower-cased Latin-1 view, exact for an ASCII needle) finds the
   * next hit, and a hit counts for the row that holds all of it.
   */
  private searchBytes(c: FrameColumns, from: number, to: number): number {
    const { chunkIndexes, chunkOffsets: offsets, sizes, directions, kinds } = c;
    const dm = this.directionMask;
    const km = this.kindMask;
    const needle = this.needle!;
    const folded = this.foldedNeedle;
    const length = needle.length;
    const out = this.scratch;
    let found = 0;
    let r = from;
    while (r < to) {
      const chunkIndex = chunkIndexes[r];
      let runEnd = r + 1;
      while (runEnd < to && chunkIndexes[runEnd] === chunkIndex) runEnd++;
      const chunk = c.chunks[chunkIndex];
      const base = offsets[r];
      const stop = offsets[runEnd - 1] + sizes[runEnd - 1];
      const haystack = folded === undefined ? undefined : chunk.toString('latin1', base, stop).toLowerCase();
      let at = base;
      while (r < runEnd) {
        const hit = haystack === undefined ? chunk.indexOf(needle, at) : haystack.indexOf(folded!, at - base) + base;
        if (hit < base || hit + length > stop) break;
        while (offsets[r] + sizes[r] < hit + length) r++;
        if (offsets[r] <= hit) {
          if (((dm >> directions[r]) & 1) !== 0 && ((km >> kinds[r]) & 1) !== 0) out[found++] = r;
          r++;
        }
        // A hit across a row boundary belongs to no row; search on from the next row.
        if (r < runEnd) at = offsets[r];
      }
      r = runEnd;
    }
    return found;
  }
}

/** Packs the payloads of `rows[0..count)` into batches for the regex worker. */
function* packBatches(c: FrameColumns, rows: Uint32Array, count: number): Generator<RegexBatch> {
  let i = 0;
  while (i < count) {
    let bytes = 0;
    let j = i;
    while (j < count && (j === i || bytes + c.sizes[rows[j]] <= REGEX_BATCH_BYTES)) bytes += c.sizes[rows[j++]];
    const packed = new Uint8Array(bytes);
    const bounds = new Uint32Array(j - i + 1);
    let at = 0;
    // Consecutive rows in one chunk are contiguous bytes: copy them in one go.
    let k = i;
    while (k < j) {
      const r0 = rows[k];
      const chunkIndex = c.chunkIndexes[r0];
      const start = c.chunkOffsets[r0];
      let stop = start + c.sizes[r0];
      bounds[k - i] = at;
      let m = k + 1;
      while (m < j && rows[m] === rows[m - 1] + 1 && c.chunkIndexes[rows[m]] === chunkIndex) {
        bounds[m - i] = at + (stop - start);
        stop = c.chunkOffsets[rows[m]] + c.sizes[rows[m]];
        m++;
      }
      packed.set(c.chunks[chunkIndex].subarray(start, stop), at);
      at += stop - start;
      k = m;
    }
    bounds[j - i] = at;
    yield { rows: rows.slice(i, j), bytes: packed, bounds };
    i = j;
  }
}

function mask<T>(selected: readonly T[] | undefined, order: readonly T[], what: string): number {
  if (!selected || selected.length === 0) return 0xffff;
  let bits = 0;
  for (const s of selected) {
    const code = order.indexOf(s);
    if (code < 0) throw new FilterError(`Unknown ${what} "${String(s)}"; use one of ${order.join(', ')}.`);
    bits |= 1 << code;
  }
  return bits;
}

function checkRegex(source: string, flags: string): void {
  try {
    new RegExp(source, flags);
  } catch (err) {
    const detail = (err as Error).message.replace(/^Invalid regular expression: \/.*\/[a-z]*: /s, '');
    throw new FilterError(
      `The regular expression is not valid: ${detail.charAt(0).toLowerCase()}${detail.slice(1)}. Check its brackets and escapes, or switch to plain text.`,
    );
  }
}
