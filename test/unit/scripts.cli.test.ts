import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { main } from '../../src/cli';
import { EchoServer } from '../../src/core/echoServer';
import { startWsServer } from './helpers';

/** An element of a strictly parsed XML document. */
interface El {
  name: string;
  attrs: Record<string, string>;
  children: El[];
  text: string;
}

/** A small strict XML reader: balanced tags, quoted attributes, only the five entities (and &#…;). Throws on anything else. */
function parseXml(xml: string): El {
  let i = 0;
  const fail = (why: string): never => {
    throw new Error(`${why} at ${i}: ${JSON.stringify(xml.slice(i, i + 40))}`);
  };
  const decode = (s: string) =>
    s.replace(/&(amp|lt|gt|quot|apos|#\d+|#x[0-9a-f]+);|&/gi, (m, e: string | undefined) => {
      if (!e) return fail('bare &');
      const named: Record<string, string> = { amp: '&', lt: '<', gt: '>', quot: '"', apos: "'" };
      return named[e] ?? String.fromCodePoint(e[1] === 'x' ? parseInt(e.slice(2), 16) : Number(e.slice(1)));
    });
  if (xml.startsWith('<?xml')) i = xml.indexOf('?>') + 2;
  const element = (): El => {
    const m = /^<([A-Za-z_][\w.-]*)/.exec(xml.slice(i)) ?? fail('expected an element');
    i += m[0].length;
    const el: El = { name: m[1], attrs: {}, children: [], text: '' };
    for (;;) {
      const a = /^\s+([A-Za-z_][\w.-]*)="([^"<]*)"/.exec(xml.slice(i));
      if (!a) break;
      if (a[1] in el.attrs) fail('duplicate attribute');
      el.attrs[a[1]] = decode(a[2]);
      i += a[0].length;
    }
    const end = /^\s*(\/?)>/.exec(xml.slice(i)) ?? fail('bad tag end');
    i += end[0].length;
    if (end[1]) return el;
    for (;;) {
      const lt = xml.indexOf('<', i);
      if (lt < 0) fail('unclosed element');
      el.text += decode(xml.slice(i, lt));
      i = lt;
      if (xml.startsWith(`</${el.name}>`, i)) {
        i += el.name.length + 3;
        return el;
      }
      if (xml.startsWith('</', i)) fail(`mismatched close for ${el.name}`);
      el.children.push(element());
    }
  };
  while (/\s/.test(xml[i])) i++;
  const root = element();
  if (xml.slice(i).trim()) fail('content after the root');
  return root;
}

/** The junit-4 schema's rules that matter: element names and order, required and allowed attributes. */
function checkJunitSchema(root: El): void {
  const allowed: Record<string, { required: string[]; optional: string[]; children: string[] }> = {
    testsuites: {
      required: [],
      optional: ['name', 'time', 'tests', 'failures', 'disabled', 'errors'],
      children: ['testsuite'],
    },
    testsuite: {
      required: ['name', 'tests'],
      optional: ['failures', 'errors', 'time', 'disabled', 'skipped', 'timestamp', 'hostname', 'id', 'package'],
      children: ['properties', 'testcase', 'system-out', 'system-err'],
    },
    testcase: {
      required: ['name'],
      optional: ['assertions', 'time', 'classname', 'status'],
      children: ['skipped', 'error', 'failure', 'system-out', 'system-err'],
    },
    failure: { required: [], optional: ['message', 'type'], children: [] },
    'system-out': { required: [], optional: [], children: [] },
  };
  const walk = (el: El) => {
    const rule = allowed[el.name];
    assert.ok(rule, `<${el.name}> is not a JUnit element`);
    for (const r of rule.required) assert.ok(r in el.attrs, `<${el.name}> needs ${r}`);
    for (const a of Object.keys(el.attrs))
      assert.ok([...rule.required, ...rule.optional].includes(a), `<${el.name}> may not have ${a}`);
    let last = -1;
    for (const c of el.children) {
      const at = rule.children.indexOf(c.name);
      assert.ok(at >= 0, `<${c.name}> may not be inside <${el.name}>`);
      assert.ok(at >= last, `<${c.name}> is out of order inside <${el.name}>`);
      last = at;
      walk(c);
    }
    if (el.name === 'testsuite' || el.name === 'testsuites')
      for (const n of ['tests', 'failures', 'errors']) if (n in el.attrs) assert.match(el.attrs[n], /^\d+$/);
    if ('time' in el.attrs) assert.match(el.attrs.time, /^\d+(\.\d+)?$/);
  };
  assert.equal(root.name, 'testsuites');
  walk(root);
}

async function echo() {
  const s = await startWsServer();
  s.server.on('connection', (socket) => socket.on('message', (d) => socket.send(d.toString('utf8'))));
  return s;
}

async function cli(args: string[]) {
  const out: string[] = [];
  const err: string[] = [];
  const code = await main(
    ['test', ...args],
    (s) => out.push(s),
    (s) => err.push(s),
  );
  return { code, out: out.join('\n'), err: err.join('\n') };
}

function files(url: string) {
  const dir = mkdtempSync(join(tmpdir(), 'wsi-test-'));
  mkdirSync(join(dir, 'more'));
  writeFileSync(
    join(dir, 'pass.ws'),
    `### Echo
WS ${url}

{"type":"ping","id":1}
=== expect {"type": "ping"}
{"type":"ping","id":2}
=== expect id == 2

> {%
  response.body.onEachMessage((m, unsubscribe) => {
    client.test("echoed <ping> & more", () => client.assert(m.type === "ping", "not a ping"));
    client.log("got " + m);
    unsubscribe();
  });
%}

### No tests here
WS ${url}

hi
`,
  );
  writeFileSync(
    join(dir, 'more', 'fail.ws'),
    `### Wrong answer
WS ${url}

pong
=== expect "ping" within 300ms
?? body == pong
`,
  );
  return dir;
}

test('wsi test: human reporter, the summary line, exit 1 when one test fails; a folder is searched', async () => {
  const server = await echo();
  const dir = files(server.url);
  try {
    const r = await cli([dir, '--wait-timeout', '2s']);
    assert.equal(r.code, 1);
    assert.match(r.out, /✔ Echo {2}\(.*pass\.ws:2, \d+ ms\)/);
    assert.match(r.out, /✔ expect id == 2/);
    assert.match(r.out, /✔ echoed <ping> & more/);
    assert.match(r.out, /· got \{"type":"ping","id":1\}/);
    assert.match(
      r.out,
      /✘ expect "ping" within 300ms {2}\(.*fail\.ws:5\)\n {6}Waited 300 ms for the message "ping": nothing more came within 300 ms \(1 other message did\)\./,
    );
    assert.match(r.out, /\n4 passed, 1 failed$/);
    assert.doesNotMatch(r.out, /No tests here/);
  } finally {
    rmSync(dir, { recursive: true, force: true });
    await server.close();
  }
});

test('wsi test --reporter junit: well-formed XML in the JUnit schema, one testcase per test, failures with a message', async () => {
  const server = await echo();
  const dir = files(server.url);
  try {
    const r = await cli([join(dir, 'pass.ws'), join(dir, 'more'), '--reporter', 'junit']);
    assert.equal(r.code, 1);
    assert.equal(r.err, '4 passed, 1 failed');
    const root = parseXml(r.out);
    checkJunitSchema(root);
    assert.deepEqual([root.attrs.tests, root.attrs.failures], ['5', '1']);
    const suites = root.children;
    assert.deepEqual(
      suites.map((s) => [
        s.attrs.name.replace(/\\/g, '/').replace(/.*wsi-test-[^/]+\//, ''),
        s.attrs.tests,
        s.attrs.failures,
      ]),
      [
        ['pass.ws', '3', '0'],
        ['more/fail.ws', '2', '1'],
      ],
    );
    const names = suites[0].children.filter((c) => c.name === 'testcase').map((c) => c.attrs.name);
    assert.deepEqual(names, ['Echo › echoed <ping> & more', 'Echo › expect {"type": "ping"}', 'Echo › expect id == 2']);
    const failed = suites[1].children.find((c) => c.children.some((f) => f.name === 'failure'))!;
    const failure = failed.children[0];
    assert.match(failure.attrs.message, /^Waited 300 ms for the message "ping"/);
    assert.match(failure.text, /at .*fail\.ws:5$/);
    assert.equal(suites[0].children.at(-1)!.name, 'system-out');
  } finally {
    rmSync(dir, { recursive: true, force: true });
    await server.close();
  }
});

test('wsi test --reporter json and tap; --output writes the file; --bail stops after the first failure', async () => {
  const server = await echo();
  const dir = files(server.url);
  try {
    const json = await cli([join(dir, 'more'), join(dir, 'pass.ws'), '--reporter', 'json', '--bail']);
    const data = JSON.parse(json.out) as {
      summary: { passed: number; failed: number };
      requests: Array<{ name: string; tests: Array<{ line: number }> }>;
    };
    assert.deepEqual(data.summary, { passed: 1, failed: 1 });
    assert.deepEqual(
      data.requests.map((q) => q.name),
      ['Wrong answer'],
      '--bail: pass.ws never started',
    );
    assert.deepEqual(
      data.requests[0].tests.map((t) => t.line),
      [5, 6],
    );

    const tap = await cli([join(dir, 'pass.ws'), '--reporter', 'tap']);
    assert.equal(tap.code, 0);
    const lines = tap.out.split('\n');
    assert.deepEqual(lines.slice(0, 2), ['TAP version 13', '1..3']);
    assert.match(lines[2], /^ok 1 - .*pass\.ws › Echo › echoed <ping> & more$/);
    assert.equal(lines.at(-1), '# 3 passed, 0 failed');

    const file = join(dir, 'out.xml');
    const written = await cli([join(dir, 'pass.ws'), '--reporter', 'junit', '--output', file, '--concurrency', '2']);
    assert.equal(written.code, 0);
    assert.equal(written.out, '3 passed, 0 failed');
    checkJunitSchema(parseXml(readFileSync(file, 'utf8')));
  } finally {
    rmSync(dir, { recursive: true, force: true });
    await server.close();
  }
});

test('wsi test: bad usage exits 2; no tests exits 1; --timeout ends a request that hangs', async () => {
  assert.equal((await cli(['--reporter', 'xml'])).code, 2);
  assert.equal((await cli(['--concurrency', '0'])).code, 2);
  assert.equal((await cli(['/no/such/file.ws'])).code, 2);
  const server = await startWsServer();
  const dir = mkdtempSync(join(tmpdir(), 'wsi-test-'));
  try {
    writeFileSync(join(dir, 'none.ws'), `WS ${server.url}\n\nhi\n`);
    const none = await cli([join(dir, 'none.ws')]);
    assert.equal(none.code, 1);
    assert.match(none.err, /^No requests with tests in 1 file\./);
    writeFileSync(join(dir, 'hang.ws'), `WS ${server.url}\n\n=== wait 10s\n=== expect within 1s\n`);
    const started = Date.now();
    const hang = await cli([join(dir, 'hang.ws'), '--timeout', '300ms', '--reporter', 'json']);
    assert.equal(hang.code, 1);
    assert.ok(Date.now() - started < 3000);
    assert.match(hang.out, /Timed out after 300 ms \(--timeout\)/);
  } finally {
    rmSync(dir, { recursive: true, force: true });
    await server.close();
  }
});

test('examples/tests.ws passes against the project echo server (the README example)', async () => {
  const server = await EchoServer.start();
  const dir = mkdtempSync(join(tmpdir(), 'wsi-example-'));
  try {
    const example = readFileSync(join(__dirname, '..', '..', '..', 'examples', 'tests.ws'), 'utf8');
    writeFileSync(join(dir, 'tests.ws'), example.replace('ws://127.0.0.1:8765', server.url));
    const r = await cli([join(dir, 'tests.ws'), '--reporter', 'json']);
    assert.equal(r.code, 0, r.out);
    assert.equal(r.err, '5 passed, 0 failed');
  } finally {
    rmSync(dir, { recursive: true, force: true });
    await server.close();
  }
});
