import { createHash, createHmac, randomUUID } from 'node:crypto';
import type * as Engine from './quickjsEngine';
import type {
  QuickJSContext,
  QuickJSDeferredPromise,
  QuickJSHandle,
  QuickJSRuntime,
  QuickJSWASMModule,
  VmCallResult,
} from 'quickjs-emscripten-core';
import { PRELUDE } from './prelude';

/**
 * One QuickJS runtime and context per request run (QuickJS compiled to WebAssembly: no require,
 * no file system, no network; only the functions below). Each entry into the VM gets a CPU
 * budget (the interrupt handler) and the runtime a memory limit. `dispose()` frees everything.
 * The 880 KiB QuickJS build is loaded on first use only (see loadQuickJS).
 */

export const DEFAULT_CPU_MS = 100;
export const DEFAULT_MEMORY_BYTES = 64 * 1024 * 1024;

export interface SandboxOptions {
  /** CPU budget of each entry (a script's top level, one message's callbacks, one timer). Default 100 ms. */
  cpuMs?: number;
  /** Memory limit of the runtime. Default 64 MiB. */
  memoryBytes?: number;
}

/** What a script can reach, all of it given by the run (runScripts.ts). Lines are 0-based file lines. */
export interface ScriptHost {
  result(r: { name: string; passed: boolean; message?: string; line?: number }): void;
  log(text: string, line?: number): void;
  send(text: string): void;
  close(code: number, reason: string): void;
  globals: Map<string, string>;
  variables: Map<string, string>;
  env(name: string): string | undefined;
  header(name: string): string | undefined;
  url(): string;
  /** A subscriber started (onEachMessage …), or every one has unsubscribed. */
  subscribed(line?: number): void;
  unsubscribed(): void;
  /** A subscriber that got no message by the end of the run. */
  silent(line?: number): void;
}

/** A script to evaluate: its code and the file line its first line is on. */
export interface SandboxScript {
  code: string;
  line: number;
  /** An external file (`> ./check.js`): its name for messages; `line` is then the .ws line that names it. */
  file?: string;
}

let loading: Promise<QuickJSWASMModule> | undefined;

/** The QuickJS module, loaded once (a dynamic require, so bundles evaluate it only when a script runs). */
export function loadQuickJS(): Promise<QuickJSWASMModule> {
  loading ??= (async () => {
    // In the bundles this require is of dist/quickjs.js, a bundle of its own (scripts/build.mjs).
    // eslint-disable-next-line @typescript-eslint/no-require-imports
    const engine = require('./quickjsEngine') as typeof Engine;
    return engine.newQuickJS();
  })();
  loading.catch(() => (loading = undefined));
  return loading;
}

export class Sandbox {
  /** Per evaluated script: the file line of its first line, or (external files) the .ws line naming it and the file's name. */
  private readonly offsets: number[] = [];
  private readonly files: Array<string | undefined> = [];
  private deadline = 0;
  /** Why the sandbox stopped running scripts (a runaway or memory-hungry one), once it has. */
  stopped: string | undefined;
  private readonly timers = new Set<NodeJS.Timeout>();
  private readonly deferreds = new Set<QuickJSDeferredPromise>();
  private disposed = false;
  private dispatchFn: QuickJSHandle | undefined;
  private readonly cpuMs: number;

  private constructor(
    private readonly runtime: QuickJSRuntime,
    private readonly ctx: QuickJSContext,
    private readonly host: ScriptHost,
    options: SandboxOptions,
  ) {
    this.cpuMs = options.cpuMs ?? DEFAULT_CPU_MS;
    runtime.setInterruptHandler(() => Date.now() > this.deadline);
  }

  static async create(host: ScriptHost, options: SandboxOptions = {}): Promise<Sandbox> {
    const module = await loadQuickJS();
    const runtime = module.newRuntime();
    runtime.setMemoryLimit(options.memoryBytes ?? DEFAULT_MEMORY_BYTES);
    runtime.setMaxStackSize(1024 * 1024);
    const ctx = runtime.newContext();
    const sandbox = new Sandbox(runtime, ctx, host, options);
    sandbox.install();
    return sandbox;
  }

  /** A syntax error as { message, line } (file line), or undefined when the code compiles. */
  compile(script: SandboxScript, asyncBody = false): { message: string; line: number } | undefined {
    const name = this.register(script.line, script.file);
    this.deadline = Date.now() + this.cpuMs;
    const r = this.ctx.evalCode(asyncBody ? wrapAsync(script.code) : script.code, name, { compileOnly: true });
    if (!r.error) {
      r.value.dispose();
      return undefined;
    }
    const e = this.dumpError(r.error);
    return { message: this.mapText(`${e.name}: ${e.message}`), line: this.lineOf(e) ?? script.line };
  }

  /** Runs a script's top level; a throw becomes a failed result at its line. */
  run(script: SandboxScript, what: string): void {
    if (this.stopped || this.disposed) return;
    const name = this.register(script.line, script.file);
    this.enter();
    this.settle(this.ctx.evalCode(script.code, name), what, script.line);
    this.pump();
  }

  /** Runs an httpYac script as an async body (top-level await; `exports.waitPromise` awaited); resolves when it settles. */
  async runAsync(script: SandboxScript, what: string): Promise<void> {
    if (this.stopped || this.disposed) return;
    const name = this.register(script.line, script.file);
    this.enter();
    const promise = this.settle(this.ctx.evalCode(wrapAsync(script.code), name), what, script.line);
    if (!promise) return;
    const settled = this.ctx.resolvePromise(promise);
    promise.dispose();
    this.pump();
    const r = await settled;
    if (this.disposed) {
      const handle = r.error ?? r.value;
      if (handle.alive) handle.dispose();
      return;
    }
    this.settle(r, what, script.line);
  }

  /** Gives one server text message to every subscriber, within one CPU budget. */
  dispatch(text: string): void {
    if (this.stopped || this.disposed) return;
    this.dispatchFn ??= this.ctx.getProp(this.ctx.global, '__wsiDispatch');
    const arg = this.ctx.newString(text);
    this.enter();
    const r = this.ctx.callFunction(this.dispatchFn, this.ctx.undefined, arg);
    arg.dispose();
    this.settle(r, 'onEachMessage handler', this.offsets[0] ?? 0);
    this.pump();
  }

  /** The end of the stream: onFinish callbacks, and a note for each subscriber that got nothing. */
  finish(): void {
    if (this.stopped || this.disposed) return;
    this.enter();
    this.settle(this.ctx.evalCode('__wsiFinish()', 'wsi-finish.js'), 'onFinish', this.offsets[0] ?? 0);
    this.pump();
  }

  /** Reads `exports` (httpYac: its string and number properties become variables). */
  exportsObject(): Record<string, unknown> {
    if (this.stopped || this.disposed) return {};
    this.enter();
    const r = this.ctx.evalCode(
      'JSON.stringify(exports, function (k, v) { return k === "waitPromise" ? undefined : v; })',
      'wsi-exports.js',
    );
    if (r.error) {
      r.error.dispose();
      return {};
    }
    const text = this.ctx.getString(r.value);
    r.value.dispose();
    try {
      return (JSON.parse(text) as Record<string, unknown>) ?? {};
    } catch {
      return {};
    }
  }

  /** Evaluates an expression (httpYac `?? js …`) and returns its value as JSON data, or an error sentence. */
  evaluate(expression: string, line: number): { value: unknown } | { error: string } {
    if (this.stopped) return { error: this.stopped };
    const name = this.register(line);
    this.enter();
    const r = this.ctx.evalCode(`JSON.stringify((${expression}))`, name);
    if (r.error) {
      const e = this.dumpError(r.error);
      return { error: this.mapText(`${e.name}: ${e.message}`) };
    }
    const text = this.ctx.typeof(r.value) === 'string' ? this.ctx.getString(r.value) : undefined;
    r.value.dispose();
    return { value: text === undefined ? undefined : (JSON.parse(text) as unknown) };
  }

  /** `script-3.js:14:5` → `line 27`, for messages and stacks. */
  mapText(text: string): string {
    return text.replace(/script-(\d+)\.js:(\d+)(?::\d+)?/g, (_, k: string, l: string) => {
      const offset = this.offsets[Number(k)];
      const file = this.files[Number(k)];
      if (offset === undefined) return _;
      return file ? `${file}:${l}` : `line ${offset + Number(l)}`;
    });
  }

  dispose(): void {
    if (this.disposed) return;
    this.disposed = true;
    for (const t of this.timers) clearTimeout(t);
    this.timers.clear();
    for (const d of this.deferreds) d.dispose();
    this.deferreds.clear();
    this.dispatchFn?.dispose();
    try {
      this.ctx.dispose();
      this.runtime.dispose();
    } catch {
      // A handle we failed to free: the module asserts. Start a fresh module next time.
      loading = undefined;
    }
  }

  private register(line: number, file?: string): string {
    this.files.push(file);
    this.offsets.push(line);
    return `script-${this.offsets.length - 1}.js`;
  }

  private enter(): void {
    this.deadline = Date.now() + this.cpuMs;
  }

  /** Runs queued promise jobs (within a fresh budget); errors inside them surface through their own handlers. */
  private pump(): void {
    if (this.disposed || this.stopped) return;
    this.enter();
    const r = this.runtime.executePendingJobs();
    if (r.error) this.settle({ error: r.error }, 'script', this.offsets[0] ?? 0);
  }

  /** The value of a call, or undefined after reporting its error as a failed result. */
  private settle(r: VmCallResult<QuickJSHandle>, what: string, fallbackLine: number): QuickJSHandle | undefined {
    if (!r.error) return r.value;
    const e = this.dumpError(r.error);
    const line = this.lineOf(e) ?? fallbackLine;
    if (e.name === 'InternalError' && /interrupted/.test(e.message)) {
      this.stopped = `The script at ${this.where(e, line)} ran longer than ${this.cpuMs} ms (an endless loop?) and was stopped; its handlers no longer run.`;
      this.host.result({ name: what, passed: false, message: this.stopped, line });
    } else if (/out of memory/i.test(e.message) || (e.name === 'RangeError' && /stack/.test(e.message))) {
      this.stopped = `The script at ${this.where(e, line)} used more memory than request scripts may (${e.message}) and was stopped.`;
      this.host.result({ name: what, passed: false, message: this.stopped, line });
    } else {
      this.host.result({ name: what, passed: false, message: this.mapText(`${e.name}: ${e.message}`), line });
    }
    return undefined;
  }

  /** "line 12", or "check.js:4" for an external file. */
  private where(e: { stack: string }, line: number): string {
    const m = /script-(\d+)\.js:(\d+)/.exec(e.stack);
    return m ? this.mapText(m[0]) : `line ${line + 1}`;
  }

  /** Sets a global to a copy of plain data (httpYac's `response` for the scripts after the exchange). */
  setGlobal(name: string, value: unknown): void {
    if (this.stopped || this.disposed) return;
    this.enter();
    const r = this.ctx.evalCode(
      `globalThis[${JSON.stringify(name)}] = JSON.parse(${JSON.stringify(JSON.stringify(value ?? null))});`,
      'wsi-set.js',
    );
    if (r.error) r.error.dispose();
    else r.value.dispose();
  }

  private dumpError(handle: QuickJSHandle): { name: string; message: string; stack: string } {
    let v: unknown;
    try {
      v = this.ctx.dump(handle);
    } finally {
      handle.dispose();
    }
    if (v && typeof v === 'object') {
      const o = v as Record<string, unknown>;
      let message = String(o.message ?? '');
      const mod = /could not load module '([^']*)'/.exec(message);
      if (mod) message = `import "${mod[1]}" is not available in request scripts`;
      return {
        name: String(o.name ?? 'Error'),
        message,
        stack: String(o.stack ?? '') + (o.fileName ? ` ${String(o.fileName)}:${String(o.lineNumber)}` : ''),
      };
    }
    return { name: 'Error', message: String(v), stack: '' };
  }

  /** The file line of the first frame in one of our scripts. */
  private lineOf(e: { stack: string }): number | undefined {
    return this.fileLine(/script-(\d+)\.js:(\d+)/.exec(e.stack));
  }

  /** A `script-K.js:L` match as a 0-based .ws line (an external file's: the line that names it). */
  private fileLine(m: RegExpExecArray | null): number | undefined {
    const offset = m ? this.offsets[Number(m[1])] : undefined;
    if (!m || offset === undefined) return undefined;
    return this.files[Number(m[1])] ? offset : offset + Number(m[2]) - 1;
  }

  private install(): void {
    const { ctx, host } = this;
    const obj = ctx.newObject();
    const fn = (name: string, impl: (...args: unknown[]) => unknown) => {
      const f = ctx.newFunction(name, (...handles: QuickJSHandle[]) => {
        const out = impl(...handles.map((h) => ctx.dump(h) as unknown));
        if (out === undefined) return undefined;
        if (typeof out === 'string') return ctx.newString(out);
        if (typeof out === 'number') return ctx.newNumber(out);
        if (typeof out === 'boolean') return out ? ctx.true : ctx.false;
        return out as QuickJSHandle;
      });
      ctx.setProp(obj, name, f);
      f.dispose();
    };
    const line = (at: unknown) => this.fileLine(/script-(\d+)\.js:(\d+)/.exec(String(at ?? '')));
    fn('result', (json) => {
      const r = JSON.parse(String(json)) as { name: string; passed: boolean; message?: string; at?: string };
      host.result({ name: r.name, passed: r.passed, message: r.message && this.mapText(r.message), line: line(r.at) });
    });
    fn('log', (text, at) => host.log(this.mapText(String(text)), line(at)));
    fn('send', (text) => host.send(String(text)));
    fn('close', (code, reason) => host.close(Number(code), String(reason)));
    fn('gset', (n, v) => void host.globals.set(String(n), String(v)));
    fn('gget', (n) => host.globals.get(String(n)));
    fn('gempty', () => host.globals.size === 0);
    fn('gclear', (n) => void host.globals.delete(String(n)));
    fn('gclearAll', () => host.globals.clear());
    fn('vset', (n, v) => void host.variables.set(String(n), String(v)));
    fn('vget', (n) => host.variables.get(String(n)));
    fn('eget', (n) => host.env(String(n)));
    fn('header', (n) => host.header(String(n)));
    fn('url', () => host.url());
    fn('uuid', () => randomUUID());
    fn('subscribed', (at) => host.subscribed(line(at)));
    fn('unsubscribed', () => host.unsubscribed());
    fn('silent', (at) => host.silent(line(at)));
    fn('hex', (data, kind, enc) => toHex(String(data), String(kind), String(enc)));
    fn('digest', (alg, hex, secret, keyed) => {
      const bytes = Buffer.from(String(hex), 'hex');
      const h = keyed ? createHmac(String(alg), Buffer.from(String(secret), 'hex')) : createHash(String(alg));
      return h.update(bytes).digest('hex');
    });
    fn('b64', (hex, urlSafe) => Buffer.from(String(hex), 'hex').toString(urlSafe ? 'base64url' : 'base64'));
    fn('sleep', (ms) => {
      const d = ctx.newPromise();
      this.deferreds.add(d);
      const timer = setTimeout(
        () => {
          this.timers.delete(timer);
          this.deferreds.delete(d);
          if (this.disposed) return;
          d.resolve();
          d.dispose();
          this.pump();
        },
        Math.max(0, Number(ms) || 0),
      );
      this.timers.add(timer);
      return d.handle.dup();
    });
    this.deadline = Date.now() + Math.max(this.cpuMs, 1000);
    const prelude = ctx.evalCode(PRELUDE, 'wsi-prelude.js');
    const setup = ctx.unwrapResult(prelude);
    const done = ctx.callFunction(setup, ctx.undefined, obj);
    setup.dispose();
    obj.dispose();
    ctx.unwrapResult(done).dispose();
  }
}

/** httpYac scripts may `await` at the top level: run them as an async function (same lines). */
function wrapAsync(code: string): string {
  return `(async () => {${code}\n;if (exports.waitPromise && typeof exports.waitPromise.then === 'function') await exports.waitPromise;\n})()`;
}

function toHex(data: string, kind: string, encoding: string): string {
  if (kind === 'hex') return Buffer.from(data, 'hex').toString('hex');
  if (kind === 'base64' || kind === 'base64url') return Buffer.from(data, kind).toString('hex');
  const enc = Buffer.isEncoding(encoding) ? encoding : 'utf8';
  return Buffer.from(data, enc).toString('hex');
}
