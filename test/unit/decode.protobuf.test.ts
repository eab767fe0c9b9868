import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { WebSocket } from 'ws';
import { DecoderPipeline, type DecodedMessage, type MessageDecoder } from '../../src/core/decode';
import { MAX_DEPTH, protobufDecoder, type ProtoSchema } from '../../src/core/decode/protobuf';
import {
  EVERYTHING_TEXT,
  EVERYTHING_VALUE,
  encodeText,
  loaded,
  MARKET,
  MARKET_INCLUDES,
  received,
  selfNested,
  tempProtos,
  varint,
} from './decode.protobuf.fixtures';
import { startWsServer, waitFor } from './helpers';

const TICKER = 'a/market/ticker.proto';

describe('Protobuf with a schema, against protoc --encode', () => {
  let t: ReturnType<typeof tempProtos>;
  let schema: ProtoSchema;
  let everything: MessageDecoder;
  const enc = (type: string, text: string) => encodeText(t.dir, TICKER, type, text, MARKET_INCLUDES);
  const decode = (bytes: Buffer, d = everything): DecodedMessage => {
    const v = d.decode(received(bytes));
    assert.ok(v, 'decoded');
    return v;
  };

  before(() => {
    t = tempProtos(MARKET);
    schema = loaded([t.path(TICKER)], [t.path('b')]);
    everything = protobufDecoder(schema, { received: 'market.Everything', sent: 'market.Everything' });
  });
  after(() => t.remove());

  test('every scalar kind, 64-bit integers past 2^53 as strings, enums by name, maps, oneof, Any, well-known types, nesting', () => {
    const bytes = enc('market.Everything', EVERYTHING_TEXT);
    const v = decode(bytes);
    assert.equal(v.problem, undefined);
    assert.deepEqual(v.value, EVERYTHING_VALUE);
    assert.equal(v.decoder, 'protobuf');
    assert.equal(v.label, 'Protobuf market.Everything');
    assert.equal(everything.label, 'Protobuf market.Everything');
    assert.equal(v.summary, JSON.stringify(EVERYTHING_VALUE).slice(0, 200) + '…');
    // JSON-compatible: survives a round trip through JSON unchanged.
    assert.deepEqual(JSON.parse(JSON.stringify(v.value)), v.value);
  });

  test('ranges: each field by path, nested ones too, with the bytes protoc wrote for it', () => {
    const bytes = enc('market.Ticker', 'symbol: "BTC" price: 2.5 fee { currency: "USD" units: 3 }');
    const v = decode(bytes, protobufDecoder(schema, { received: 'market.Ticker' }));
    const at = (path: string) => v.ranges!.filter((r) => r.path === path).map((r) => bytes.subarray(r.start, r.end));
    assert.deepEqual(at('$.symbol'), [Buffer.from('0a03425443', 'hex')]);
    assert.deepEqual(at('$.price'), [enc('market.Ticker', 'price: 2.5')]);
    assert.deepEqual(at('$.fee'), [enc('market.Ticker', 'fee { currency: "USD" units: 3 }')]);
    assert.deepEqual(at('$.fee.currency'), [Buffer.from('0a03555344', 'hex')]);
    assert.deepEqual(at('$.fee.units'), [Buffer.from('1003', 'hex')]);

    const e = decode(
      enc('market.Everything', 'packed: [1, 300] names: "a" names: "b" by_symbol { key: "X" value { symbol: "X" } }'),
    );
    const paths = e.ranges!.map((r) => r.path);
    for (const p of [
      '$.packed',
      '$.packed[0]',
      '$.packed[1]',
      '$.names',
      '$.names[0]',
      '$.names[1]',
      '$.by_symbol',
      '$.by_symbol.X',
      '$.by_symbol.X.symbol',
    ]) {
      assert.ok(paths.includes(p), `a range for ${p} in ${paths.join(' ')}`);
    }
    assert.deepEqual({ ...e }.ranges, e.ranges, 'ranges are an enumerable property: a copy of the view has them');
    assert.deepEqual(JSON.parse(JSON.stringify(e)).ranges, e.ranges);
    const p1 = e.ranges!.find((r) => r.path === '$.packed[1]')!;
    assert.equal(p1.end - p1.start, 2, '300 is a two-byte varint');
  });

  test('unknown fields (a newer schema encoded, an older one decodes): by number with wire type and value, and ranged', () => {
    const bytes = enc(
      'market.ItemV2',
      'name: "n" extra: 9007199254740993 f: 7 child { name: "c" } blob: "\\377\\000" g: 1 note: "hello"',
    );
    const old = protobufDecoder(schema, { received: 'market.ItemV1' });
    const v = decode(bytes, old);
    assert.equal(v.problem, undefined);
    assert.deepEqual(v.value, {
      name: 'n',
      $unknown: [
        { field: 7, wire: 'varint', value: '9007199254740993' },
        { field: 8, wire: 'fixed32', value: 7 },
        { field: 9, wire: 'message (guessed)', value: { 1: 'c', $wire: { 1: 'string' } } },
        { field: 10, wire: 'bytes', value: '/wA=' },
        { field: 11, wire: 'fixed64', value: 1 },
        { field: 12, wire: 'string', value: 'hello' },
      ],
    });
    const r = v.ranges!.find((x) => x.path === '$.$unknown[0]')!;
    assert.deepEqual(bytes.subarray(r.start, r.end), Buffer.from([0x38, ...varint(9007199254740993n)]));
    assert.ok(
      v.ranges!.some((x) => x.path === "$.$unknown[2]['1']"),
      'the guessed nested field is ranged',
    );
  });

  test('defaults are as the wire has them: proto3 leaves zeros off, an explicit optional zero stays', () => {
    const v = decode(enc('market.Everything', 'i32: 0 text: "" maybe: 0 side: SIDE_UNSPECIFIED'));
    assert.deepEqual(v.value, { maybe: 0 });
    assert.deepEqual(decode(Buffer.alloc(0)).value, {});
  });

  test('oneof: only the last member on the wire, and the oneof names it', () => {
    const a = enc('market.Everything', 'label: "first"');
    const b = enc('market.Everything', 'ticker { symbol: "T" }');
    assert.deepEqual(decode(Buffer.concat([b, a])).value, { choice: 'label', label: 'first' });
    assert.deepEqual(decode(Buffer.concat([a, b])).value, { choice: 'ticker', ticker: { symbol: 'T' } });
  });

  test('an unknown enum number stays a number; a message field seen twice merges; Any of an unknown type keeps its bytes', () => {
    assert.deepEqual(decode(Buffer.from([0x80, 0x01, 0x07])).value, { side: 7 });
    const one = enc('market.Everything', 'ticker { symbol: "A" }');
    const two = enc('market.Everything', 'ticker { volume: 2 }');
    assert.deepEqual(decode(Buffer.concat([one, two])).value, {
      choice: 'ticker',
      ticker: { symbol: 'A', volume: '2' },
    });
    const any = enc('market.Everything', 'any { type_url: "type.googleapis.com/other.Thing" value: "\\010\\001" }');
    assert.deepEqual(decode(any).value, { any: { '@type': 'type.googleapis.com/other.Thing', value: 'CAE=' } });
    const wkt = enc('market.Everything', 'any { [type.googleapis.com/google.protobuf.Duration] { seconds: 3 } }');
    assert.deepEqual(decode(wkt).value, {
      any: { '@type': 'type.googleapis.com/google.protobuf.Duration', value: '3s' },
    });
  });

  test('a truncated payload: what failed at which byte, and the fields read before it', () => {
    const bytes = enc('market.Ticker', 'symbol: "BTCUSDT" price: 2.5 volume: 7');
    const ticker = protobufDecoder(schema, { received: 'market.Ticker' });
    const cut = decode(bytes.subarray(0, 12), ticker);
    assert.equal(cut.problem, 'Protobuf market.Ticker: field 2 (price) needs 8 bytes at byte 10 but only 2 remain');
    assert.deepEqual(cut.value, { symbol: 'BTCUSDT' });
    const inString = decode(bytes.subarray(0, 5), ticker);
    assert.equal(
      inString.problem,
      'Protobuf market.Ticker: field 1 (symbol) declares 7 bytes at byte 1 but only 3 remain',
    );
    assert.deepEqual(inString.value, {});
    const badWire = decode(Buffer.from([0x0a, 0x01, 0x41, 0x0f]), ticker);
    assert.equal(badWire.problem, 'Protobuf market.Ticker: a tag has the invalid wire type 7 at byte 3');
    assert.deepEqual(badWire.value, { symbol: 'A' });
    // Bytes that never looked like the type are not its: the next decoder may try.
    assert.equal(ticker.decode(received(Buffer.from('{"a":1}'))), undefined);
    assert.equal(ticker.decode(received(Buffer.from([0x0f, 0x01]))), undefined);
  });

  test('hostile: a 2 GB declared length is a problem, not an allocation', () => {
    const before = process.memoryUsage().arrayBuffers;
    const t0 = performance.now();
    const v = decode(Buffer.from([0x72, ...varint(2 ** 31), 0x61, 0x62]));
    assert.ok(performance.now() - t0 < 50);
    assert.equal(
      v.problem,
      'Protobuf market.Everything: field 14 (text) declares 2147483648 bytes at byte 1 but only 2 remain',
    );
    assert.ok(process.memoryUsage().arrayBuffers - before < 1024 * 1024);
    const huge = decode(Buffer.from([0x72, ...varint(2n ** 63n)]));
    assert.match(huge.problem!, /declares 9223372036854775808 bytes at byte 1 but only 0 remain$/);
  });

  test('hostile: a self-nested message 100,000 levels deep stops at the depth limit, quickly', () => {
    // Nested { repeated Nested children = 1; }: each level one more `children` around the last.
    const bytes = Buffer.concat([Buffer.from([0xea, 0x01]), selfNested(100_000)]); // field 29
    const t0 = performance.now();
    const v = decode(bytes);
    assert.ok(performance.now() - t0 < 200, `took ${performance.now() - t0} ms`);
    assert.match(
      v.problem!,
      new RegExp(`^Protobuf market.Everything: messages nest deeper than ${MAX_DEPTH} levels at byte \\d+$`),
    );
    let depth = 0;
    for (let n = (v.value as { nested?: { children?: unknown[] } }).nested; n?.children; n = n.children[0] as typeof n)
      depth++;
    assert.equal(depth, MAX_DEPTH - 1, 'the levels above the limit were read');
  });

  test('sniff: binary frames of the direction that has a type, with a plausible first tag byte', () => {
    const onlyReceived = protobufDecoder(schema, { received: 'market.Ticker' });
    const m = received(Buffer.from([0x0a, 0x00]));
    assert.equal(onlyReceived.sniff(m), true);
    assert.equal(onlyReceived.sniff({ ...m, direction: 'sent' }), false);
    assert.equal(onlyReceived.decode({ ...m, direction: 'sent' }), undefined);
    assert.equal(onlyReceived.sniff({ ...m, kind: 'text' }), false);
    assert.equal(onlyReceived.sniff(received(Buffer.from([0x07]))), false);
    assert.equal(onlyReceived.sniff(received(Buffer.from([0x04]))), false);
    const both = protobufDecoder(schema, { sent: 'market.ItemV1', received: 'market.Ticker' });
    assert.equal(both.label, 'Protobuf market.ItemV1 (sent), market.Ticker (received)');
    assert.throws(
      () => protobufDecoder(schema, { received: 'market.Nope' }),
      /The Protobuf schema has no message type "market.Nope". Its types: .*market.Ticker/,
    );
  });

  test('a real ws server sends protoc-encoded frames; the client receives them and they decode', async () => {
    const frames = [1, 2, 3].map((i) =>
      enc('market.Ticker', `symbol: "S${i}" price: ${i}.5 volume: ${9007199254740990 + i} side: BUY`),
    );
    const server = await startWsServer();
    const client = new WebSocket(server.url);
    try {
      server.server.on('connection', (ws) => frames.forEach((f) => ws.send(f)));
      const got: Buffer[] = [];
      client.on('message', (data: Buffer, isBinary) => isBinary && got.push(data));
      await waitFor(() => got.length === 3, 5000, 'three binary frames');
      const pipeline = new DecoderPipeline([protobufDecoder(schema, { received: 'market.Ticker' })]);
      const views = got.map((payload, index) =>
        pipeline.decode({ index, direction: 'received', kind: 'binary', payload }),
      );
      assert.deepEqual(
        views.map((v) => v?.value),
        [1, 2, 3].map((i) => ({ symbol: `S${i}`, price: i + 0.5, volume: String(9007199254740990 + i), side: 'BUY' })),
      );
    } finally {
      client.terminate();
      await server.close();
    }
  });
});

describe('Protobuf groups and extensions (proto2)', () => {
  let t: ReturnType<typeof tempProtos>;
  before(() => (t = tempProtos(MARKET)));
  after(() => t.remove());

  test('a group reads as a nested message, an extension as [pkg.name]', () => {
    const bytes = encodeText(
      t.dir,
      'a/legacy/legacy.proto',
      'legacy.G',
      'Result { url: "u" rank: 2 } n: 3 [legacy.note]: "x"',
      ['a'],
    );
    const schema = loaded([t.path('a/legacy/legacy.proto')]);
    const v = protobufDecoder(schema, { received: 'legacy.G' }).decode(received(bytes))!;
    assert.equal(v.problem, undefined);
    const value = v.value as Record<string, unknown>;
    const groupKey = Object.keys(value).find((k) => k.toLowerCase() === 'result')!;
    assert.deepEqual(value[groupKey], { url: 'u', rank: 2 });
    assert.equal(value.n, 3);
    assert.equal(value['[legacy.note]'], 'x');
    const unclosed = protobufDecoder(schema, { received: 'legacy.G' }).decode(
      received(bytes.subarray(0, bytes.indexOf(0x0c))),
    )!;
    assert.match(unclosed.problem!, /the group of field 1 has no end tag at byte \d+$/);
  });
});
