/**
 * Runs the mocha integration suite (out/test/suite/index.js) inside code-server's real Node
 * extension host, the way @vscode/test-electron does on a desktop: the web workbench's `payload`
 * query parameter carries extensionDevelopmentPath and extensionTestsPath, the host calls the
 * suite's run(), and the workbench reports the outcome through window.codeAutomationExit(code).
 *
 *   node out/test/runners/integration.js [--workspace DIR] [--timeout SECONDS]
 *
 * Env overrides (for trying the harness against another extension):
 *   WSI_EXTENSION_PATH   extensionDevelopmentPath (default: the repo root)
 *   WSI_TESTS_PATH       extensionTestsPath (default: out/test/suite/index.js)
 *   WSI_TRUST=1          keep workspace trust on
 *   WSI_VERBOSE=1        also print code-server's own output and every browser console line
 *   WSI_EDITOR           oldest (default) or current: which code-server (see codeServer.ts)
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import * as util from 'node:util';
import type { Browser } from 'playwright-core';
import {
  editor,
  exitAfterCleanup,
  installSignalHandlers,
  launchChromium,
  repoRoot,
  startCodeServer,
  withTimeout,
  type CodeServerHandle,
} from './codeServer';

interface Args {
  workspace: string;
  timeoutMs: number;
  extensionPath: string;
  testsPath: string;
  trust: boolean;
  verbose: boolean;
}

function parseArgs(argv: string[]): Args {
  const args: Args = {
    workspace: path.join(repoRoot, 'examples'),
    timeoutMs: 5 * 60_000,
    extensionPath: process.env.WSI_EXTENSION_PATH || repoRoot,
    testsPath: process.env.WSI_TESTS_PATH || path.join(repoRoot, 'out', 'test', 'suite', 'index.js'),
    trust: process.env.WSI_TRUST === '1',
    verbose: process.env.WSI_VERBOSE === '1',
  };
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i];
    if (a === '--workspace') args.workspace = path.resolve(argv[++i]);
    else if (a === '--timeout') args.timeoutMs = Number(argv[++i]) * 1000;
    else if (a === '--trust') args.trust = true;
    else if (a === '--verbose') args.verbose = true;
    else throw new Error(`unknown argument: ${a}`);
  }
  return args;
}

function log(msg: string): void {
  process.stdout.write(`[integration] ${msg}\n`);
}

/** Formats what the extension host logged (codeAutomationLog(type, args)). */
function formatHostLog(type: unknown, args: unknown): string {
  const parts = Array.isArray(args) ? args : [args];
  // The host forwards console.log's raw arguments; mocha's reporters use printf-style formats.
  const text =
    typeof parts[0] === 'string'
      ? util.format(...parts.map((p) => (typeof p === 'object' && p !== null ? safeJson(p) : p)))
      : parts.map((p) => (typeof p === 'string' ? p : safeJson(p))).join(' ');
  return type === 'error' || type === 'warn' ? `[${type}] ${text}` : text;
}

function safeJson(v: unknown): string {
  try {
    return JSON.stringify(v);
  } catch {
    return String(v);
  }
}

/** Runs the suite; resolves with the exit code the suite reported. Throws on harness failures. */
export async function runIntegration(args: Args): Promise<number> {
  for (const [what, p] of [
    ['extension', path.join(args.extensionPath, 'package.json')],
    ['tests module', args.testsPath],
  ] as const) {
    if (!fs.existsSync(p)) throw new Error(`${what} not found: ${p} (run npm run build && npm run compile-tests)`);
  }
  const started = Date.now();
  let server: CodeServerHandle | undefined;
  let browser: Browser | undefined;
  try {
    server = await startCodeServer({
      workspace: args.workspace,
      trust: args.trust,
      onOutput: args.verbose ? (l) => process.stdout.write(`[code-server] ${l}\n`) : undefined,
    });
    log(`${editor.label} on ${server.baseUrl} (${((Date.now() - started) / 1000).toFixed(1)} s)`);
    browser = await launchChromium();
    // The clipboard test reads what the extension copied: in the web workbench that is the page's clipboard.
    const context = await browser.newContext({ viewport: { width: 1400, height: 900 } });
    await context.grantPermissions(['clipboard-read', 'clipboard-write'], { origin: server.baseUrl });
    const page = await context.newPage();

    let resolveExit!: (code: number) => void;
    const exited = new Promise<number>((r) => (resolveExit = r));
    let sawDevExtension = false;
    await page.exposeFunction('codeAutomationLog', (type: unknown, args: unknown) => {
      const line = formatHostLog(type, args);
      if (line.includes('Loading development extension at')) sawDevExtension = true;
      process.stdout.write(line.endsWith('\n') ? line : line + '\n');
    });
    await page.exposeFunction('codeAutomationExit', (code: unknown) => {
      resolveExit(typeof code === 'number' ? code : 1);
    });
    page.on('pageerror', (err) => process.stdout.write(`[page error] ${err.message}\n`));
    if (args.verbose) page.on('console', (m) => process.stdout.write(`[browser ${m.type()}] ${m.text()}\n`));

    const url = server.urlFor([
      ['extensionDevelopmentPath', server.remoteUri(args.extensionPath)],
      ['extensionTestsPath', server.remoteUri(args.testsPath)],
    ]);
    log(`opening ${url}`);
    await page.goto(url, { waitUntil: 'domcontentloaded', timeout: 60_000 });

    const remaining = args.timeoutMs - (Date.now() - started);
    const srv = server;
    const code = await withTimeout(
      exited,
      Math.max(remaining, 1000),
      () =>
        `integration suite did not finish within ${args.timeoutMs / 1000} s (no codeAutomationExit)` +
        (sawDevExtension || srv.output().includes('Loading development extension')
          ? ''
          : '; the development extension was never loaded'),
    );
    log(`suite exited with code ${code} after ${((Date.now() - started) / 1000).toFixed(1)} s`);
    return code;
  } catch (err) {
    if (server && !args.verbose) {
      process.stdout.write(`--- code-server output (tail) ---\n${server.output().slice(-4000)}\n`);
    }
    throw err;
  } finally {
    await browser?.close().catch(() => undefined);
    await server?.stop();
  }
}

if (require.main === module) {
  let args: Args;
  try {
    args = parseArgs(process.argv.slice(2));
  } catch (err) {
    console.error(String(err));
    process.exit(2);
  }
  installSignalHandlers();
  // A last-resort guard: if anything above hangs beyond the timeout plus cleanup, still exit.
  const guard = setTimeout(() => {
    console.error(`[integration] FAILED: hard timeout after ${args.timeoutMs / 1000 + 30} s`);
    exitAfterCleanup(1);
  }, args.timeoutMs + 30_000);
  guard.unref();
  runIntegration(args).then(
    (code) => process.exit(code),
    (err) => {
      console.error(`[integration] FAILED: ${err instanceof Error ? err.message : String(err)}`);
      process.exit(1);
    },
  );
}
