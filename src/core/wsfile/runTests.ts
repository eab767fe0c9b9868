import type { MessageDecoder } from '../decode';
import {
  RESTRICTED_NOTE,
  RequestScripts,
  hasScripts,
  runAssertions,
  type LogLine,
  type TestResult,
} from '../scripts/runScripts';
import type { SandboxOptions } from '../scripts/sandbox';
import type { Transport, TransportMessage } from '../transport';
import { runExpectation } from './expect';
import type { MessageCounter } from './runWait';
import type { WsRequest, WsStep } from './types';
import type { VariableContext } from './variables';

/** The options of runWsRequest (run.ts) about tests and scripts. */
export interface TestRunOptions {
  /** Run the request's scripts ('run': the workspace is trusted) or not ('skip', the default: Restricted Mode). */
  scripts?: 'run' | 'skip';
  /** `client.global`, shared by the requests of a session; a new map per run when absent. */
  globals?: Map<string, string>;
  /** External script files must be inside this folder. */
  workspaceRoot?: string;
  /** CPU budget per callback (default 100 ms) and memory limit (default 64 MiB) of the sandbox. */
  sandbox?: SandboxOptions;
  /** After the last step, handlers keep receiving until no message came for this long (default 1 s; `@keepStreaming`: the wait timeout). */
  settleMs?: number;
  /** Each test result (script tests, `=== expect` lines, `??` lines) as it is decided. */
  onTest?: (test: TestResult) => void;
  /** Each `client.log` line, and the run's notes about scripts. */
  onLog?: (line: LogLine) => void;
}

export const DEFAULT_SETTLE_MS = 1_000;

/**
 * The test side of one run: scripts (when trusted), expectations and assertions, with their results
 * and log lines. run.ts calls it at each point of the run.
 */
export class RunTests {
  readonly tests: TestResult[] = [];
  readonly logs: LogLine[] = [];
  private scripts: RequestScripts | undefined;
  /** Server messages before `afterOpen` (a flood that came with the 101): held for the handlers. */
  private early: string[] | undefined = [];
  private readonly cursor = { seq: 0 };
  private lastText: string | undefined;
  private readonly started = Date.now();
  private connection: Transport | undefined;
  private readonly scriptVariables = new Map<string, string>();
  readonly variables: VariableContext;

  constructor(
    private readonly request: WsRequest,
    private readonly options: TestRunOptions & { baseDir: string; variables: VariableContext },
    private readonly counter: MessageCounter,
  ) {
    this.variables = {
      ...options.variables,
      scriptVariables: this.scriptVariables,
      globals: options.globals ?? options.variables.globals ?? new Map(),
    };
  }

  private test(t: TestResult): void {
    this.tests.push(t);
    try {
      this.options.onTest?.(t);
    } catch {
      // A listener's failure must not stop the run.
    }
  }

  log(l: LogLine): void {
    this.logs.push(l);
    try {
      this.options.onLog?.(l);
    } catch {
      // A listener's failure must not stop the run.
    }
  }

  /** Before the handshake: compiles the scripts and runs the pre-request ones. A sentence when they cannot run. */
  async beforeConnect(): Promise<string | undefined> {
    if (!hasScripts(this.request)) return undefined;
    if ((this.options.scripts ?? 'skip') === 'skip') {
      this.log({ text: `${RESTRICTED_NOTE}; the rest of the request runs without them.` });
      return undefined;
    }
    const prepared = await RequestScripts.prepare({
      request: this.request,
      baseDir: this.options.baseDir,
      workspaceRoot: this.options.workspaceRoot,
      globals: this.variables.globals!,
      variables: this.scriptVariables,
      environment: this.options.variables.environment,
      sandbox: this.options.sandbox,
      onTest: (t) => this.test(t),
      onLog: (l) => this.log(l),
      send: (text) =>
        void this.connection
          ?.sendText(text)
          .catch((err: Error) => this.log({ text: `output() failed: ${err.message}` })),
      close: (code, reason) => this.connection?.close(code, reason),
      url: () => this.request.url,
      header: (name) => this.header(name),
      counter: this.counter,
    });
    if ('error' in prepared) return prepared.error;
    this.scripts = prepared;
    await prepared.beforeConnect();
    return undefined;
  }

  /** The connection is open: response handlers and streaming scripts start. */
  afterOpen(connection: Transport): void {
    this.connection = connection;
    this.scripts?.afterOpen();
    // What came with the handshake's answer, before the handlers existed, reaches them now, in order.
    const early = this.early;
    this.early = undefined;
    for (const text of early ?? []) this.scripts?.message(text);
  }

  /** Every frame of the connection. */
  frame(f: TransportMessage): void {
    if (f.direction !== 'received' || f.kind !== 'text') return;
    const text = f.payload.toString('utf8');
    this.lastText = text;
    if (this.early) this.early.push(text);
    else this.scripts?.message(text);
  }

  /** `=== expect`: a test result; never fails the step. */
  async expect(
    step: Extract<WsStep, { type: 'expect' }>,
    ctx: { decoder?: MessageDecoder; limitMs: number; signal?: AbortSignal },
  ): Promise<void> {
    const outcome = await runExpectation(step.expect, {
      counter: this.counter,
      decoder: ctx.decoder,
      cursor: this.cursor,
      limitMs: ctx.limitMs,
      variables: this.variables,
      line: step.lines.startLine,
      signal: ctx.signal,
    });
    this.test({
      name: `expect ${step.expect.text}`.trim(),
      passed: outcome.passed,
      message: outcome.message,
      expected: outcome.expected,
      actual: outcome.actual,
      line: step.lines.startLine,
      messageIndex: outcome.messageIndex,
      source: 'expect',
    });
  }

  /** After the steps: handlers settle, httpYac's after-scripts and the `??` lines run. */
  async finish(ok: boolean, limitMs: number, signal?: AbortSignal): Promise<void> {
    const connected = this.connection !== undefined;
    const info = { connected, durationMs: Date.now() - this.started };
    if (this.scripts) {
      if (ok) {
        const idle = this.request.settings.keepStreaming ? limitMs : (this.options.settleMs ?? DEFAULT_SETTLE_MS);
        await this.scripts.settle(idle, limitMs, signal);
        await this.scripts.after(info);
      }
      return;
    }
    let parsed: unknown;
    try {
      parsed = this.lastText === undefined ? undefined : JSON.parse(this.lastText);
    } catch {
      parsed = undefined;
    }
    if (ok)
      runAssertions(
        { request: this.request, onTest: (t) => this.test(t), header: (n) => this.header(n) },
        info,
        this.lastText,
        parsed,
      );
  }

  dispose(): void {
    this.scripts?.dispose();
    this.scripts = undefined;
  }

  private header(name: string): string | undefined {
    const headers = this.connection?.handshake?.response?.headers ?? [];
    return headers.find((h) => h.name.toLowerCase() === name.toLowerCase())?.value;
  }
}
