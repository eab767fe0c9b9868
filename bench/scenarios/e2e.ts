// Over 400 lines: one end-to-end flood (server, host, Chromium page, lag probe, CPU profile) whose steps share the page.
/**
 * End to end into an open inspector: a rate-limited flood (`floodServer`, its own process) into a
 * real `InspectorSession` whose posts go to the real webview bundle and page (with its CSP) in
 * Debian's headless Chromium. Measures, for one run:
 *
 * - messages lost or reordered at the host (every sequence number checked in the store);
 * - lag: from the last message's arrival at the host to the first animation frame in which the
 *   page's `#stats` shows the final received count (a requestAnimationFrame loop inside the page
 *   reads the DOM; page `performance.now()` is mapped to the host's clock by the fastest of a few
 *   CDP round trips);
 * - the webview main thread's tasks while the flood runs: every task from a Chromium trace
 *   (`toplevel` category, the page's CrRendererMain thread): p99, max, count over 50 ms; and the
 *   page's own `PerformanceObserver('longtask')` count as a cross-check;
 * - posts crossing to the webview: per second over the flood, and the busiest 1-second window;
 * - the page's JS heap (CDP `Runtime.getHeapUsage` after `HeapProfiler.collectGarbage`) before
 *   the flood and after the final count is on screen.
 *
 * The bridge: each host `post` is queued; one CDP `Runtime.evaluate` at a time carries everything
 * queued so far as a JSON literal to `__deliver`, which calls `window.postMessage(m)` once per
 * message (so the page sees one `message` event per post, structured-cloned, as in VS Code). While
 * an evaluate is in flight new posts wait and go in the next one, so a slow bridge makes batches
 * larger, not the host slower. The bridge round trips are measured and reported.
 * The webview's own messages (ready, viewport) come back through `exposeBinding`.
 */
import { writeFileSync } from 'node:fs';
import { monitorEventLoopDelay } from 'node:perf_hooks';
import { join } from 'node:path';
import type { Browser, CDPSession, Page } from 'playwright-core';
import { InspectorSession } from '../../src/core/inspector/session';
import { chromiumArgs } from '../../test/runners/codeServer';
import { serveInspectorPage } from '../../test/webview/pageServer';
import type { FromWebview, ToWebview } from '../../src/shared/protocol';
import { verify } from './ingest';

export interface E2eResult {
  messages: number;
  received: number;
  /** Lost or reordered messages found at the host; empty when none. */
  problems: string[];
  /** Messages per second at the host, from open to the last message. */
  hostRate: number;
  floodSeconds: number;
  /** Last message at the host → final count in an animation frame, ms; null when never shown. */
  lagMs: number | null;
  /** Host post → next animation frame in an idle page, median of 10 (the bridge's floor), ms. */
  idleLatencyMs: number;
  posts: number;
  postsPerSecond: number;
  maxPostsInOneSecond: number;
  bridgeCalls: number;
  bridgeMedianMs: number;
  bridgeMaxMs: number;
  tasks: TaskStats | null;
  idleTasks: TaskStats | null;
  longtaskObserverCount: number;
  longtaskObserverMaxMs: number;
  heapStartBytes: number;
  heapEndBytes: number;
  /** The host process's event-loop delay during the flood (p99 and max), ms. */
  hostLoopDelayP99Ms: number;
  hostLoopDelayMaxMs: number;
  /** With --profile: the webview functions with the most self time during the flood. */
  profileTop?: Array<{ name: string; ms: number }>;
  /** Posts to the webview by type, and messages from it, during the flood. */
  postTypes: Record<string, number>;
  fromWebview: Record<string, number>;
}

export interface TaskStats {
  count: number;
  p99Ms: number;
  maxMs: number;
  over50: number;
  /** The tasks over 50 ms: wall time, the thread's CPU time in them (trace `tdur`), ms from the trace start. */
  long: Array<{ ms: number; cpuMs: number | null; atMs: number }>;
}

const ROOT = join(__dirname, '..', '..');
const BUNDLE = join(ROOT, 'dist', 'webview');
const CHROMIUM_ARGS = [
  ...chromiumArgs,
  // A headless page must keep its timers and frames at full speed.
  '--disable-background-timer-throttling',
  '--disable-renderer-backgrounding',
  '--disable-backgrounding-occluded-windows',
];

const log = (s: string) => process.stderr.write(`[bench]   ${s}\n`);

/** `bench.js e2e --port P --count N [--trace] [--profile FILE]`: prints one E2eResult. */
export async function e2eFromCommandLine(args: string[]): Promise<void> {
  const get = (name: string) => (args.includes(name) ? args[args.indexOf(name) + 1] : undefined);
  const port = Number(get('--port'));
  const count = Number(get('--count'));
  const trace = args.includes('--trace');
  const timeoutMs = Number(get('--timeout-ms') || 120_000);
  // A last resort: whatever hangs, this process (and with it, through playwright, the browser) ends.
  const hard = setTimeout(() => {
    process.stderr.write(`[bench] e2e: no result within ${timeoutMs / 1000} s, giving up\n`);
    void cleanup().finally(() => process.exit(2));
  }, timeoutMs);
  hard.unref();
  // The driver keeps stdin open while it waits; if it goes away, so does this run.
  process.stdin.on('end', () => {
    if (!reported) void cleanup().finally(() => process.exit(3));
  });
  process.stdin.resume();
  let reported = false;
  try {
    const result = await runE2e(port, count, trace, get('--profile'));
    reported = true;
    process.stdout.write(JSON.stringify(result) + '\n');
  } finally {
    await cleanup();
    clearTimeout(hard);
  }
  process.exit(0);
}

const cleanups: Array<() => Promise<void>> = [];
async function cleanup(): Promise<void> {
  while (cleanups.length) await cleanups.pop()!().catch(() => undefined);
}

/** The real inspector page and bundle on 127.0.0.1, closed with the rest of the run. */
async function servePage(): Promise<{ origin: string }> {
  const page = await serveInspectorPage(BUNDLE);
  cleanups.push(() => page.close());
  return page;
}

async function launch(): Promise<Browser> {
  const { chromium } = await import('playwright-core');
  const browser = await chromium.launch({
    executablePath: process.env.CHROMIUM_PATH ?? '/usr/bin/chromium',
    headless: true,
    timeout: 30_000,
    args: CHROMIUM_ARGS,
  });
  cleanups.push(() => withTimeout(browser.close(), 10_000, 'browser.close() hung'));
  return browser;
}

/** What runs in the page before the bundle: the VS Code API bridge, the probes. */
function pageSetup(): void {
  const w = window as unknown as Record<string, unknown>;
  let state: unknown;
  w.acquireVsCodeApi = () => ({
    postMessage: (m: unknown) => (w.__toHost as (m: string) => void)(JSON.stringify(m)),
    getState: () => state,
    setState: (s: unknown) => {
      state = s;
    },
  });
  const bench = { target: Infinity, shownAt: 0, shown: 0, longtasks: [] as number[] };
  w.__bench = bench;
  w.__deliver = (messages: unknown[]) => {
    for (const m of messages) window.postMessage(m, '*');
  };
  new PerformanceObserver((list) => {
    for (const e of list.getEntries()) bench.longtasks.push(e.duration);
  }).observe({ type: 'longtask', buffered: true });
  const frame = () => {
    const text = document.getElementById('stats')?.textContent ?? '';
    const m = /↓\s*([\d.,\s\u00a0\u202f]+)\(/.exec(text);
    if (m) {
      const n = Number(m[1].replace(/\D/g, ''));
      bench.shown = n;
      if (n >= bench.target && !bench.shownAt) bench.shownAt = performance.now();
    }
    requestAnimationFrame(frame);
  };
  requestAnimationFrame(frame);
}

async function runE2e(
  port: number,
  count: number,
  trace: boolean,
  profileFile: string | undefined,
): Promise<E2eResult> {
  const { origin } = await servePage();
  const browser = await launch();
  const page = await browser.newPage({ viewport: { width: 1200, height: 800 } });
  const cdp = await page.context().newCDPSession(page);

  // The bridge to the page: one evaluate in flight, everything queued meanwhile goes in the next.
  let openedAt = 0;
  let queue: ToWebview[] = [];
  let inFlight = false;
  let posts = 0;
  const postTimes: number[] = [];
  const bridgeTimes: number[] = [];
  let bridgeError: Error | undefined;
  const pump = () => {
    if (inFlight || !queue.length) return;
    inFlight = true;
    const batch = queue;
    queue = [];
    const t0 = performance.now();
    cdp.send('Runtime.evaluate', { expression: `__deliver(${JSON.stringify(batch)})`, returnByValue: true }).then(
      () => {
        bridgeTimes.push(performance.now() - t0);
        if (performance.now() - t0 > 100)
          log(
            `slow bridge call: ${(performance.now() - t0).toFixed(0)} ms at ${(t0 - openedAt).toFixed(0)} ms after open, ${batch.length} messages`,
          );
        inFlight = false;
        pump();
      },
      (err: Error) => {
        bridgeError ??= err;
        inFlight = false;
      },
    );
  };
  const postTypes: Record<string, number> = {};
  const fromWebview: Record<string, number> = {};
  const post = (message: ToWebview) => {
    posts++;
    postTypes[message.type] = (postTypes[message.type] ?? 0) + 1;
    postTimes.push(performance.now());
    queue.push(message);
    pump();
  };
  const session = new InspectorSession({ url: `ws://127.0.0.1:${port}/`, handshakeTimeout: 10_000 }, post);
  cleanups.push(() => Promise.resolve(session.dispose()));
  await page.exposeBinding('__toHost', (_source, json: string) => {
    const message = JSON.parse(json) as FromWebview;
    fromWebview[message.type] = (fromWebview[message.type] ?? 0) + 1;
    session.handle(message);
  });
  await page.addInitScript(pageSetup);
  await page.goto(`${origin}/`, { timeout: 30_000 });
  await waitFor(
    page,
    () => document.getElementById('filter-status')?.textContent?.includes('messages') === true,
    15_000,
    'the inspector did not draw its first snapshot',
  );

  const clock = await clockOffset(cdp);
  const toHost = (pageTime: number) => pageTime - clock;

  // Idle floor: a round trip through the bridge to the next animation frame.
  const idle: number[] = [];
  for (let i = 0; i < 10; i++) {
    const t0 = performance.now();
    const r = await cdp.send('Runtime.evaluate', {
      expression: 'new Promise((r) => requestAnimationFrame(() => r(performance.now())))',
      awaitPromise: true,
      returnByValue: true,
    });
    idle.push(toHost(r.result.value as number) - t0);
  }
  const idleLatencyMs = median(idle);

  const idleTasks = trace ? await traced(browser, page, () => sleep(2000)) : null;
  const heapStartBytes = await heap(cdp);
  await page.evaluate((n) => {
    const b = (window as unknown as { __bench: { target: number; longtasks: number[] } }).__bench;
    b.target = n;
    b.longtasks.length = 0;
  }, count);

  // The flood.
  let received = 0;
  for (const k of Object.keys(postTypes)) delete postTypes[k];
  for (const k of Object.keys(fromWebview)) delete fromWebview[k];
  let lastAt = 0;
  let closedResolve: () => void = () => undefined;
  const closed = new Promise<void>((r) => (closedResolve = r));
  session.onState((s) => {
    if (s.phase === 'open') openedAt = performance.now();
    if (s.phase === 'closed' || s.phase === 'error') closedResolve();
  });
  session.connection.onMessage((f) => {
    if (f.direction === 'received' && f.kind === 'text' && ++received === count) lastAt = performance.now();
  });
  const loopDelay = monitorEventLoopDelay({ resolution: 5 });
  if (profileFile) {
    await cdp.send('Profiler.enable');
    await cdp.send('Profiler.setSamplingInterval', { interval: 200 });
    await cdp.send('Profiler.start');
  }
  const postsBefore = posts;
  const postTimesFrom = postTimes.length;
  const flood = async () => {
    loopDelay.enable();
    await session.connect();
    await withTimeout(closed, 10 * 60_000, 'the flood did not end');
    // The final count on screen (bounded).
    await waitFor(
      page,
      () => (window as unknown as { __bench: { shownAt: number } }).__bench.shownAt > 0,
      10_000,
      'the final count never showed',
    ).catch((e: Error) => log(e.message));
  };
  const tasks = trace ? await traced(browser, page, flood) : (await flood(), null);
  loopDelay.disable();
  let profileTop: E2eResult['profileTop'];
  if (profileFile) {
    const { profile } = await cdp.send('Profiler.stop');
    writeFileSync(profileFile, JSON.stringify(profile));
    profileTop = topSelfTime(profile);
  }
  const bench = await page.evaluate(
    () => (window as unknown as { __bench: { shownAt: number; shown: number; longtasks: number[] } }).__bench,
  );
  const heapEndBytes = await heap(cdp);
  if (bridgeError) throw bridgeError;

  const floodSeconds = ((lastAt || performance.now()) - openedAt) / 1000;
  const floodPosts = postTimes.slice(postTimesFrom).filter((t) => t >= openedAt && t <= (lastAt || Infinity));
  const problems = verify(session, count, false);
  if (!lastAt) problems.unshift(`received ${received} of ${count}`);
  return {
    messages: count,
    received,
    problems,
    hostRate: received / floodSeconds,
    floodSeconds,
    lagMs: bench.shownAt && lastAt ? toHost(bench.shownAt) - lastAt : null,
    idleLatencyMs,
    posts: posts - postsBefore,
    postsPerSecond: floodPosts.length / floodSeconds,
    maxPostsInOneSecond: maxInWindow(floodPosts, 1000),
    bridgeCalls: bridgeTimes.length,
    bridgeMedianMs: median(bridgeTimes),
    bridgeMaxMs: bridgeTimes.reduce((m, t) => Math.max(m, t), 0),
    tasks,
    idleTasks,
    longtaskObserverCount: bench.longtasks.length,
    longtaskObserverMaxMs: bench.longtasks.reduce((m, t) => Math.max(m, t), 0),
    heapStartBytes,
    heapEndBytes,
    postTypes,
    fromWebview,
    hostLoopDelayP99Ms: loopDelay.percentile(99) / 1e6,
    hostLoopDelayMaxMs: loopDelay.max / 1e6,
    profileTop,
  };
}

interface CpuProfile {
  nodes: Array<{
    id: number;
    callFrame: { functionName: string; url: string; lineNumber: number; columnNumber: number };
  }>;
  samples?: number[];
  timeDeltas?: number[];
}

/** Self time per function (name, file and position), the top ten, idle and program excluded. */
function topSelfTime(profile: CpuProfile): Array<{ name: string; ms: number }> {
  const names = new Map<number, string>();
  for (const n of profile.nodes) {
    const f = n.callFrame;
    const file = f.url ? f.url.slice(f.url.lastIndexOf('/') + 1) : '';
    names.set(
      n.id,
      `${f.functionName || '(anonymous)'}${file ? ` ${file}:${f.lineNumber + 1}:${f.columnNumber + 1}` : ''}`,
    );
  }
  const self = new Map<string, number>();
  const samples = profile.samples ?? [];
  const deltas = profile.timeDeltas ?? [];
  for (let i = 0; i < samples.length; i++) {
    const name = names.get(samples[i]) ?? '?';
    self.set(name, (self.get(name) ?? 0) + (deltas[i + 1] ?? 0) / 1000);
  }
  return [...self.entries()]
    .filter(([name]) => name !== '(idle)' && name !== '(program)')
    .sort((a, b) => b[1] - a[1])
    .slice(0, 10)
    .map(([name, ms]) => ({ name, ms }));
}

/** Page clock minus host clock, from the fastest of a few round trips. */
async function clockOffset(cdp: CDPSession): Promise<number> {
  let best = { rtt: Infinity, offset: 0 };
  for (let i = 0; i < 15; i++) {
    const t0 = performance.now();
    const r = await cdp.send('Runtime.evaluate', { expression: 'performance.now()', returnByValue: true });
    const t1 = performance.now();
    if (t1 - t0 < best.rtt) best = { rtt: t1 - t0, offset: (r.result.value as number) - (t0 + t1) / 2 };
  }
  return best.offset;
}

async function heap(cdp: CDPSession): Promise<number> {
  await cdp.send('HeapProfiler.collectGarbage');
  await cdp.send('HeapProfiler.collectGarbage');
  const usage = await cdp.send('Runtime.getHeapUsage');
  return usage.usedSize;
}

/** Runs `work` under a Chromium trace; returns the page main thread's task statistics. */
async function traced(browser: Browser, page: Page, work: () => Promise<void>): Promise<TaskStats | null> {
  await browser.startTracing(page, { categories: ['toplevel', '__metadata'], screenshots: false });
  let failure: unknown;
  try {
    await work();
  } catch (err) {
    failure = err;
  }
  const buffer = await withTimeout(browser.stopTracing(), 60_000, 'stopTracing hung');
  if (failure) throw failure instanceof Error ? failure : new Error(String(failure));
  return taskStats(buffer);
}

interface TraceEvent {
  name: string;
  ph: string;
  pid: number;
  tid: number;
  ts: number;
  dur?: number;
  tdur?: number;
  args?: { name?: string };
}

/** Durations of the top-level tasks of the busiest renderer main thread in the trace. */
export function taskStats(buffer: Buffer): TaskStats | null {
  const data = JSON.parse(buffer.toString('utf8')) as { traceEvents?: TraceEvent[] } | TraceEvent[];
  const events = Array.isArray(data) ? data : (data.traceEvents ?? []);
  const mains = new Set(
    events
      .filter((e) => e.ph === 'M' && e.name === 'thread_name' && e.args?.name === 'CrRendererMain')
      .map((e) => `${e.pid}:${e.tid}`),
  );
  type Task = { ts: number; dur: number; tdur?: number };
  const byThread = new Map<string, Task[]>();
  for (const e of events) {
    if (e.ph !== 'X' || e.dur === undefined || !/RunTask$/.test(e.name)) continue;
    const key = `${e.pid}:${e.tid}`;
    if (!mains.has(key)) continue;
    let list = byThread.get(key);
    if (!list) byThread.set(key, (list = []));
    list.push({ ts: e.ts, dur: e.dur, tdur: e.tdur });
  }
  let busiest: Task[] | undefined;
  let most = -1;
  for (const list of byThread.values()) {
    const total = list.reduce((s, t) => s + t.dur, 0);
    if (total > most) [most, busiest] = [total, list];
  }
  if (!busiest?.length) return null;
  // Only outermost tasks: a nested run loop's tasks are inside another's time.
  busiest.sort((a, b) => a.ts - b.ts);
  const durations: number[] = [];
  const long: TaskStats['long'] = [];
  let origin = Infinity;
  for (const e of events) if (e.ts > 0 && e.ts < origin) origin = e.ts;
  let end = -Infinity;
  for (const t of busiest) {
    if (t.ts < end) continue;
    durations.push(t.dur / 1000);
    if (t.dur > 50_000)
      long.push({ ms: t.dur / 1000, cpuMs: t.tdur === undefined ? null : t.tdur / 1000, atMs: (t.ts - origin) / 1000 });
    end = t.ts + t.dur;
  }
  durations.sort((a, b) => a - b);
  return {
    count: durations.length,
    p99Ms: durations[Math.min(durations.length - 1, Math.ceil(durations.length * 0.99) - 1)],
    maxMs: durations[durations.length - 1],
    over50: durations.filter((d) => d > 50).length,
    long,
  };
}

async function waitFor(page: Page, test: () => boolean, ms: number, message: string): Promise<void> {
  await page.waitForFunction(test, undefined, { timeout: ms, polling: 20 }).catch(() => {
    throw new Error(message);
  });
}

function maxInWindow(sorted: number[], windowMs: number): number {
  let best = 0;
  for (let i = 0, j = 0; i < sorted.length; i++) {
    while (sorted[i] - sorted[j] >= windowMs) j++;
    best = Math.max(best, i - j + 1);
  }
  return best;
}

function median(values: number[]): number {
  if (!values.length) return 0;
  const s = [...values].sort((a, b) => a - b);
  return s[Math.floor(s.length / 2)];
}

function sleep(ms: number): Promise<void> {
  return new Promise((r) => setTimeout(r, ms));
}

async function withTimeout<T>(p: Promise<T>, ms: number, message: string): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  try {
    return await Promise.race([
      p,
      new Promise<never>((_, reject) => (timer = setTimeout(() => reject(new Error(message)), ms))),
    ]);
  } finally {
    clearTimeout(timer);
  }
}
