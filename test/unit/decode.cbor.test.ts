import { test } from 'node:test';
import assert from 'node:assert/strict';
import { decode as cborxDecode, encode as cborxEncode, Tag } from 'cbor-x';
import { encode as msgpackEncode } from '@msgpack/msgpack';
import {
  BUILTIN_DECODERS,
  CBOR_MAX_DEPTH,
  cborDecoder,
  codecDecoders,
  decodeCbor,
  DecoderPipeline,
  type StoredMessage,
} from '../../src/core/decode';

const bin = (payload: Buffer | Uint8Array): StoredMessage => ({
  index: 0,
  direction: 'received',
  kind: 'binary',
  payload: Buffer.from(payload),
});
const hex = (h: string) => Buffer.from(h.replace(/\s+/g, ''), 'hex');
const value = (b: Buffer | Uint8Array) => {
  const v = decodeCbor(Buffer.from(b));
  assert.equal(v?.problem, undefined, `no problem for ${Buffer.from(b).toString('hex')}`);
  return v?.value;
};
const range = (from: number, to: number) => Array.from({ length: to - from + 1 }, (_, i) => from + i);

/**
 * RFC 8949 Appendix A, every row: the diagnostic notation, the encoded hex, and the JSON-compatible
 * value this decoder shows for it (bignums and integers past 2^53 as decimal strings, bytes as
 * base64, NaN and the infinities as strings, tags as { $tag, value }, undefined and simple values
 * as { $undefined } and { $simple }, map keys that are not text as their JSON text).
 */
const APPENDIX_A: Array<[string, string, unknown]> = [
  ['0', '00', 0],
  ['1', '01', 1],
  ['10', '0a', 10],
  ['23', '17', 23],
  ['24', '1818', 24],
  ['25', '1819', 25],
  ['100', '1864', 100],
  ['1000', '1903e8', 1000],
  ['1000000', '1a000f4240', 1000000],
  ['1000000000000', '1b000000e8d4a51000', 1000000000000],
  ['18446744073709551615', '1bffffffffffffffff', '18446744073709551615'],
  ['18446744073709551616', 'c249010000000000000000', '18446744073709551616'],
  ['-18446744073709551616', '3bffffffffffffffff', '-18446744073709551616'],
  ['-18446744073709551617', 'c349010000000000000000', '-18446744073709551617'],
  ['-1', '20', -1],
  ['-10', '29', -10],
  ['-100', '3863', -100],
  ['-1000', '3903e7', -1000],
  ['0.0', 'f90000', 0],
  ['-0.0', 'f98000', -0],
  ['1.0', 'f93c00', 1],
  ['1.1', 'fb3ff199999999999a', 1.1],
  ['1.5', 'f93e00', 1.5],
  ['65504.0', 'f97bff', 65504],
  ['100000.0', 'fa47c35000', 100000],
  ['3.4028234663852886e+38', 'fa7f7fffff', 3.4028234663852886e38],
  ['1.0e+300', 'fb7e37e43c8800759c', 1e300],
  ['5.960464477539063e-8', 'f90001', 5.960464477539063e-8],
  ['0.00006103515625', 'f90400', 0.00006103515625],
  ['-4.0', 'f9c400', -4],
  ['-4.1', 'fbc010666666666666', -4.1],
  ['Infinity', 'f97c00', 'Infinity'],
  ['NaN', 'f97e00', 'NaN'],
  ['-Infinity', 'f9fc00', '-Infinity'],
  ['Infinity', 'fa7f800000', 'Infinity'],
  ['NaN', 'fa7fc00000', 'NaN'],
  ['-Infinity', 'faff800000', '-Infinity'],
  ['Infinity', 'fb7ff0000000000000', 'Infinity'],
  ['NaN', 'fb7ff8000000000000', 'NaN'],
  ['-Infinity', 'fbfff0000000000000', '-Infinity'],
  ['false', 'f4', false],
  ['true', 'f5', true],
  ['null', 'f6', null],
  ['undefined', 'f7', { $undefined: true }],
  ['simple(16)', 'f0', { $simple: 16 }],
  ['simple(255)', 'f8ff', { $simple: 255 }],
  [
    '0("2013-03-21T20:04:00Z")',
    'c074323031332d30332d32315432303a30343a30305a',
    { $tag: 0, value: '2013-03-21T20:04:00Z' },
  ],
  ['1(1363896240)', 'c11a514b67b0', { $tag: 1, value: 1363896240, date: '2013-03-21T20:04:00Z' }],
  ['1(1363896240.5)', 'c1fb41d452d9ec200000', { $tag: 1, value: 1363896240.5, date: '2013-03-21T20:04:00.500Z' }],
  ["23(h'01020304')", 'd74401020304', { $tag: 23, value: 'AQIDBA==' }],
  ["24(h'6449455446')", 'd818456449455446', { $tag: 24, value: 'ZElFVEY=' }],
  [
    '32("http://www.example.com")',
    'd82076687474703a2f2f7777772e6578616d706c652e636f6d',
    { $tag: 32, value: 'http://www.example.com' },
  ],
  ["h''", '40', ''],
  ["h'01020304'", '4401020304', 'AQIDBA=='],
  ['""', '60', ''],
  ['"a"', '6161', 'a'],
  ['"IETF"', '6449455446', 'IETF'],
  ['"\\"\\\\"', '62225c', '"\\'],
  ['"\\u00fc"', '62c3bc', '\u00fc'],
  ['"\\u6c34"', '63e6b0b4', '\u6c34'],
  ['"\\ud800\\udd51"', '64f0908591', '\ud800\udd51'],
  ['[]', '80', []],
  ['[1, 2, 3]', '83010203', [1, 2, 3]],
  ['[1, [2, 3], [4, 5]]', '8301820203820405', [1, [2, 3], [4, 5]]],
  ['[1, 2, ..., 25]', '98190102030405060708090a0b0c0d0e0f101112131415161718181819', range(1, 25)],
  ['{}', 'a0', {}],
  ['{1: 2, 3: 4}', 'a201020304', { 1: 2, 3: 4 }],
  ['{"a": 1, "b": [2, 3]}', 'a26161016162820203', { a: 1, b: [2, 3] }],
  ['["a", {"b": "c"}]', '826161a161626163', ['a', { b: 'c' }]],
  [
    '{"a": "A", "b": "B", "c": "C", "d": "D", "e": "E"}',
    'a56161614161626142616361436164614461656145',
    { a: 'A', b: 'B', c: 'C', d: 'D', e: 'E' },
  ],
  ["(_ h'0102', h'030405')", '5f42010243030405ff', 'AQIDBAU='],
  ['(_ "strea", "ming")', '7f657374726561646d696e67ff', 'streaming'],
  ['[_ ]', '9fff', []],
  ['[_ 1, [2, 3], [_ 4, 5]]', '9f018202039f0405ffff', [1, [2, 3], [4, 5]]],
  ['[_ 1, [2, 3], [4, 5]]', '9f01820203820405ff', [1, [2, 3], [4, 5]]],
  ['[1, [2, 3], [_ 4, 5]]', '83018202039f0405ff', [1, [2, 3], [4, 5]]],
  ['[1, [_ 2, 3], [4, 5]]', '83019f0203ff820405', [1, [2, 3], [4, 5]]],
  ['[_ 1, 2, ..., 25]', '9f0102030405060708090a0b0c0d0e0f101112131415161718181819ff', range(1, 25)],
  ['{_ "a": 1, "b": [_ 2, 3]}', 'bf61610161629f0203ffff', { a: 1, b: [2, 3] }],
  ['["a", {_ "b": "c"}]', '826161bf61626163ff', ['a', { b: 'c' }]],
  ['{_ "Fun": true, "Amt": -2}', 'bf6346756ef563416d7421ff', { Fun: true, Amt: -2 }],
];

test('CBOR: every row of RFC 8949 Appendix A', () => {
  // RFC 7049's table also had simple(24) as f818, which RFC 8949 calls not well-formed: a problem below.
  for (const [diagnostic, h, expected] of APPENDIX_A) {
    const got = value(hex(h));
    assert.deepEqual(got, expected, `${diagnostic} (${h})`);
    if (Object.is(expected, -0)) assert.ok(Object.is(got, -0), '-0.0 keeps its sign');
    // The table as I wrote it agrees with cbor-x's own decoder wherever both are plain JSON.
    let theirs: unknown;
    try {
      theirs = cborxDecode(hex(h));
    } catch {
      continue; // cbor-x reads some tags as its own extensions
    }
    if (typeof theirs === 'number' && Number.isFinite(theirs)) assert.equal(got, theirs, diagnostic);
    if (typeof theirs === 'string') assert.equal(got, theirs, diagnostic);
  }
});

test('CBOR: values from cbor-x’s encoder (tags, bignums, byte strings, maps with keys that are not text)', () => {
  const doc = { price: 101.5, qty: 3, name: 'ticker ✓', list: [1, [2], {}], nil: null, flag: false };
  assert.deepEqual(value(cborxEncode(doc)), doc);
  assert.deepEqual(value(cborxEncode({ raw: Buffer.from([0, 1, 255]) })), { raw: 'AAH/' });
  assert.deepEqual(value(cborxEncode({ big: 2n ** 64n + 1n, neg: -(2n ** 70n), s: 2n ** 60n })), {
    big: '18446744073709551617',
    neg: '-1180591620717411303424',
    s: '1152921504606846976',
  });
  assert.deepEqual(value(cborxEncode(new Tag('http://example.com/', 32))), { $tag: 32, value: 'http://example.com/' });
  assert.deepEqual(value(cborxEncode(new Tag({ deep: new Tag(1, 99999) }, 40000))), {
    $tag: 40000,
    value: { deep: { $tag: 99999, value: 1 } },
  });
  const keyed = cborxEncode(
    new Map<unknown, unknown>([
      [1, 'one'],
      [[1, 2], 'pair'],
      [false, 'no'],
    ]),
  );
  // cbor-x writes a Map under tag 259 ("a map with keys of any type").
  assert.deepEqual(value(keyed), { $tag: 259, value: { 1: 'one', '[1,2]': 'pair', false: 'no' } });
  assert.deepEqual(value(hex('a3 01 63 6f6e65 82 01 02 64 70616972 f4 62 6e6f')), {
    1: 'one',
    '[1,2]': 'pair',
    false: 'no',
  });
  const view = cborDecoder.decode(bin(cborxEncode(doc)));
  assert.deepEqual([view?.decoder, view?.label], ['cbor', 'CBOR']);
  assert.equal(view?.summary, JSON.stringify(doc));
  // The self-describe tag is dropped, its content shows.
  assert.deepEqual(value(Buffer.concat([hex('d9d9f7'), cborxEncode({ a: 1 })])), { a: 1 });
});

test('CBOR: each broken payload says what failed at which byte; what could be read stays', () => {
  const cases: Array<[string, string]> = [
    ['a1 61 61 01 00', 'CBOR: a whole item ends at byte 4 but 1 more bytes follow it'],
    ['a2 61 61 01', 'CBOR: the map declared 2 pairs at byte 0 but only 3 bytes remain'],
    ['82 01', 'CBOR: the array declared 2 items at byte 0 but only 1 bytes remain'],
    ['a1 61 61', 'CBOR: the payload ends at byte 3 where an item should start'],
    ['a1 61 61 7a 80000000 4142', 'CBOR: the text string declared 2147483648 bytes at byte 3 but only 2 remain'],
    ['5b ffffffffffffffff 00', 'CBOR: the byte string declared 18446744073709551615 bytes at byte 0 but only 1 remain'],
    ['9f 01 02', 'CBOR: the payload ends at byte 3 before the break that closes the array at byte 0'],
    ['5f 41 00 61 61 ff', 'CBOR: the indefinite byte string at byte 0 holds something else at byte 3'],
    ['81 ff', 'CBOR: byte 1 is a break (0xff) outside an indefinite-length item'],
    ['1c', 'CBOR: byte 0 uses additional information 28, which CBOR reserves'],
    ['f8 10', 'CBOR: the simple value at byte 0 is 16 in two bytes, which CBOR forbids below 32'],
    ['f8 18', 'CBOR: the simple value at byte 0 is 24 in two bytes, which CBOR forbids below 32'],
    ['3f', 'CBOR: byte 0 (0x3f) is an indefinite length, which major type 1 cannot have'],
    ['fb 3ff1', 'CBOR: the payload ends at byte 3 inside the 8-byte float that starts at byte 0'],
    ['19 01', 'CBOR: the payload ends at byte 2 inside the 2-byte argument that starts at byte 0'],
    ['', 'CBOR: the payload is empty'],
  ];
  for (const [h, problem] of cases) assert.equal(cborDecoder.decode(bin(hex(h)))?.problem, problem, h || 'empty');
  assert.deepEqual(cborDecoder.decode(bin(hex('a2 61 61 01 61 62 82 02 7a')))?.value, { a: 1, b: [2] });
  assert.deepEqual(cborDecoder.decode(bin(hex('d8 20 82 01 7a')))?.value, { $tag: 32, value: [1] });
});

test('CBOR hostile input: 2 GB declared lengths, self-nesting of arrays and of tags: quick, small, said', () => {
  const before = process.memoryUsage().rss;
  const t0 = performance.now();
  assert.match(
    cborDecoder.decode(bin(hex('9a 80000000 01')))!.problem!,
    /declared 2147483648 items at byte 0 but only 1/,
  );
  assert.match(cborDecoder.decode(bin(hex('bb 00000000ffffffff 01')))!.problem!, /declared 4294967295 pairs/);
  for (const self of [0x81, 0xc6]) {
    const v = cborDecoder.decode(bin(Buffer.alloc(1024 * 1024, self)));
    assert.equal(v?.problem, `CBOR: the nesting goes deeper than ${CBOR_MAX_DEPTH} levels at byte ${CBOR_MAX_DEPTH}`);
  }
  // A bignum of 1 MiB is not turned into a decimal string (quadratic): its bytes show.
  const huge = cborDecoder.decode(bin(Buffer.concat([hex('c2 5a 00100000'), Buffer.alloc(1024 * 1024, 0xff)])));
  assert.equal((huge?.value as { $tag: number }).$tag, 2);
  assert.ok(performance.now() - t0 < 500, 'each answer is quick');
  assert.ok(process.memoryUsage().rss - before < 64 * 1024 * 1024);
});

test("CBOR sniff: self-described surely; arrays, maps and tags of binary frames under 'auto'", () => {
  for (const h of ['d9d9f7', '80', '9b', '9f', 'a0', 'bb', 'bf', 'c0', 'db'])
    assert.equal(cborDecoder.sniff(bin(hex(h))), true, h);
  for (const h of ['00', '1a', '40', '61', '9c', 'bc', 'dc', 'f6', 'ff'])
    assert.equal(cborDecoder.sniff(bin(hex(h))), false, h);
  // Chosen: any item, and any problem. Under 'auto': a problem only when surely CBOR.
  assert.equal(decodeCbor(hex('1864'))?.value, 100);
  assert.equal(decodeCbor(hex('82 01'), true), undefined);
  assert.match(decodeCbor(hex('a2 65 7072696365 01 63 717479'), true)!.problem!, /ends at byte 12/);
  assert.equal(decodeCbor(hex('a2 65 7072696365 7a'), true), undefined, 'the first pair is not whole');
  assert.match(decodeCbor(hex('d9d9f7 82 01'), true)!.problem!, /declared 2 items at byte 3/);
});

test("'auto' between MessagePack and CBOR on the bytes they share (0x80–0x9f): whole reads, then the preference", () => {
  const p = new DecoderPipeline([...codecDecoders(), ...BUILTIN_DECODERS]);
  let index = 0;
  const auto = (b: Buffer | Uint8Array) => {
    const v = p.decode({ index: index++, direction: 'received', kind: 'binary', payload: Buffer.from(b) });
    return [v?.decoder, v?.value, v?.problem];
  };
  // Only one of them reads to the end.
  assert.deepEqual(auto(msgpackEncode({ price: 101 })), ['msgpack', { price: 101 }, undefined]);
  assert.deepEqual(auto(cborxEncode([1, 2, 3])), ['cbor', [1, 2, 3], undefined]);
  assert.deepEqual(auto(msgpackEncode([1, 'a', null])), ['msgpack', [1, 'a', null], undefined]);
  assert.deepEqual(auto(cborxEncode([{ a: 1 }])), ['cbor', [{ a: 1 }], undefined]);
  // Both read to the end: CBOR ["a", "b"] is MessagePack {97: 97, 97: 98}, a map whose keys are not
  // strings, so CBOR wins; 0x80 is {} and [] alike, and a map of string keys is MessagePack's.
  assert.deepEqual(auto(hex('82 61 61 61 62')), ['cbor', ['a', 'b'], undefined]);
  assert.equal(decodeCbor(hex('82 61 61 61 62'))?.problem, undefined);
  assert.deepEqual(auto(hex('80')), ['msgpack', {}, undefined]);
  // CBOR [{"a": 1}] is MessagePack {"a": 97} with a byte left over: CBOR.
  assert.deepEqual(auto(hex('81 a1 61 61 01')), ['cbor', [{ a: 1 }], undefined]);
  // Neither: a broken MessagePack map that starts with a string key is shown as MessagePack's problem.
  const broken = auto(hex('82 a5 7072696365 01 a3 717479'));
  assert.deepEqual(broken.slice(0, 2), ['msgpack', { price: 1 }]);
  assert.match(String(broken[2]), /^MessagePack: the payload ends at byte 12 where a value should start/);
  // Not surely either: nothing decodes it (the next decoders, then raw).
  assert.deepEqual(auto(hex('92 01')), [undefined, undefined, undefined]);
  // A tag's first byte starts two-byte UTF-8 characters too: text in a binary frame stays text.
  assert.deepEqual(auto(Buffer.from('Ё!')), ['utf8', 'Ё!', undefined]);
  assert.deepEqual(decodeCbor(Buffer.from('Ё!'))?.value, { $tag: 16, value: [-2] });
  assert.deepEqual(auto(cborxEncode(new Tag('x', 32))), ['cbor', { $tag: 32, value: 'x' }, undefined]);
  // Both can be chosen by hand whatever 'auto' picks.
  p.choice = 'msgpack';
  assert.deepEqual(auto(hex('82 61 61 61 62')), ['msgpack', { 97: 98 }, undefined]);
  p.choice = 'cbor';
  assert.deepEqual(auto(hex('80')), ['cbor', [], undefined]);
});
