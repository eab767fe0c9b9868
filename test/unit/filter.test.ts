import { after, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { createFilter, Filter, FilterError, REGEX_TIMEOUT_MESSAGE, type FilterQuery } from '../../src/core/filter';
import { parseJsonCondition } from '../../src/core/filterJson';
import { FrameStore } from '../../src/core/frameStore';
import { RegexRunner } from '../../src/core/regexWorker';
import type { Direction, RowKind } from '../../src/shared/protocol';

type Row = [Direction, RowKind, string | Buffer];

function storeOf(rows: Row[]): FrameStore {
  const store = new FrameStore();
  rows.forEach(([d, k, p], i) => store.append(1000 + i, d, k, p));
  return store;
}

const runner = new RegexRunner();
after(() => runner.dispose());

async function run(rows: Row[] | FrameStore, query: FilterQuery): Promise<number[]> {
  const store = rows instanceof FrameStore ? rows : storeOf(rows);
  const filter = createFilter(query, { regexRunner: runner });
  await filter.update(store);
  filter.dispose();
  return Array.from(filter.matches.indexes);
}

const mixed: Row[] = [
  ['received', 'text', '{"type":"trade","price":101.5,"sym":"BTC"}'],
  ['received', 'text', '{"type":"quote","price":99,"sym":"ETH"}'],
  ['sent', 'text', 'subscribe Trades'],
  ['received', 'binary', Buffer.from([0x00, 0xff, 0x74, 0x72, 0x61, 0x64, 0x65])],
  ['event', 'open', 'Connected to ws://x'],
  ['received', 'ping', ''],
  ['received', 'text', 'Ünïcödé trade'],
  ['received', 'close', Buffer.from([0x03, 0xe8, 0x62, 0x79, 0x65])],
];

describe('substring', () => {
  it('ignores case by default', async () => {
    assert.deepEqual(await run(mixed, { text: 'trade' }), [0, 2, 3, 6]);
  });
  it('honours the case-sensitive toggle', async () => {
    assert.deepEqual(await run(mixed, { text: 'Trade', caseSensitive: true }), [2]);
    assert.deepEqual(await run(mixed, { text: 'trade', caseSensitive: true }), [0, 3, 6]);
  });
  it('finds non-ASCII text with and without case', async () => {
    assert.deepEqual(await run(mixed, { text: 'ÜNÏ' }), [6]);
    assert.deepEqual(await run(mixed, { text: 'ÜNÏ', caseSensitive: true }), []);
    assert.deepEqual(await run(mixed, { text: 'Ünï', caseSensitive: true }), [6]);
  });
  it('never counts a hit that spans two rows', async () => {
    const rows: Row[] = [
      ['received', 'text', 'abc'],
      ['received', 'text', 'def'],
      ['received', 'text', 'xcdx'],
    ];
    assert.deepEqual(await run(rows, { text: 'cd', caseSensitive: true }), [2]);
    assert.deepEqual(await run(rows, { text: 'CD' }), [2]);
  });
  it('finds text in payloads larger than a chunk and in rows around them', async () => {
    const big = 'x'.repeat(5 * 1024 * 1024) + 'needle';
    const rows: Row[] = [
      ['received', 'text', 'needle 0'],
      ['received', 'text', big],
      ['received', 'text', 'no'],
      ['received', 'text', 'needle 3'],
    ];
    assert.deepEqual(await run(rows, { text: 'needle' }), [0, 1, 3]);
  });
  it('keeps everything for an empty query', async () => {
    assert.deepEqual(await run(mixed, {}), [0, 1, 2, 3, 4, 5, 6, 7]);
    assert.deepEqual(await run(mixed, { text: '' }), [0, 1, 2, 3, 4, 5, 6, 7]);
  });
});

describe('regular expression', () => {
  it('matches decoded text in a worker', async () => {
    assert.deepEqual(await run(mixed, { mode: 'regex', text: '"price":\\d{3}' }), [0]);
    assert.deepEqual(await run(mixed, { mode: 'regex', text: '^ü.*TRADE$' }), [6]);
    assert.deepEqual(await run(mixed, { mode: 'regex', text: '^ü.*TRADE$', caseSensitive: true }), []);
  });
  it('explains an invalid regular expression', () => {
    assert.throws(
      () => createFilter({ mode: 'regex', text: '(a' }),
      (err: Error) =>
        err instanceof FilterError && /^The regular expression is not valid: unterminated group\./.test(err.message),
    );
  });
  it('stops a runaway regular expression within its budget and says so', async () => {
    const store = storeOf([
      ['received', 'text', 'fine'],
      ['received', 'text', 'a'.repeat(40) + 'b'],
    ]);
    const own = new RegexRunner();
    const filter = createFilter({ mode: 'regex', text: '(a+)+$' }, { regexRunner: own, regexBudgetMs: 300 });
    const started = Date.now();
    await assert.rejects(
      filter.update(store),
      (err: Error) => err instanceof FilterError && err.message === REGEX_TIMEOUT_MESSAGE,
    );
    const elapsed = Date.now() - started;
    assert.ok(elapsed < 300 + 1500, `stopped after ${elapsed} ms`);
    assert.equal(filter.error, REGEX_TIMEOUT_MESSAGE);
    await assert.rejects(filter.update(store), /took too long/);
    // The runner recovers with a fresh worker for the next filter.
    const next = createFilter({ mode: 'regex', text: 'fi' }, { regexRunner: own });
    assert.equal(await next.update(store), 1);
    own.dispose();
  });
  it('keeps the host responsive while the worker is stuck', async () => {
    const store = storeOf([['received', 'text', 'a'.repeat(40) + 'b']]);
    const filter = createFilter({ mode: 'regex', text: '(a+)+$' }, { regexBudgetMs: 400 });
    let ticks = 0;
    const interval = setInterval(() => ticks++, 10);
    await assert.rejects(filter.update(store));
    clearInterval(interval);
    filter.dispose();
    assert.ok(ticks >= 10, `only ${ticks} timer ticks ran`);
  });
});

describe('direction and kind', () => {
  it('keeps the chosen directions', async () => {
    assert.deepEqual(await run(mixed, { directions: ['sent'] }), [2]);
    assert.deepEqual(await run(mixed, { directions: ['event', 'sent'] }), [2, 4]);
  });
  it('keeps the chosen kinds', async () => {
    assert.deepEqual(await run(mixed, { kinds: ['binary', 'close'] }), [3, 7]);
    assert.deepEqual(await run(mixed, { kinds: ['ping', 'open'] }), [4, 5]);
  });
  it('rejects an unknown direction with a sentence', () => {
    assert.throws(
      () => createFilter({ directions: ['up' as Direction] }),
      /Unknown direction "up"; use one of sent, received, event\./,
    );
  });
});

describe('JSON field', () => {
  const rows: Row[] = [
    ['received', 'text', '{"type":"trade","price":101.5,"a":{"b":[{"c":1}]},"tags":["x","y"]}'],
    ['received', 'text', '{"type":"trade","price":100,"a":{"b":[{"c":null}]}}'],
    ['received', 'text', ' { "type" : "quote" , "price" : 1e3 , "a" : { "b" : [ ] } } '],
    ['received', 'text', '{"type":"trade","price":200'],
    ['received', 'text', '{"type":"trade","price":200}}'],
    ['received', 'text', 'not json at all'],
    ['received', 'text', '{"ty\\u0070e":"tr\\u0061de","price":-0.5e1}'],
    ['received', 'binary', Buffer.from('{"type":"trade","price":300}')],
    ['received', 'text', '[{"type":"trade"}]'],
    ['received', 'text', '{"type":"trade","price":"150","note":"bad \u0001 control"}'],
  ];
  const cases: Array<[string, number[]]> = [
    ['type == "trade"', [0, 1, 6, 7]],
    ["type == 'trade'", [0, 1, 6, 7]],
    ['type != "trade"', [2]],
    ['price > 100', [0, 2, 7]],
    ['price >= 100', [0, 1, 2, 7]],
    ['price < 100', [6]],
    ['price <= 100', [1, 6]],
    ['price == 1000', [2]],
    ['price == -5', [6]],
    ['a.b[0].c != null', [0]],
    ['a.b[0].c == null', [1]],
    ['a.b[0].c == 1', [0]],
    ['$.a.b[0].c == 1', [0]],
    ['tags contains "y"', [0]],
    ['type contains "rad"', [0, 1, 6, 7]],
    ['a contains "b"', [0, 1, 2]],
    ['[0].type == "trade"', [8]],
    ['a.b', [0, 1, 2]],
    ['["type"] == "quote"', [2]],
  ];
  for (const [expression, expected] of cases) {
    it(expression, async () => {
      assert.deepEqual(await run(rows, { json: expression }), expected);
    });
  }
  it('compares with what JSON.parse would say, on random documents', async () => {
    const docs: string[] = [];
    for (let i = 0; i < 300; i++) {
      const price = Math.round(Math.random() * 2000) / 10 - 50;
      const doc = JSON.stringify({
        type: ['trade', 'quote', 't\u00e9'][i % 3],
        price,
        n: { v: i % 7 === 0 ? null : [i, 'x'] },
      });
      docs.push(i % 11 === 0 ? doc.slice(0, -1) : doc);
    }
    const store = storeOf(docs.map((d) => ['received', 'text', d] as Row));
    const parsed = docs.map((d) => {
      try {
        return JSON.parse(d) as { type: string; price: number; n: { v: unknown[] | null } };
      } catch {
        return undefined;
      }
    });
    const expect = (f: (o: NonNullable<(typeof parsed)[0]>) => boolean) =>
      parsed.flatMap((o, i) => (o !== undefined && f(o) ? [i] : []));
    assert.deepEqual(
      await run(store, { json: 'price > 12.3' }),
      expect((o) => o.price > 12.3),
    );
    assert.deepEqual(
      await run(store, { json: 'type == "t\u00e9"' }),
      expect((o) => o.type === 't\u00e9'),
    );
    assert.deepEqual(
      await run(store, { json: 'n.v[1] == "x"' }),
      expect((o) => o.n.v?.[1] === 'x'),
    );
    assert.deepEqual(
      await run(store, { json: 'n.v != null' }),
      expect((o) => o.n.v !== null),
    );
  });
  it('explains malformed conditions', () => {
    assert.throws(() => parseJsonCondition('type = "trade"'), /uses =; compare with ==/);
    assert.throws(() => parseJsonCondition('type == trade'), /put text in quotes: "trade"/);
    assert.throws(() => parseJsonCondition('type == "trade'), /without its closing quote/);
    assert.throws(() => parseJsonCondition('price > 1 2'), /extra text/);
    assert.throws(
      () => createFilter({ json: 'a ~ 1' }),
      (err: Error) => err instanceof FilterError && /operator/.test(err.message),
    );
  });
});

describe('combinations and updates', () => {
  it('combines every condition with AND', async () => {
    const rows: Row[] = [
      ['received', 'text', '{"type":"trade","price":150,"venue":"alpha"}'],
      ['sent', 'text', '{"type":"trade","price":150,"venue":"alpha"}'],
      ['received', 'text', '{"type":"trade","price":50,"venue":"alpha"}'],
      ['received', 'text', '{"type":"trade","price":150,"venue":"beta"}'],
      ['received', 'binary', Buffer.from('{"type":"trade","price":150,"venue":"alpha"}')],
    ];
    assert.deepEqual(
      await run(rows, { directions: ['received'], kinds: ['text'], json: 'price > 100', text: 'ALPHA' }),
      [0],
    );
    assert.deepEqual(
      await run(rows, { directions: ['received'], json: 'price > 100', mode: 'regex', text: 'venue":"(alpha|beta)' }),
      [0, 3, 4],
    );
  });
  it('examines only rows appended since the last update', async () => {
    const store = new FrameStore();
    const filter = new Filter({ text: 'hit', directions: ['received'] });
    for (let i = 0; i < 10; i++) store.append(i, 'received', 'text', i % 3 === 0 ? `hit ${i}` : `miss ${i}`);
    assert.equal(await filter.update(store), 4);
    assert.equal(filter.examined, 10);
    for (let i = 10; i < 100_000; i++)
      store.append(i, i % 2 ? 'sent' : 'received', 'text', i % 3 === 0 ? `hit ${i}` : `miss ${i}`);
    const count = await filter.update(store);
    const expected: number[] = [];
    for (let i = 0; i < 100_000; i++) if (i % 3 === 0 && (i < 10 || i % 2 === 0)) expected.push(i);
    assert.equal(count, expected.length);
    assert.deepEqual(Array.from(filter.matches.indexes), expected);
    assert.equal(await filter.update(store), expected.length, 'no new rows, nothing added');
    filter.dispose();
  });
  it('keeps regex results in row order across many batches', async () => {
    const store = new FrameStore();
    const filter = createFilter({ mode: 'regex', text: '7$' }, { regexRunner: runner });
    for (let i = 0; i < 70_000; i++) store.append(i, 'received', 'text', `row ${i}`);
    const first = filter.update(store);
    for (let i = 70_000; i < 140_000; i++) store.append(i, 'received', 'text', `row ${i}`);
    const second = filter.update(store);
    assert.equal(await first, 7000);
    assert.equal(await second, 14_000);
    const got = filter.matches.indexes;
    for (let i = 0; i < got.length; i++) assert.equal(got[i], i * 10 + 7);
  });
  it('refuses a second store', async () => {
    const filter = new Filter({});
    await filter.update(storeOf(mixed));
    await assert.rejects(filter.update(storeOf(mixed)), /belongs to one message store/);
  });
});

describe('a cleared store', () => {
  it('starts over with the rows the store holds after clear()', async () => {
    const store = new FrameStore();
    if (typeof (store as { clear?: () => void }).clear !== 'function') return;
    const filter = new Filter({ text: 'hit' });
    for (let i = 0; i < 10; i++) store.append(i, 'received', 'text', i % 2 ? 'hit' : 'miss');
    assert.equal(await filter.update(store), 5);
    (store as unknown as { clear(): void }).clear();
    for (let i = 0; i < 20; i++) store.append(i, 'received', 'text', i < 3 ? 'hit' : 'miss');
    assert.equal(await filter.update(store), 3);
    assert.deepEqual(Array.from(filter.matches.indexes), [0, 1, 2]);
    (store as unknown as { clear(): void }).clear();
    assert.equal(await filter.update(store), 0);
    store.append(1, 'received', 'text', 'hit');
    assert.equal(await filter.update(store), 1);
  });
  it('drops regex results of rows that were cleared while the worker ran', async () => {
    const store = new FrameStore();
    if (typeof (store as { clear?: () => void }).clear !== 'function') return;
    // The worker's answers wait at a gate, so the clear lands while they are in flight, however loaded the machine.
    let release: () => void = () => undefined;
    const gate = new Promise<void>((resolve) => (release = resolve));
    let sent: () => void = () => undefined;
    const batchSent = new Promise<void>((resolve) => (sent = resolve));
    const gated = {
      test: (...args: Parameters<RegexRunner['test']>) => {
        sent();
        return runner.test(...args).then(async (rows) => (await gate, rows));
      },
    } as unknown as RegexRunner;
    const filter = createFilter({ mode: 'regex', text: '^hit' }, { regexRunner: gated });
    for (let i = 0; i < 100_000; i++) store.append(i, 'received', 'text', 'hit');
    const pending = filter.update(store);
    await batchSent;
    assert.ok(filter.examined < 100_000);
    (store as unknown as { clear(): void }).clear();
    store.append(1, 'received', 'text', 'miss');
    store.append(2, 'received', 'text', 'hit');
    release();
    await pending;
    assert.equal(await filter.update(store), 1);
    assert.deepEqual(Array.from(filter.matches.indexes), [1]);
  });
});

describe('decoded views (the decoder seam)', () => {
  it("tries a JSON condition on a decoder's view when the bytes are not JSON, asking only for rows the bytes failed", async () => {
    // Binary rows in a toy codec: "E|event|arg"; the decoder makes { event, args }.
    const store = storeOf([
      ['received', 'binary', Buffer.from('E|chat|hi')],
      ['received', 'text', '{"event":"chat"}'],
      ['received', 'binary', Buffer.from('E|join|bob')],
      ['received', 'binary', Buffer.from([0xff, 0x00])],
    ]);
    const asked: number[] = [];
    const decoded = (index: number) => {
      asked.push(index);
      const row = store.get(index);
      const text = row?.payload.toString('latin1') ?? '';
      if (!text.startsWith('E|')) return undefined;
      const [, event, arg] = text.split('|');
      return { event, args: [arg] };
    };
    const filter = createFilter({ json: 'event == "chat"' }, { regexRunner: runner, decoded });
    await filter.update(store);
    assert.deepEqual(Array.from(filter.matches.indexes), [0, 1]);
    assert.deepEqual(asked, [0, 2, 3], 'the JSON text row matched by its bytes, without the decoder');
    const any = createFilter({ json: 'args[*] == "bob"', text: 'join' }, { regexRunner: runner, decoded });
    await any.update(store);
    assert.deepEqual(Array.from(any.matches.indexes), [2], 'with a substring too, and [*] inside the view');
    filter.dispose();
    any.dispose();
  });
});
