/**
 * `wsi replay SESSION [--url URL] [--compare] [--ignore PATH]… [--speed N] [--no-wait]`:
 * plays a `.wslog` recording against a server, prints the exchange and, with `--compare`,
 * how the server's answers differ from the recorded ones.
 * Exit codes: 0 the replay worked (and with --compare every answer matched), 1 otherwise, 2 bad usage.
 */
import { resolve as resolvePath } from 'node:path';
import type { ConnectionFrame } from '../connection';
import { compareAnswers, type ComparedMessage, type CompareResult } from './compare';
import { parseJsonPath } from './jsonPath';
import { loadSession } from './load';
import { replaySession, type ReplayTiming } from './replay';

/** The usage lines of `wsi help`. */
export const REPLAY_USAGE = `  wsi replay SESSION [options]   Play a .wslog recording against the server (see docs/WSLOG.md).
                                 Exits 1 when the connection fails or, with --compare, any answer differs.`;

/** The options section of `wsi help`. */
export const REPLAY_OPTIONS = `Options for replay:
  --url URL          Connect here instead of the recorded URL.
  --compare          Compare the server's answers with the recorded ones, in order.
  --ignore PATH      Leave this JSON path out when comparing, e.g. $.ts or $.data[*].id (repeatable).
  --speed N          Play N times faster (0.5 is half speed); default 1, the original timing.
  --no-wait          Do not wait for the server's answers before each message.
  --answer-timeout D Longest wait for answers before each message (default 5s).`;

interface ReplayArgs {
  file?: string;
  url?: string;
  compare: boolean;
  ignore: string[];
  speed: number;
  wait: boolean;
  answerTimeoutMs: number;
}

/** Runs `wsi replay`; returns the exit code. */
export async function replayMain(argv: string[], out: (s: string) => void, err: (s: string) => void): Promise<number> {
  const args = parseReplayArgs(argv);
  if ('error' in args) {
    err(args.error);
    return 2;
  }
  if (!args.file) {
    err('"wsi replay" needs a recording, e.g. "wsi replay session.wslog --compare".');
    return 2;
  }
  const file = resolvePath(args.file);
  const loaded = await loadSession(file);
  if ('error' in loaded) {
    err(loaded.error);
    return 2;
  }
  for (const n of loaded.notices) err(`${file}: ${n}`);
  const started = Date.now();
  const stamp = () => `[${String(Date.now() - started).padStart(6)} ms]`;
  const timing: ReplayTiming = args.speed === 1 ? 'original' : { speed: args.speed };
  const url = args.url ?? loaded.header.url;
  out(`▶ replay ${file}  →  ${url}`);
  const replay = replaySession(loaded, {
    url: args.url,
    timing,
    waitForAnswers: args.wait,
    answerTimeoutMs: args.answerTimeoutMs,
    onEvent: (e) => {
      if (e.type === 'frame') {
        const line = describe(e.frame);
        if (line) out(`  ${stamp()} ${line}`);
      } else if (e.type === 'notice') out(`  ${stamp()} ! ${e.message}`);
    },
  });
  const result = await replay.result;
  if (!result.ok) {
    out(`✘ ${result.error ?? 'The replay failed.'}`);
  } else {
    out(`✔ ${result.sent} message${result.sent === 1 ? '' : 's'} sent, ${result.live.length} received (${result.recorded.length} in the recording).`);
  }
  if (!args.compare) return result.ok ? 0 : 1;
  const comparison = compareAnswers(result.recorded, result.live, { ignore: args.ignore });
  out(formatComparison(comparison));
  return result.ok && comparison.equal ? 0 : 1;
}

function parseReplayArgs(rest: string[]): ReplayArgs | { error: string } {
  const args: ReplayArgs = { compare: false, ignore: [], speed: 1, wait: true, answerTimeoutMs: 5000 };
  for (let i = 0; i < rest.length; i++) {
    const a = rest[i];
    const value = (example: string): string | { error: string } => {
      const v = rest[++i];
      return v === undefined ? { error: `${a} needs a value, e.g. ${a} ${example}.` } : v;
    };
    switch (a) {
      case '--url': {
        const v = value('ws://127.0.0.1:8080');
        if (typeof v !== 'string') return v;
        if (!/^wss?:\/\//i.test(v)) return { error: `--url must be a ws:// or wss:// URL, not "${v}".` };
        args.url = v;
        break;
      }
      case '--compare':
        args.compare = true;
        break;
      case '--ignore': {
        const v = value('$.ts');
        if (typeof v !== 'string') return v;
        const parsed = parseJsonPath(v);
        if ('error' in parsed) return parsed;
        args.ignore.push(v);
        break;
      }
      case '--speed': {
        const v = value('2');
        if (typeof v !== 'string') return v;
        const n = Number(v);
        if (!(n > 0)) return { error: `--speed needs a number above 0 (2 is twice as fast), not "${v}".` };
        args.speed = n;
        break;
      }
      case '--answer-timeout': {
        const v = value('5s');
        if (typeof v !== 'string') return v;
        const m = /^(\d+(?:\.\d+)?)(ms|s)$/.exec(v.trim());
        if (!m) return { error: `--answer-timeout needs a duration like 500ms or 5s, not "${v}".` };
        args.answerTimeoutMs = Number(m[1]) * (m[2] === 's' ? 1000 : 1);
        break;
      }
      case '--no-wait':
        args.wait = false;
        break;
      default:
        if (a.startsWith('--')) return { error: `Unknown option ${a}. Run "wsi help" to see the options.` };
        if (args.file) return { error: `Only one recording at a time: got "${args.file}" and "${a}".` };
        args.file = a;
    }
  }
  return args;
}

/** The comparison as lines: the summary, then each difference. */
export function formatComparison(c: CompareResult): string {
  const { matched, mismatched, missing, extra } = c.summary;
  const lines = [`${c.equal ? '✔' : '✘'} compare: ${matched} matched, ${mismatched} mismatched, ${missing} missing, ${extra} extra.`];
  for (const d of c.differences) lines.push(...describeDifference(d));
  return lines.join('\n');
}

function describeDifference(d: ComparedMessage): string[] {
  const n = `#${d.index + 1}`;
  if (d.status === 'missing') return [`  ${n} missing: the server did not send ${short(d.expected?.text ?? `${d.expected?.kind} message`)}`];
  if (d.status === 'extra') return [`  ${n} extra: ${short(d.actual?.text ?? `${d.actual?.kind} message`)}`];
  const diff = d.diff;
  if (!diff) return [];
  switch (diff.type) {
    case 'kind':
      return [`  ${n} differs: expected a ${diff.expected} message, got ${diff.actual}`];
    case 'json':
      return [
        `  ${n} differs (JSON):`,
        ...diff.differences.map((x) => `      ${x.path}: ${x.change === 'added' ? `added ${json(x.actual)}` : x.change === 'removed' ? `removed (was ${json(x.expected)})` : `${json(x.expected)} → ${json(x.actual)}`}`),
        ...(diff.more ? [`      … and ${diff.more} more`] : []),
      ];
    default:
      return [
        `  ${n} differs (${diff.type}) at ${diff.type === 'text' ? 'character' : 'byte'} ${diff.offset} (lengths ${diff.expectedLength} and ${diff.actualLength}):`,
        `      expected ${diff.expected}`,
        `      actual   ${diff.actual}`,
      ];
  }
}

function json(v: unknown): string {
  return short(JSON.stringify(v) ?? 'undefined');
}

function short(s: string): string {
  const one = s.replace(/\r?\n/g, '⏎');
  return one.length > 120 ? `${one.slice(0, 120)}…` : one;
}

function describe(f: ConnectionFrame): string | undefined {
  const arrow = f.direction === 'sent' ? '→' : f.direction === 'received' ? '←' : '·';
  switch (f.kind) {
    case 'text':
      return `${arrow} text   ${short(f.payload.toString('utf8'))}`;
    case 'binary':
      return `${arrow} binary ${f.payload.length} byte${f.payload.length === 1 ? '' : 's'}`;
    case 'close': {
      const code = f.payload.length >= 2 ? f.payload.readUInt16BE(0) : 1005;
      return `${arrow} close  ${code}`;
    }
    case 'ping':
    case 'pong':
      return `${arrow} ${f.kind}`;
    default:
      return `${arrow} ${f.payload.toString('utf8')}`;
  }
}
