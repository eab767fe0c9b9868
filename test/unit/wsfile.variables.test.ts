import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { dynamicValue } from '../../src/core/wsfile/dynamic';
import { findEnvFiles, loadEnvironments, selectEnvironment } from '../../src/core/wsfile/env';
import { parseWsFile } from '../../src/core/wsfile/parse';
import {
  findUnresolvedVariables,
  isSecretName,
  maskSecrets,
  resolveHandshake,
  resolveText,
  type VariableContext,
} from '../../src/core/wsfile/variables';

const FILE = `@host = 127.0.0.1:9000
@path = /chat
@url = ws://{{host}}{{path}}
@later = {{defined_below}}
@secretToken = abc123
WS {{url}}?t={{$timestamp}}
Authorization: Bearer {{secretToken}}
X-Api-Key: {{$processEnv WSI_TEST_KEY}}
X-Plain: {{host}}

{"to": "{{host}}", "id": "{{$uuid}}"}

###
@defined_below = 1
`;

function context(extra: Partial<VariableContext> = {}): VariableContext {
  return {
    fileVariables: parseWsFile(FILE).variables,
    allowProcessEnv: true,
    processEnv: { WSI_TEST_KEY: 'from-env-123' },
    ...extra,
  };
}

function value(r: ReturnType<typeof resolveText>): string {
  if ('error' in r) assert.fail(`expected a value, got the error: ${r.error}`);
  return r.value;
}

function error(r: ReturnType<typeof resolveText>): string {
  if (!('error' in r)) assert.fail(`expected an error, got the value: ${r.value}`);
  return r.error;
}

test('file variables resolve below their line and may reference earlier ones', () => {
  assert.equal(value(resolveText('{{url}}', context(), 5)), 'ws://127.0.0.1:9000/chat');
  assert.equal(value(resolveText('{{ host }}:{{path}}', context(), 5)), '127.0.0.1:9000:/chat');
});

test('a variable used above its definition fails with a sentence naming both lines', () => {
  assert.match(error(resolveText('{{path}}', context(), 0)), /defined only below it, on line 2/);
  assert.match(
    error(resolveText('{{later}}', context(), 10)),
    /\{\{defined_below\}\} on line 4 is defined only below it, on line 14/,
  );
});

test('an undefined variable never stays as a literal {{x}}', () => {
  const r = resolveText('a {{nope}} b', context(), 10);
  assert.match(error(r), /\{\{nope\}\} on line 11 is not defined\. Add "@nope = …" above it/);
});

test('a later definition of the same name wins below it', () => {
  const vars = parseWsFile('@a = 1\n@a = 2\nWS ws://x\n').variables;
  assert.equal(value(resolveText('{{a}}', { fileVariables: vars, allowProcessEnv: false }, 1)), '1');
  assert.equal(value(resolveText('{{a}}', { fileVariables: vars, allowProcessEnv: false }, 2)), '2');
});

test('environment values win over file variables and may use variables themselves', () => {
  const ctx = context({ environment: { host: 'env-host', both: '{{$randomInt 5 6}}-x' } });
  assert.equal(value(resolveText('{{host}}|{{both}}', ctx, 5)), 'env-host|5-x');
});

test('a variable that refers to itself fails instead of looping', () => {
  const vars = parseWsFile('@a = {{b}}\n@b = {{a}}\nWS ws://x\n').variables;
  assert.match(
    error(resolveText('{{a}}', { fileVariables: vars, allowProcessEnv: false }, 5)),
    /defined only below it|refer to each other/,
  );
  const envLoop = { fileVariables: [], environment: { a: '{{a}}' }, allowProcessEnv: false };
  assert.match(error(resolveText('{{a}}', envLoop, 0)), /more than 16 levels deep/);
});

test('dynamic values: httpYac and JetBrains spellings', () => {
  const now = () => new Date('2026-01-02T03:04:05.678Z');
  const opts = { allowProcessEnv: false, now };
  const get = (e: string) => {
    const r = dynamicValue(e, opts);
    if ('error' in r) assert.fail(r.error);
    return r.value;
  };
  const uuid = /^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/;
  assert.match(get('$uuid'), uuid);
  assert.match(get('$random.uuid'), uuid);
  assert.notEqual(get('$uuid'), get('$uuid'));
  assert.equal(get('$timestamp'), '1767323045');
  assert.equal(get('$isoTimestamp'), '2026-01-02T03:04:05.678Z');
  for (let i = 0; i < 200; i++) {
    const a = Number(get('$randomInt'));
    assert.ok(Number.isInteger(a) && a >= 0 && a < 1000, `$randomInt gave ${a}`);
    const b = Number(get('$randomInt 1 10'));
    assert.ok(b >= 1 && b < 10, `$randomInt 1 10 gave ${b}`);
    const c = Number(get('$random.integer(1, 10)'));
    assert.ok(c >= 1 && c < 10, `$random.integer(1, 10) gave ${c}`);
    assert.equal(get('$randomInt -3 -2'), '-3');
  }
  assert.match(get('$random.alphabetic(12)'), /^[A-Za-z]{12}$/);
  assert.match(get('$random.hexadecimal(8)'), /^[0-9a-f]{8}$/);
  assert.match(get('$random.alphanumeric(5)'), /^\w{5}$/);
  assert.match(get('$random.email'), /^[a-z]{8}@example\.com$/);
  assert.match(
    (dynamicValue('$randomInt 5 5', opts) as { error: string }).error,
    /upper bound \(5\) above the lower bound \(5\)/,
  );
  assert.match((dynamicValue('$nonsense', opts) as { error: string }).error, /is not a dynamic value/);
});

test('$processEnv and $env.NAME: refused with a trust sentence when not allowed, secret when allowed', () => {
  const refused = resolveText('{{$processEnv WSI_TEST_KEY}}', context({ allowProcessEnv: false }), 5);
  assert.match(error(refused), /only allowed in a trusted workspace/);
  assert.match(
    error(resolveText('{{$env.WSI_TEST_KEY}}', context({ allowProcessEnv: false }), 5)),
    /trusted workspace/,
  );
  const allowed = resolveText('key={{$processEnv WSI_TEST_KEY}}', context(), 5);
  assert.deepEqual(allowed, { value: 'key=from-env-123', secret: true, secrets: ['from-env-123'] });
  assert.equal(value(resolveText('{{$env.WSI_TEST_KEY}}', context(), 5)), 'from-env-123');
  assert.match(error(resolveText('{{$processEnv WSI_MISSING}}', context(), 5)), /WSI_MISSING is not set/);
});

test('resolveHandshake marks secret headers and collects values to mask', () => {
  const parsed = parseWsFile(FILE);
  const h = resolveHandshake(parsed.requests[0], context({ now: () => new Date(0) }));
  if ('error' in h) assert.fail(h.error);
  assert.equal(h.url, 'ws://127.0.0.1:9000/chat?t=0');
  assert.deepEqual(h.headers, [
    { name: 'Authorization', value: 'Bearer abc123', secret: true },
    { name: 'X-Api-Key', value: 'from-env-123', secret: true },
    { name: 'X-Plain', value: '127.0.0.1:9000', secret: false },
  ]);
  assert.ok(h.secrets.includes('Bearer abc123') && h.secrets.includes('abc123') && h.secrets.includes('from-env-123'));
  assert.equal(maskSecrets('sent abc123 and from-env-123', h.secrets), 'sent [redacted] and [redacted]');
  for (const name of ['Authorization', 'cookie', 'X-Auth-Token', 'client_secret', 'X-Api-Key', 'password'])
    assert.ok(isSecretName(name), name);
  for (const name of ['Origin', 'Content-Type', 'X-Request-Id']) assert.ok(!isSecretName(name), name);
});

test('findUnresolvedVariables: exact ranges for undefined, defined-below and unknown dynamic values', () => {
  const text = 'WS ws://{{host}}/a\nX-Id: {{$nope}}\n\n{"a": "{{later}}", "b": "{{$uuid}}"}\n###\n@later = 1\n';
  const parsed = parseWsFile(text);
  const found = findUnresolvedVariables(text, parsed, { allowProcessEnv: false });
  assert.deepEqual(
    found.map((d) => [d.severity, d.range.startLine, d.range.startCol, d.range.endCol]),
    [
      ['warning', 0, 8, 16],
      ['error', 1, 6, 15],
      ['error', 3, 7, 16],
    ],
  );
  assert.match(found[0].message, /\{\{host\}\} is not defined.*none is selected/);
  assert.match(found[2].message, /defined only below this line \(line 6\)/);
  assert.deepEqual(
    findUnresolvedVariables(text, parsed, { allowProcessEnv: false, environment: { host: 'h', later: 'x' } }).map(
      (d) => d.range.startLine,
    ),
    [1],
  );
  const penv = 'WS ws://a\nX: {{$processEnv HOME}}\n';
  assert.match(
    findUnresolvedVariables(penv, parseWsFile(penv), { allowProcessEnv: false })[0].message,
    /trusted workspace/,
  );
  assert.deepEqual(findUnresolvedVariables(penv, parseWsFile(penv), { allowProcessEnv: true }), []);
});

test('environments: private overrides public, $shared underneath, unknown names listed', () => {
  const envs = loadEnvironments({
    public: {
      path: 'http-client.env.json',
      text: '{"$shared": {"a": "shared", "b": "shared"}, "dev": {"host": "pub", "port": 80, "ssl": {"x": 1}}, "prod": {"host": "p"}}',
    },
    private: { path: 'http-client.private.env.json', text: '{"dev": {"host": "priv", "token": "t"}}' },
  });
  assert.deepEqual(envs.diagnostics, []);
  assert.deepEqual(envs.names, ['dev', 'prod']);
  assert.deepEqual(selectEnvironment(envs, 'dev'), {
    variables: { a: 'shared', b: 'shared', host: 'priv', port: '80', token: 't' },
  });
  assert.deepEqual(selectEnvironment(envs, 'nope'), {
    error: 'There is no environment "nope". Known environments: dev, prod.',
  });
});

test('environment JSON errors are diagnostics with the line and column', () => {
  const envs = loadEnvironments({
    public: { path: 'http-client.env.json', text: '{\n  "dev": {\n    "host": "a",\n  }\n}' },
  });
  assert.equal(envs.diagnostics.length, 1);
  const d = envs.diagnostics[0];
  assert.equal(d.file, 'http-client.env.json');
  assert.equal(d.code, 'env-json');
  assert.deepEqual([d.range.startLine, d.range.startCol], [3, 2]);
  assert.match(d.message, /is not valid JSON at line 4, column 3/);
  const notObject = loadEnvironments({ public: { path: 'e.json', text: '{"dev": 3}' } });
  assert.match(notObject.diagnostics[0].message, /Environment "dev" in e.json must be an object/);
  assert.match(
    loadEnvironments({ public: { path: 'e.json', text: '[]' } }).diagnostics[0].message,
    /one JSON object of environments/,
  );
});

test('environment files are read from disk and found in a parent folder', () => {
  const dir = mkdtempSync(join(tmpdir(), 'wsi-env-'));
  try {
    writeFileSync(join(dir, 'http-client.env.json'), '{"local": {"echo": "ws://127.0.0.1:1"}}');
    writeFileSync(join(dir, 'http-client.private.env.json'), '{"local": {"token": "p"}}');
    const sub = join(dir, 'nested');
    mkdirSync(sub);
    const files = findEnvFiles(sub);
    assert.ok(files);
    assert.equal(files.public.path, join(dir, 'http-client.env.json'));
    assert.deepEqual(selectEnvironment(loadEnvironments(files), 'local'), {
      variables: { echo: 'ws://127.0.0.1:1', token: 'p' },
    });
    assert.deepEqual(loadEnvironments({ public: { path: join(dir, 'missing.json') } }).diagnostics, []);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('environment JSON errors say what is wrong, in words, where jsonc-parser finds it', () => {
  const first = (text: string) => loadEnvironments({ public: { path: 'e.json', text } }).diagnostics[0];
  const cases: Array<[string, [number, number], RegExp]> = [
    ['{\n  "dev": { "a": "1" }\n  "prod": {}\n}', [2, 2], /a comma was expected/],
    ['{\n  // a note\n  "dev": {}\n}', [1, 2], /comments are not allowed in JSON/],
    ['{ "dev": { "a": "never ends }\n}', [0, 16], /a string that never ends/],
    ['{ "dev": {} } x', [0, 14], /an unexpected character/],
    ['\uFEFF{ "dev": { "a": 01 } }', [0, 17], /a comma was expected/],
  ];
  for (const [text, [line, col], words] of cases) {
    const d = first(text);
    assert.ok(d, `a diagnostic for ${JSON.stringify(text)}`);
    assert.deepEqual(
      [d.range.startLine, d.range.startCol],
      [line, col],
      `position for ${JSON.stringify(text)}: ${d.message}`,
    );
    assert.match(d.message, words);
    assert.doesNotMatch(d.message, /position \d+|JSON\.parse/, 'no V8 wording');
  }
});
