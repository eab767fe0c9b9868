import { readFile } from 'node:fs/promises';
import { isAbsolute, relative, resolve as resolvePath } from 'node:path';
import { checkAssertion, readPath } from '../wsfile/assertions';
import { formatDuration } from '../wsfile/duration';
import type { MessageCounter } from '../wsfile/runWait';
import type { WsRequest, WsScript } from '../wsfile/types';
import { Sandbox, type SandboxOptions, type SandboxScript } from './sandbox';

/** One test's outcome, where the host and `wsi test` show it. Lines are 0-based lines of the .ws file. */
export interface TestResult {
  name: string;
  passed: boolean;
  message?: string;
  expected?: string;
  actual?: string;
  line: number;
  /** The server message (1-based number in the run) that decided it, when one did. */
  messageIndex?: number;
  /** Where it came from: a script's client.test / assert, an `=== expect` line, or an httpYac `??` line. */
  source: 'script' | 'expect' | 'assert';
}

/** A `client.log` / `console.log` line, or a note of the run about scripts. */
export interface LogLine {
  text: string;
  line?: number;
  /** Server messages received when it was written. */
  messageIndex?: number;
}

export const RESTRICTED_NOTE = 'Scripts are not run in Restricted Mode';

export interface ScriptRunOptions {
  request: WsRequest;
  baseDir: string;
  /** External script files must be inside this folder (the .ws file's workspace folder). */
  workspaceRoot?: string;
  /** `client.global`: kept by the caller across requests. */
  globals: Map<string, string>;
  /** `request.variables` and httpYac exports: the caller resolves `{{name}}` with them first. */
  variables: Map<string, string>;
  environment?: Record<string, string>;
  sandbox?: SandboxOptions;
  onTest: (t: TestResult) => void;
  onLog: (l: LogLine) => void;
  /** Sends on the connection (`output()`, `websocketClient.send`). */
  send: (text: string) => void;
  close: (code: number, reason: string) => void;
  url: () => string;
  header: (name: string) => string | undefined;
  counter: MessageCounter;
}

/** True when the request has JavaScript to run (script blocks, external handlers, `?? js` lines). */
export function hasScripts(request: WsRequest): boolean {
  return Boolean(request.scripts?.length || request.assertions?.some((a) => a.field === 'js'));
}

/** True when the request has anything that produces test results. */
export function hasTests(request: WsRequest): boolean {
  return Boolean(hasScripts(request) || request.assertions?.length || request.steps.some((s) => s.type === 'expect'));
}

/** The code of each script (external files read), or a sentence naming the one that cannot be read. */
export async function loadScripts(
  request: WsRequest,
  baseDir: string,
  workspaceRoot?: string,
): Promise<Array<{ script: WsScript; source: SandboxScript }> | { error: string; line: number }> {
  const out: Array<{ script: WsScript; source: SandboxScript }> = [];
  for (const script of request.scripts ?? []) {
    if (script.code !== undefined) {
      out.push({ script, source: { code: script.code, line: script.codeLine } });
      continue;
    }
    const path = isAbsolute(script.path!) ? script.path! : resolvePath(baseDir, script.path!);
    const line = script.lines.startLine;
    if (workspaceRoot) {
      const rel = relative(resolvePath(workspaceRoot), path);
      if (rel.startsWith('..') || isAbsolute(rel))
        return {
          line,
          error: `The script ${script.path} (line ${line + 1}) is outside the workspace folder ${workspaceRoot}, so it is not run. Move it into the workspace.`,
        };
    }
    try {
      out.push({ script, source: { code: await readFile(path, 'utf8'), line, file: script.path } });
    } catch (err) {
      const code = (err as NodeJS.ErrnoException).code;
      return {
        line,
        error:
          code === 'ENOENT'
            ? `The script ${path} (line ${line + 1}) does not exist. Paths are relative to the .ws file's folder.`
            : `The script ${path} (line ${line + 1}) could not be read: ${(err as Error).message}.`,
      };
    }
  }
  return out;
}

/** Compiles every script without running it: syntax errors at their .ws lines (0-based). */
export async function checkScriptSyntax(
  request: WsRequest,
  baseDir: string,
  workspaceRoot?: string,
): Promise<Array<{ message: string; line: number; file?: boolean }>> {
  if (!hasScripts(request)) return [];
  const loaded = await loadScripts(request, baseDir, workspaceRoot);
  if ('error' in loaded) return [{ message: loaded.error, line: loaded.line, file: true }];
  const problems: Array<{ message: string; line: number }> = [];
  const sandbox = await Sandbox.create(NULL_HOST);
  try {
    for (const { script, source } of loaded) {
      const bad = sandbox.compile(source, script.dialect === 'httpyac');
      if (bad) problems.push(bad);
    }
    for (const a of request.assertions ?? [])
      if (a.field === 'js') {
        const bad = sandbox.compile({ code: `(${a.path})`, line: a.line });
        if (bad) problems.push({ message: bad.message, line: a.line });
      }
  } finally {
    sandbox.dispose();
  }
  return problems;
}

/**
 * The scripts of one request run: pre-request scripts before it connects, response handlers and
 * httpYac streaming scripts once it is open, every server text message to the subscribers, then
 * httpYac's scripts after the exchange and the `??` assertions.
 */
export class RequestScripts {
  private active = 0;
  private wake: (() => void) | undefined;
  private readonly streaming: Array<Promise<void>> = [];
  private lastText: string | undefined;

  private constructor(
    private readonly options: ScriptRunOptions,
    private readonly sandbox: Sandbox,
    private readonly scripts: Array<{ script: WsScript; source: SandboxScript }>,
  ) {}

  /** Loads and compiles the scripts; a sentence (with its line) when one cannot run. */
  static async prepare(options: ScriptRunOptions): Promise<RequestScripts | { error: string; line: number }> {
    const loaded = await loadScripts(options.request, options.baseDir, options.workspaceRoot);
    if ('error' in loaded) return loaded;
    const ref: { self?: RequestScripts } = {};
    const o = options;
    const sandbox = await Sandbox.create(
      {
        result: (r) =>
          o.onTest({
            name: r.name,
            passed: r.passed,
            message: r.message,
            line: r.line ?? 0,
            source: 'script',
            messageIndex: o.counter.count || undefined,
          }),
        log: (text, line) => o.onLog({ text, line, messageIndex: o.counter.count || undefined }),
        send: (text) => o.send(text),
        close: (code, reason) => o.close(code, reason),
        globals: o.globals,
        variables: o.variables,
        env: (n) => o.environment?.[n],
        header: (n) => o.header(n),
        url: () => o.url(),
        subscribed: () => {
          if (ref.self) ref.self.active++;
        },
        unsubscribed: () => {
          if (!ref.self) return;
          ref.self.active = 0;
          ref.self.wake?.();
        },
        silent: (line) =>
          o.onTest({
            name: 'response.body.onEachMessage',
            passed: false,
            line: line ?? 0,
            source: 'script',
            message: `The handler at line ${(line ?? 0) + 1} got no server message before the run ended.`,
          }),
      },
      options.sandbox,
    );
    for (const { script, source } of loaded) {
      const bad = sandbox.compile(source, script.dialect === 'httpyac');
      if (bad) {
        sandbox.dispose();
        return { error: `The script at line ${bad.line + 1} does not compile: ${bad.message}`, line: bad.line };
      }
    }
    ref.self = new RequestScripts(options, sandbox, loaded);
    return ref.self;
  }

  /** Pre-request scripts (JetBrains `< {% %}`, httpYac `{{ }}` above the request line). */
  async beforeConnect(): Promise<void> {
    for (const s of this.of('pre-request')) await this.runOne(s, 'pre-request script');
  }

  /** Response handlers and streaming scripts, once the connection is open. */
  afterOpen(): void {
    for (const s of this.scripts) {
      if (s.script.event === 'response') this.sandbox.run(s.source, 'response handler');
      if (s.script.event === 'streaming') this.streaming.push(this.sandbox.runAsync(s.source, 'streaming script'));
    }
  }

  /** A server message, for the subscribers. */
  message(text: string): void {
    this.lastText = text;
    this.sandbox.dispatch(text);
    this.wake?.();
  }

  /**
   * After the steps: the streaming scripts finish (within `limitMs`), and handlers keep receiving
   * until they all unsubscribe, the connection ends, or no message comes for `idleMs`.
   */
  async settle(idleMs: number, limitMs: number, signal?: AbortSignal): Promise<void> {
    if (this.streaming.length) {
      let timer: NodeJS.Timeout | undefined;
      const limit = new Promise<'late'>((r) => (timer = setTimeout(() => r('late'), limitMs)));
      const outcome = await Promise.race([Promise.all(this.streaming).then(() => 'done' as const), limit]);
      clearTimeout(timer);
      if (outcome === 'late')
        this.options.onTest({
          name: 'streaming script',
          passed: false,
          line: this.of('streaming')[0]?.script.lines.startLine ?? 0,
          source: 'script',
          message: `The streaming script had not finished after ${formatDuration(limitMs)}; it was stopped.`,
        });
    }
    const { counter } = this.options;
    while (this.active > 0 && !signal?.aborted && counter.endReason === undefined) {
      const woken = new Promise<'woken'>((r) => (this.wake = () => r('woken')));
      const outcome = await Promise.race([counter.waitFor(counter.count + 1, idleMs, signal), woken]);
      this.wake = undefined;
      if (outcome !== 'ok' && outcome !== 'woken') break;
    }
    this.sandbox.finish();
  }

  /** httpYac's scripts after the exchange and the `??` assertions. */
  async after(info: { connected: boolean; durationMs: number }): Promise<void> {
    const after = this.of('after');
    const last = this.lastText;
    let parsed: unknown;
    try {
      parsed = last === undefined ? undefined : JSON.parse(last);
    } catch {
      parsed = undefined;
    }
    if (after.length || this.options.request.assertions?.some((a) => a.field === 'js')) {
      this.sandbox.setGlobal('response', {
        statusCode: info.connected ? 101 : 0,
        body: last,
        parsedBody: parsed,
        duration: info.durationMs,
        headers: {},
      });
      for (const s of after) await this.runOne(s, 'script');
    }
    runAssertions(this.options, info, last, parsed, this.sandbox);
  }

  dispose(): void {
    this.sandbox.dispose();
  }

  private of(event: WsScript['event']) {
    return this.scripts.filter((s) => s.script.event === event);
  }

  private async runOne(s: { script: WsScript; source: SandboxScript }, what: string): Promise<void> {
    if (s.script.dialect === 'httpyac') {
      await this.sandbox.runAsync(s.source, what);
      for (const [k, v] of Object.entries(this.sandbox.exportsObject()))
        if (typeof v === 'string' || typeof v === 'number' || typeof v === 'boolean')
          this.options.variables.set(k, String(v));
    } else this.sandbox.run(s.source, what);
  }
}

/** httpYac `??` lines; `js` ones only with a sandbox (a trusted workspace). */
export function runAssertions(
  options: Pick<ScriptRunOptions, 'request' | 'onTest' | 'header'>,
  info: { connected: boolean; durationMs: number },
  last: string | undefined,
  parsed: unknown,
  sandbox?: Sandbox,
): void {
  for (const a of options.request.assertions ?? []) {
    let actual: unknown;
    if (a.field === 'status') actual = info.connected ? 101 : 0;
    else if (a.field === 'duration') actual = info.durationMs;
    else if (a.field === 'header') actual = options.header(a.path ?? '');
    else if (a.field === 'body') actual = a.path ? readPath(parsed, a.path) : last;
    else if (!sandbox) continue;
    else {
      const r = sandbox.evaluate(a.path ?? 'undefined', a.line);
      if ('error' in r) {
        options.onTest({ name: a.text, passed: false, message: r.error, line: a.line, source: 'assert' });
        continue;
      }
      actual = r.value;
    }
    const passed = checkAssertion(actual, a.op, a.value);
    const shown = typeof actual === 'string' ? actual : JSON.stringify(actual);
    options.onTest({
      name: a.text,
      passed,
      line: a.line,
      source: 'assert',
      expected: `${a.op}${a.value === undefined ? '' : ` ${a.value}`}`,
      actual: shown,
      ...(passed
        ? {}
        : {
            message: `${a.field}${a.path ? ` ${a.path}` : ''} is ${shown ?? 'absent'}, expected ${a.op}${a.value === undefined ? '' : ` ${a.value}`}.`,
          }),
    });
  }
}

const NULL_HOST = {
  result: () => undefined,
  log: () => undefined,
  send: () => undefined,
  close: () => undefined,
  globals: new Map<string, string>(),
  variables: new Map<string, string>(),
  env: () => undefined,
  header: () => undefined,
  url: () => '',
  subscribed: () => undefined,
  unsubscribed: () => undefined,
  silent: () => undefined,
};
