import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { protobufDecoder, protobufEncoder, type ProtoSchema } from '../../src/core/decode/protobuf';
import {
  decodeText,
  EVERYTHING_TEXT,
  EVERYTHING_VALUE,
  encodeText,
  loaded,
  MARKET,
  MARKET_INCLUDES,
  received,
  tempProtos,
} from './decode.protobuf.fixtures';

const TICKER = 'a/market/ticker.proto';

describe('Protobuf encoder: JSON as the decoder shows it, to bytes', () => {
  let t: ReturnType<typeof tempProtos>;
  let schema: ProtoSchema;
  const viaProtoc = (type: string, bytes: Buffer) => decodeText(t.dir, TICKER, type, bytes, MARKET_INCLUDES);
  const ours = (type: string, bytes: Buffer) => protobufDecoder(schema, { received: type }).decode(received(bytes))!;

  before(() => {
    t = tempProtos(MARKET);
    schema = loaded([t.path(TICKER)], [t.path('b')]);
  });
  after(() => t.remove());

  test('encoded by us, decoded by protoc --decode: the same message protoc encodes from the same text', () => {
    const e = protobufEncoder(schema, 'market.Everything');
    assert.equal(e.id, 'protobuf');
    assert.equal(e.label, 'Protobuf market.Everything');
    const bytes = e.encode(EVERYTHING_VALUE);
    const theirs = encodeText(t.dir, TICKER, 'market.Everything', EVERYTHING_TEXT, MARKET_INCLUDES);
    assert.equal(viaProtoc('market.Everything', bytes), viaProtoc('market.Everything', theirs));
    const text = viaProtoc('market.Everything', bytes);
    for (const line of [
      'i64: -9007199254740993',
      'u64: 18446744073709551615',
      's64: -9223372036854775808',
      'f64: 18446744073709551614',
      'sf64: 9007199254740993',
      'side: SELL',
      'packed64: 9007199254740993',
    ]) {
      assert.ok(text.includes(line), `${line} in ${text}`);
    }
  });

  test('encoded by protoc --encode, decoded by us, encoded by us again: the same value', () => {
    const theirs = encodeText(t.dir, TICKER, 'market.Everything', EVERYTHING_TEXT, MARKET_INCLUDES);
    const value = ours('market.Everything', theirs).value;
    const again = protobufEncoder(schema, 'market.Everything').encode(value);
    assert.deepEqual(ours('market.Everything', again).value, EVERYTHING_VALUE);
    assert.equal(again.length, theirs.length);
  });

  test('also accepted: proto3 JSON lowerCamel names, enums by number, 64-bit as safe numbers, Timestamp as an object, null as absent', () => {
    const t2 = tempProtos({
      'c.proto': 'syntax = "proto3";\nmessage C { int64 last_price = 1; int32 big_count = 2; }\n',
    });
    try {
      const s = loaded([t2.path('c.proto')]);
      const bytes = protobufEncoder(s, 'C').encode({ lastPrice: 5, big_count: null });
      assert.equal(decodeText(t2.dir, 'c.proto', 'C', bytes), 'last_price: 5\n');
    } finally {
      t2.remove();
    }
    const e = protobufEncoder(schema, 'market.Ticker');
    const bytes = e.encode({ side: 2, volume: 7, at: { seconds: '1714564800', nanos: 0 } });
    assert.deepEqual(ours('market.Ticker', bytes).value, { side: 'SELL', volume: '7', at: '2024-05-01T12:00:00Z' });
  });

  test('JSON that does not fit says which field and why', () => {
    const e = protobufEncoder(schema, 'market.Everything');
    const fails = (json: unknown, message: string | RegExp) => assert.throws(() => e.encode(json), { message });
    fails([], 'The message must be a JSON object (a market.Everything), not an array.');
    fails(
      { i32: 'five' },
      '$.i32 (int32) must be a whole number from -2147483648 to 2147483647, not the string "five".',
    );
    fails(
      { i32: 2 ** 31 },
      '$.i32 (int32) must be a whole number from -2147483648 to 2147483647, not number 2147483648.',
    );
    fails(
      { u64: '-1' },
      '$.u64 (uint64) must be a whole number from 0 to 18446744073709551615, as a decimal string (or a number up to 2^53), not the string "-1".',
    );
    fails(
      { i64: 2 ** 60 },
      /^\$\.i64 \(int64\) must be a whole number from -9223372036854775808 to 9223372036854775807/,
    );
    fails(
      { side: 'SIDEWAYS' },
      '$.side is the enum market.Side and must be one of SIDE_UNSPECIFIED, BUY, SELL (or its number), not the string "SIDEWAYS".',
    );
    fails({ ticker: { symbol: 5 } }, '$.ticker.symbol (string) must be a string, not number 5.');
    fails(
      { nested: { children: [{ name: 'a' }, { nam: 'b' }] } },
      'market.Everything.Nested has no field "nam" (at $.nested.children[1].nam). Its fields: children, name.',
    );
    fails({ label: 'a', ticker: {} }, 'Fields $.label and $.ticker are both in oneof choice; set only one.');
    fails(
      { choice: 'other' },
      '$.choice names the member of oneof choice that is set: one of label, ticker; it is the string "other".',
    );
    fails({ names: 'a' }, '$.names is a repeated field and must be a JSON array, not the string "a".');
    fails({ by_id: { x: 'a' } }, '$.by_id.x: a map with int64 keys takes whole numbers as keys.');
    fails({ data: 'not base64!' }, '$.data (bytes) must be base64 text, not the string "not base64!".');
    fails(
      { when: 'yesterday' },
      '$.when must be an RFC 3339 time like "2024-05-01T12:00:00.250Z" (a google.protobuf.Timestamp); it is "yesterday".',
    );
    fails(
      { any: { '@type': 'type.googleapis.com/x.Y', a: 1 } },
      /^\$\.any\['@type'\] names x\.Y, which the schema does not have/,
    );
    assert.throws(
      () => protobufEncoder(schema, 'market.Gone'),
      /The Protobuf schema has no message type "market.Gone"/,
    );
  });

  test('the oneof name key and $unknown from a decoded view are skipped; Any of an unknown type round-trips its bytes', () => {
    const e = protobufEncoder(schema, 'market.Everything');
    const bytes = e.encode({ choice: 'label', label: 'x', $unknown: [{ field: 99, wire: 'varint', value: 1 }] });
    assert.equal(viaProtoc('market.Everything', bytes), 'label: "x"\n');
    const any = { any: { '@type': 'type.googleapis.com/other.Thing', value: 'CAE=' } };
    assert.deepEqual(ours('market.Everything', e.encode(any)).value, any);
  });
});
