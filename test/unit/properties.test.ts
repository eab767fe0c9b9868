// Over 400 lines: the seeded properties share one PRNG, one case runner and the generators of each grammar.
/**
 * Seeded property tests: each property runs over a few hundred random cases from a fixed seed, so a
 * failure names the seed and case and reruns the same. No dependency: the PRNG is mulberry32.
 * (a) the JSON field filter against a plain evaluator over JSON.parse; (b) JSON paths; (c) env
 * files; (d) the hex and base64 decoders of `.ws` binary blocks (and the shared hex dump).
 */
import { matchesValue } from '../../src/core/filterValue';
import { test } from 'node:test';
import assert from 'node:assert/strict';
import {
  ANY,
  JsonFieldMatcher,
  parseJsonCondition,
  type JsonLiteral,
  type JsonOperator,
  type PathStep,
} from '../../src/core/filterJson';
import { FilterError } from '../../src/core/filterError';
import { formatPath, parseJsonPath, removePath } from '../../src/core/jsonPath';
import { loadEnvironments } from '../../src/core/wsfile/env';
import { decodeBase64, decodeHex } from '../../src/core/wsfile/binary';
import { hexDump } from '../../src/shared/hexDump';

/** mulberry32: small, fast, good enough to spread test cases. */
function prng(seed: number) {
  let a = seed >>> 0;
  const next = () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
  const int = (n: number) => Math.floor(next() * n);
  const pick = <T>(xs: readonly T[]): T => xs[int(xs.length)];
  const chance = (p: number) => next() < p;
  return { next, int, pick, chance };
}
type Rng = ReturnType<typeof prng>;

/** Runs `body` for `runs` cases; a failure says which seed and case. */
function property(name: string, runs: number, body: (rng: Rng, i: number) => void, seed = 0x5eed): void {
  const rng = prng(seed);
  for (let i = 0; i < runs; i++) {
    try {
      body(rng, i);
    } catch (e) {
      (e as Error).message = `${name}: case ${i} (seed ${seed}): ${(e as Error).message}`;
      throw e;
    }
  }
}

// ───────────── random JSON ─────────────

const KEYS = ['type', 'a', 'b', 'price', 'tags', 'x_1', 'ünï', 'a b', 'q"t', "it's", '0', 'data'];
const STRINGS = ['', 'trade', 'Trade', 'tr', 'a\\b', 'line\nbreak', 'quote"d', 'ünï 😀', '100', 'null', 'x'];

function randomNumber(r: Rng): number {
  return r.pick([0, 1, -1, 100, 99.5, 100.25, -0.5, 1e21, 123456789012345680000, 0.1, 3, 7, 2.5e-7]);
}

function randomJson(r: Rng, depth = 0): unknown {
  const kind = depth > 3 ? r.int(5) : r.int(7);
  switch (kind) {
    case 0:
      return r.pick(STRINGS);
    case 1:
      return randomNumber(r);
    case 2:
      return r.chance(0.5);
    case 3:
      return null;
    case 4:
      return r.pick(STRINGS);
    case 5:
      return Array.from({ length: r.int(4) }, () => randomJson(r, depth + 1));
    default: {
      const o: Record<string, unknown> = {};
      for (let k = r.int(5); k > 0; k--) o[r.pick(KEYS)] = randomJson(r, depth + 1);
      return o;
    }
  }
}

/** A path that exists in `doc` most of the time, and one that may not otherwise. */
function randomPath(r: Rng, doc: unknown, wildcards = true): PathStep[] {
  const path: PathStep[] = [];
  let v = doc;
  for (let d = 0; d < 4; d++) {
    const container = v !== null && typeof v === 'object';
    if (path.length && (!container || r.chance(0.25)) && r.chance(0.9)) break;
    const children = container ? Object.values(v as object) : [];
    if (wildcards && children.length && r.chance(0.15)) {
      // [*] or .*: any element or property; go on below one of them.
      path.push(ANY);
      v = r.pick(children);
    } else if (Array.isArray(v) && v.length && r.chance(0.85)) {
      const i = r.int(v.length);
      path.push(i);
      v = v[i];
    } else if (v && typeof v === 'object' && !Array.isArray(v) && Object.keys(v).length && r.chance(0.85)) {
      const k = r.pick(Object.keys(v));
      path.push(k);
      v = (v as Record<string, unknown>)[k];
    } else {
      path.push(r.chance(0.5) ? r.pick(KEYS) : r.int(3));
      break;
    }
  }
  if (!path.length) path.push(r.pick(KEYS));
  return path;
}

/** The path in the filter's own syntax, in one of its spellings. */
function pathText(r: Rng, path: PathStep[]): string {
  let out = r.chance(0.3) ? '$' : '';
  path.forEach((s, i) => {
    if (s === ANY) out += r.chance(0.5) ? '[*]' : i === 0 && !out ? '*' : '.*';
    else if (typeof s === 'number') out += `[${s}]`;
    else if (/^[^\s.[\]=!<>"']+$/.test(s) && !/^\d+$/.test(s) && r.chance(0.7))
      out += `${i === 0 && !out ? '' : '.'}${s}`;
    else out += `[${JSON.stringify(s)}]`;
  });
  if (out.startsWith('$') && !out.startsWith('$.') && !out.startsWith('$[')) out = `$.${out.slice(1)}`;
  return out;
}

function literalText(v: JsonLiteral): string {
  return typeof v === 'string' ? JSON.stringify(v) : String(v);
}

/** Every value `path` reaches in `doc` (ANY: each element or property); none when it reaches nothing. */
function walk(doc: unknown, path: PathStep[]): unknown[] {
  let values = [doc];
  for (const s of path) {
    values = values.flatMap((v) => {
      if (s === ANY) return v !== null && typeof v === 'object' ? Object.values(v) : [];
      if (typeof s === 'number') return Array.isArray(v) && s < v.length ? [v[s]] : [];
      if (v === null || typeof v !== 'object' || Array.isArray(v) || !Object.hasOwn(v, s)) return [];
      return [(v as Record<string, unknown>)[s]];
    });
  }
  return values;
}

/** The grammar's meaning, written plainly over the parsed document. */
function reference(
  doc: unknown,
  path: PathStep[],
  op: JsonOperator | undefined,
  lit: JsonLiteral | undefined,
): boolean {
  // The condition holds when any value on the path satisfies it.
  return walk(doc, path).some((v) => holds(v, op, lit));
}

function holds(v: unknown, op: JsonOperator | undefined, lit: JsonLiteral | undefined): boolean {
  if (op === undefined) return true;
  const equals = () => (lit === null ? v === null : typeof v === typeof lit && v === lit);
  switch (op) {
    case '==':
      return equals();
    case '!=':
      return !equals();
    case 'contains':
      if (typeof v === 'string') return v.includes(String(lit));
      if (Array.isArray(v)) return v.some((x) => x === lit);
      if (v && typeof v === 'object' && typeof lit === 'string') return Object.hasOwn(v, lit);
      return false;
    default: {
      if (!((typeof v === 'number' && typeof lit === 'number') || (typeof v === 'string' && typeof lit === 'string')))
        return false;
      const [a, b] = [v, lit];
      return op === '>' ? a > b : op === '>=' ? a >= b : op === '<' ? a < b : a <= b;
    }
  }
}

test('property (a): the JSON field filter agrees with a plain evaluator over JSON.parse', () => {
  const ops: Array<JsonOperator | undefined> = [undefined, '==', '!=', '>', '>=', '<', '<=', 'contains'];
  const outcomes = new Map<string, number>();
  property('filter', 1500, (r) => {
    const doc: Record<string, unknown> = {};
    for (let k = 1 + r.int(4); k > 0; k--) doc[r.pick(KEYS)] = randomJson(r, 1);
    const path = randomPath(r, doc);
    const op = r.pick(ops);
    const found = walk(doc, path)[0];
    const lit: JsonLiteral =
      r.chance(0.6) &&
      (typeof found === 'string' || typeof found === 'number' || typeof found === 'boolean' || found === null)
        ? found
        : r.pick<JsonLiteral>([...STRINGS, randomNumber(r), true, false, null]);
    const text = `${pathText(r, path)}${op ? ` ${op} ${literalText(lit)}` : ''}`;
    const condition = parseJsonCondition(text);
    assert.deepEqual(condition.path, path, text);
    const payload = Buffer.from(JSON.stringify(doc, null, r.chance(0.5) ? 2 : undefined), 'utf8');
    const got = new JsonFieldMatcher(condition).matches(payload, 0, payload.length);
    assert.equal(got, reference(doc, path, op, op ? lit : undefined), `${text} on ${payload.toString('utf8')}`);
    // The decoder seam's evaluator over parsed values means the same as the byte scanner.
    assert.equal(matchesValue(condition, doc), got, `matchesValue: ${text} on ${payload.toString('utf8')}`);
    const key = `${op ?? 'exists'} ${got}`;
    outcomes.set(key, (outcomes.get(key) ?? 0) + 1);
  });
  // The generator reaches both answers for every operator, so agreement means something.
  for (const op of ops)
    for (const answer of [true, false])
      assert.ok(
        (outcomes.get(`${op ?? 'exists'} ${answer}`) ?? 0) >= 5,
        `${op} ${answer}: ${JSON.stringify([...outcomes])}`,
      );
});

test('property (a): malformed conditions give a FilterError sentence, never another throw', () => {
  const pieces = [
    'a',
    '.',
    '[',
    ']',
    '"',
    "'",
    '=',
    '==',
    '!',
    '>',
    '<',
    ' ',
    '0',
    'contains',
    'true',
    '$',
    '\\',
    'x y',
  ];
  property('filter-bad', 1500, (r) => {
    const text = Array.from({ length: 1 + r.int(7) }, () => r.pick(pieces)).join('');
    try {
      parseJsonCondition(text);
    } catch (e) {
      assert.ok(
        e instanceof FilterError,
        `${JSON.stringify(text)} threw ${(e as Error).name}: ${(e as Error).message}`,
      );
      assert.match((e as Error).message, /^The JSON filter .+\. Write it like/);
    }
  });
});

test('property (b): JSON paths: formatPath → parseJsonPath round trip; removePath removes exactly what a plain walker finds', () => {
  const keyChars = ['a', 'Z', '_', '$', ' ', "'", '\\', '.', '[', ']', '*', '"', 'ü', '0', '\n'];
  property('jsonpath', 800, (r) => {
    const parts: Array<string | number> = Array.from({ length: 1 + r.int(4) }, () =>
      r.chance(0.3) ? r.int(5) : Array.from({ length: r.int(4) }, () => r.pick(keyChars)).join(''),
    );
    const text = formatPath(parts);
    const segments = parseJsonPath(text);
    if ('error' in segments) assert.fail(`${JSON.stringify(parts)} formatted as ${text}: ${segments.error}`);
    assert.deepEqual(
      segments,
      parts.map((p) => (typeof p === 'number' ? { type: 'index', index: p } : { type: 'key', key: p })),
      text,
    );

    // Evaluation: removing a concrete path equals deleting it by hand where a plain walk finds it.
    const doc = randomJson(r);
    const path = randomPath(r, doc, false) as Array<string | number>;
    const segs = parseJsonPath(formatPath(path));
    if ('error' in segs) assert.fail(segs.error);
    const viaLib = structuredClone(doc);
    removePath(viaLib, segs);
    const byHand: unknown = structuredClone(doc);
    const [parent] = walk(byHand, path.slice(0, -1));
    const last = path[path.length - 1];
    if (walk(byHand, path).length) {
      if (Array.isArray(parent)) parent[last as number] = '\u0000ignored';
      else delete (parent as Record<string, unknown>)[last as string];
    }
    assert.deepEqual(viaLib, byHand, formatPath(path));
  });
});

test('property (b): JSON paths that are not of the grammar give a sentence, never a throw', () => {
  const pieces = ['$', '.', '..', '[', ']', '*', "'", '"', 'a', '0', '\\', ' '];
  property('jsonpath-bad', 800, (r) => {
    const text = Array.from({ length: r.int(8) }, () => r.pick(pieces)).join('');
    const result = parseJsonPath(text);
    if ('error' in result) assert.match(result.error, /^The JSON path ".*" .+\. Write it like/s);
  });
});

test('property (c): random valid env files load to the object they encode', () => {
  const names = ['dev', 'prod', 'local', '$shared', 'ünï', 'a b'];
  property('env', 400, (r) => {
    const pub: Record<string, Record<string, string | number | boolean>> = {};
    const priv: Record<string, Record<string, string | number | boolean>> = {};
    for (const file of [pub, priv]) {
      for (let e = r.int(4); e > 0; e--) {
        const vars: Record<string, string | number | boolean> = {};
        for (let v = r.int(4); v > 0; v--)
          vars[r.pick(KEYS)] = r.pick<string | number | boolean>([...STRINGS, randomNumber(r), true, false]);
        file[r.pick(names)] = vars;
      }
    }
    const indent = r.chance(0.5) ? 2 : undefined;
    const envs = loadEnvironments({
      public: { path: 'pub.json', text: JSON.stringify(pub, null, indent) },
      private: { path: 'priv.json', text: JSON.stringify(priv, null, indent) },
    });
    assert.deepEqual(envs.diagnostics, []);
    const expected: Record<string, Record<string, string>> = {};
    for (const file of [pub, priv]) {
      for (const [env, vars] of Object.entries(file)) {
        const target = (expected[env] ??= {});
        for (const [k, v] of Object.entries(vars)) target[k] = String(v);
      }
    }
    assert.deepEqual(envs.environments, expected);
    assert.deepEqual(
      [...envs.names].sort(),
      Object.keys(expected)
        .filter((n) => n !== '$shared')
        .sort(),
    );
  });
});

test('property (c): random broken env files give a positioned diagnostic, never a throw', () => {
  property('env-bad', 600, (r) => {
    const good = JSON.stringify(
      { dev: { host: 'localhost', port: 8080 }, prod: { host: 'x' } },
      null,
      r.chance(0.5) ? 2 : undefined,
    );
    const at = r.int(good.length + 1);
    const text = r.chance(0.5)
      ? good.slice(0, at)
      : `${good.slice(0, at)}${r.pick(['}', '{', ',', '"', ':', 'x', '\n]'])}${good.slice(at)}`;
    let valid = true;
    try {
      JSON.parse(text);
    } catch {
      valid = false;
    }
    const envs = loadEnvironments({ public: { path: 'pub.json', text } });
    if (valid) return;
    assert.equal(envs.diagnostics.length, 1, text);
    const d = envs.diagnostics[0];
    const lines = text.split('\n');
    assert.ok(
      d.range.startLine >= 0 && d.range.startLine < lines.length,
      `line ${d.range.startLine} in ${JSON.stringify(text)}`,
    );
    assert.ok(
      d.range.startCol >= 0 && d.range.startCol <= lines[d.range.startLine].length,
      `col ${d.range.startCol} in ${JSON.stringify(text)}`,
    );
    assert.match(
      d.message,
      new RegExp(`is not valid JSON at line ${d.range.startLine + 1}, column ${d.range.startCol + 1}: `),
    );
  });
});

function randomBytes(r: Rng): Buffer {
  return Buffer.from(Array.from({ length: r.int(40) }, () => r.int(256)));
}

test('property (d): hex blocks decode to the bytes they spell, in every documented spelling', () => {
  property('hex', 800, (r) => {
    const bytes = randomBytes(r);
    let text = '';
    let group = '';
    for (const b of bytes) {
      const h = b.toString(16).padStart(2, '0');
      group += r.chance(0.5) ? h.toUpperCase() : h;
      if (r.chance(0.6)) {
        text += `${r.chance(0.3) ? '0x' : ''}${group}${r.pick([' ', '  ', '\t', '\n'])}`;
        group = '';
      }
    }
    text += group;
    const result = decodeHex(text);
    assert.ok(result.ok, `${JSON.stringify(text)}: ${!result.ok && result.error.message}`);
    assert.equal(result.bytes.toString('hex'), bytes.toString('hex'));
    // The shared hex dump spells the same bytes.
    const dumped = hexDump(bytes)
      .split('\n')
      .filter((l) => /^[0-9a-f]{8} /.test(l))
      .map((l) => l.slice(10, 59))
      .join(' ');
    const again = decodeHex(dumped);
    assert.ok(again.ok);
    assert.equal(again.bytes.toString('hex'), bytes.toString('hex'));
  });
});

test('property (d): hex with a bad digit or an odd group is refused with a sentence pointing at it', () => {
  property('hex-bad', 800, (r) => {
    const bytes = randomBytes(r);
    const good = [...bytes].map((b) => b.toString(16).padStart(2, '0')).join(' ');
    const bad = r.pick(['g', 'z', '-', ';', 'é']);
    const at = r.int(good.length + 1);
    const text = r.chance(0.5) ? `${good.slice(0, at)}${bad}${good.slice(at)}` : `${good}${good ? ' ' : ''}a`;
    const result = decodeHex(text);
    assert.equal(result.ok, false, JSON.stringify(text));
    if (!result.ok) {
      assert.ok(result.error.message.length > 20);
      const line = text.split('\n')[result.error.line];
      assert.ok(
        result.error.col >= 0 && result.error.col < line.length,
        `${JSON.stringify(text)} at ${result.error.col}`,
      );
    }
  });
});

test('property (d): base64 (standard or URL-safe, padded or not, with line breaks) decodes to its bytes; bad input is refused', () => {
  property('base64', 800, (r) => {
    const bytes = randomBytes(r);
    let text = bytes.toString(r.chance(0.5) ? 'base64' : 'base64url');
    if (r.chance(0.3)) text = text.replace(/=+$/, '');
    if (r.chance(0.5)) text = text.replace(/(.{1,7})/g, (m) => `${m}${r.pick(['', '\n', ' '])}`);
    const result = decodeBase64(text);
    assert.ok(result.ok, `${JSON.stringify(text)}: ${!result.ok && result.error.message}`);
    assert.equal(result.bytes.toString('hex'), bytes.toString('hex'));

    const clean = bytes.toString('base64').replace(/=+$/, '');
    const at = r.int(clean.length + 1);
    const broken = r.pick([
      `${clean.slice(0, at)}${r.pick(['!', '.', '*', 'é'])}${clean.slice(at)}`,
      clean.length ? `${clean.slice(0, 1)}=${clean.slice(1)}A` : '!',
      clean.length % 4 === 0 ? `${clean}A` : `${clean}!`,
    ]);
    const refused = decodeBase64(broken);
    assert.equal(refused.ok, false, JSON.stringify(broken));
    if (!refused.ok) assert.ok(refused.error.message.length > 20);
  });
});
