/**
 * The benchmark driver. `node out/bench/bench.js run [--quick]` runs every scenario, each measured
 * part in a child process of its own, prints a table and writes bench/results/latest.json.
 * The other subcommands are those child processes.
 */
import { spawn } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { cpus } from 'node:os';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import { serveFromCommandLine } from './floodServer';
import { ingestClientFromCommandLine, type IngestResult } from './scenarios/ingest';
import { memoryFromCommandLine, type MemoryResult } from './scenarios/memory';
import { filterFromCommandLine, type FilterCase } from './scenarios/filter';

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

async function run(quick: boolean): Promise<void> {
  const count = quick ? 200_000 : 1_000_000;
  const rounds = quick ? 2 : 3;
  const runs = quick ? 8 : 20;
  const figures: Figure[] = [];
  const started = Date.now();
  const log = (s: string) => process.stderr.write(`[bench] ${s}\n`);

  // (a) ingest
  log(`ingest: ${count.toLocaleString('en')} × ${SIZE}-byte text messages, best of ${rounds}`);
  const server = await child(['serve', '--size', String(SIZE), '--count', String(count)], { keepAlive: true });
  const { port } = server.first as { port: number };
  let bestBare: IngestResult | undefined;
  let bestSession: IngestResult | undefined;
  const problems: string[] = [];
  for (let round = 0; round < rounds; round++) {
    for (const client of ['bare', 'session'] as const) {
      const r = (await child(['ingest-client', '--client', client, '--port', String(port), '--count', String(count)])).first as IngestResult;
      log(`  ${client}: ${fmt(r.perSecond)} msg/s in ${r.seconds.toFixed(2)} s${r.posts ? `, ${r.posts} posts` : ''}${r.problems.length ? ' — ' + r.problems.join('; ') : ''}`);
      problems.push(...r.problems.map((p) => `${client}: ${p}`));
      if (client === 'bare' && (!bestBare || r.perSecond > bestBare.perSecond)) bestBare = r;
      if (client === 'session' && (!bestSession || r.perSecond > bestSession.perSecond)) bestSession = r;
    }
  }
  server.stop();
  const ratio = bestSession!.perSecond / bestBare!.perSecond;
  figures.push(figure('ingest: bare ws client', bestBare!.perSecond, 'msg/s', null, null, null));
  figures.push({
    ...figure('ingest: host pipeline', bestSession!.perSecond, 'msg/s', 0.5 * bestBare!.perSecond, 'min', bestBare!.perSecond),
    met: ratio >= 0.5 && problems.length === 0,
    note: problems.length ? `lost or reordered: ${problems.slice(0, 3).join('; ')}` : `none lost or reordered; ${bestSession!.posts} posts`,
  });

  // (b) memory
  log(`memory: ${count.toLocaleString('en')} × ${SIZE}-byte messages in a FrameStore`);
  const mem = (await child(['memory', '--count', String(count), '--size', String(SIZE)], { gc: true })).first as MemoryResult;
  figures.push(figure('memory per stored message', mem.bytesPerMessage, 'bytes', SIZE + 64, 'max', SIZE));

  // (c) filters
  log(`filter: ${count.toLocaleString('en')} stored messages, p95 of ${runs} runs`);
  const cases = (await child(['filter', '--count', String(count), '--size', String(SIZE), '--runs', String(runs)])).first as FilterCase[];
  for (const c of cases) {
    log(`  ${c.name}: p95 ${c.p95Ms.toFixed(1)} ms, median ${c.medianMs.toFixed(1)} ms, ${c.matches} matches; plain loop ${c.baselineMs.toFixed(0)} ms`);
    figures.push({ ...figure(`filter p95: ${c.name}`, c.p95Ms, 'ms', 200, 'max', c.baselineMs), note: `${c.matches} matches` });
  }

  // (d) bundle sizes
  for (const [name, path, limit] of [
    ['bundle: dist/extension.js', 'dist/extension.js', 1024 * 1024],
    ['bundle: dist/webview/main.js', 'dist/webview/main.js', 512 * 1024],
    ['package: dist/websocket-inspector.vsix', 'dist/websocket-inspector.vsix', 5 * 1024 * 1024],
  ] as const) {
    const file = join(ROOT, path);
    if (!existsSync(file)) {
      log(`  ${path} is missing: run npm run build (or npm run package) first`);
      continue;
    }
    const bytes = statSync(file).size;
    const gzip = path.endsWith('.js') ? gzipSync(readFileSync(file)).length : undefined;
    figures.push({ ...figure(name, bytes / 1024, 'KiB', limit / 1024, 'max', null), note: gzip ? `${(gzip / 1024).toFixed(1)} KiB gzipped` : undefined });
  }

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
  console.log(`\n${results.machine.cpu}, ${results.machine.cores} cores, node ${process.version}; ${results.seconds.toFixed(0)} s${quick ? ' (quick)' : ''}. Written to bench/results/latest.json`);
  if (figures.some((f) => f.met === false)) process.exitCode = 1;
}

function figure(name: string, value: number, unit: string, target: number | null, targetKind: 'min' | 'max' | null, baseline: number | null): Figure {
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
  const line = (cells: string[]) => cells.map((c, i) => c.padEnd(widths[i])).join('  ').trimEnd();
  console.log('\n' + line(head));
  console.log(widths.map((w) => '─'.repeat(w)).join('  '));
  for (const r of rows) console.log(line(r));
}

function fmt(n: number): string {
  if (Math.abs(n) >= 1000) return Math.round(n).toLocaleString('en');
  return n >= 100 ? n.toFixed(0) : n.toFixed(1);
}

interface Child {
  first: unknown;
  stop(): void;
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
      resolve({ first: JSON.parse(out.slice(0, nl)), stop: () => p.stdin.end() });
    });
    p.on('exit', (code) => {
      if (!done) reject(new Error(`bench ${args[0]} exited with ${code} before reporting`));
    });
    if (!options.keepAlive) p.stdin.end();
  });
}

async function main(): Promise<void> {
  const [command, ...args] = process.argv.slice(2);
  switch (command) {
    case 'run':
      return run(args.includes('--quick'));
    case 'serve':
      return serveFromCommandLine(args);
    case 'ingest-client':
      return ingestClientFromCommandLine(args);
    case 'memory':
      return memoryFromCommandLine(args);
    case 'filter':
      return filterFromCommandLine(args);
    default:
      throw new Error(`Unknown bench command "${command}". Use: run [--quick].`);
  }
}

main().catch((err: Error) => {
  console.error(`[bench] ${err.message}`);
  process.exit(1);
});
