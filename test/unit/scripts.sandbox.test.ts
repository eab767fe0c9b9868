import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createHash, createHmac } from 'node:crypto';
import { Sandbox, type ScriptHost } from '../../src/core/scripts/sandbox';

interface Seen {
  results: Array<{ name: string; passed: boolean; message?: string; line?: number }>;
  logs: string[];
  sent: string[];
}

function host(): { host: ScriptHost; seen: Seen } {
  const seen: Seen = { results: [], logs: [], sent: [] };
  return {
    seen,
    host: {
      result: (r) => seen.results.push(r),
      log: (t) => seen.logs.push(t),
      send: (t) => seen.sent.push(t),
      close: () => undefined,
      globals: new Map(),
      variables: new Map(),
      env: (n) => (n === 'secret' ? 's3' : undefined),
      header: () => undefined,
      url: () => 'ws://127.0.0.1/x',
      subscribed: () => undefined,
      unsubscribed: () => undefined,
      silent: () => undefined,
    },
  };
}

async function withSandbox(fn: (sb: Sandbox, seen: Seen) => Promise<void> | void, options = {}) {
  const h = host();
  const sb = await Sandbox.create(h.host, options);
  try {
    await fn(sb, h.seen);
  } finally {
    sb.dispose();
  }
}

test('no Node inside: require, process, import, fetch and the Function constructor give "not available in request scripts"', async () => {
  await withSandbox((sb, seen) => {
    sb.run(
      {
        code: [
          'for (const f of [() => require("fs"), () => process.env, () => fetch("http://x"), () => (0, Function)("return process")(), () => this.constructor.constructor("return require")()("fs")])',
          '  try { f(); client.log("escaped"); } catch (e) { client.log(e.message); }',
          'client.log(typeof globalThis.std, typeof globalThis.os, typeof Buffer);',
        ].join('\n'),
        line: 0,
      },
      'escape',
    );
    assert.deepEqual(seen.logs, [
      'require() is not available in request scripts',
      'process is not available in request scripts',
      'fetch() is not available in request scripts',
      'process is not available in request scripts',
      'require() is not available in request scripts',
      'undefined undefined undefined',
    ]);
    sb.run({ code: 'import fs from "fs";\nfs.readFileSync("/etc/passwd")', line: 9 }, 'import');
    assert.deepEqual(seen.results.at(-1), {
      name: 'import',
      passed: false,
      message: 'ReferenceError: import "fs" is not available in request scripts',
      line: 9,
    });
  });
});

test('dynamic import() is refused the same way', async () => {
  await withSandbox(async (sb, seen) => {
    await sb.runAsync({ code: 'await import("child_process");', line: 3 }, 'dynamic import');
    assert.equal(seen.results.length, 1);
    assert.match(seen.results[0].message!, /import "child_process" is not available in request scripts/);
  });
});

test('a runaway loop is stopped by the CPU budget with the .ws line, and the sandbox refuses to run more', async () => {
  await withSandbox(
    (sb, seen) => {
      const started = Date.now();
      sb.run({ code: 'let n = 0;\nwhile (true) n++;', line: 20 }, 'loop');
      assert.ok(Date.now() - started < 1000);
      assert.match(
        seen.results[0].message!,
        /^The script at line 21 ran longer than 30 ms \(an endless loop\?\) and was stopped/,
      );
      sb.run({ code: 'client.log("after")', line: 30 }, 'after');
      assert.deepEqual(seen.logs, []);
    },
    { cpuMs: 30 },
  );
});

test('the memory limit stops a script that allocates without end', async () => {
  await withSandbox(
    (sb, seen) => {
      sb.run({ code: 'const a = [];\nfor (;;) a.push(new Array(10000).fill(a.length));', line: 0 }, 'hog');
      assert.equal(seen.results.length, 1);
      assert.match(seen.results[0].message!, /used more memory than request scripts may|ran longer than/);
      assert.ok(sb.stopped);
    },
    { memoryBytes: 4 * 1024 * 1024, cpuMs: 2000 },
  );
});

test('syntax errors compile to a message and the .ws line, without running anything', async () => {
  await withSandbox((sb, seen) => {
    assert.deepEqual(sb.compile({ code: 'client.log("ran");\nlet x = ;', line: 40 }), {
      message: "SyntaxError: unexpected token in expression: ';'",
      line: 41,
    });
    assert.equal(
      sb.compile({ code: 'await sleep(1);', line: 0 }, true),
      undefined,
      'top-level await compiles as an async body',
    );
    assert.deepEqual(seen.logs, []);
  });
});

test('crypto digests and HMACs match Node; $random gives what its names say', async () => {
  await withSandbox((sb, seen) => {
    sb.run(
      {
        code: [
          'client.log(crypto.sha256().updateWithText("abc").digest().toHex());',
          'client.log(crypto.md5().updateWithText("a").updateWithText("bc").digest().toBase64());',
          'client.log(crypto.sha1().updateWithHex("616263").digest().toHex());',
          'client.log(crypto.hmac.sha512().withTextSecret(request.environment.get("secret")).updateWithBase64("YWJj").digest().toBase64(true));',
          'client.log(/^[0-9a-f-]{36}$/.test($random.uuid), $random.alphabetic(5).length, /^[0-9a-f]{8}$/.test($random.hexadecimal(8)), $random.integer(3, 4), /@example\\.com$/.test($random.email));',
        ].join('\n'),
        line: 0,
      },
      'crypto',
    );
    assert.deepEqual(seen.results, []);
    assert.deepEqual(seen.logs, [
      createHash('sha256').update('abc').digest('hex'),
      createHash('md5').update('abc').digest('base64'),
      createHash('sha1').update('abc').digest('hex'),
      createHmac('sha512', 's3').update('abc').digest('base64url'),
      'true 5 true 3 true',
    ]);
  });
});

test('1,000 sandboxes created, used and disposed do not grow memory without bound', async () => {
  const once = async () => {
    const h = host();
    const sb = await Sandbox.create(h.host);
    sb.run(
      { code: 'response.body.onEachMessage((m) => client.test("t", () => client.assert(m.a === 1, "a")));', line: 0 },
      'h',
    );
    sb.dispatch('{"a":1}');
    await sb.runAsync({ code: 'await sleep(0); websocketClient.send("x".repeat(1000));', line: 0 }, 's');
    sb.finish();
    sb.dispose();
    assert.equal(h.seen.results.length, 1);
  };
  for (let i = 0; i < 100; i++) await once(); // warm up: the WebAssembly memory grows to its working size
  global.gc?.();
  const before = process.memoryUsage().rss;
  for (let i = 0; i < 1000; i++) await once();
  global.gc?.();
  const grown = process.memoryUsage().rss - before;
  assert.ok(grown < 64 * 1024 * 1024, `rss grew by ${Math.round(grown / 1024 / 1024)} MiB over 1,000 runs`);
});

test('a handler gets every one of 20,000 messages (its speed is measured in npm run bench)', async () => {
  await withSandbox((sb, seen) => {
    sb.run(
      {
        code: 'let n = 0;\nresponse.body.onEachMessage((m) => { if (++n === 20000) client.log("all " + n); });',
        line: 0,
      },
      'h',
    );
    for (let i = 0; i < 20_000; i++) sb.dispatch('{"seq":' + i + ',"price":1.25}');
    assert.deepEqual(seen.results, []);
    assert.ok(seen.logs.includes('all 20000'), JSON.stringify(seen.logs));
  });
});
