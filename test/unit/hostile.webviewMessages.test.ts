// Over 400 lines: every webview message type, hostile and fuzzed, against the one validator and dispatcher.
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import fc from 'fast-check';
import { REGEX_TIMEOUT_MESSAGE } from '../../src/core/filter';
import { InspectorSession } from '../../src/core/inspector/session';
import { parseFromWebview } from '../../src/core/webviewMessages';
import { MAX_VIEWPORT_ROWS, PROTOCOL_VERSION, type FromWebview, type ToWebview } from '../../src/shared/protocol';
import { closedPort, waitFor } from './helpers';
import { processGuard } from './processGuard';

// Issue 7, bad input from the webview: the webview is untrusted, so `parseFromWebview` must take
// anything without throwing, and `InspectorSession.handle` must take every valid-but-odd message
// without throwing and answer every request exactly once, in bounded time.

const DIRECTIONS = ['sent', 'received', 'event'];
const KINDS = ['text', 'binary', 'ping', 'pong', 'close', 'open', 'error', 'info'];
const MAX_FILTER_TEXT = 4096;
const MAX_SEND_TEXT = 64 * 1024 * 1024;

const guard = processGuard();
const assertProcessClean = () => guard.assertClean();

// ───────────── an independent description of a valid FromWebview ─────────────

const isInt = (v: unknown): v is number => typeof v === 'number' && Number.isSafeInteger(v);
const isNat = (v: unknown): v is number => isInt(v) && v >= 0;

function hasExactKeys(o: object, keys: string[]): boolean {
  const own = Reflect.ownKeys(o);
  return own.length === keys.length && keys.every((k) => Object.prototype.hasOwnProperty.call(o, k));
}

/** Every element present (no holes) and allowed. */
function denseOf(a: unknown, allowed: string[]): boolean {
  if (!Array.isArray(a)) return false;
  for (let i = 0; i < a.length; i++) {
    if (!(i in a) || !allowed.includes(a[i] as string)) return false;
  }
  return true;
}

function validQuery(q: unknown): boolean {
  if (typeof q !== 'object' || q === null || Array.isArray(q)) return false;
  const r = q as Record<string, unknown>;
  for (const key of Reflect.ownKeys(r)) {
    const v = r[key as string];
    switch (key) {
      case 'text':
      case 'json':
        if (typeof v !== 'string' || v.length > MAX_FILTER_TEXT) return false;
        break;
      case 'mode':
        if (v !== 'substring' && v !== 'regex') return false;
        break;
      case 'caseSensitive':
        if (typeof v !== 'boolean') return false;
        break;
      case 'directions':
        if (!denseOf(v, DIRECTIONS)) return false;
        break;
      case 'kinds':
        if (!denseOf(v, KINDS)) return false;
        break;
      default:
        return false;
    }
  }
  return true;
}

/** Why `m` is not a valid message, or '' when it is. */
function shapeProblem(m: FromWebview): string {
  const r = m as unknown as Record<string, unknown>;
  const keys = (...k: string[]) =>
    hasExactKeys(r, ['type', ...k]) ? '' : `keys ${Reflect.ownKeys(r).map(String).join(',')} for ${m.type}`;
  switch (m.type) {
    case 'ready':
      return keys('protocolVersion') || (isInt(m.protocolVersion) ? '' : 'protocolVersion');
    case 'viewport':
      return (
        keys('start', 'count', 'follow') ||
        (isNat(m.start) && isNat(m.count) && m.count <= MAX_VIEWPORT_ROWS && typeof m.follow === 'boolean'
          ? ''
          : 'viewport fields')
      );
    case 'sendText':
      return (
        keys('id', 'text') ||
        (isInt(m.id) && typeof m.text === 'string' && m.text.length <= MAX_SEND_TEXT ? '' : 'sendText fields')
      );
    case 'sendBinary':
      return (
        keys('id', 'encoding', 'data') ||
        (isInt(m.id) && (m.encoding === 'hex' || m.encoding === 'base64') && typeof m.data === 'string'
          ? ''
          : 'sendBinary fields')
      );
    case 'sendFile':
      return keys('id') || (isInt(m.id) ? '' : 'sendFile id');
    case 'clear':
    case 'replay':
    case 'disconnect':
    case 'reconnect':
      return keys();
    case 'setFilter':
      return (
        keys('query') || (m.query === null || validQuery(m.query) ? '' : `setFilter query ${JSON.stringify(m.query)}`)
      );
    case 'getDetail':
      return keys('id', 'position') || (isInt(m.id) && isNat(m.position) ? '' : 'getDetail fields');
    case 'openInEditor':
      return keys('index') || (isNat(m.index) ? '' : 'openInEditor index');
    case 'copy':
      return keys('text') || (typeof m.text === 'string' ? '' : 'copy text');
    case 'ping':
      return (
        keys('id', 'payload') ||
        (isInt(m.id) && typeof m.payload === 'string' && Buffer.byteLength(m.payload) <= 125 ? '' : 'ping fields')
      );
    case 'closeWith':
      return (
        keys('id', 'code', 'reason') ||
        (isInt(m.id) && isInt(m.code) && typeof m.reason === 'string' && Buffer.byteLength(m.reason) <= 123
          ? ''
          : 'closeWith fields')
      );
    case 'setListMode':
      return keys('mode') || (m.mode === 'messages' || m.mode === 'frames' ? '' : 'setListMode mode');
    default:
      return `unknown type ${String((m as { type: unknown }).type)}`;
  }
}

/** Parses without throwing, and the result is undefined or valid (and parses to itself again). */
function checkParse(raw: unknown): FromWebview | undefined {
  let parsed: FromWebview | undefined;
  try {
    parsed = parseFromWebview(raw);
  } catch (err) {
    assert.fail(`parseFromWebview threw ${String(err)} for ${safeShow(raw)}`);
  }
  if (parsed === undefined) return undefined;
  const problem = shapeProblem(parsed);
  assert.equal(problem, '', `invalid shape returned for ${safeShow(raw)}: ${problem}`);
  assert.deepEqual(parseFromWebview(parsed), parsed, 'a parsed message parses to itself');
  return parsed;
}

function safeShow(v: unknown): string {
  try {
    return fc.stringify(v).slice(0, 300);
  } catch {
    return '(unprintable)';
  }
}

// ───────────── arbitraries ─────────────

const anyValue = fc.anything({
  withBigInt: true,
  withBoxedValues: true,
  withDate: true,
  withMap: true,
  withSet: true,
  withNullPrototype: true,
  withObjectString: true,
  withSparseArray: true,
  withTypedArray: true,
  withUnicodeString: true,
});

const id = fc.oneof(fc.integer(), fc.constantFrom(0, -1, Number.MAX_SAFE_INTEGER, Number.MIN_SAFE_INTEGER));
const nat = fc.oneof(fc.nat(), fc.constantFrom(0, Number.MAX_SAFE_INTEGER, 2 ** 32, 2 ** 32 - 1));
const query = fc.record(
  {
    text: fc.oneof(fc.string(), fc.constantFrom('(a+)+$', '(', '[', '\\', '.*', '(?<x>a)\\k<x>')),
    mode: fc.constantFrom('substring', 'regex'),
    caseSensitive: fc.boolean(),
    directions: fc.subarray(DIRECTIONS),
    kinds: fc.subarray(KINDS),
    json: fc.oneof(fc.string(), fc.constantFrom('type == "a"', 'price > 1', '$.a[*] == 1', '== ==', '')),
  },
  { requiredKeys: [] },
);

/** Messages the webview may legitimately send (as plain objects, before parsing). */
const validRaw: fc.Arbitrary<Record<string, unknown>> = fc.oneof(
  fc.record({ type: fc.constant('ready'), protocolVersion: fc.integer() }),
  fc.record({ type: fc.constant('viewport'), start: nat, count: nat, follow: fc.boolean() }),
  fc.record({ type: fc.constant('sendText'), id, text: fc.string() }),
  fc.record({
    type: fc.constant('sendBinary'),
    id,
    encoding: fc.constantFrom('hex', 'base64'),
    data: fc.oneof(fc.string(), fc.constantFrom('00 ff', 'AQID', 'zz', '0', '====')),
  }),
  fc.record({ type: fc.constant('sendFile'), id }),
  fc.record({ type: fc.constantFrom('clear', 'replay', 'disconnect', 'reconnect') }),
  fc.record({ type: fc.constant('setFilter'), query: fc.oneof(fc.constant(null), query) }),
  fc.record({ type: fc.constant('getDetail'), id, position: nat }),
  fc.record({ type: fc.constant('openInEditor'), index: nat }),
  fc.record({ type: fc.constant('copy'), text: fc.string() }),
  fc.record({
    type: fc.constant('ping'),
    id,
    payload: fc.oneof(fc.string({ maxLength: 60 }), fc.constantFrom('', 'é'.repeat(62), 'x'.repeat(125))),
  }),
  fc.record({
    type: fc.constant('closeWith'),
    id,
    code: fc.oneof(
      fc.integer({ min: 999, max: 5000 }),
      fc.constantFrom(1000, 1004, 1005, 1006, 1015, 2999, 3000, 4999, 0, -1, Number.MAX_SAFE_INTEGER),
    ),
    reason: fc.oneof(fc.string({ maxLength: 60 }), fc.constantFrom('', 'x'.repeat(123))),
  }),
  fc.record({ type: fc.constant('setListMode'), mode: fc.constantFrom('messages', 'frames') }),
);

const TYPES = [
  'ready',
  'viewport',
  'sendText',
  'sendBinary',
  'sendFile',
  'clear',
  'replay',
  'setFilter',
  'getDetail',
  'openInEditor',
  'copy',
  'ping',
  'closeWith',
  'setListMode',
  'disconnect',
  'reconnect',
];

/** Arrays with holes, as structured clone delivers them. */
// eslint-disable-next-line no-sparse-arrays
const holes = fc.constantFrom([, 'sent'], [,], ['text', , 'info'], new Array(3));

/** A valid message with one thing changed. */
const mutated: fc.Arbitrary<unknown> = fc
  .tuple(
    validRaw,
    fc.nat(),
    fc.oneof(anyValue, holes),
    fc.constantFrom(...TYPES, 'Ready', '', '__proto__', 'constructor', 'toString'),
    fc.nat(9),
  )
  .map(([m, pick, value, otherType, how]) => {
    const keys = Object.keys(m);
    const key = keys[pick % keys.length];
    const copy: Record<string, unknown> = { ...m };
    switch (how) {
      case 0:
        delete copy[key];
        return copy;
      case 1:
        copy[key] = value;
        return copy;
      case 2:
        copy.type = otherType;
        return copy;
      case 3:
        return { ...copy, extra: value };
      case 4:
        return Object.assign(Object.create(null), copy);
      case 5:
        return [copy];
      case 6: {
        // Numbers that are not safe integers, negative, or not numbers at all.
        const odd = [-1, 1.5, NaN, Infinity, -Infinity, 2 ** 53, -0, '1', null, undefined, true][pick % 11];
        copy[key === 'type' ? 'id' : key] = odd;
        return copy;
      }
      case 7:
        // The query (or any field) nested one level down replaced.
        if (copy.query && typeof copy.query === 'object')
          return {
            ...copy,
            query: {
              ...copy.query,
              [['text', 'mode', 'directions', 'kinds', 'json', 'caseSensitive'][pick % 6]]: value,
            },
          };
        return { ...copy, [key]: [value] };
      case 8:
        return JSON.parse(JSON.stringify(copy).replace(/^\{/, '{"__proto__":{"type":"clear"},'));
      default:
        // Inherited fields only: nothing of its own.
        return Object.create(copy);
    }
  });

// ───────────── parseFromWebview ─────────────

describe('hostile webview messages: parseFromWebview', () => {
  before(() => {
    guard.watch();
  });
  after(() => {
    guard.stop();
  });

  test('fc.anything(): never throws, returns undefined or a valid message', () => {
    fc.assert(
      fc.property(anyValue, (raw) => {
        checkParse(raw);
      }),
      { numRuns: 5000 },
    );
  });

  test('objects with a known type and random fields: never throws, undefined or valid', () => {
    fc.assert(
      fc.property(
        fc.constantFrom(...TYPES),
        fc.dictionary(
          fc.constantFrom(
            'id',
            'text',
            'start',
            'count',
            'follow',
            'position',
            'index',
            'query',
            'encoding',
            'data',
            'protocolVersion',
            'payload',
            'code',
            'reason',
            'mode',
          ),
          anyValue,
        ),
        (type, fields) => {
          checkParse({ ...fields, type });
        },
      ),
      { numRuns: 5000 },
    );
  });

  test('valid messages are accepted, as valid messages', () => {
    fc.assert(
      fc.property(validRaw, (raw) => {
        const parsed = checkParse(raw);
        assert.ok(parsed, `refused a valid message ${safeShow(raw)}`);
        assert.equal(parsed.type, raw.type);
      }),
      { numRuns: 3000 },
    );
  });

  // Fails with the sparse-array case below until parseFilterQuery refuses holes.
  test(`mutations of valid messages: never throws, undefined or valid`, () => {
    fc.assert(
      fc.property(mutated, (raw) => {
        checkParse(raw);
      }),
      { numRuns: 10000 },
    );
  });

  test(`sparse arrays in a filter query are refused (no holes in directions or kinds)`, () => {
    // Structured clone keeps holes; a hole reads as undefined, which is no direction.
    // eslint-disable-next-line no-sparse-arrays
    const sparse = [, 'sent'];
    const parsed = checkParse({ type: 'setFilter', query: { directions: sparse } });
    assert.equal(parsed, undefined);
    // eslint-disable-next-line no-sparse-arrays
    assert.equal(checkParse({ type: 'setFilter', query: { kinds: ['text', , 'info'] } }), undefined);
  });

  test('odd but well-formed edges', () => {
    assert.deepEqual(checkParse({ type: 'viewport', start: Number.MAX_SAFE_INTEGER, count: 1e9, follow: false }), {
      type: 'viewport',
      start: Number.MAX_SAFE_INTEGER,
      count: MAX_VIEWPORT_ROWS,
      follow: false,
    });
    assert.equal(checkParse({ type: 'viewport', start: 2 ** 53, count: 1, follow: false }), undefined);
    assert.equal(checkParse({ type: 'getDetail', id: 1, position: -1 }), undefined);
    assert.equal(checkParse({ type: 'getDetail', id: 1.5, position: 0 }), undefined);
    assert.equal(checkParse({ type: 'setFilter', query: { text: 'x'.repeat(MAX_FILTER_TEXT + 1) } }), undefined);
    assert.equal(checkParse({ type: 'setFilter', query: { mode: 'glob' } }), undefined);
    assert.equal(checkParse(JSON.parse('{"__proto__":{"type":"clear"}}')), undefined);
    // Inherited fields cannot come through postMessage; a valid shape is all that is asked.
    checkParse(Object.create({ type: 'getDetail', id: 1, position: 2 }));
    assert.equal(checkParse(new String('clear')), undefined);
    assert.equal(checkParse([{ type: 'clear' }]), undefined);
    assert.equal(checkParse({ type: 'ping', id: 1, payload: 'é'.repeat(63) }), undefined, '126 bytes of ping payload');
    assert.equal(
      checkParse({ type: 'closeWith', id: 1, code: 1000, reason: 'x'.repeat(124) }),
      undefined,
      'a reason over 123 bytes',
    );
    assertProcessClean();
  });
});

// ───────────── InspectorSession.handle ─────────────

/** A session with no server behind it (a closed port), ready and listening, and what it posts. */
async function readySession(): Promise<{
  session: InspectorSession;
  posted: ToWebview[];
  responses: Map<number, number>;
}> {
  const posted: ToWebview[] = [];
  const responses = new Map<number, number>();
  const session = new InspectorSession(
    { url: `ws://127.0.0.1:${await closedPort()}/`, handshakeTimeout: 1000 },
    (m) => {
      posted.push(m);
      if (m.type === 'response') responses.set(m.id, (responses.get(m.id) ?? 0) + 1);
    },
  );
  session.handle({ type: 'ready', protocolVersion: PROTOCOL_VERSION });
  return { session, posted, responses };
}

/** Handles `m`; throws if it throws, and fails if one call blocks the host for long. */
function handleQuickly(session: InspectorSession, m: FromWebview): void {
  const t0 = performance.now();
  session.handle(m);
  const ms = performance.now() - t0;
  assert.ok(ms < 500, `handle(${JSON.stringify(m).slice(0, 80)}) took ${ms.toFixed(0)} ms`);
}

/** Every id answered, then (after a grace period for duplicates) exactly once. */
async function assertAnsweredOnce(responses: Map<number, number>, ids: number[], withinMs: number): Promise<void> {
  await waitFor(
    () => ids.every((i) => responses.has(i)),
    withinMs,
    `answers to ids ${ids.filter((i) => !responses.has(i)).join(', ')}`,
  );
  await new Promise((r) => setTimeout(r, 100));
  for (const i of ids) assert.equal(responses.get(i), 1, `request ${i} answered ${responses.get(i)} times`);
  const unasked = [...responses.keys()].filter((k) => !ids.includes(k));
  assert.deepEqual(unasked, [], 'no answer to a request that was never made');
}

/** Requests the session answers (sendFile too: with no host around it, no file is ever chosen). */
const REQUEST_TYPES = new Set(['sendText', 'sendBinary', 'getDetail', 'ping', 'closeWith', 'sendFile']);

describe('hostile webview messages: InspectorSession.handle', () => {
  const cleanups: Array<() => void> = [];
  before(() => {
    guard.watch();
  });
  after(() => {
    for (const c of cleanups.reverse()) c();
    guard.stop();
  });

  test(
    'odd viewports, positions out of range and cleared rows: no throw, each request answered once',
    { timeout: 30_000 },
    async () => {
      const { session, posted, responses } = await readySession();
      cleanups.push(() => session.dispose());
      for (let i = 0; i < 100; i++) session.note('info', `row ${i}`);
      const ids: number[] = [];
      let next = 1;
      const ask = (
        m:
          | { type: 'getDetail'; position: number }
          | { type: 'sendText'; text: string }
          | { type: 'sendBinary'; encoding: 'hex' | 'base64'; data: string }
          | { type: 'ping'; payload: string }
          | { type: 'closeWith'; code: number; reason: string },
      ) => {
        const withId = { ...m, id: next } as FromWebview;
        ids.push(next++);
        handleQuickly(session, withId);
      };

      handleQuickly(session, {
        type: 'viewport',
        start: Number.MAX_SAFE_INTEGER,
        count: MAX_VIEWPORT_ROWS,
        follow: false,
      });
      handleQuickly(session, { type: 'viewport', start: 0, count: 0, follow: true });
      handleQuickly(session, { type: 'viewport', start: Number.MAX_SAFE_INTEGER, count: 0, follow: true });
      ask({ type: 'getDetail', position: Number.MAX_SAFE_INTEGER });
      ask({ type: 'getDetail', position: 2 ** 32 });
      ask({ type: 'getDetail', position: 100 });
      ask({ type: 'getDetail', position: 5 });
      ask({ type: 'sendText', text: 'not connected' });
      ask({ type: 'sendBinary', encoding: 'hex', data: 'zz not hex' });
      ask({ type: 'sendBinary', encoding: 'base64', data: 'AQID' });
      handleQuickly(session, { type: 'clear' });
      for (let p = 0; p < 100; p += 7) ask({ type: 'getDetail', position: p });
      handleQuickly(session, { type: 'clear' });
      handleQuickly(session, { type: 'disconnect' });
      handleQuickly(session, { type: 'sendFile', id: 9999 }); // no host around the session: no file is chosen
      ids.push(9999);
      handleQuickly(session, { type: 'openInEditor', index: Number.MAX_SAFE_INTEGER });
      handleQuickly(session, { type: 'copy', text: 'x' });
      handleQuickly(session, { type: 'replay' });
      // The frames list of a connection that never opened: empty, whatever is asked of it.
      handleQuickly(session, { type: 'setListMode', mode: 'frames' });
      handleQuickly(session, {
        type: 'viewport',
        start: Number.MAX_SAFE_INTEGER,
        count: MAX_VIEWPORT_ROWS,
        follow: false,
      });
      const framesFrom = next;
      ask({ type: 'getDetail', position: Number.MAX_SAFE_INTEGER });
      ask({ type: 'getDetail', position: 0 });
      handleQuickly(session, { type: 'setListMode', mode: 'messages' });
      const pingId = next;
      ask({ type: 'ping', payload: 'x'.repeat(125) });
      const closeIds = [next, next + 1, next + 2];
      for (const code of [1006, Number.MAX_SAFE_INTEGER, 4000]) ask({ type: 'closeWith', code, reason: '' });

      await assertAnsweredOnce(responses, ids, 5000);
      const byId = new Map(posted.flatMap((m) => (m.type === 'response' ? [[m.id, m] as const] : [])));
      assert.equal(byId.get(1)?.ok, false, 'a position past the end is no row');
      assert.equal(byId.get(2)?.ok, false, 'position 2^32 is no row either');
      assert.equal(byId.get(3)?.ok, false, 'position 100 of 100 rows is past the end');
      assert.equal(byId.get(4)?.ok, true, 'position 5 is a row');
      assert.match(byId.get(5)?.error ?? '', /Not connected/);
      assert.equal(byId.get(6)?.ok, false);
      assert.match(byId.get(7)?.error ?? '', /Not connected/);
      // After clear, positions start again at 0 with the "Cleared 100 rows" marker; the rest are gone.
      const marker = byId.get(8);
      assert.equal(marker?.ok, true);
      assert.match((marker?.result as { text?: string } | undefined)?.text ?? '', /^Cleared 100 rows$/);
      for (const [i, m] of byId)
        if (i > 8 && i < framesFrom) assert.match(m.error ?? '', /no longer stored/, `request ${i}`);
      assert.match(byId.get(framesFrom)?.error ?? '', /no longer kept/);
      assert.match(byId.get(framesFrom + 1)?.error ?? '', /no longer kept/);
      assert.match(byId.get(pingId)?.error ?? '', /Not connected/);
      assert.match(byId.get(closeIds[0])?.error ?? '', /1006 cannot be sent/);
      assert.match(byId.get(closeIds[1])?.error ?? '', /cannot be sent/);
      assert.equal(byId.get(closeIds[2])?.ok, true, 'closing a connection that is not open is fine');
      assert.equal(byId.get(9999)?.error, 'No file was chosen; nothing was sent.');
      assertProcessClean();
    },
  );

  test(
    'a catastrophic regex (a+)+$ over a long "aaaa…b" row: the host stays responsive, the filter stops with a sentence, requests are answered once',
    { timeout: 30_000 },
    async () => {
      const { session, posted, responses } = await readySession();
      cleanups.push(() => session.dispose());
      for (let i = 0; i < 20; i++) session.note('info', `row ${i}`);
      session.note('info', `${'a'.repeat(20_000)}b`);
      for (let i = 0; i < 20; i++) session.note('info', `aaaa${i}`);

      // The event loop must keep turning while the regex runs (it runs in a worker with a budget).
      let worstLag = 0;
      let last = performance.now();
      const probe = setInterval(() => {
        const now = performance.now();
        worstLag = Math.max(worstLag, now - last - 10);
        last = now;
      }, 10);
      try {
        const t0 = Date.now();
        handleQuickly(session, { type: 'setFilter', query: { text: '(a+)+$', mode: 'regex' } });
        const ids = [1, 2, 3, 4];
        handleQuickly(session, { type: 'getDetail', id: 1, position: 0 });
        handleQuickly(session, { type: 'viewport', start: Number.MAX_SAFE_INTEGER, count: 500, follow: false });
        handleQuickly(session, { type: 'getDetail', id: 2, position: Number.MAX_SAFE_INTEGER });
        handleQuickly(session, { type: 'sendText', id: 3, text: 'while filtering' });
        handleQuickly(session, { type: 'sendBinary', id: 4, encoding: 'hex', data: '00' });
        await assertAnsweredOnce(responses, ids, 3000);

        const stopped = () =>
          posted.some(
            (m) =>
              (m.type === 'tick' || m.type === 'snapshot') &&
              (m.type === 'tick' ? m.filter : m.snapshot.filter)?.error === REGEX_TIMEOUT_MESSAGE,
          );
        await waitFor(stopped, 10_000, 'the filter to stop with the regex-timeout sentence');
        const tookMs = Date.now() - t0;
        assert.ok(tookMs < 10_000, `the filter stopped after ${tookMs} ms`);
        assert.ok(worstLag < 500, `the host's event loop stalled ${worstLag.toFixed(0)} ms`);

        // Still usable afterwards: another filter, then none, and requests are answered.
        handleQuickly(session, { type: 'setFilter', query: { text: 'row 1', mode: 'substring' } });
        handleQuickly(session, { type: 'getDetail', id: 5, position: 0 });
        handleQuickly(session, { type: 'setFilter', query: null });
        handleQuickly(session, { type: 'getDetail', id: 6, position: 20 });
        await assertAnsweredOnce(responses, [1, 2, 3, 4, 5, 6], 3000);
        const detail = posted.find((m) => m.type === 'response' && m.id === 6);
        assert.equal(detail?.type === 'response' && detail.ok, true);
      } finally {
        clearInterval(probe);
      }
      assertProcessClean();
    },
  );

  test(
    'random sequences of valid messages: no throw, every request answered exactly once',
    { timeout: 120_000 },
    async () => {
      const parsedMessage = validRaw
        .map((raw) => parseFromWebview(raw))
        .filter((m): m is FromWebview => m !== undefined);
      await fc.assert(
        fc.asyncProperty(
          fc.array(parsedMessage, { minLength: 1, maxLength: 40 }),
          fc.nat(200),
          async (messages, rows) => {
            const { session, responses } = await readySession();
            try {
              for (let i = 0; i < rows; i++) session.note('info', i % 3 ? `row ${i}` : `{"type":"a","price":${i}}`);
              const ids: number[] = [];
              let next = 1;
              for (const m of messages) {
                // Unique ids, so "exactly once" is per request.
                const withId = 'id' in m ? ({ ...m, id: next++ } as FromWebview) : m;
                if (REQUEST_TYPES.has(withId.type) && 'id' in withId) ids.push(withId.id);
                handleQuickly(session, withId);
              }
              await assertAnsweredOnce(responses, ids, 5000);
            } finally {
              session.dispose();
            }
          },
        ),
        { numRuns: 40 },
      );
      assertProcessClean();
    },
  );

  test('no uncaught exception and no unhandled rejection in the whole suite', () => {
    assertProcessClean();
  });
});
