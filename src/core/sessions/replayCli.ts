/**
 * `wsi replay SESSION [--url URL] [--compare] [--ignore PATH]… [--speed N] [--no-wait]`:
 * plays a `.wslog` recording against a server, prints the exchange and, with `--compare`,
 * how the server's answers differ from the recorded ones.
 * Exit codes: 0 the replay worked (and with --compare every answer matched), 1 otherwise, 2 bad usage.
 */
import { resolve as resolvePath } from 'node:path';
import type { TransportOptions } from '../transport';
import { durationOption, parseCommandLine, type OptionSpec } from '../cliArgs';
import { compareAnswers } from './compare';
import { formatComparison } from './compareText';
import { describeFrame } from '../frameText';
import { parseJsonPath } from '../jsonPath';
import { cliDecoding, DECODE_HELP, DECODE_OPTIONS, type CliDecoding } from '../decode/cliDecode';
import { loadSession } from './load';
import { protocolIds } from '../protocols';
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
  --protocol ID      Speak this protocol (socket.io, graphql, …), or none to send every recorded
                     message as it is; default: the recording's (its header, URL or subprotocol).
  --answer-timeout D Longest wait for answers before each message (default 5s).
  --send-timeout D   Longest wait for one message to be written to the socket (default: the connection's, 30s).
  --follow-redirects Follow HTTP redirects of the upgrade request (off by default).
  --max-redirects N  At most N redirects (default 10; implies --follow-redirects).
${DECODE_HELP}`;

/** `wsi replay --help`. */
export const REPLAY_HELP = `wsi replay SESSION [options]: play a .wslog recording against the server (see docs/WSLOG.md).
Exits 0, 1 when the connection fails or, with --compare, any answer differs, 2 for bad usage.

${REPLAY_OPTIONS}`;

interface ReplayArgs {
  file?: string;
  url?: string;
  compare: boolean;
  ignore: string[];
  speed: number;
  wait: boolean;
  answerTimeoutMs: number;
  protocol?: string;
  connectionOptions: Partial<TransportOptions>;
  decoding?: CliDecoding;
}

/** Runs `wsi replay`; returns the exit code. */
export async function replayMain(
  argv: string[],
  print: (s: string) => void,
  err: (s: string) => void,
): Promise<number> {
  // The connection's sentences name the extension's setting; on the command line the flag is what to use.
  const out = (s: string) => print(s.replace(/\(followRedirects\)/g, '(--follow-redirects)'));
  const args = parseReplayArgs(argv);
  if ('error' in args) {
    err(args.error);
    return 2;
  }
  if ('help' in args) {
    out(REPLAY_HELP);
    return 0;
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
    connectionOptions: args.connectionOptions,
    ...(args.protocol ? { protocol: args.protocol } : {}),
    onEvent: (e) => {
      if (e.type === 'message' || e.type === 'note') out(`  ${stamp()} ${describeFrame(e.message)}`);
      if (e.type === 'message') {
        const decoded = args.decoding?.line(e.message.direction, e.message.kind, e.message.payload, 0);
        if (decoded) out(decoded);
      } else if (e.type === 'notice') out(`  ${stamp()} ! ${e.message}`);
    },
  });
  const result = await replay.result;
  if (!result.ok) {
    out(`✘ ${result.error ?? 'The replay failed.'}`);
  } else {
    out(
      `✔ ${result.sent} message${result.sent === 1 ? '' : 's'} sent, ${result.live.length} received (${result.recorded.length} in the recording).`,
    );
  }
  if (!args.compare) return result.ok ? 0 : 1;
  // With a protocol, messages are compared by its decoded views (ignore paths apply inside them).
  const comparison = compareAnswers(result.recorded, result.live, { ignore: args.ignore, decode: result.decode });
  out(formatComparison(comparison));
  return result.ok && comparison.equal ? 0 : 1;
}

const OPTIONS: Record<string, OptionSpec> = {
  url: { type: 'string', example: 'ws://127.0.0.1:8080' },
  compare: { type: 'boolean' },
  ignore: { type: 'string', multiple: true, example: '$.ts' },
  speed: { type: 'string', example: '2' },
  'no-wait': { type: 'boolean' },
  protocol: { type: 'string', example: 'socket.io' },
  'answer-timeout': { type: 'string', example: '5s' },
  'send-timeout': { type: 'string', example: '30s' },
  'follow-redirects': { type: 'boolean' },
  'max-redirects': { type: 'string', example: '10' },
  ...DECODE_OPTIONS,
};

function parseReplayArgs(rest: string[]): ReplayArgs | { help: true } | { error: string } {
  const cl = parseCommandLine('replay', rest, OPTIONS);
  if ('error' in cl) return cl;
  if (cl.help) return { help: true };
  const { values, positionals } = cl;
  if (positionals.length > 1)
    return { error: `Only one recording at a time: got "${positionals[0]}" and "${positionals[1]}".` };
  const args: ReplayArgs = {
    file: positionals[0],
    compare: values.compare === true,
    ignore: [],
    speed: 1,
    wait: values['no-wait'] !== true,
    answerTimeoutMs: 5000,
    connectionOptions: {},
  };
  const url = values.url;
  if (typeof url === 'string') {
    if (!/^wss?:\/\//i.test(url)) return { error: `--url must be a ws:// or wss:// URL, not "${url}".` };
    args.url = url;
  }
  for (const v of (values.ignore as string[] | undefined) ?? []) {
    const parsed = parseJsonPath(v);
    if ('error' in parsed) return parsed;
    args.ignore.push(v);
  }
  if (typeof values.speed === 'string') {
    const n = Number(values.speed);
    if (!(n > 0)) return { error: `--speed needs a number above 0 (2 is twice as fast), not "${values.speed}".` };
    args.speed = n;
  }
  if (typeof values.protocol === 'string') {
    const ids = protocolIds();
    if (values.protocol !== 'auto' && !ids.includes(values.protocol))
      return { error: `--protocol must be one of ${ids.join(', ')} or auto, not "${values.protocol}".` };
    args.protocol = values.protocol;
  }
  const answer = durationOption(values, 'answer-timeout', 5000);
  if (typeof answer !== 'number') return answer;
  args.answerTimeoutMs = answer;
  const send = durationOption(values, 'send-timeout', -1);
  if (typeof send !== 'number') return send;
  if (send >= 0) args.connectionOptions.sendTimeoutMs = send;
  if (typeof values['max-redirects'] === 'string') {
    const n = Number(values['max-redirects']);
    if (!Number.isInteger(n) || n < 0)
      return { error: `--max-redirects needs a whole number of 0 or more, not "${values['max-redirects']}".` };
    args.connectionOptions.maxRedirects = n;
    args.connectionOptions.followRedirects = true;
  }
  if (values['follow-redirects'] === true) args.connectionOptions.followRedirects = true;
  const decoding = cliDecoding(values);
  if ('error' in decoding) return decoding;
  args.decoding = decoding;
  return args;
}
