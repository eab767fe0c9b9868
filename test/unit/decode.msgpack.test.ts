import { test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { encode, encodeTimeSpecToTimestamp, ExtData, ExtensionCodec } from '@msgpack/msgpack';
import {
  DECODE_FULLY,
  decodeMsgpack,
  MSGPACK_MAX_DEPTH,
  msgpackDecoder,
  msgpackQuickField,
  type StoredMessage,
} from '../../src/core/decode';

const bin = (payload: Buffer | Uint8Array, kind: 'text' | 'binary' = 'binary'): StoredMessage => ({
  index: 0,
  direction: 'received',
  kind,
  payload: Buffer.from(payload),
});
const hex = (h: string) => Buffer.from(h.replace(/\s+/g, ''), 'hex');
/** A map with any keys, as the spec allows (the encoder writes only objects' string keys). */
const mapOf = (pairs: Array<[unknown, unknown]>) =>
  Buffer.concat([Buffer.from([0x80 | pairs.length]), ...pairs.flatMap(([k, v]) => [encode(k), encode(v)])]);
const value = (b: Buffer | Uint8Array) => {
  const v = decodeMsgpack(Buffer.from(b));
  assert.equal(v?.problem, undefined, `no problem for ${Buffer.from(b).toString('hex')}`);
  return v?.value;
};

test('MessagePack: values from the reference encoder read as JSON (maps, arrays, nil, booleans, floats, strings)', () => {
  const doc = {
    price: 101.5,
    qty: 3,
    neg: -33,
    small: -5,
    big16: 65535,
    big32: 4294967295,
    name: 'ticker ✓',
    long: 'x'.repeat(300),
    empty: '',
    list: [1, [2, [3]], {}],
    nil: null,
    yes: true,
    no: false,
  };
  assert.deepEqual(value(encode(doc)), doc);
  const view = msgpackDecoder.decode(bin(encode(doc)));
  assert.equal(view?.label, 'MessagePack');
  assert.equal(view?.decoder, 'msgpack');
  assert.ok(view.summary.startsWith('{"price":101.5,"qty":3'));
  assert.ok(view.summary.length <= 201 && view.summary.endsWith('…'), 'the summary line is bounded');
  assert.equal(value(encode(1.5, { forceFloat32: true })), 1.5);
  assert.equal(value(hex('ca7fc00000')), 'NaN');
  assert.equal(value(hex('cb7ff0000000000000')), 'Infinity');
  assert.equal(value(hex('cbfff0000000000000')), '-Infinity');
});

test('MessagePack: the spec examples byte by byte (every format family)', () => {
  const table: Array<[string, unknown]> = [
    ['00', 0],
    ['7f', 127],
    ['ff', -1],
    ['e0', -32],
    ['c0', null],
    ['c2', false],
    ['c3', true],
    ['cc ff', 255],
    ['cd ffff', 65535],
    ['ce ffffffff', 4294967295],
    ['cf 001fffffffffffff', 9007199254740991],
    ['cf 0020000000000000', '9007199254740992'],
    ['cf ffffffffffffffff', '18446744073709551615'],
    ['d0 80', -128],
    ['d1 8000', -32768],
    ['d2 80000000', -2147483648],
    ['d3 8000000000000000', '-9223372036854775808'],
    ['d3 ffe0000000000001', -9007199254740991],
    ['a3 616263', 'abc'],
    ['d9 03 616263', 'abc'],
    ['da 0003 616263', 'abc'],
    ['db 00000003 616263', 'abc'],
    ['c4 03 010203', 'AQID'],
    ['c5 0003 010203', 'AQID'],
    ['c6 00000003 010203', 'AQID'],
    ['93 01 02 03', [1, 2, 3]],
    ['dc 0002 01 02', [1, 2]],
    ['dd 00000001 c0', [null]],
    ['82 a1 61 01 a1 62 92 02 03', { a: 1, b: [2, 3] }],
    ['de 0001 a1 61 01', { a: 1 }],
    ['df 00000001 a1 61 01', { a: 1 }],
    ['d4 05 ff', { $ext: 5, data: '/w==' }],
    ['d5 05 0102', { $ext: 5, data: 'AQI=' }],
    ['d6 05 01020304', { $ext: 5, data: 'AQIDBA==' }],
    ['d7 7f 0102030405060708', { $ext: 127, data: 'AQIDBAUGBwg=' }],
    ['d8 80 00000000000000000000000000000000', { $ext: -128, data: 'AAAAAAAAAAAAAAAAAAAAAA==' }],
    ['c7 03 05 010203', { $ext: 5, data: 'AQID' }],
    ['c8 0001 05 01', { $ext: 5, data: 'AQ==' }],
    ['c9 00000000 05', { $ext: 5, data: '' }],
  ];
  for (const [h, expected] of table) assert.deepEqual(value(hex(h)), expected, h);
});

test('MessagePack: 64-bit integers stay exact, past 2^53 as decimal strings (the encoder with BigInt)', () => {
  const doc = { a: 2n ** 63n - 1n, b: -(2n ** 63n), c: 2n ** 64n - 1n, d: 2n ** 53n + 1n, e: 42n };
  assert.deepEqual(value(encode(doc, { useBigInt64: true })), {
    a: '9223372036854775807',
    b: '-9223372036854775808',
    c: '18446744073709551615',
    d: '9007199254740993',
    e: 42,
  });
});

test('MessagePack: bin as base64; maps with keys that are not strings use the keys’ JSON text; later equal keys win', () => {
  assert.deepEqual(value(encode({ raw: new Uint8Array([0, 1, 254, 255]) })), { raw: 'AAH+/w==' });
  const keyed = mapOf([
    [1, 'one'],
    [true, 'yes'],
    [null, 'nil'],
    [[1, 2], 'pair'],
    ['1', 'the string one wins as the later key'],
  ]);
  assert.deepEqual(value(keyed), {
    1: 'the string one wins as the later key',
    true: 'yes',
    null: 'nil',
    '[1,2]': 'pair',
  });
  const proto = value(hex('81 a9 5f5f70726f746f5f5f 01')) as Record<string, unknown>;
  assert.equal(Object.getPrototypeOf(proto), Object.prototype, '__proto__ is a plain own property');
  assert.deepEqual(Object.keys(proto), ['__proto__']);
});

test('MessagePack: extension types (the library’s ExtensionCodec) and timestamps of all three sizes as ISO-8601', () => {
  class Point {
    constructor(
      readonly x: number,
      readonly y: number,
    ) {}
  }
  const codec = new ExtensionCodec();
  codec.register({
    type: 5,
    encode: (o) => (o instanceof Point ? new Uint8Array([o.x, o.y]) : null),
    decode: (d) => new Point(d[0], d[1]),
  });
  assert.deepEqual(value(encode({ at: new Point(7, 9) }, { extensionCodec: codec })), {
    at: { $ext: 5, data: Buffer.from([7, 9]).toString('base64') },
  });
  // 32-bit: whole seconds; 64-bit: nanoseconds and 34-bit seconds; 96-bit: 64-bit signed seconds.
  const ts32 = encode(new Date('2024-05-01T12:00:00Z'));
  assert.equal(ts32[0], 0xd6);
  assert.equal(value(ts32), '2024-05-01T12:00:00Z');
  const ts64ms = encode(new Date('2024-05-01T12:00:00.123Z'));
  assert.equal(ts64ms[0], 0xd7);
  assert.equal(value(ts64ms), '2024-05-01T12:00:00.123Z');
  const sec = Date.parse('2024-05-01T12:00:00Z') / 1000;
  const ns = encode(new ExtData(-1, encodeTimeSpecToTimestamp({ sec, nsec: 123456789 })));
  assert.equal(value(ns), '2024-05-01T12:00:00.123456789Z');
  const us = encode(new ExtData(-1, encodeTimeSpecToTimestamp({ sec, nsec: 123456000 })));
  assert.equal(value(us), '2024-05-01T12:00:00.123456Z');
  const ts96 = encode(new Date('1969-07-20T20:17:40.5Z'));
  assert.equal(ts96[0], 0xc7, 'before 1970: the 96-bit form');
  assert.equal(value(ts96), '1969-07-20T20:17:40.500Z');
  const far = encode(new ExtData(-1, encodeTimeSpecToTimestamp({ sec: 2 ** 52, nsec: 1 })));
  assert.deepEqual(value(far), { $ext: -1, seconds: 4503599627370496, nanoseconds: 1 }, 'outside Date: its parts');
  // A timestamp with too many nanoseconds is no timestamp: the plain extension shows.
  assert.deepEqual(value(hex('d6 ff ffffffff')), '2106-02-07T06:28:15Z');
  assert.deepEqual(value(hex('c7 0c ff ffffffff 0000000000000000')), { $ext: -1, data: '/////wAAAAAAAAAA' });
});

test('MessagePack: the whole payload must be one value; each broken payload says what failed at which byte', () => {
  const cases: Array<[string, string]> = [
    ['81 a1 61 01 00', 'MessagePack: a whole value ends at byte 4 but 1 more bytes follow it'],
    ['82 a1 61 01 a1 62', 'MessagePack: the payload ends at byte 6 where a value should start'],
    [
      '81 a5 7072696365 cb 4059',
      'MessagePack: the payload ends at byte 10 inside the float 64 header that starts at byte 7',
    ],
    ['81 a1 61 c1', 'MessagePack: byte 3 is 0xc1, which MessagePack never uses'],
    ['81 a1 61 d9 28 6869', 'MessagePack: the string declared 40 bytes at byte 3 but only 2 remain'],
    ['dc 0005 01', 'MessagePack: the array declared 5 items at byte 0 but only 1 bytes remain'],
    ['', 'MessagePack: the payload is empty'],
  ];
  for (const [h, problem] of cases) assert.equal(msgpackDecoder.decode(bin(hex(h)))?.problem, problem, h || 'empty');
  // What could be read stays in the value.
  const partial = msgpackDecoder.decode(bin(hex('83 a1 61 01 a1 62 92 02 c1')));
  assert.deepEqual(partial?.value, { a: 1, b: [2] });
});

test('MessagePack hostile input: a str32 that declares 2 GB, a map32 of 4 billion pairs, self-nesting: quick, small, said', () => {
  const before = process.memoryUsage().rss;
  const t0 = performance.now();
  const str = msgpackDecoder.decode(bin(hex('81 a1 61 db 80000000 41 42')));
  assert.equal(str?.problem, 'MessagePack: the string declared 2147483648 bytes at byte 3 but only 2 remain');
  const bin32 = msgpackDecoder.decode(bin(hex('c6 ffffffff 00')));
  assert.equal(bin32?.problem, 'MessagePack: the bin declared 4294967295 bytes at byte 0 but only 1 remain');
  const map = msgpackDecoder.decode(bin(hex('df ffffffff a1 61 01')));
  assert.equal(map?.problem, 'MessagePack: the map declared 4294967295 pairs at byte 0 but only 3 bytes remain');
  // 1 MiB of fixarray-of-one: each level holds the next.
  const nested = msgpackDecoder.decode(bin(Buffer.alloc(1024 * 1024, 0x91)));
  assert.equal(
    nested?.problem,
    `MessagePack: the nesting goes deeper than ${MSGPACK_MAX_DEPTH} levels at byte ${MSGPACK_MAX_DEPTH}`,
  );
  let depth = 0;
  for (let v = nested?.value; Array.isArray(v); v = v[0]) depth++;
  assert.equal(depth, MSGPACK_MAX_DEPTH, 'the levels read are kept');
  const maps = msgpackDecoder.decode(bin(Buffer.concat(Array.from({ length: 100_000 }, () => hex('81 a1 61')))));
  assert.match(maps!.problem!, /deeper than 64 levels at byte 192$/);
  assert.equal(msgpackQuickField('a', 'binary', Buffer.alloc(100_000, 0x91), 0, 100_000), DECODE_FULLY);
  assert.ok(performance.now() - t0 < 500, 'each answer is quick');
  assert.ok(process.memoryUsage().rss - before < 64 * 1024 * 1024, 'nothing of the declared sizes was allocated');
});

test("MessagePack sniff: maps and arrays of binary frames under 'auto'; a bare scalar only when chosen", () => {
  for (const h of ['80', '8f', '90', '9f', 'dc', 'dd', 'de', 'df'])
    assert.equal(msgpackDecoder.sniff(bin(hex(h))), true, h);
  for (const h of ['00', '7f', 'a1', 'c0', 'cb', 'd9', 'e0', 'ff'])
    assert.equal(msgpackDecoder.sniff(bin(hex(h))), false, h);
  assert.equal(msgpackDecoder.sniff(bin(encode({ a: 1 }), 'text')), false, 'text frames are not tried');
  assert.equal(msgpackDecoder.decode(bin(encode('just a string')))?.value, 'just a string', 'chosen: any value');
  assert.equal(decodeMsgpack(hex('a1 61 01'), true)?.problem, undefined);
  // Under 'auto' a broken payload is MessagePack's only when it is surely MessagePack.
  assert.equal(decodeMsgpack(hex('90 00'), true), undefined, 'an array with a byte after it: not surely');
  assert.match(decodeMsgpack(hex('82 a5 7072696365 01 a3 717479'), true)!.problem!, /ends at byte 12/);
  assert.equal(decodeMsgpack(hex('82 a5 7072696365 c1'), true), undefined, 'the first pair is not whole');
  assert.equal(decodeMsgpack(hex('82 a1 61 01 a3 717479'), true), undefined, 'a one-letter key is no name');
});

test('MessagePack quick field: a top-level field straight from the bytes, the same as the full decode, or DECODE_FULLY', () => {
  const doc = { symbol: 'ACME', price: 101.25, qty: 7, big: 2n ** 60n, nested: { a: [1, 2] }, flag: true, none: null };
  const b = Buffer.from(encode(doc, { useBigInt64: true }));
  const q = (field: string, bytes: Buffer = b) => msgpackQuickField(field, 'binary', bytes, 0, bytes.length);
  assert.equal(q('price'), 101.25);
  assert.equal(q('symbol'), 'ACME');
  assert.equal(q('qty'), 7);
  assert.equal(q('big'), '1152921504606846976');
  assert.deepEqual(q('nested'), { a: [1, 2] });
  assert.equal(q('flag'), true);
  assert.equal(q('none'), null);
  assert.equal(q('missing'), undefined, 'a field the map does not have');
  // Inside a larger chunk, as the store keeps payloads.
  const chunk = Buffer.concat([Buffer.from('junk'), b, Buffer.from('more')]);
  assert.equal(msgpackQuickField('price', 'binary', chunk, 4, 4 + b.length), 101.25);
  assert.equal(msgpackQuickField('price', 'text', b, 0, b.length), DECODE_FULLY, 'text frames');
  assert.equal(q('price', Buffer.from(encode([1, 2]))), DECODE_FULLY, 'not a map');
  assert.equal(q('price', mapOf([[1, 2]])), DECODE_FULLY, 'a key that is not a string');
  assert.equal(q('price', Buffer.concat([b, hex('00')])), DECODE_FULLY, 'bytes after the value');
  assert.equal(q('price', b.subarray(0, b.length - 1)), DECODE_FULLY, 'truncated');
  assert.equal(q('a', hex('82 a1 61 01 a1 61 02')), 2, 'the later of equal keys, as the decoded object');
});

test('MessagePack quick field agrees with the full decode (property test over encoded maps and random bytes)', () => {
  const json = fc.letrec((tie) => ({
    value: fc.oneof(
      { depthSize: 'small' },
      fc.integer(),
      fc.double(),
      fc.string(),
      fc.boolean(),
      fc.constant(null),
      fc.bigInt({ min: -(2n ** 63n), max: 2n ** 64n - 1n }),
      fc.uint8Array({ maxLength: 8 }),
      fc.array(tie('value'), { maxLength: 4 }),
      fc.dictionary(fc.string({ maxLength: 4 }), tie('value'), { maxKeys: 4 }),
    ),
  }));
  const fields = ['a', 'price', '', 'b'];
  fc.assert(
    fc.property(fc.dictionary(fc.constantFrom(...fields), json.value, { maxKeys: 4 }), (doc) => {
      const b = Buffer.from(encode(doc, { useBigInt64: true }));
      const full = decodeMsgpack(b, true)!.value as Record<string, unknown>;
      for (const f of fields) {
        const quick = msgpackQuickField(f, 'binary', b, 0, b.length);
        assert.notEqual(quick, DECODE_FULLY);
        assert.deepEqual(quick, Object.hasOwn(full, f) ? full[f] : undefined);
      }
    }),
    { numRuns: 300 },
  );
  fc.assert(
    fc.property(fc.integer({ min: 0x80, max: 0x8f }), fc.uint8Array({ maxLength: 24 }), (first, rest) => {
      const b = Buffer.from([first, ...rest]);
      const view = decodeMsgpack(b);
      for (const f of ['a', '']) {
        const quick = msgpackQuickField(f, 'binary', b, 0, b.length);
        if (quick === DECODE_FULLY) continue;
        assert.equal(view?.problem, undefined, 'an answer only for a payload that decodes whole');
        assert.equal(decodeMsgpack(b, true)?.decoder, 'msgpack', "one that is MessagePack under 'auto' too");
        const full = view!.value as Record<string, unknown>;
        assert.deepEqual(quick, Object.hasOwn(full, f) ? full[f] : undefined);
      }
    }),
    { numRuns: 3000 },
  );
});
