import { test } from 'node:test';
import assert from 'node:assert/strict';
import { gzipSync } from 'node:zlib';
import WebSocket from 'ws';
import { decode as msgpackDecode, encode as msgpackEncode } from '@msgpack/msgpack';
import { decode as cborxDecode, encode as cborxEncode } from 'cbor-x';
import { Filter } from '../../src/core/filter';
import { NO_ACTIONS } from '../../src/core/inspector/actions';
import { InspectorSession } from '../../src/core/inspector/session';
import {
  BUILTIN_DECODERS,
  cborEncoder,
  codecDecoders,
  DecoderPipeline,
  encodeText,
  msgpackEncoder,
  PAYLOAD_ENCODERS,
  type MessageDecoder,
} from '../../src/core/decode';
import { startWsServer, waitFor } from './helpers';

const doc = (i: number) => ({ seq: i, symbol: i % 2 ? 'ACME' : 'INIT', price: 90 + (i % 20), at: '2024-05-01' });

test('codecDecoders: the auto order (compression, MessagePack, CBOR, then the ones given last)', () => {
  const extra: MessageDecoder = { id: 'protobuf-raw', label: 'Protobuf', sniff: () => false, decode: () => undefined };
  assert.deepEqual(
    codecDecoders([extra]).map((d) => d.id),
    ['gzip', 'zlib', 'deflate', 'brotli', 'msgpack', 'cbor', 'protobuf-raw'],
  );
  assert.deepEqual(
    PAYLOAD_ENCODERS.map((e) => e.id),
    ['msgpack', 'cbor'],
  );
});

test('a real ws server sends MessagePack, CBOR and gzip frames; a real ws client reads them and the codecs decode them', async () => {
  const srv = await startWsServer();
  const frames = [
    msgpackEncode(doc(1)),
    cborxEncode(doc(2)),
    gzipSync(msgpackEncode(doc(3))),
    gzipSync(JSON.stringify(doc(4))),
    cborxEncode([doc(5)]),
  ];
  srv.server.on('connection', (ws) => {
    for (const f of frames) ws.send(f, { binary: true });
  });
  const client = new WebSocket(srv.url);
  try {
    const got: Buffer[] = [];
    client.on('message', (data: Buffer) => got.push(data));
    await waitFor(() => got.length === frames.length, 5000, 'the frames');
    const p = new DecoderPipeline([...codecDecoders(), ...BUILTIN_DECODERS]);
    const views = got.map((payload, index) => p.decode({ index, direction: 'received', kind: 'binary', payload }));
    assert.deepEqual(
      views.map((v) => [v?.decoder, v?.label, v?.problem]),
      [
        ['msgpack', 'MessagePack', undefined],
        ['cbor', 'CBOR', undefined],
        ['gzip', 'MessagePack in gzip', undefined],
        ['gzip', 'JSON in gzip', undefined],
        ['cbor', 'CBOR', undefined],
      ],
    );
    assert.deepEqual(
      views.map((v) => v?.value),
      [doc(1), doc(2), doc(3), doc(4), [doc(5)]],
    );
  } finally {
    client.terminate();
    await srv.close();
  }
});

test('an inspector session with the codecs: the rows show decoded lines and `price > 100` filters MessagePack by its field', async () => {
  const COUNT = 2000;
  const srv = await startWsServer();
  srv.server.on('connection', (ws) => {
    for (let i = 0; i < COUNT; i++) ws.send(msgpackEncode(doc(i)), { binary: true });
  });
  const session = new InspectorSession(
    { url: srv.url, handshakeTimeout: 2000 },
    () => undefined,
    undefined,
    NO_ACTIONS,
  );
  try {
    session.model.protocols.setCodecs(codecDecoders());
    await session.connect();
    await waitFor(() => session.stats.receivedMessages === COUNT, 10_000, 'the messages');
    const { model, store } = session;
    const first = store.length - COUNT;
    assert.equal(model.decoders.decodes, 0, 'ingest decodes nothing');
    const rows = model.withDecoded(store.summaries(first, 3));
    assert.deepEqual(
      rows.map((r) => r.decodedLine),
      [0, 1, 2].map((i) => JSON.stringify(doc(i))),
    );
    assert.equal(model.decoded(first + 1)?.label, 'MessagePack');
    const before = model.decoders.decodes;
    const filter = new Filter({ json: 'price > 100' }, model.filterOptions(false));
    const matches = await filter.update(store);
    filter.dispose();
    const expected = Array.from({ length: COUNT }, (_, i) => doc(i)).filter((d) => d.price > 100).length;
    assert.equal(matches, expected);
    assert.equal(model.decoders.decodes - before, 0, 'the quick field reader answered for every row');
  } finally {
    session.dispose();
    await srv.close();
  }
});

test('encoders: JSON to MessagePack and CBOR (integers as integers, strings of digits stay strings, 64-bit exact)', () => {
  const text =
    '{"price": 101, "ratio": 0.5, "id": "12345", "big": 9223372036854775807, "neg": -1, "list": [true, null]}';
  const m = encodeText(msgpackEncoder, text);
  assert.deepEqual(msgpackDecode(m, { useBigInt64: true }), {
    price: 101,
    ratio: 0.5,
    id: '12345',
    big: 9223372036854775807n,
    neg: -1,
    list: [true, null],
  });
  assert.equal(m[m.indexOf(Buffer.from('price')) + 5], 0x65, 'price is the positive fixint 101');
  const c = encodeText(cborEncoder, text);
  const back = cborxDecode(c) as Record<string, unknown>;
  assert.deepEqual({ ...back, big: String(back.big) }, { ...JSON.parse(text), big: '9223372036854775807' });
  assert.equal(c[c.indexOf(Buffer.from('price')) + 5], 0x18, 'price is the one-byte unsigned integer 101');
  // Past 64 bits: CBOR has bignums, MessagePack has not.
  const huge = '{"n": 123456789012345678901234567890}';
  assert.equal(cborxDecode(encodeText(cborEncoder, huge)).n, 123456789012345678901234567890n);
  assert.throws(
    () => encodeText(msgpackEncoder, huge),
    /^Error: \$\.n: 123456789012345678901234567890 does not fit in MessagePack's 64-bit integers; send it as a string \("123456789012345678901234567890"\)\.$/,
  );
  assert.deepEqual(msgpackDecode(msgpackEncoder.encode({ a: [1, 'x'] })), { a: [1, 'x'] });
});

test('encodeText says where the JSON is wrong (line and column), for both encoders', () => {
  for (const e of [msgpackEncoder, cborEncoder]) {
    assert.throws(
      () => encodeText(e, '{\n  "a": 1,\n  "b": }'),
      /^Error: The message is not JSON at line 3, column 8: a value was expected\.$/,
    );
    assert.throws(() => encodeText(e, '{"a": 1,}'), /^Error: The message is not JSON at line 1, column 9: /);
    assert.throws(() => encodeText(e, '// note\n{}'), /comments are not allowed in JSON/);
    assert.throws(() => encodeText(e, ''), /^Error: The message is not JSON at line 1, column 1/);
  }
  let deep = '1';
  for (let i = 0; i < 150; i++) deep = `[${deep}]`;
  assert.throws(
    () => encodeText(msgpackEncoder, deep),
    /is nested deeper than 100 levels; MessagePack is encoded up to that depth\.$/,
  );
});
