import { relative } from 'node:path';
import type { RequestReport } from './testFiles';

/** `wsi test` reporters: human, JUnit XML, JSON, TAP. Pure functions of the reports. */
export type ReporterName = 'human' | 'junit' | 'json' | 'tap';
export const REPORTERS: readonly ReporterName[] = ['human', 'junit', 'json', 'tap'];

/** One line per test case: every test result, and a request's run error as a case of its own. */
export interface TestCase {
  file: string;
  request: string;
  name: string;
  passed: boolean;
  message?: string;
  expected?: string;
  actual?: string;
  /** 1-based line in the file. */
  line: number;
  durationMs: number;
}

export function testCases(reports: RequestReport[]): TestCase[] {
  const out: TestCase[] = [];
  for (const r of reports) {
    const share = r.tests.length ? r.durationMs / r.tests.length : r.durationMs;
    for (const t of r.tests)
      out.push({
        file: r.file,
        request: r.name,
        name: t.name,
        passed: t.passed,
        message: t.message,
        expected: t.expected,
        actual: t.actual,
        line: t.line + 1,
        durationMs: share,
      });
    if (r.error)
      out.push({
        file: r.file,
        request: r.name,
        name: 'run',
        passed: false,
        message: r.error,
        line: r.line + 1,
        durationMs: r.durationMs,
      });
  }
  return out;
}

export function summaryLine(reports: RequestReport[]): string {
  const cases = testCases(reports);
  const failed = cases.filter((c) => !c.passed).length;
  return `${cases.length - failed} passed, ${failed} failed`;
}

export function report(name: ReporterName, reports: RequestReport[], cwd = process.cwd()): string {
  switch (name) {
    case 'human':
      return human(reports, cwd);
    case 'junit':
      return junit(reports, cwd);
    case 'json':
      return JSON.stringify(
        {
          summary: {
            passed: testCases(reports).filter((c) => c.passed).length,
            failed: testCases(reports).filter((c) => !c.passed).length,
          },
          requests: reports.map((r) => ({
            ...r,
            file: rel(r.file, cwd),
            line: r.line + 1,
            tests: r.tests.map((t) => ({ ...t, line: t.line + 1 })),
            logs: r.logs.map((l) => ({ ...l, ...(l.line === undefined ? {} : { line: l.line + 1 }) })),
          })),
        },
        null,
        2,
      );
    case 'tap':
      return tap(reports, cwd);
  }
}

function rel(file: string, cwd: string): string {
  const r = relative(cwd, file);
  return r && !r.startsWith('..') ? r : file;
}

/** One request's lines for the human reporter (printed as each finishes). */
export function humanRequest(r: RequestReport, cwd = process.cwd()): string {
  const lines = [
    `${r.passed ? '✔' : '✘'} ${r.name}  (${rel(r.file, cwd)}:${r.line + 1}, ${Math.round(r.durationMs)} ms)`,
  ];
  for (const l of r.logs) lines.push(`    · ${l.text}`);
  for (const t of r.tests) {
    if (t.passed) lines.push(`    ✔ ${t.name}`);
    else {
      lines.push(`    ✘ ${t.name}  (${rel(r.file, cwd)}:${t.line + 1})`);
      if (t.message) lines.push(`      ${t.message}`);
      if (t.expected !== undefined) lines.push(`      expected: ${t.expected}`);
      if (t.actual !== undefined) lines.push(`      actual:   ${t.actual}`);
    }
  }
  if (r.error) lines.push(`    ✘ ${r.error}`);
  return lines.join('\n');
}

function human(reports: RequestReport[], cwd: string): string {
  return [...reports.map((r) => humanRequest(r, cwd)), '', summaryLine(reports)].join('\n');
}

const xml = (s: string) =>
  s
    // Characters XML 1.0 cannot hold at all.
    // eslint-disable-next-line no-control-regex
    .replace(/[\u0000-\u0008\u000b\u000c\u000e-\u001f\ufffe\uffff]/g, '\ufffd')
    .replace(/&/g, '&amp;')
    .replace(/</g, '&lt;')
    .replace(/>/g, '&gt;')
    .replace(/"/g, '&quot;');
const secs = (ms: number) => (ms / 1000).toFixed(3);

/** JUnit XML as CI servers read it (the common junit-4 schema: testsuites/testsuite/testcase/failure). */
function junit(reports: RequestReport[], cwd: string): string {
  const cases = testCases(reports);
  const byFile = new Map<string, TestCase[]>();
  for (const c of cases) byFile.set(c.file, [...(byFile.get(c.file) ?? []), c]);
  const total = (cs: TestCase[]) => cs.reduce((a, c) => a + c.durationMs, 0);
  const out = [
    '<?xml version="1.0" encoding="UTF-8"?>',
    `<testsuites name="wsi test" tests="${cases.length}" failures="${cases.filter((c) => !c.passed).length}" errors="0" time="${secs(total(cases))}">`,
  ];
  const stamp = new Date().toISOString().replace(/\.\d+Z$/, '');
  let id = 0;
  for (const [file, cs] of byFile) {
    const name = rel(file, cwd);
    out.push(
      `  <testsuite name="${xml(name)}" id="${id++}" tests="${cs.length}" failures="${cs.filter((c) => !c.passed).length}" errors="0" skipped="0" time="${secs(total(cs))}" timestamp="${stamp}" hostname="localhost">`,
    );
    for (const c of cs) {
      const head = `    <testcase name="${xml(`${c.request} › ${c.name}`)}" classname="${xml(`${name}.${c.request}`)}" time="${secs(c.durationMs)}"`;
      if (c.passed) {
        out.push(`${head}/>`);
        continue;
      }
      const detail = [
        c.message,
        c.expected !== undefined ? `expected: ${c.expected}` : undefined,
        c.actual !== undefined ? `actual: ${c.actual}` : undefined,
        `at ${name}:${c.line}`,
      ]
        .filter(Boolean)
        .join('\n');
      out.push(`${head}>`);
      out.push(
        `      <failure message="${xml(c.message ?? 'failed')}" type="${c.name === 'run' ? 'RunError' : 'AssertionError'}">${xml(detail)}</failure>`,
      );
      out.push('    </testcase>');
    }
    const logs = reports.filter((r) => r.file === file).flatMap((r) => r.logs.map((l) => `${r.name}: ${l.text}`));
    if (logs.length) out.push(`    <system-out>${xml(logs.join('\n'))}</system-out>`);
    out.push('  </testsuite>');
  }
  out.push('</testsuites>');
  return out.join('\n');
}

function tap(reports: RequestReport[], cwd: string): string {
  const cases = testCases(reports);
  const out = ['TAP version 13', `1..${cases.length}`];
  const yaml = (s: string) => JSON.stringify(s);
  cases.forEach((c, i) => {
    out.push(
      `${c.passed ? 'ok' : 'not ok'} ${i + 1} - ${rel(c.file, cwd)} › ${c.request} › ${c.name}`.replace(/#/g, '\\#'),
    );
    if (c.passed) return;
    out.push('  ---');
    if (c.message) out.push(`  message: ${yaml(c.message)}`);
    if (c.expected !== undefined) out.push(`  expected: ${yaml(c.expected)}`);
    if (c.actual !== undefined) out.push(`  actual: ${yaml(c.actual)}`);
    out.push(`  at: ${yaml(`${rel(c.file, cwd)}:${c.line}`)}`);
    out.push('  ...');
  });
  out.push(`# ${summaryLine(reports)}`);
  return out.join('\n');
}
