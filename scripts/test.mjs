// `npm test`: every suite, in order, with a summary. Exits non-zero when anything fails.
// Steps go on after a failure so every failure shows; the UI suites are skipped when the build
// itself failed, since they would only repeat it.
import { spawn } from 'node:child_process';
import { existsSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = join(fileURLToPath(import.meta.url), '..', '..');
const node = process.execPath;
const npm = process.platform === 'win32' ? 'npm.cmd' : 'npm';
/** Longest any one step may take before it is stopped. */
const STEP_LIMIT_MS = 15 * 60 * 1000;

/** e2e scripts: every compiled `*.e2e.js`. */
function e2eScripts() {
  const dir = join(root, 'out', 'test', 'e2e');
  return existsSync(dir)
    ? readdirSync(dir)
        .filter((f) => f.endsWith('.e2e.js'))
        .sort()
        .map((f) => join(dir, f))
    : [];
}

/** The two editors (test/runners/codeServer.ts, WSI_EDITOR): the manifest's minimum and the current one. */
const editors = [
  { id: 'oldest', label: 'VS Code 1.100' },
  { id: 'current', label: 'VS Code 1.139' },
];
const integration = join('out', 'test', 'runners', 'integration.js');

const steps = [
  { name: 'build', cmd: npm, args: ['run', '--silent', 'build'], essential: true },
  { name: 'typecheck', cmd: npm, args: ['run', '--silent', 'typecheck'] },
  { name: 'lint (ESLint)', cmd: npm, args: ['run', '--silent', 'lint'] },
  { name: 'format (Prettier)', cmd: npm, args: ['run', '--silent', 'format:check'] },
  { name: 'compile tests', cmd: npm, args: ['run', '--silent', 'compile-tests'], essential: true },
  { name: 'unit', cmd: node, args: ['--test', join('out', 'test', 'unit')], counts: 'node' },
  {
    name: 'install code-server (both editors) and Chromium',
    cmd: 'bash',
    args: ['scripts/install-code-server.sh'],
    essential: true,
  },
  { name: 'webview in Chromium', cmd: node, args: ['--test', join('out', 'test', 'webview')], counts: 'node' },
  ...editors.flatMap(({ id, label }) => [
    { name: `integration in ${label}`, cmd: node, args: [integration], env: { WSI_EDITOR: id }, counts: 'mocha' },
    {
      name: `integration in ${label}, Restricted Mode`,
      cmd: node,
      args: [integration],
      env: { WSI_EDITOR: id, WSI_TRUST: '1', WSI_GREP: 'restricted mode' },
      counts: 'mocha',
    },
    { name: `end-to-end in ${label}`, e2e: true, env: { WSI_EDITOR: id }, counts: 'e2e' },
  ]),
];

/** Runs a command, echoing its output, and returns its exit code and output. */
function run(cmd, args, env = {}) {
  return new Promise((resolve) => {
    const child = spawn(cmd, args, { cwd: root, env: { ...process.env, ...env }, stdio: ['ignore', 'pipe', 'pipe'] });
    let output = '';
    const take = (stream, to) =>
      stream.on('data', (chunk) => {
        output += chunk;
        to.write(chunk);
      });
    take(child.stdout, process.stdout);
    take(child.stderr, process.stderr);
    const timer = setTimeout(() => {
      process.stderr.write(
        `\n[test] ${cmd} ${args.join(' ')} ran over ${STEP_LIMIT_MS / 60000} minutes; stopping it.\n`,
      );
      child.kill('SIGKILL');
    }, STEP_LIMIT_MS);
    child.on('close', (code, signal) => {
      clearTimeout(timer);
      resolve({ code: code ?? (signal ? 1 : 0), output });
    });
    child.on('error', (err) => {
      clearTimeout(timer);
      resolve({ code: 1, output: String(err) });
    });
  });
}

/** Passed and failed test counts from a runner's output. */
function countTests(kind, output, code) {
  if (kind === 'node') {
    const pass = Number(/^# pass (\d+)/m.exec(output)?.[1] ?? /ℹ pass (\d+)/.exec(output)?.[1] ?? 0);
    const fail = Number(/^# fail (\d+)/m.exec(output)?.[1] ?? /ℹ fail (\d+)/.exec(output)?.[1] ?? 0);
    return { pass, fail: fail || (code && !pass ? 1 : 0) };
  }
  if (kind === 'mocha') {
    const pass = Number(/(\d+) passing/.exec(output)?.[1] ?? 0);
    const fail = Number(/(\d+) failing/.exec(output)?.[1] ?? 0);
    return { pass, fail: fail || (code ? 1 : 0) };
  }
  return code === 0 ? { pass: 1, fail: 0 } : { pass: 0, fail: 1 };
}

/**
 * The few lines that say what failed (a runner's failure line and the step it was on), so that the
 * end of a long log, which is often all a CI page shows, names the failure and not only its count.
 */
function whatFailed(stepName, output) {
  const lines = output
    .split('\n')
    .filter((l) => /FAILED:|^step: |^\s*not ok |^\s+\d+\) |AssertionError|Error: /.test(l))
    .map((l) => l.trim().slice(0, 220));
  return [...new Set(lines)].slice(0, 4).map((l) => `  ${stepName}: ${l}`);
}

const started = Date.now();
const results = [];
const failures = [];
/** First failures of e2e scripts that passed when run again. */
const flaky = [];
let blocked = false;
for (const step of steps) {
  if (blocked) {
    results.push({ name: step.name, status: 'skipped' });
    continue;
  }
  const t0 = Date.now();
  process.stdout.write(`\n[test] ── ${step.name} ──\n`);
  let code = 0;
  let pass = 0;
  let fail = 0;
  if (step.e2e) {
    const scripts = e2eScripts();
    if (scripts.length === 0) {
      code = 1;
      fail = 1;
      process.stderr.write('[test] no end-to-end scripts in out/test/e2e\n');
    }
    for (const script of scripts) {
      let r = await run(node, [script], step.env);
      if (r.code) {
        // A UI journey on a busy machine gets one more try; the first failure stays in the summary,
        // so a flaky step is seen and fixed rather than hidden. A second failure fails the step.
        const first = whatFailed(step.name, r.output);
        process.stdout.write(`\n[test] ${script} failed; running it once more\n`);
        r = await run(node, [script], step.env);
        if (!r.code) flaky.push(...first.map((l) => `${l} (passed when run again)`));
      }
      const c = countTests('e2e', r.output, r.code);
      pass += c.pass;
      fail += c.fail;
      if (r.code) {
        code = r.code;
        failures.push(...whatFailed(step.name, r.output));
      }
    }
  } else {
    const r = await run(step.cmd, step.args, step.env);
    code = r.code;
    if (code) failures.push(...whatFailed(step.name, r.output));
    if (step.counts) ({ pass, fail } = countTests(step.counts, r.output, r.code));
  }
  results.push({
    name: step.name,
    status: code === 0 ? 'ok' : 'FAILED',
    seconds: (Date.now() - t0) / 1000,
    pass,
    fail,
    counted: !!step.counts,
  });
  if (code !== 0 && step.essential) blocked = true;
}

const passed = results.reduce((n, r) => n + (r.pass ?? 0), 0);
const failed =
  results.reduce((n, r) => n + (r.fail ?? 0), 0) + results.filter((r) => r.status === 'FAILED' && !r.counted).length;
process.stdout.write('\n[test] summary\n');
for (const r of results) {
  const counts = r.counted && r.status !== 'skipped' ? `  ${r.pass} passed, ${r.fail} failed` : '';
  process.stdout.write(
    `  ${r.status.padEnd(7)} ${r.name.padEnd(48)} ${r.seconds !== undefined ? `${r.seconds.toFixed(1)} s` : ''}${counts}\n`,
  );
}
const ok = results.every((r) => r.status === 'ok');
if (failures.length) process.stdout.write(`[test] what failed\n${failures.slice(0, 6).join('\n')}\n`);
if (flaky.length) process.stdout.write(`[test] flaky (failed once)\n${flaky.slice(0, 4).join('\n')}\n`);
process.stdout.write(`[test] ${((Date.now() - started) / 1000).toFixed(0)} s in all\n`);
process.stdout.write(`tests: ${passed} passed, ${failed} failed\n`);
process.exit(ok ? 0 : 1);
