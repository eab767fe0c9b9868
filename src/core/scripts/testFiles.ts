import { readdirSync, readFileSync, statSync } from 'node:fs';
import { dirname, join, relative, resolve as resolvePath, isAbsolute } from 'node:path';
import { findEnvFiles, loadEnvironments, selectEnvironment } from '../wsfile/env';
import { parseWsFile } from '../wsfile/parse';
import { whenEnded } from '../transport';
import { runWsRequest } from '../wsfile/run';
import type { WsRequest } from '../wsfile/types';
import { hasTests, type LogLine, type TestResult } from './runScripts';
import type { SandboxOptions } from './sandbox';

/** One request's run under `wsi test` (and the host's Test Explorer, which can call the same). */
export interface RequestReport {
  file: string;
  name: string;
  /** 0-based line of the request line. */
  line: number;
  /** The run itself worked (connected, every step done) and every test passed. */
  passed: boolean;
  /** Why the run failed, when it did (a test failing is not a run error). */
  error?: string;
  durationMs: number;
  tests: TestResult[];
  logs: LogLine[];
}

export interface TestFilesOptions {
  env?: string;
  /** Limit for one request's whole run. Default 30 s. */
  timeoutMs?: number;
  /** Limit for each wait and expectation. Default 10 s. */
  waitTimeoutMs?: number;
  /** Stop starting requests after the first failure. */
  bail?: boolean;
  /** Files run at once (each file's requests run in order, sharing client.global). Default 1. */
  concurrency?: number;
  scripts?: 'run' | 'skip';
  sandbox?: SandboxOptions;
  allowProcessEnv?: boolean;
  /** Each request's report as it finishes. */
  onReport?: (report: RequestReport) => void;
}

export const DEFAULT_TEST_TIMEOUT_MS = 30_000;

/** `.ws` (and `.http`) files of the paths given: files as they are, folders searched (node_modules and dot-folders skipped). */
export function findTestFiles(paths: string[]): { files: string[] } | { error: string } {
  const files: string[] = [];
  const walk = (dir: string) => {
    for (const entry of readdirSync(dir, { withFileTypes: true }).sort((a, b) => a.name.localeCompare(b.name))) {
      if (entry.name.startsWith('.') || entry.name === 'node_modules') continue;
      const p = join(dir, entry.name);
      if (entry.isDirectory()) walk(p);
      else if (/\.(ws|http)$/i.test(entry.name)) files.push(p);
    }
  };
  for (const p of paths) {
    const abs = resolvePath(p);
    let stat;
    try {
      stat = statSync(abs);
    } catch {
      return { error: `${abs} does not exist.` };
    }
    if (stat.isDirectory()) walk(abs);
    else files.push(abs);
  }
  return { files: [...new Set(files)] };
}

/** Requests of a parsed file that have tests: scripts, `=== expect` or `??` lines. */
export function requestsWithTests(requests: WsRequest[]): WsRequest[] {
  return requests.filter(hasTests);
}

/** Runs every request with tests in `files`; resolves with the reports in file order. */
export async function runTestFiles(files: string[], options: TestFilesOptions = {}): Promise<RequestReport[]> {
  const perFile: RequestReport[][] = files.map(() => []);
  let failed = false;
  let next = 0;
  const worker = async () => {
    while (next < files.length) {
      const i = next++;
      if (options.bail && failed) return;
      for (const report of await runFile(files[i], options, () => Boolean(options.bail && failed))) {
        perFile[i].push(report);
        if (!report.passed) failed = true;
        options.onReport?.(report);
      }
    }
  };
  const n = Math.max(1, Math.min(options.concurrency ?? 1, files.length || 1));
  await Promise.all(Array.from({ length: n }, worker));
  return perFile.flat();
}

async function runFile(file: string, options: TestFilesOptions, stop: () => boolean): Promise<RequestReport[]> {
  const reports: RequestReport[] = [];
  const failure = (name: string, line: number, error: string): RequestReport => ({
    file,
    name,
    line,
    passed: false,
    error,
    durationMs: 0,
    tests: [],
    logs: [],
  });
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (err) {
    return [failure('(file)', 0, `Cannot read ${file}: ${(err as Error).message}.`)];
  }
  const parsed = parseWsFile(text);
  let environment: Record<string, string> | undefined;
  const envFiles = findEnvFiles(dirname(file));
  if (options.env) {
    if (!envFiles)
      return [
        failure('(file)', 0, `--env ${options.env}: there is no http-client.env.json next to ${file} or above it.`),
      ];
    const chosen = selectEnvironment(loadEnvironments(envFiles), options.env);
    if ('error' in chosen) return [failure('(file)', 0, chosen.error)];
    environment = chosen.variables;
  }
  const cwd = process.cwd();
  const inCwd = !relative(cwd, file).startsWith('..') && !isAbsolute(relative(cwd, file));
  const globals = new Map<string, string>();
  for (const request of requestsWithTests(parsed.requests)) {
    if (stop()) break;
    const line = request.urlRange.startLine;
    const errors = parsed.diagnostics.filter(
      (d) =>
        d.severity === 'error' &&
        d.range.startLine >= request.range.startLine &&
        d.range.startLine <= request.range.endLine,
    );
    if (errors.length) {
      reports.push(failure(request.name, line, `Not run: line ${errors[0].range.startLine + 1}: ${errors[0].message}`));
      continue;
    }
    const started = Date.now();
    const timeoutMs = options.timeoutMs ?? DEFAULT_TEST_TIMEOUT_MS;
    const abort = new AbortController();
    const timer = setTimeout(() => abort.abort(), timeoutMs);
    const result = await runWsRequest({
      request,
      variables: {
        fileVariables: parsed.variables,
        environment,
        environmentName: options.env,
        allowProcessEnv: options.allowProcessEnv ?? true,
      },
      baseDir: dirname(file),
      workspaceRoot: inCwd ? cwd : dirname(file),
      scripts: options.scripts ?? 'run',
      globals,
      sandbox: options.sandbox,
      waitTimeoutMs: Math.min(options.waitTimeoutMs ?? 10_000, timeoutMs),
      handshakeTimeoutMs: Math.min(10_000, timeoutMs),
      signal: abort.signal,
    });
    clearTimeout(timer);
    const connection = result.connection;
    if (connection && connection.state.phase === 'open') await closeQuietly(connection);
    connection?.dispose();
    const error = abort.signal.aborted
      ? `Timed out after ${timeoutMs} ms (--timeout).${result.error ? ` ${result.error}` : ''}`
      : result.error;
    reports.push({
      file,
      name: request.name,
      line,
      passed: result.ok && !abort.signal.aborted && result.tests.every((t) => t.passed),
      ...(error ? { error } : {}),
      durationMs: Date.now() - started,
      tests: result.tests,
      logs: result.logs,
    });
  }
  return reports;
}

function closeQuietly(c: {
  close(code?: number): void;
  onState: (l: (s: { phase: string }) => void) => { dispose(): void };
}): Promise<void> {
  const ended = whenEnded(c, 2000);
  c.close(1000);
  return ended;
}
