// Over 400 lines: one driver runs every scenario in order and prints one table; each scenario lives in bench/scenarios.
/**
 * The benchmark driver. `node out/bench/bench.js run [--quick]` runs every scenario, each measured
 * part in a child process of its own, prints a table and writes bench/results/latest.json.
 * The other subcommands are those child processes.
 */
import { scriptsFromCommandLine, type ScriptsResult } from './scenarios/scripts';
import { spawn, spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { cpus } from 'node:os';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import { serveFromCommandLine } from './floodServer';
import { ingestClientFromCommandLine, type IngestResult } from './scenarios/ingest';
import { tcpClientFromCommandLine, tcpServeFromCommandLine, type TcpIngestResult } from './scenarios/tcp';
import { memoryFromCommandLine, type MemoryResult } from './scenarios/memory';
import { filterFromCommandLine, type FilterCase } from './scenarios/filter';
import { protocolsFromCommandLine, type ProtocolCaseResult } from './scenarios/protocols';
import { codecsFromCommandLine, type CodecCaseResult } from './scenarios/codecs';
import { protobufFromCommandLine, type ProtobufCaseResult } from './scenarios/protobuf';
import {
  loadFromCommandLine,
  recordFromCommandLine,
  removeSessionDir,
  sessionDir,
  type LoadResult,
  type RecordResult,
} from './scenarios/sessionFile';
import { e2eFromCommandLine, type E2eResult } from './scenarios/e2e';
import { activationFromCommandLine, type ActivationResult } from './scenarios/activation';
import { relayFromCommandLine, relayPartFromCommandLine, type RelayBenchResult } from './scenarios/relay';

/** One figure of the results file. */
interface Figure {
  name: string;
  value: number;
  unit: string;
  /** The figure must be at least (`min`) or at most (`max`) this; null: reported only. */
  target: number | null;
  targetKind: 'min' | 'max' | null;
  met: boolean | null;
  baseline: number | null;
  /** value / baseline. */
  ratio: number | null;
  note?: string;
}

const SIZE = 100;
const ROOT = join(__dirname, '..', '..');

async function run(quick: boolean, strict: boolean, profile: boolean): Promise<void> {
  const count = quick ? 200_000 : 1_000_000;
  const rounds = quick ? 2 : 3;
  const runs = quick ? 8 : 20;
  const figures: Figure[] = [];
  const started = Date.now();
  const log = (s: string) => process.stderr.write(`[bench] ${s}\n`);

  // (a) ingest, as users have it: recording on (the default) and off, medians of alternating rounds
  const ingestRounds = rounds + 2;
  log(`ingest: ${count.toLocaleString('en')} × ${SIZE}-byte text messages, median of ${ingestRounds} rounds each`);
  const server = await child(['serve', '--size', String(SIZE), '--count', String(count)], { keepAlive: true });
  const { port } = server.first as { port: number };
  const clients = {
    bare: ['--client', 'bare'],
    recording: ['--client', 'session', '--record'],
    'no recording': ['--client', 'session'],
    'bare, keeping': ['--client', 'bare', '--keep'],
  } as const;
  const ingest: Record<keyof typeof clients, IngestResult[]> = {
    bare: [],
    recording: [],
    'no recording': [],
    'bare, keeping': [],
  };
  const problems: string[] = [];
  for (let round = 0; round < ingestRounds; round++) {
    for (const [name, flags] of Object.entries(clients) as Array<[keyof typeof clients, readonly string[]]>) {
      const r = (await child(['ingest-client', ...flags, '--port', String(port), '--count', String(count)]))
        .first as IngestResult;
      log(
        `  ${name}: ${fmt(r.perSecond)} msg/s in ${r.seconds.toFixed(2)} s, peak RSS ${(r.peakRssBytes / 1048576).toFixed(0)} MiB${r.posts ? `, ${r.posts} posts` : ''}${r.problems.length ? ' — ' + r.problems.join('; ') : ''}`,
      );
      problems.push(...r.problems.map((p) => `${name}: ${p}`));
      ingest[name].push(r);
    }
  }
  server.stop();
  const med = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];
  const rate = (name: keyof typeof clients) => med(ingest[name].map((r) => r.perSecond));
  const rss = (name: keyof typeof clients) => med(ingest[name].map((r) => r.peakRssBytes)) / 1048576;
  const bareRate = rate('bare');
  const lost = problems.length ? `lost or reordered: ${problems.slice(0, 3).join('; ')}` : 'none lost or reordered';
  figures.push(figure('ingest: bare ws client', bareRate, 'msg/s', null, null, null));
  figures.push({
    ...figure(
      'ingest: host pipeline, recording on (default)',
      rate('recording'),
      'msg/s',
      0.5 * bareRate,
      'min',
      bareRate,
    ),
    met: rate('recording') >= 0.5 * bareRate && problems.length === 0,
    note: `recording to .wslog with redaction and the frame sniffer on, as a panel does by default; ${lost}`,
  });
  figures.push({
    ...figure('ingest: host pipeline, recording off', rate('no recording'), 'msg/s', 0.7 * bareRate, 'min', bareRate),
    met: rate('no recording') >= 0.7 * bareRate && problems.length === 0,
    note: `websocketInspector.history.enabled off; frame sniffer on; ${lost}`,
  });
  figures.push({
    ...figure(
      'ingest: peak RSS, every message stored, recording on',
      rss('recording'),
      'MiB',
      2 * rss('bare, keeping'),
      'max',
      rss('bare, keeping'),
    ),
    note: `baseline: a bare ws client that keeps every payload (${rss('bare, keeping').toFixed(0)} MiB; counting only: ${rss('bare').toFixed(0)} MiB)`,
  });

  // (a2) TCP ingest: length-prefixed messages through TcpTransport + framer + the host pipeline, recording on
  figures.push(...(await tcpIngest(count, ingestRounds, log)));

  // (b) memory
  log(`memory: ${count.toLocaleString('en')} × ${SIZE}-byte messages in a FrameStore`);
  const mem = (await child(['memory', '--count', String(count), '--size', String(SIZE)], { gc: true }))
    .first as MemoryResult;
  figures.push(figure('memory per stored message', mem.bytesPerMessage, 'bytes', SIZE + 64, 'max', SIZE));

  // (c) filters
  log(`filter: ${count.toLocaleString('en')} stored messages, p95 of ${runs} runs`);
  const cases = (await child(['filter', '--count', String(count), '--size', String(SIZE), '--runs', String(runs)]))
    .first as FilterCase[];
  for (const c of cases) {
    log(
      `  ${c.name}: p95 ${c.p95Ms.toFixed(1)} ms, median ${c.medianMs.toFixed(1)} ms, ${c.matches} matches; plain loop ${c.baselineMs.toFixed(0)} ms`,
    );
    figures.push({
      ...figure(`filter p95: ${c.name}`, c.p95Ms, 'ms', 200, 'max', c.baselineMs),
      note: `${c.matches} matches`,
    });
  }

  // (c2) protocols: Socket.IO ingest against the same frames read plain, the decoded window, a decoded filter
  await protocols(count, rounds, runs, figures, log, problems);

  // (c3) binary payloads: MessagePack filtered by a field, Protobuf rows decoded for the window
  await codecs(count, runs, figures, log);

  // (c4) request scripts: a trivial onEachMessage handler in the QuickJS sandbox, against the same request without it
  {
    const n = 100_000;
    log(`scripts: ${n.toLocaleString('en')} messages through a trivial onEachMessage handler, median of 3 rounds`);
    const r = (await child(['scripts', '--count', String(n), '--rounds', '3'])).first as ScriptsResult;
    const m = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];
    const withScript = m(r.withScript);
    const without = m(r.without);
    log(
      `  with the handler ${fmt(withScript)} msg/s, without ${fmt(without)} msg/s${r.problems.length ? ' — ' + r.problems.join('; ') : ''}`,
    );
    problems.push(...r.problems.map((p) => `scripts: ${p}`));
    figures.push({
      ...figure(
        'scripts: 100k messages through a trivial onEachMessage handler',
        withScript,
        'msg/s',
        20_000,
        'min',
        without,
      ),
      note: 'a .ws request run by runWsRequest with `response.body.onEachMessage(() => n++)`; baseline: the same request without the handler, same run',
    });
    figures.push({
      ...figure(
        'scripts: handler cost a message',
        Math.max(0, (1 / withScript - 1 / without) * 1e6),
        'µs',
        50,
        'max',
        null,
      ),
      note: 'time a message with the handler minus without',
    });
  }

  // (c5) the relay: added latency at 10,000 msg/s and throughput with recording on, against direct connections
  await relay(quick ? 200_000 : 500_000, rounds, figures, log, problems);

  // (d) end to end into the webview in Chromium
  await e2e(quick, profile, figures, log);

  // (e) record to disk and load
  const sessionCount = quick ? 200_000 : 1_000_000;
  log(`session file: record ${sessionCount.toLocaleString('en')} × ${SIZE}-byte text frames, then load them`);
  const dir = sessionDir();
  try {
    const rec = (await child(['record', '--count', String(sessionCount), '--size', String(SIZE), '--dir', dir]))
      .first as RecordResult;
    const load = (await child(['load', '--count', String(sessionCount), '--dir', dir])).first as LoadResult;
    log(
      `  record ${rec.recordMs.toFixed(0)} ms (plain writeFile ${rec.plainWriteMs.toFixed(0)} ms), ${(rec.fileBytes / 1048576).toFixed(0)} MiB; load ${load.loadMs.toFixed(0)} ms (plain read ${load.plainReadMs.toFixed(0)} ms)`,
    );
    figures.push({
      ...figure(`session: record ${short(sessionCount)} messages`, rec.recordMs, 'ms', 3000, 'max', rec.plainWriteMs),
      note: `${(rec.fileBytes / 1048576).toFixed(0)} MiB file; baseline: stringify + one fs.writeFile`,
    });
    const loadFigure = figure(
      `session: load ${short(sessionCount)} messages`,
      load.loadMs,
      'ms',
      3000,
      'max',
      load.plainReadMs,
    );
    figures.push({
      ...loadFigure,
      met: loadFigure.met && load.problems.length === 0,
      note: load.problems.length
        ? load.problems.slice(0, 2).join('; ')
        : 'all events back, in order; baseline: readFile + split + JSON.parse',
    });
  } finally {
    removeSessionDir(dir);
  }

  // (f0) the package as users get it: a production build (minified), packaged; activation and sizes measure it
  log('package: npm run package (the production build users install)');
  const packaged = spawnSync('npm', ['run', 'package'], {
    cwd: ROOT,
    stdio: ['ignore', 'ignore', 'inherit'],
    timeout: 300_000,
  });
  if (packaged.status !== 0)
    log(`  npm run package failed (${packaged.status ?? packaged.signal ?? packaged.error?.message})`);

  // (f) activation with a stub vscode module
  const extension = join(ROOT, 'dist/extension.js');
  if (existsSync(extension)) {
    // Five fresh processes; the median one by total time (disk cache and CPU load move single runs).
    const runs: ActivationResult[] = [];
    for (let i = 0; i < 5; i++)
      runs.push((await child(['activation', '--extension', extension])).first as ActivationResult);
    runs.sort((a, b) => a.requireMs + a.activateMs - (b.requireMs + b.activateMs));
    const act = runs[2];
    const total = act.requireMs + act.activateMs;
    log(
      `activation (stub vscode, excludes VS Code's own work), median of 5 processes: require ${act.requireMs.toFixed(1)} ms + activate ${act.activateMs.toFixed(1)} ms; ${act.commands} commands; empty require ${act.emptyRequireMs.toFixed(2)} ms`,
    );
    const f = figure('activation: require + activate (stub vscode)', total, 'ms', 50, 'max', act.emptyRequireMs);
    figures.push({
      ...f,
      met: f.met && act.problems.length === 0,
      note: `excludes VS Code's own work; require ${act.requireMs.toFixed(1)} + activate ${act.activateMs.toFixed(1)} ms, ${act.commands} commands${act.problems.length ? '; ' + act.problems.join('; ') : ''}`,
    });
  } else {
    log('  dist/extension.js is missing: run npm run build first');
  }

  // (g) bundle sizes of that production build
  for (const [name, path, limit] of [
    ['bundle: dist/extension.js', 'dist/extension.js', 1024 * 1024],
    ['bundle: dist/webview/main.js', 'dist/webview/main.js', 512 * 1024],
    ['package: dist/websocket-inspector.vsix', 'dist/websocket-inspector.vsix', 1000 * 1000],
  ] as const) {
    const file = join(ROOT, path);
    if (!existsSync(file)) {
      log(`  ${path} is missing: run npm run build (or npm run package) first`);
      continue;
    }
    const bytes = statSync(file).size;
    const gzip = path.endsWith('.js') ? gzipSync(readFileSync(file)).length : undefined;
    figures.push({
      ...figure(name, bytes / 1024, 'KiB', limit / 1024, 'max', null),
      note: gzip ? `${(gzip / 1024).toFixed(1)} KiB gzipped` : undefined,
    });
  }

  // Back to the development build (source maps) the tests and the editor use.
  spawnSync('npm', ['run', 'build'], { cwd: ROOT, stdio: ['ignore', 'ignore', 'inherit'], timeout: 300_000 });

  const cpu = cpus();
  const results = {
    date: new Date().toISOString(),
    quick,
    messages: count,
    messageBytes: SIZE,
    node: process.version,
    machine: { cpu: cpu[0]?.model ?? 'unknown', cores: cpu.length },
    seconds: (Date.now() - started) / 1000,
    figures,
  };
  mkdirSync(join(ROOT, 'bench/results'), { recursive: true });
  writeFileSync(join(ROOT, 'bench/results/latest.json'), JSON.stringify(results, null, 2) + '\n');
  printTable(figures);
  console.log(
    `\n${results.machine.cpu}, ${results.machine.cores} cores, node ${process.version}; ${results.seconds.toFixed(0)} s${quick ? ' (quick)' : ''}. Written to bench/results/latest.json`,
  );
  const missed = figures.filter((f) => f.met === false);
  if (missed.length)
    console.log(
      `${missed.length} target${missed.length === 1 ? '' : 's'} missed: ${missed.map((f) => f.name).join('; ')}`,
    );
  if (strict && missed.length) process.exitCode = 1;
}

/** The flood into an open inspector in Chromium, and a run with 10× fewer messages for the heap. */
async function e2e(quick: boolean, profile: boolean, figures: Figure[], log: (s: string) => void): Promise<void> {
  const rate = 100_000;
  const seconds = quick ? 5 : 30;
  const count = rate * seconds;
  const small = count / 10;
  log(
    `e2e: ${rate.toLocaleString('en')} msg/s of ${SIZE}-byte text for ${seconds} s into the webview in headless Chromium`,
  );
  const servers: Child[] = [];
  try {
    const server = await child(['serve', '--size', String(SIZE), '--count', String(count), '--rate', String(rate)], {
      keepAlive: true,
    });
    servers.push(server);
    const port = String((server.first as { port: number }).port);
    const bare = (await child(['ingest-client', '--client', 'bare', '--port', port, '--count', String(count)]))
      .first as IngestResult;
    log(
      `  bare ws client: ${fmt(bare.perSecond)} msg/s over ${bare.seconds.toFixed(1)} s${bare.problems.length ? ' — ' + bare.problems.join('; ') : ''}`,
    );
    const timeout = String((seconds + 90) * 1000);
    const profileFile = join(ROOT, 'bench/results/e2e-webview.cpuprofile');
    const profileArgs = profile ? ['--profile', profileFile] : [];
    const full = (
      await child(
        ['e2e', '--port', port, '--count', String(count), '--trace', '--timeout-ms', timeout, ...profileArgs],
        { keepAlive: true },
      )
    ).first as E2eResult;
    if (profile) log(`  webview CPU profile of the flood: ${profileFile}`);
    logE2e(full, log);
    const smallServer = await child(
      ['serve', '--size', String(SIZE), '--count', String(small), '--rate', String(rate)],
      { keepAlive: true },
    );
    servers.push(smallServer);
    const smallPort = String((smallServer.first as { port: number }).port);
    log(`  the same with ${small.toLocaleString('en')} messages (${seconds / 10} s), for the heap`);
    const few = (
      await child(['e2e', '--port', smallPort, '--count', String(small), '--trace', '--timeout-ms', timeout], {
        keepAlive: true,
      })
    ).first as E2eResult;
    logE2e(few, log);

    const lost = full.messages - full.received;
    figures.push({
      ...figure('e2e: flood rate at the host', full.hostRate, 'msg/s', 0.95 * bare.perSecond, 'min', bare.perSecond),
      met: full.hostRate >= 0.95 * bare.perSecond && full.problems.length === 0,
      note: `${rate.toLocaleString('en')}/s asked for ${seconds} s; baseline: a bare ws client on the same flood`,
    });
    figures.push({
      ...figure(
        'e2e: messages lost or out of order',
        full.problems.length ? Math.max(lost, full.problems.length) : 0,
        'msgs',
        0,
        'max',
        null,
      ),
      note: full.problems.length
        ? full.problems.slice(0, 2).join('; ')
        : `all ${full.messages.toLocaleString('en')} stored once, in order`,
    });
    figures.push({
      ...figure(
        'e2e: last message → final count on screen',
        full.lagMs ?? Infinity,
        'ms',
        100,
        'max',
        full.idleLatencyMs,
      ),
      note: full.lagMs === null ? 'the final count never showed' : 'baseline: host post → next frame in the idle page',
    });
    if (full.tasks) {
      figures.push({
        ...figure(
          'e2e: webview main-thread task p99',
          full.tasks.p99Ms,
          'ms',
          50,
          'max',
          full.idleTasks?.p99Ms ?? null,
        ),
        note: `${full.tasks.count.toLocaleString('en')} tasks, max ${full.tasks.maxMs.toFixed(0)} ms, ${full.tasks.over50} over 50 ms (longtask observer: ${full.longtaskObserverCount}); baseline: idle page`,
      });
    }
    figures.push({
      ...figure(
        'e2e: posts to the webview, busiest second',
        full.maxPostsInOneSecond,
        'posts/s',
        62,
        'max',
        full.hostRate,
      ),
      note: `average ${full.postsPerSecond.toFixed(0)}/s; ${Object.entries(full.postTypes)
        .map(([k, v]) => `${v} ${k}`)
        .join(', ')}; ${full.fromWebview.viewport ?? 0} viewport msgs back; ratio = posts per message`,
    });
    const f = figure(
      `e2e: webview heap after ${short(count)} messages`,
      full.heapEndBytes / 1048576,
      'MiB',
      (2 * few.heapEndBytes) / 1048576,
      'max',
      few.heapEndBytes / 1048576,
    );
    figures.push({
      ...f,
      note: `at start ${(full.heapStartBytes / 1048576).toFixed(1)} MiB; baseline: end of a run with ${short(small)} messages`,
    });
  } finally {
    for (const s of servers) s.stop();
  }
}

function logE2e(r: E2eResult, log: (s: string) => void): void {
  log(
    `  ${r.received.toLocaleString('en')}/${r.messages.toLocaleString('en')} received at ${fmt(r.hostRate)} msg/s${r.problems.length ? ' — ' + r.problems.join('; ') : ', none lost'}; ` +
      `final count on screen ${r.lagMs === null ? 'never' : r.lagMs.toFixed(0) + ' ms'} after the last message (idle floor ${r.idleLatencyMs.toFixed(0)} ms)`,
  );
  log(
    `  posts ${r.postsPerSecond.toFixed(0)}/s (busiest second ${r.maxPostsInOneSecond}; ${JSON.stringify(r.postTypes)}; from the webview ${JSON.stringify(r.fromWebview)}); ` +
      `bridge: ${r.bridgeCalls} evaluates, median ${r.bridgeMedianMs.toFixed(1)} ms, max ${r.bridgeMaxMs.toFixed(0)} ms`,
  );
  if (r.tasks)
    log(
      `  webview tasks: ${r.tasks.count} during the flood, p99 ${r.tasks.p99Ms.toFixed(1)} ms, max ${r.tasks.maxMs.toFixed(1)} ms, ${r.tasks.over50} over 50 ms; idle p99 ${r.idleTasks?.p99Ms.toFixed(1) ?? '?'} ms; longtask observer ${r.longtaskObserverCount} (max ${r.longtaskObserverMaxMs.toFixed(0)} ms)`,
    );
  for (const t of r.tasks?.long ?? [])
    log(
      `    task over 50 ms at ${(t.atMs / 1000).toFixed(1)} s into the trace: ${t.ms.toFixed(0)} ms wall, ${t.cpuMs === null ? '?' : t.cpuMs.toFixed(0)} ms on the CPU`,
    );
  log(`  host event-loop delay p99 ${r.hostLoopDelayP99Ms.toFixed(1)} ms, max ${r.hostLoopDelayMaxMs.toFixed(0)} ms`);
  if (r.profileTop) for (const p of r.profileTop) log(`    self ${p.ms.toFixed(0).padStart(5)} ms  ${p.name}`);
  log(`  webview heap ${(r.heapStartBytes / 1048576).toFixed(2)} → ${(r.heapEndBytes / 1048576).toFixed(2)} MiB`);
}

/** Socket.IO: a flood ingested speaking the protocol against the same frames read plain (medians of alternating rounds), then the decoded window and filter. */
async function protocols(
  count: number,
  rounds: number,
  runs: number,
  figures: Figure[],
  log: (s: string) => void,
  problems: string[],
): Promise<void> {
  log(`protocols: ${count.toLocaleString('en')} Socket.IO events, median of ${rounds + 2} rounds each`);
  const server = await child(['serve', '--size', String(SIZE), '--count', String(count), '--socket-io'], {
    keepAlive: true,
  });
  const { port } = server.first as { port: number };
  const rates: Record<'none' | 'socket.io', number[]> = { none: [], 'socket.io': [] };
  for (let round = 0; round < rounds + 2; round++) {
    for (const protocol of ['none', 'socket.io'] as const) {
      const r = (
        await child([
          'ingest-client',
          '--client',
          'session',
          '--port',
          String(port),
          '--count',
          String(count),
          '--socket-io',
          '--protocol',
          protocol,
        ])
      ).first as IngestResult;
      log(
        `  ${protocol === 'none' ? 'read plain' : 'Socket.IO'}: ${fmt(r.perSecond)} msg/s${r.problems.length ? ' — ' + r.problems.join('; ') : ''}`,
      );
      problems.push(...r.problems.map((p) => `socket.io ${protocol}: ${p}`));
      rates[protocol].push(r.perSecond);
    }
  }
  server.stop();
  const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];
  const plain = median(rates.none);
  const spoken = median(rates['socket.io']);
  figures.push({
    ...figure('protocols: Socket.IO flood ingest', spoken, 'msg/s', 0.95 * plain, 'min', plain),
    note: 'baseline: the same frames read as plain WebSocket (no protocol), same run',
  });
  const cases = (await child(['protocols', '--count', String(count), '--runs', String(runs)]))
    .first as ProtocolCaseResult[];
  for (const c of cases) {
    log(
      `  ${c.name}: p95 ${c.p95Ms.toFixed(2)} ms, median ${c.medianMs.toFixed(2)} ms; baseline ${c.baselineMs.toFixed(2)} ms`,
    );
    if (c.name === 'window')
      figures.push({
        ...figure('protocols p95: decode a 60-row window', c.p95Ms, 'ms', 2, 'max', c.baselineMs),
        note: 'baseline: the same 60 rows undecoded',
      });
    else
      figures.push({
        ...figure(`protocols p95: filter ${short(count)} events by name`, c.p95Ms, 'ms', 300, 'max', c.baselineMs),
        note: `event == "chat": ${c.matches} matches, ${c.decodes} decoded; baseline: decode every message and compare`,
      });
  }
}

async function codecs(count: number, runs: number, figures: Figure[], log: (s: string) => void): Promise<void> {
  log(`codecs: ${count.toLocaleString('en')} MessagePack messages (default 'auto' payloads), and Protobuf rows`);
  const mp = (await child(['codecs', '--count', String(count), '--runs', String(runs)])).first as CodecCaseResult[];
  for (const c of mp) {
    log(
      `  msgpack ${c.name}: p95 ${c.p95Ms.toFixed(2)} ms, median ${c.medianMs.toFixed(2)} ms; baseline ${c.baselineMs.toFixed(2)} ms`,
    );
    if (c.name === 'window')
      figures.push({
        ...figure('codecs p95: decode a 60-row MessagePack window', c.p95Ms, 'ms', 5, 'max', c.baselineMs),
        note: 'baseline: the same 60 rows undecoded',
      });
    else
      figures.push({
        ...figure(
          `codecs p95: filter ${short(count)} MessagePack messages on a field`,
          c.p95Ms,
          'ms',
          1000,
          'max',
          c.baselineMs,
        ),
        note: `price > 100: ${c.matches} matches, ${c.decodes} decoded; baseline: decode each with @msgpack/msgpack and compare`,
      });
  }
  const pb = (await child(['protobuf', '--count', String(Math.min(count, 100_000)), '--runs', String(runs)]))
    .first as ProtobufCaseResult[];
  for (const c of pb) {
    log(
      `  protobuf ${c.name}: p95 ${c.p95Ms.toFixed(2)} ms, median ${c.medianMs.toFixed(2)} ms; baseline ${c.baselineMs.toFixed(2)} ms`,
    );
    figures.push({
      ...figure(`codecs p95: decode a 60-row Protobuf window (${c.name})`, c.p95Ms, 'ms', 5, 'max', c.baselineMs),
      note: `${c.messageBytes}-byte messages, type chosen as the Payloads picker does; baseline: the same rows undecoded`,
    });
  }
}

function figure(
  name: string,
  value: number,
  unit: string,
  target: number | null,
  targetKind: 'min' | 'max' | null,
  baseline: number | null,
): Figure {
  const met = target === null ? null : targetKind === 'min' ? value >= target : value <= target;
  return { name, value, unit, target, targetKind, met, baseline, ratio: baseline ? value / baseline : null };
}

function printTable(figures: Figure[]): void {
  const rows = figures.map((f) => [
    f.name,
    `${fmt(f.value)} ${f.unit}`,
    f.target === null ? '' : `${f.targetKind === 'min' ? '≥' : '≤'} ${fmt(f.target)} ${f.unit}`,
    f.met === null ? '' : f.met ? 'yes' : 'NO',
    f.baseline === null ? '' : `${fmt(f.baseline)}`,
    f.ratio === null ? '' : `${f.ratio.toFixed(2)}×`,
    f.note ?? '',
  ]);
  const head = ['figure', 'value', 'target', 'met', 'baseline', 'ratio', 'note'];
  const widths = head.map((h, i) => Math.max(h.length, ...rows.map((r) => r[i].length)));
  const line = (cells: string[]) =>
    cells
      .map((c, i) => c.padEnd(widths[i]))
      .join('  ')
      .trimEnd();
  console.log('\n' + line(head));
  console.log(widths.map((w) => '─'.repeat(w)).join('  '));
  for (const r of rows) console.log(line(r));
}

async function relay(
  count: number,
  rounds: number,
  figures: Figure[],
  log: (s: string) => void,
  problems: string[],
): Promise<void> {
  log(
    `relay: latency at 10,000 msg/s for 2 s, throughput of ${count.toLocaleString('en')} messages; median of ${rounds} rounds`,
  );
  const r = (await child(['relay', '--count', String(count), '--rounds', String(rounds)])).first as RelayBenchResult;
  log(
    `  round trip p50/p99: direct ${r.directP50.toFixed(2)}/${r.directP99.toFixed(2)} ms, relay ${r.relayP50.toFixed(2)}/${r.relayP99.toFixed(2)} ms; throughput direct ${fmt(r.directRate)} msg/s, relay ${fmt(r.relayRate)} msg/s (not recording ${fmt(r.relayNoRecordRate)})${r.problems.length ? ' — ' + r.problems.join('; ') : ''}`,
  );
  problems.push(...r.problems.map((p) => `relay: ${p}`));
  figures.push({
    ...figure('relay: added latency p99 at 10,000 msg/s', Math.max(0, r.addedP99), 'ms', 1, 'max', r.directP99),
    note: `round trip through the relay minus direct (p50 added ${r.addedP50.toFixed(2)} ms); baseline: the direct p99`,
  });
  figures.push({
    ...figure('relay: throughput, recording on', r.relayRate, 'msg/s', 0.5 * r.directRate, 'min', r.directRate),
    note: 'flood server → relay (recording each connection to .wslog) → counting ws client; baseline: the same client direct',
  });
  figures.push({
    ...figure('relay: throughput, recording off', r.relayNoRecordRate, 'msg/s', null, null, r.directRate),
    note: 'the same relay without recording: what the recording costs',
  });
}

function short(n: number): string {
  return n >= 1_000_000 ? `${n / 1_000_000}M` : `${n / 1000}k`;
}

function fmt(n: number): string {
  if (Number.isInteger(n) && Math.abs(n) < 1000) return String(n);
  if (Math.abs(n) >= 1000) return Math.round(n).toLocaleString('en');
  return n >= 100 ? n.toFixed(0) : n.toFixed(1);
}

interface Child {
  first: unknown;
  stop(): void;
}

/** Children still running; stopped when the run ends, also on failure or a signal. */
const live = new Set<() => void>();

function stopAll(): void {
  for (const stop of [...live]) stop();
}

/** TCP ingest against a bare net.Socket reader cutting the same frames: medians of alternating rounds. */
async function tcpIngest(count: number, rounds: number, log: (s: string) => void): Promise<Figure[]> {
  log(`tcp: ${count.toLocaleString('en')} × ${SIZE}-byte length-prefixed messages, median of ${rounds} rounds each`);
  const server = await child(['tcp-serve', '--size', String(SIZE), '--count', String(count)], { keepAlive: true });
  const { port } = server.first as { port: number };
  const results: Record<'bare' | 'transport' | 'session', TcpIngestResult[]> = { bare: [], transport: [], session: [] };
  for (let round = 0; round < rounds; round++)
    for (const client of ['bare', 'transport', 'session'] as const) {
      const r = (await child(['tcp-client', '--client', client, '--port', String(port), '--count', String(count)]))
        .first as TcpIngestResult;
      log(
        `  ${client}: ${fmt(r.perSecond)} msg/s in ${r.seconds.toFixed(2)} s${r.problems.length ? ' — ' + r.problems.join('; ') : ''}`,
      );
      results[client].push(r);
    }
  server.stop();
  const med = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];
  const bare = med(results.bare.map((r) => r.perSecond));
  const piped = med(results.session.map((r) => r.perSecond));
  const alone = med(results.transport.map((r) => r.perSecond));
  const problems = [...results.bare, ...results.session].flatMap((r) => r.problems);
  log(
    `  ratio: ${(piped / bare).toFixed(2)}× the bare reader with recording on (target ≥ 0.5×); transport + framer alone ${(alone / bare).toFixed(2)}×`,
  );
  return [
    figure('tcp ingest: bare net.Socket reader', bare, 'msg/s', null, null, null),
    {
      ...figure('tcp ingest: TcpTransport + prefix framer alone', alone, 'msg/s', null, null, bare),
      note: 'messages counted as they leave the transport: no store, no recording',
    },
    {
      ...figure('tcp ingest: TcpTransport + prefix framer, recording on', piped, 'msg/s', 0.5 * bare, 'min', bare),
      met: piped >= 0.5 * bare && problems.length === 0,
      note: problems.length ? `lost: ${problems.slice(0, 3).join('; ')}` : 'none lost',
    },
  ];
}

/** Runs this script with a subcommand; resolves with the first JSON line it prints. */
function child(args: string[], options: { keepAlive?: boolean; gc?: boolean } = {}): Promise<Child> {
  return new Promise((resolve, reject) => {
    const execArgv = options.gc ? ['--expose-gc'] : [];
    const p = spawn(process.execPath, [...execArgv, __filename, ...args], { stdio: ['pipe', 'pipe', 'inherit'] });
    let out = '';
    let done = false;
    p.stdout.on('data', (chunk: Buffer) => {
      out += chunk.toString();
      const nl = out.indexOf('\n');
      if (nl < 0 || done) return;
      done = true;
      resolve({ first: JSON.parse(out.slice(0, nl)), stop });
    });
    // Closing stdin asks a child to finish; one that does not within 10 s is killed.
    const stop = () => {
      live.delete(stop);
      p.stdin.end();
      if (p.exitCode === null) setTimeout(() => p.exitCode === null && p.kill('SIGKILL'), 10_000).unref();
    };
    live.add(stop);
    p.on('exit', (code) => {
      live.delete(stop);
      if (!done) reject(new Error(`bench ${args[0]} exited with ${code} before reporting`));
    });
    if (!options.keepAlive) p.stdin.end();
  });
}

async function main(): Promise<void> {
  const [command, ...args] = process.argv.slice(2);
  switch (command) {
    case 'run':
      for (const signal of ['SIGINT', 'SIGTERM', 'SIGHUP'] as const) {
        process.on(signal, () => {
          stopAll();
          process.exit(130);
        });
      }
      try {
        return await run(args.includes('--quick'), args.includes('--strict'), args.includes('--profile'));
      } finally {
        stopAll();
      }
    case 'serve':
      return serveFromCommandLine(args);
    case 'ingest-client':
      return ingestClientFromCommandLine(args);
    case 'tcp-serve':
      return tcpServeFromCommandLine(args);
    case 'tcp-client':
      return tcpClientFromCommandLine(args);
    case 'memory':
      return memoryFromCommandLine(args);
    case 'filter':
      return filterFromCommandLine(args);
    case 'protocols':
      return protocolsFromCommandLine(args);
    case 'codecs':
      return codecsFromCommandLine(args);
    case 'protobuf':
      return protobufFromCommandLine(args);
    case 'record':
      return recordFromCommandLine(args);
    case 'load':
      return loadFromCommandLine(args);
    case 'e2e':
      return e2eFromCommandLine(args);
    case 'scripts':
      return scriptsFromCommandLine(args);
    case 'activation':
      return activationFromCommandLine(args);
    case 'relay':
      return relayFromCommandLine(args);
    case 'relay-part':
      return relayPartFromCommandLine(args);
    default:
      throw new Error(`Unknown bench command "${command}". Use: run [--quick].`);
  }
}

main().catch((err: Error) => {
  console.error(`[bench] ${err.message}`);
  process.exit(1);
});
