/**
 * `wsi`: parse and run `.ws` files without VS Code.
 *   wsi parse FILE                      prints the parsed requests as JSON
 *   wsi run FILE [--request NAME] …     plays the scripts against the server and prints the exchange
 *   wsi replay SESSION [--compare] …    plays a .wslog recording again (src/core/sessions/replayCli.ts)
 *   wsi test [FILES|FOLDERS] …          runs the requests that have tests, with a report (src/cliTest.ts)
 *   wsi relay --listen PORT --target URL relays an app's connections and prints them (src/core/relay/cli.ts)
 * Exit codes: 0 success, 1 a step, the connection or (for parse) the file has an error, 2 bad usage.
 */
import { readFileSync } from 'node:fs';
import { dirname, resolve as resolvePath } from 'node:path';
import type { Transport, TransportOptions } from './core/transport';
import { durationOption, parseCommandLine, type OptionSpec } from './core/cliArgs';
import { cliDecoding, DECODE_OPTIONS, type CliDecoding } from './core/decode/cliDecode';
import { COMMAND_HELP, HELP } from './cliHelp';
import { formatDuration } from './core/wsfile/duration';
import { describeFrame } from './core/frameText';
import { findEnvFiles, loadEnvironments, selectEnvironment } from './core/wsfile/env';
import { parseWsFile, splitLines } from './core/wsfile/parse';
import { scriptDiagnostics } from './core/scripts/diagnostics';
import { runWsRequest, DEFAULT_WAIT_TIMEOUT_MS, type StepProgress } from './core/wsfile/run';
import { replayMain } from './core/sessions/replayCli';
import { relayMain } from './core/relay/cli';
import { testMain } from './cliTest';
import type { Diagnostic, ParsedWsFile, WsRequest, WsStep } from './core/wsfile/types';
import { findUnresolvedVariables, maskSecrets, type VariableContext } from './core/wsfile/variables';

/** `wsi run` and `wsi parse` options; `wsi replay`'s are in replayCli.ts. */
const RUN_OPTIONS: Record<string, OptionSpec> = {
  request: { type: 'string', example: '"My request"' },
  env: { type: 'string', example: 'local' },
  'wait-timeout': { type: 'string', example: '2s' },
  timeout: { type: 'string', example: '10s' },
  linger: { type: 'string', example: '500ms' },
  'send-timeout': { type: 'string', example: '30s' },
  'follow-redirects': { type: 'boolean' },
  'max-redirects': { type: 'string', example: '10' },
  'no-process-env': { type: 'boolean' },
  'no-scripts': { type: 'boolean' },
  ...DECODE_OPTIONS,
};

/** Entry point; returns the exit code. */
export async function main(
  argv: string[],
  out: (s: string) => void = console.log,
  err: (s: string) => void = console.error,
): Promise<number> {
  const [command, ...rest] = argv;
  if (!command || command === 'help' || command === '--help' || command === '-h') {
    const topic = command === 'help' ? rest[0] : undefined;
    if (topic && COMMAND_HELP[topic]) {
      out(COMMAND_HELP[topic]);
      return 0;
    }
    out(HELP);
    return command ? 0 : 2;
  }
  if (command === 'replay') return replayMain(rest, out, err);
  if (command === 'test') return testMain(rest, out, err);
  if (command === 'relay') return relayMain(rest, out, err);
  if (command !== 'parse' && command !== 'run') {
    err(`Unknown command "${command}". Run "wsi help" to see the commands.`);
    return 2;
  }
  const args = parseRunArgs(command, rest);
  if ('error' in args) {
    err(args.error);
    return 2;
  }
  if ('help' in args) {
    out(COMMAND_HELP[command]);
    return 0;
  }
  if (!args.file) {
    err(`"wsi ${command}" needs a .ws file, e.g. "wsi ${command} examples/echo.ws".`);
    return 2;
  }
  const file = resolvePath(args.file);
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (e) {
    err(`Cannot read ${file}: ${(e as Error).message}.`);
    return 2;
  }
  const parsed = parseWsFile(text);
  parsed.diagnostics.push(...(await scriptDiagnostics(parsed, splitLines(text), dirname(file))));
  if (command === 'parse') {
    out(JSON.stringify(toJson(file, parsed), null, 2));
    return parsed.diagnostics.some((d) => d.severity === 'error') ? 1 : 0;
  }
  return run(file, text, parsed, args, out, err);
}

interface Args {
  file?: string;
  request?: string;
  env?: string;
  waitTimeoutMs: number;
  timeoutMs: number;
  lingerMs: number;
  /** Undefined: the connection's default. */
  sendTimeoutMs?: number;
  followRedirects: boolean;
  maxRedirects?: number;
  processEnv: boolean;
  /** Run request scripts (the default on the command line; --no-scripts turns them off). */
  scripts: boolean;
  decoding?: CliDecoding;
}

function parseRunArgs(command: 'parse' | 'run', rest: string[]): Args | { help: true } | { error: string } {
  const cl = parseCommandLine(command, rest, command === 'parse' ? {} : RUN_OPTIONS);
  if ('error' in cl) return cl;
  if (cl.help) return { help: true };
  const { values, positionals } = cl;
  if (positionals.length > 1)
    return { error: `Only one file at a time: got "${positionals[0]}" and "${positionals[1]}".` };
  const waitTimeoutMs = durationOption(values, 'wait-timeout', DEFAULT_WAIT_TIMEOUT_MS);
  const timeoutMs = durationOption(values, 'timeout', 10_000);
  const lingerMs = durationOption(values, 'linger', 500);
  const sendTimeoutMs = durationOption(values, 'send-timeout', -1);
  for (const d of [waitTimeoutMs, timeoutMs, lingerMs, sendTimeoutMs]) if (typeof d !== 'number') return d;
  let maxRedirects: number | undefined;
  if (typeof values['max-redirects'] === 'string') {
    maxRedirects = Number(values['max-redirects']);
    if (!Number.isInteger(maxRedirects) || maxRedirects < 0)
      return { error: `--max-redirects needs a whole number of 0 or more, not "${values['max-redirects']}".` };
  }
  const decoding = command === 'run' ? cliDecoding(values) : undefined;
  if (decoding && 'error' in decoding) return decoding;
  return {
    decoding,
    file: positionals[0],
    request: values.request as string | undefined,
    env: values.env as string | undefined,
    waitTimeoutMs: waitTimeoutMs as number,
    timeoutMs: timeoutMs as number,
    lingerMs: lingerMs as number,
    sendTimeoutMs: (sendTimeoutMs as number) >= 0 ? (sendTimeoutMs as number) : undefined,
    followRedirects: values['follow-redirects'] === true || maxRedirects !== undefined,
    maxRedirects,
    processEnv: values['no-process-env'] !== true,
    scripts: values['no-scripts'] !== true,
  };
}

async function run(
  file: string,
  text: string,
  parsed: ParsedWsFile,
  args: Args,
  out: (s: string) => void,
  err: (s: string) => void,
): Promise<number> {
  const envFiles = findEnvFiles(dirname(file));
  let environment: Record<string, string> | undefined;
  if (envFiles) {
    const envs = loadEnvironments(envFiles);
    for (const d of envs.diagnostics) err(`${d.file}:${d.range.startLine + 1}:${d.range.startCol + 1}: ${d.message}`);
    if (args.env) {
      const chosen = selectEnvironment(envs, args.env);
      if ('error' in chosen) {
        err(chosen.error);
        return 2;
      }
      environment = chosen.variables;
    }
  } else if (args.env) {
    err(`--env ${args.env} was given, but there is no http-client.env.json next to ${file} or in a folder above it.`);
    return 2;
  }

  let requests = parsed.requests;
  if (args.request !== undefined) {
    const wanted = args.request.replace(/^#/, '');
    const byName = requests.filter((r) => r.name === args.request);
    const byIndex = /^\d+$/.test(wanted) ? requests.filter((r) => r.index === Number(wanted) - 1) : [];
    requests = byName.length ? byName.slice(0, 1) : byIndex;
    if (!requests.length) {
      err(
        `No request named "${args.request}" in ${file}. Requests: ${parsed.requests.map((r, i) => `${i + 1}. ${r.name}`).join('; ') || 'none'}.`,
      );
      return 2;
    }
  }
  if (!requests.length) {
    err(`${file} has no WebSocket requests. Add one like "WEBSOCKET ws://127.0.0.1:8765".`);
    return 1;
  }

  const diagnostics = [
    ...parsed.diagnostics,
    ...findUnresolvedVariables(text, parsed, {
      environment,
      environmentName: args.env,
      allowProcessEnv: args.processEnv,
    }),
  ];
  const context: VariableContext = {
    fileVariables: parsed.variables,
    environment,
    environmentName: args.env,
    allowProcessEnv: args.processEnv,
  };
  let failures = 0;
  for (const request of requests) {
    const inRequest = diagnostics.filter(
      (d) => d.range.startLine >= request.range.startLine && d.range.startLine <= request.range.endLine,
    );
    for (const d of inRequest) if (d.severity !== 'info') err(formatDiagnostic(file, d));
    if (inRequest.some((d) => d.severity === 'error' && d.code !== 'unresolved-variable')) {
      err(`✘ ${request.name}: not run, because of the errors above.`);
      failures++;
      continue;
    }
    if (!(await runOne(file, request, context, args, out))) failures++;
  }
  return failures ? 1 : 0;
}

async function runOne(
  file: string,
  request: WsRequest,
  context: VariableContext,
  args: Args,
  out: (s: string) => void,
): Promise<boolean> {
  const started = Date.now();
  const stamp = () => `[${String(Date.now() - started).padStart(6)} ms]`;
  let secrets: readonly string[] = [];
  let connection: Transport | undefined;
  const show = (s: string) => out(cliWording(maskSecrets(s, [...secrets])));
  show(`▶ ${request.name}  ${request.url}  (${file}:${request.urlRange.startLine + 1})`);
  const result = await runWsRequest({
    request,
    variables: context,
    baseDir: dirname(file),
    handshakeTimeoutMs: args.timeoutMs,
    waitTimeoutMs: args.waitTimeoutMs,
    connectionOptions: connectionFlags(args),
    sendTimeoutMs: args.sendTimeoutMs,
    onConnection: (c, s, protocol) => {
      connection = c;
      secrets = s;
      c.onMessage((m) => {
        show(`  ${stamp()} ${describeFrame(m)}`);
        const decoded = args.decoding?.line(m.direction, m.kind, m.payload, 0, request.settings.payloads);
        if (decoded) show(decoded);
      });
      c.onNote((n) => show(`  ${stamp()} ${describeFrame(n)}`));
      protocol.session?.onNote((n) => show(`  ${stamp()} ${describeFrame(n)}`));
      if (protocol.problem) show(`  ${stamp()} ! ${protocol.problem}`);
    },
    onSentence: (s) => show(`  ${stamp()} · ${s}`),
    scripts: args.scripts ? 'run' : 'skip',
    workspaceRoot: process.cwd(),
    onTest: (t) =>
      show(
        `  ${stamp()} ${t.passed ? '✔' : '✘'} ${t.name}${t.passed ? '' : ` (line ${t.line + 1}): ${t.message ?? 'failed'}`}`,
      ),
    onLog: (l) => show(`  ${stamp()} · ${l.text}`),
    onProgress: (p: StepProgress) => {
      const step = request.steps[p.index];
      if (p.status === 'waiting' && step) show(`  ${stamp()} … ${describeWait(step)}`);
    },
  });
  const failedTests = result.tests.filter((t) => !t.passed).length;
  if (result.ok && connection && failedTests) {
    await closeQuietly(connection);
    show(`✘ ${request.name}: ${failedTests} of ${result.tests.length} tests failed.`);
    connection.dispose();
    return false;
  }
  if (result.ok && connection) {
    const c: Transport = connection;
    if (args.lingerMs > 0 && c.state.phase === 'open') await sleep(args.lingerMs);
    await closeQuietly(c);
    show(
      `✔ ${request.name}: ${request.steps.length} step${request.steps.length === 1 ? '' : 's'} done in ${formatDuration(Date.now() - started)}.`,
    );
  } else {
    show(`✘ ${request.name}: ${result.error ?? 'failed.'}`);
    if (connection) await closeQuietly(connection);
  }
  connection?.dispose();
  return result.ok;
}

/** The connection's sentences name the extension's setting; on the command line the flag is what to use. */
export function cliWording(line: string): string {
  return line.replace(/\(followRedirects\)/g, '(--follow-redirects)');
}

/** The connection options that flags set. */
function connectionFlags(args: Args): Partial<TransportOptions> {
  return {
    ...(args.followRedirects ? { followRedirects: true } : {}),
    ...(args.maxRedirects === undefined ? {} : { maxRedirects: args.maxRedirects }),
    ...(args.sendTimeoutMs === undefined ? {} : { sendTimeoutMs: args.sendTimeoutMs }),
  };
}

function describeWait(step: WsStep): string {
  if (step.type === 'wait-for-server') return `waiting for ${step.count} server message${step.count === 1 ? '' : 's'}`;
  if (step.type === 'wait') return `waiting ${formatDuration(step.ms)}`;
  if (step.type === 'wait-for') return `waiting for a server message where ${step.condition}`;
  return '';
}

function formatDiagnostic(file: string, d: Diagnostic): string {
  return `${file}:${d.range.startLine + 1}:${d.range.startCol + 1}: ${d.severity}: ${d.message}`;
}

async function closeQuietly(c: Transport): Promise<void> {
  if (c.state.phase !== 'open') return;
  await new Promise<void>((resolve) => {
    const sub = c.onState((s) => {
      if (s.phase === 'closed' || s.phase === 'error') {
        sub.dispose();
        resolve();
      }
    });
    setTimeout(resolve, 2000).unref();
    c.close(1000, '');
  });
}

function sleep(ms: number): Promise<void> {
  return new Promise((r) => setTimeout(r, ms));
}

/** The `wsi parse` JSON: documented in docs/WSFILE.md. */
export function toJson(file: string, parsed: ParsedWsFile): object {
  return {
    file,
    variables: parsed.variables.map((v) => ({ name: v.name, value: v.value, line: v.line })),
    requests: parsed.requests.map((r) => {
      const messages: object[] = [];
      let before: object[] = [];
      for (const step of r.steps) {
        if (step.type === 'send') {
          messages.push({ ...step.message, lines: step.lines, before });
          before = [];
        } else before.push(stepJson(step));
      }
      return {
        name: r.name,
        index: r.index,
        lines: r.range,
        keyword: r.keyword,
        url: r.url,
        headers: r.headers,
        directives: r.directives,
        settings: r.settings,
        messages,
        after: before,
        steps: r.steps,
        ...(r.scripts ? { scripts: r.scripts } : {}),
        ...(r.assertions ? { assertions: r.assertions } : {}),
      };
    }),
    diagnostics: parsed.diagnostics,
  };
}

function stepJson(step: Exclude<WsStep, { type: 'send' }>): object {
  switch (step.type) {
    case 'wait-for-server':
      return { type: step.type, count: step.count, line: step.lines.startLine };
    case 'wait':
      return { type: step.type, ms: step.ms, line: step.lines.startLine };
    case 'close':
      return { type: step.type, code: step.code, reason: step.reason, line: step.lines.startLine };
    case 'action':
      return { type: step.type, action: step.action, values: step.values, line: step.lines.startLine };
    case 'wait-for':
      return { type: step.type, condition: step.condition, line: step.lines.startLine };
    case 'expect':
      return { type: step.type, expect: step.expect, line: step.lines.startLine };
  }
}

if (require.main === module) {
  main(process.argv.slice(2)).then(
    (code) => {
      process.exitCode = code;
    },
    (e) => {
      console.error(`wsi failed unexpectedly: ${(e as Error).message}`);
      process.exitCode = 1;
    },
  );
}
