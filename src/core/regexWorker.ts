import { Worker } from 'node:worker_threads';
import { FilterError, REGEX_TIMEOUT_MESSAGE } from './filterError';

/** One batch of payloads for the worker: `bytes` packs them end to end, `bounds` has n + 1 offsets. */
export interface RegexBatch {
  rows: Uint32Array;
  bytes: Uint8Array;
  bounds: Uint32Array;
}

interface Job {
  id: number;
  message: { id: number; source: string; flags: string } & RegexBatch;
  transfer: ArrayBuffer[];
  budgetMs: number;
  resolve: (rows: Uint32Array) => void;
  reject: (err: Error) => void;
  /** Stops listening to the caller's signal. */
  release: () => void;
}

/**
 * Runs regular expressions over payloads in a `worker_threads` worker, so a pattern that
 * backtracks forever cannot freeze the host: each batch has a time budget, and a batch that
 * overruns it ends the worker (the only way to stop a running `RegExp`) and fails with a sentence.
 * One long-lived runner serves any number of filters, one batch at a time (the next is posted when
 * the one before answers); a new worker starts only after one had to be ended. A caller's signal
 * cancels its batches: a waiting one is dropped, a running one ends the worker, so a filter the
 * next keystroke replaced does not hold up the new one.
 */
export class RegexRunner {
  private worker: Worker | undefined;
  private online = false;
  private readonly queue: Job[] = [];
  private timer: NodeJS.Timeout | undefined;
  private nextId = 1;
  private disposed = false;

  /** The rows of `batch` whose payload, decoded as UTF-8, matches `/source/flags`; aborting `signal` cancels it. */
  test(source: string, flags: string, batch: RegexBatch, budgetMs: number, signal?: AbortSignal): Promise<Uint32Array> {
    if (this.disposed || signal?.aborted) return Promise.reject(new FilterError('The filter was closed.'));
    return new Promise((resolve, reject) => {
      const id = this.nextId++;
      // Transfer the packed bytes: they were made for this batch alone.
      const transfer = [batch.bytes.buffer, batch.rows.buffer, batch.bounds.buffer].filter(
        (b, i, all): b is ArrayBuffer => b instanceof ArrayBuffer && all.indexOf(b) === i,
      );
      const onAbort = () => this.cancel(job);
      const job: Job = {
        id,
        message: { id, source, flags, ...batch },
        transfer,
        budgetMs,
        resolve,
        reject,
        release: () => signal?.removeEventListener('abort', onAbort),
      };
      signal?.addEventListener('abort', onAbort, { once: true });
      this.queue.push(job);
      if (this.queue.length === 1) this.post();
    });
  }

  /** Ends the worker; pending batches fail. */
  dispose(): void {
    this.disposed = true;
    this.stop(new FilterError('The filter was closed.'));
  }

  /** Posts the head batch to the worker (starting one if needed). */
  private post(): void {
    const head = this.queue[0];
    if (!head) {
      this.worker?.unref();
      return;
    }
    const worker = this.ensureWorker();
    worker.ref();
    worker.postMessage(head.message, head.transfer);
    this.startClock();
  }

  private cancel(job: Job): void {
    const at = this.queue.indexOf(job);
    if (at < 0) return;
    if (at === 0) return this.endHead(new FilterError('The filter was closed.'));
    this.queue.splice(at, 1);
    job.release();
    job.reject(new FilterError('The filter was closed.'));
  }

  /** Ends the worker running the head batch, fails that batch alone, and goes on with the next on a new worker. */
  private endHead(error: Error): void {
    this.clearClock();
    const worker = this.worker;
    this.worker = undefined;
    this.online = false;
    if (worker) void worker.terminate();
    const head = this.queue.shift();
    head?.release();
    head?.reject(error);
    this.post();
  }

  private ensureWorker(): Worker {
    if (this.worker) return this.worker;
    const worker = new Worker(`(${workerMain.toString()})()`, { eval: true });
    this.worker = worker;
    this.online = false;
    worker.on('online', () => {
      if (worker !== this.worker) return;
      this.online = true;
      this.startClock();
    });
    worker.on('message', (reply: { id: number; rows?: Uint32Array; error?: string }) => {
      if (worker !== this.worker) return;
      const job = this.queue[0];
      if (!job || job.id !== reply.id) return;
      this.queue.shift();
      job.release();
      this.clearClock();
      if (reply.error !== undefined) job.reject(new FilterError(reply.error));
      else job.resolve(reply.rows!);
      this.post();
    });
    worker.on('error', (err) => {
      if (worker === this.worker) this.stop(new FilterError(`The regular expression could not run: ${err.message}`));
    });
    worker.on('exit', () => {
      if (worker === this.worker) this.stop(new FilterError('The regular expression worker stopped unexpectedly.'));
    });
    return worker;
  }

  /** The head batch's budget runs only while the worker is alive and working on it. */
  private startClock(): void {
    this.clearClock();
    const head = this.queue[0];
    if (!head || !this.online) return;
    this.timer = setTimeout(() => this.endHead(new FilterError(REGEX_TIMEOUT_MESSAGE)), head.budgetMs);
  }

  private clearClock(): void {
    if (this.timer) clearTimeout(this.timer);
    this.timer = undefined;
  }

  private stop(error: Error): void {
    this.clearClock();
    const worker = this.worker;
    this.worker = undefined;
    this.online = false;
    if (worker) void worker.terminate();
    for (const job of this.queue.splice(0)) {
      job.release();
      job.reject(error);
    }
  }
}

/**
 * The worker's whole program, sent as source text (`eval: true`) so it needs no bundle or file of
 * its own. It must stay self-contained: no imports, no references outside this function.
 */
function workerMain(): void {
  // eslint-disable-next-line @typescript-eslint/no-require-imports, @typescript-eslint/consistent-type-imports -- the worker is this function's source text: it cannot import
  const { parentPort } = require('node:worker_threads') as typeof import('node:worker_threads');
  // eslint-disable-next-line @typescript-eslint/no-require-imports, @typescript-eslint/consistent-type-imports -- as above
  const { isAscii } = require('node:buffer') as typeof import('node:buffer');
  let key = '';
  let regex = /$^/;
  parentPort!.on(
    'message',
    (m: { id: number; source: string; flags: string; rows: Uint32Array; bytes: Uint8Array; bounds: Uint32Array }) => {
      try {
        if (key !== m.flags + '/' + m.source) {
          regex = new RegExp(m.source, m.flags.replace(/[gy]/g, ''));
          key = m.flags + '/' + m.source;
        }
        const bytes = Buffer.from(m.bytes.buffer, m.bytes.byteOffset, m.bytes.byteLength);
        const { rows, bounds } = m;
        // All-ASCII bytes decode the same as Latin-1 and UTF-8: decode once and slice (cheap views).
        const whole = isAscii(bytes) ? bytes.toString('latin1') : undefined;
        const out = new Uint32Array(rows.length);
        let found = 0;
        for (let i = 0; i < rows.length; i++) {
          const text =
            whole !== undefined
              ? whole.slice(bounds[i], bounds[i + 1])
              : bytes.toString('utf8', bounds[i], bounds[i + 1]);
          if (regex.test(text)) out[found++] = rows[i];
        }
        const result = out.slice(0, found);
        parentPort!.postMessage({ id: m.id, rows: result }, [result.buffer]);
      } catch (err) {
        parentPort!.postMessage({ id: m.id, error: `The regular expression failed: ${(err as Error).message}` });
      }
    },
  );
}
