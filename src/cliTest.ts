/**
 * `wsi test [FILES|FOLDERS]`: runs every request that has tests (scripts, `=== expect`, `??`
 * lines), prints a report, and exits 0 only when every test passed.
 */
import { writeFileSync } from 'node:fs';
import { durationOption, parseCommandLine, type OptionSpec } from './core/cliArgs';
import { findTestFiles, runTestFiles, DEFAULT_TEST_TIMEOUT_MS } from './core/scripts/testFiles';
import { REPORTERS, humanRequest, report, summaryLine, type ReporterName } from './core/scripts/testReport';
import { formatDuration } from './core/wsfile/duration';
import { DEFAULT_WAIT_TIMEOUT_MS } from './core/wsfile/run';

export const TEST_OPTIONS: Record<string, OptionSpec> = {
  reporter: { type: 'string', example: 'junit' },
  output: { type: 'string', example: 'results.xml' },
  env: { type: 'string', example: 'local' },
  bail: { type: 'boolean' },
  timeout: { type: 'string', example: '30s' },
  'wait-timeout': { type: 'string', example: '2s' },
  concurrency: { type: 'string', example: '4' },
  'no-scripts': { type: 'boolean' },
  'no-process-env': { type: 'boolean' },
};

export const TEST_HELP = `wsi test [FILES|FOLDERS] [options]: run every request that has tests (request scripts,
"=== expect" lines, httpYac "??" lines) in the .ws and .http files given (folders are searched),
print a report and the summary "N passed, M failed". Exits 0 only when every test passed;
1 when one failed or there were none; 2 for bad usage.

Options for test:
  --reporter R       human (default), junit (JUnit XML), json or tap.
  --output FILE      Write the report to FILE instead of standard output (the summary still prints).
  --env NAME         Use this environment from http-client.env.json (+ .private.env.json).
  --bail             Start no more requests after the first failure.
  --timeout D        Limit for one request's whole run (default ${formatDuration(DEFAULT_TEST_TIMEOUT_MS)}).
  --wait-timeout D   Limit for each wait and expectation (default ${formatDuration(DEFAULT_WAIT_TIMEOUT_MS)}).
  --concurrency N    Run N files at once (default 1; a file's requests always run in order).
  --no-scripts       Do not run request scripts (as in VS Code's Restricted Mode); expectations still run.
  --no-process-env   Refuse {{$processEnv …}}.`;

export async function testMain(argv: string[], out: (s: string) => void, err: (s: string) => void): Promise<number> {
  const cl = parseCommandLine('test', argv, TEST_OPTIONS);
  if ('error' in cl) {
    err(cl.error);
    return 2;
  }
  if (cl.help) {
    out(TEST_HELP);
    return 0;
  }
  const { values, positionals } = cl;
  const reporter = (values.reporter ?? 'human') as ReporterName;
  if (!REPORTERS.includes(reporter)) {
    err(`--reporter takes ${REPORTERS.join(', ')}, not "${String(values.reporter)}".`);
    return 2;
  }
  const timeoutMs = durationOption(values, 'timeout', DEFAULT_TEST_TIMEOUT_MS);
  const waitTimeoutMs = durationOption(values, 'wait-timeout', DEFAULT_WAIT_TIMEOUT_MS);
  for (const d of [timeoutMs, waitTimeoutMs])
    if (typeof d !== 'number') {
      err(d.error);
      return 2;
    }
  const concurrency = values.concurrency === undefined ? 1 : Number(values.concurrency);
  if (!Number.isInteger(concurrency) || concurrency < 1) {
    err(`--concurrency needs a whole number of 1 or more, not "${String(values.concurrency)}".`);
    return 2;
  }
  const found = findTestFiles(positionals.length ? positionals : ['.']);
  if ('error' in found) {
    err(found.error);
    return 2;
  }
  const live = reporter === 'human' && typeof values.output !== 'string';
  const reports = await runTestFiles(found.files, {
    env: values.env as string | undefined,
    bail: values.bail === true,
    timeoutMs: timeoutMs as number,
    waitTimeoutMs: waitTimeoutMs as number,
    concurrency,
    scripts: values['no-scripts'] === true ? 'skip' : 'run',
    allowProcessEnv: values['no-process-env'] !== true,
    onReport: live ? (r) => out(humanRequest(r)) : undefined,
  });
  if (!reports.length) {
    err(
      `No requests with tests in ${found.files.length} file${found.files.length === 1 ? '' : 's'}. Add "=== expect …" lines or a "> {% client.test(…) %}" handler (see docs/WSFILE.md).`,
    );
    return 1;
  }
  const summary = summaryLine(reports);
  if (live) out(`\n${summary}`);
  else if (typeof values.output === 'string') {
    try {
      writeFileSync(values.output, report(reporter, reports) + '\n');
    } catch (e) {
      err(`Cannot write ${values.output}: ${(e as Error).message}.`);
      return 2;
    }
    out(summary);
  } else {
    out(report(reporter, reports));
    if (reporter !== 'tap') err(summary);
  }
  return reports.every((r) => r.passed) ? 0 : 1;
}
