/**
 * Extension activation in plain Node: `require('dist/extension.js')` and `activate(context)` with
 * a stub `vscode` module (a Proxy that answers every property with a no-op function/class), in a
 * fresh process. This EXCLUDES everything VS Code does around activation (starting the extension
 * host, reading package.json, the activation event, real API calls and their IPC): it is the
 * extension's own share only. The baseline is `require` of an empty module in the same process.
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import Module from 'node:module';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

export interface ActivationResult {
  emptyRequireMs: number;
  requireMs: number;
  activateMs: number;
  /** Commands activate registered through the stub. */
  commands: number;
  /** What went wrong disposing what activate created, if anything. */
  problems: string[];
}

/**
 * A stub that is at once a function, a class and an object: every property is another stub,
 * calling it gives a stub, `new` gives an object whose missing members are stubs (subclasses
 * keep their own members). `get(key, default)` answers the default, as `getConfiguration().get`
 * and `globalState.get` would with nothing configured. It is not a thenable, iterates as empty
 * and turns into '' or 0.
 */
function stub(path: string, onCall?: (path: string, args: unknown[]) => void): unknown {
  const members = new Map<PropertyKey, unknown>();
  const member = (key: PropertyKey): unknown => {
    if (key === 'then') return undefined;
    if (key === Symbol.iterator) return function* () {};
    if (key === Symbol.toPrimitive) return (hint: string) => (hint === 'number' ? 0 : '');
    if (key === 'toString' || key === 'toJSON') return () => path;
    if (key === 'get') return (_key: unknown, fallback?: unknown) => fallback;
    if (key === 'length') return 0;
    if (!members.has(key)) members.set(key, stub(`${path}.${String(key)}`, onCall));
    return members.get(key);
  };
  // What instances inherit from: real members first, then stubs for the rest.
  const prototype = new Proxy(
    {},
    { get: (o, key, receiver) => (key in o ? Reflect.get(o, key, receiver) : member(key)) },
  );
  const target = function () {
    /* stub */
  };
  return new Proxy(target, {
    get: (_t, key) => (key === 'prototype' ? prototype : member(key)),
    set(_t, key, value) {
      members.set(key, value);
      return true;
    },
    // esbuild's __toESM builds the namespace on Object.create(prototype of the module).
    getPrototypeOf: () => prototype,
    apply(_t, _this, args) {
      onCall?.(path, args);
      return stub(`${path}()`, onCall);
    },
    construct(_t, args, newTarget) {
      onCall?.(`new ${path}`, args);
      return Object.create((newTarget as { prototype: object }).prototype) as object;
    },
  });
}

/** `bench.js activation --extension PATH`: prints one ActivationResult. */
export async function activationFromCommandLine(args: string[]): Promise<void> {
  const extension = args[args.indexOf('--extension') + 1];
  const scratch = mkdtempSync(join(tmpdir(), 'wsi-bench-activation-'));
  try {
    // Baseline: require of an empty module (resolution, read, compile, run).
    const empty = join(scratch, 'empty.js');
    writeFileSync(empty, '');
    const requireHere = Module.createRequire(__filename);
    let t = performance.now();
    requireHere(empty);
    const emptyRequireMs = performance.now() - t;

    let commands = 0;
    const vscode = stub('vscode', (path) => {
      if (path === 'vscode.commands.registerCommand') commands++;
    });
    const loader = Module as unknown as { _load(request: string, parent: unknown, isMain: boolean): unknown };
    // eslint-disable-next-line @typescript-eslint/unbound-method -- called below with the loader as `this`
    const load = loader._load;
    loader._load = function (request, parent, isMain) {
      return request === 'vscode' ? vscode : load.call(this, request, parent, isMain);
    };

    const uri = (fsPath: string) => ({
      fsPath,
      path: fsPath,
      scheme: 'file',
      toString: () => `file://${fsPath}`,
      with: () => uri(fsPath),
    });
    const memento = () => {
      const values = new Map<string, unknown>();
      return {
        get: (key: string, fallback?: unknown) => (values.has(key) ? values.get(key) : fallback),
        update: (key: string, value: unknown) => Promise.resolve(void values.set(key, value)),
        keys: () => [...values.keys()],
        setKeysForSync: () => undefined,
      };
    };
    const subscriptions: Array<{ dispose(): unknown }> = [];
    const known = {
      subscriptions,
      extensionUri: uri(join(extension, '..', '..')),
      extensionPath: join(extension, '..', '..'),
      globalStorageUri: uri(join(scratch, 'global')),
      globalStoragePath: join(scratch, 'global'),
      storageUri: uri(join(scratch, 'workspace')),
      storagePath: join(scratch, 'workspace'),
      logUri: uri(join(scratch, 'log')),
      globalState: memento(),
      workspaceState: memento(),
      // Secret storage answers asynchronously, with nothing stored.
      secrets: {
        get: () => Promise.resolve(undefined),
        store: () => Promise.resolve(),
        delete: () => Promise.resolve(),
        onDidChange: () => ({ dispose: () => undefined }),
      },
      extensionMode: 1,
    };
    const rest = stub('context') as object;
    const context = new Proxy(known, {
      get: (o, key) => (key in o ? o[key as keyof typeof o] : (rest as Record<PropertyKey, unknown>)[key]),
    });

    t = performance.now();
    const ext = requireHere(extension) as { activate(context: unknown): unknown };
    const requireMs = performance.now() - t;
    t = performance.now();
    await ext.activate(context);
    const activateMs = performance.now() - t;

    const problems: string[] = [];
    for (const s of subscriptions) {
      try {
        s.dispose();
      } catch (err) {
        if (problems.length < 3) problems.push(`dispose: ${(err as Error).message}`);
      }
    }
    const result: ActivationResult = { emptyRequireMs, requireMs, activateMs, commands, problems };
    process.stdout.write(JSON.stringify(result) + '\n');
  } finally {
    rmSync(scratch, { recursive: true, force: true });
  }
  // Whatever activate started (timers, watchers) must not keep this process alive.
  setTimeout(() => process.exit(0), 100).unref();
}
