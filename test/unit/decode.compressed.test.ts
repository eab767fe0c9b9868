import { test } from 'node:test';
import assert from 'node:assert/strict';
import { brotliCompressSync, deflateRawSync, deflateSync, gzipSync } from 'node:zlib';
import { encode as msgpackEncode } from '@msgpack/msgpack';
import { encode as cborEncode } from 'cbor-x';
import {
  BUILTIN_DECODERS,
  codecDecoders,
  DecoderPipeline,
  MAX_INFLATED_BYTES,
  MAX_NESTING,
  type DecodedMessage,
} from '../../src/core/decode';

/**
 * 841 bytes of brotli that inflate to 1 GiB of zeros (1 << 30 bytes; checked once by streaming it
 * through zlib.createBrotliDecompress and counting): made with quality 11 and a 16 MiB window
 * (BROTLI_PARAM_LGWIN 24) from 64 writes of 16 MiB of zeros.
 */
const BROTLI_1_GIB = Buffer.from(
  'z///f/gnAOKxQCD3/p/////wTwDEYQGA7v0/////4Z8AiMMiAN37f/7//8M/ARCHBQC69//8//+HfwIgDgsAdO//+f//D/8EQBwWAOje//P//x/+CYA4LADQvf/n//8//BMAcVgAoHv/z///f/gnAOKwAED3/p/////wTwDEYQGA7v0/////4Z8AiMMCAN37f/7//8M/ARCHBQC69//8//+HfwIgDgsAdO//+f//D/8EQBwWAOje//P//x/+CYA4LADQvf/n//8//BMAcVgAoHv/z///f/gnAOKwAED3/p/////wTwDEYQGA7v0/////4Z8AiMMCAN37f/7//8M/ARCHBQC69//8//+HfwIgDgsAdO//+f//D/8EQBwWAOje//P//x/+CYA4LADQvf/n//8//BMAcVgAoHv/z///f/gnAOKwAED3/p/////wTwDEYQGA7v0/////4Z8AiMMCAN37f/7//8M/ARCHBQC69//8//+HfwIgDgsAdO//+f//D/8EQBwWAOje//P//x/+CYA4LADQvf/n//8//BMAcVgAoHv/z///f/gnAOKwAED3/p/////wTwDEYQGA7v0/////4Z8AiMMCAN37f/7//8M/ARCHBQC69//8//+HfwIgDgsAdO//+f//D/8EQBwWAOje//P//x/+CYA4LADQvf/n//8//BMAcVgAoHv/z///f/gnAOKwAED3/p/////wTwDEYQGA7v0/////4Z8AiMMCAN37f/7//8M/ARCHBQC69//8//+HfwIgDgsAdO//+f//D/8EQBwWAOje//P//x/+CYA4LADQvf/n//8//BMAcVgAoHv/z///f/gnAOKwAED3/p/////wTwDEYQGA7v0/////4Z8AiMMCAN37f/7//8M/ARCHBQC69//8//+HfwIgDgsAdO//+f//D/8EQBwWAOje//P//x/+CYA4LADQvf/n//8//BMAcVgAoHv/z///f/gnAOKwAED3/p/////wTwDEYQGA7v0/////4Z8AiMMCAN37f/7//8M/ARCHBQC69//8//+HfwIgDgsAdO//+f//D/8EQBwWAOje//P//x/+CYA4LADQvf/n//8//BMAcVgAoHv/Pw==',
  'base64',
);

const MiB = 1024 * 1024;
let index = 0;
/** The view 'auto' (or `choice`) gives, through a pipeline of the codecs and the built-in decoders. */
function view(payload: Buffer, choice = 'auto'): DecodedMessage | undefined {
  const p = new DecoderPipeline([...codecDecoders(), ...BUILTIN_DECODERS]);
  p.choice = choice;
  return p.decode({ index: index++, direction: 'received', kind: 'binary', payload });
}
const summary = (v: DecodedMessage | undefined) => [v?.decoder, v?.label, v?.value, v?.problem];

test('compressed: gzip and zlib found by their magic bytes, the inflated bytes decoded again, the label says both', () => {
  const doc = { price: 101.5, items: [1, 2, 3] };
  assert.deepEqual(summary(view(gzipSync(msgpackEncode(doc)))), ['gzip', 'MessagePack in gzip', doc, undefined]);
  assert.deepEqual(summary(view(deflateSync(JSON.stringify(doc)))), ['zlib', 'JSON in zlib', doc, undefined]);
  assert.deepEqual(summary(view(gzipSync(cborEncode(doc)))), ['gzip', 'CBOR in gzip', doc, undefined]);
  assert.deepEqual(summary(view(gzipSync('plain text ✓'))), ['gzip', 'UTF-8 text in gzip', 'plain text ✓', undefined]);
  assert.deepEqual(summary(view(deflateSync('x', { level: 1 }))), ['zlib', 'UTF-8 text in zlib', 'x', undefined]);
  assert.deepEqual(summary(view(deflateSync('{"a":1}', { windowBits: 9 }))), [
    'zlib',
    'JSON in zlib',
    { a: 1 },
    undefined,
  ]);
  const bytes = view(gzipSync(Buffer.from([0, 1, 2, 0xff])));
  assert.deepEqual(summary(bytes), ['gzip', 'Binary data in gzip', 'AAEC/w==', undefined]);
  assert.equal(bytes?.summary, '4 bytes: 000102ff');
  assert.equal(view(gzipSync(msgpackEncode(doc)))?.summary, JSON.stringify(doc));
});

test('compressed: raw deflate and brotli have no magic bytes, so they decode only when chosen', () => {
  const json = '{"symbol":"ACME","price":7}';
  assert.equal(view(deflateRawSync(json)), undefined, "'auto' leaves raw deflate alone");
  assert.equal(view(brotliCompressSync(json))?.decoder, undefined, "'auto' leaves brotli alone");
  assert.deepEqual(summary(view(deflateRawSync(json), 'deflate')), [
    'deflate',
    'JSON in raw deflate',
    JSON.parse(json),
    undefined,
  ]);
  assert.deepEqual(summary(view(brotliCompressSync(msgpackEncode([1, 'a'])), 'brotli')), [
    'brotli',
    'MessagePack in brotli',
    [1, 'a'],
    undefined,
  ]);
  assert.match(view(Buffer.from('not brotli at all'), 'brotli')!.problem!, /^brotli: .* at byte \d+$/);
});

test('compressed: compression inside compression is inflated, at most MAX_NESTING levels', () => {
  let payload = Buffer.from(msgpackEncode({ a: 1 }));
  payload = gzipSync(deflateSync(payload));
  assert.deepEqual(summary(view(payload)), ['gzip', 'MessagePack in zlib in gzip', { a: 1 }, undefined]);
  let deep = Buffer.from('{"deep":true}');
  for (let i = 0; i < MAX_NESTING; i++) deep = gzipSync(deep);
  assert.equal(view(deep)?.label, 'JSON in gzip in gzip in gzip');
  const tooDeep = view(gzipSync(deep));
  assert.equal(tooDeep?.label, 'gzip in gzip in gzip in gzip');
  assert.equal(
    tooDeep?.problem,
    `gzip: compressed more than ${MAX_NESTING} levels deep; the innermost level is not inflated`,
  );
});

test('compressed: a truncated stream, a broken one and one with bytes after it each say so with the offset', () => {
  const gz = gzipSync(msgpackEncode({ price: 101, name: 'x'.repeat(50) }));
  assert.equal(view(gz.subarray(0, 20))?.problem, 'gzip: the stream ends at byte 20 before it is complete (truncated)');
  // The 10-byte gzip header alone.
  assert.equal(view(gz.subarray(0, 10))?.problem, 'gzip: the stream ends at byte 10 before it is complete (truncated)');
  const z = deflateSync(JSON.stringify({ a: 'hello hello hello' }));
  const withTail = view(Buffer.concat([z, Buffer.from('xyz')]));
  assert.deepEqual(withTail?.value, { a: 'hello hello hello' });
  assert.equal(withTail?.problem, `zlib: the stream ends at byte ${z.length} but 3 more bytes follow it`);
  const gzTail = view(Buffer.concat([gz, Buffer.from('xyz')]));
  assert.equal(gzTail?.label, 'MessagePack in gzip');
  assert.equal(gzTail?.problem, `gzip: the stream ends at byte ${gz.length} but 3 more bytes follow it`);
  // A broken MessagePack map inside: its offsets are the inflated bytes'.
  const inner = view(gzipSync(Buffer.from('82a57072696365 01 a3717479'.replace(/ /g, ''), 'hex')));
  assert.equal(inner?.label, 'MessagePack in gzip');
  assert.equal(
    inner?.problem,
    'MessagePack: the payload ends at byte 12 where a value should start (of the 12 inflated bytes)',
  );
  // Two members are one stream (as gunzip reads them).
  assert.equal(view(Buffer.concat([gzipSync('{"a":'), gzipSync('1}')]))?.label, 'JSON in gzip');
  // A block type that does not exist (11) in the first block header, at byte 2 of the zlib stream.
  const bad = Buffer.from(z);
  bad[2] = 0x07;
  assert.equal(view(bad)?.problem, 'zlib: invalid block type at byte 2');
  const checksum = Buffer.from(z);
  checksum[checksum.length - 1] ^= 0xff;
  assert.equal(view(checksum)?.problem, `zlib: incorrect data check at byte ${z.length - 1}`);
});

test("compressed: zlib's two-byte header check; under 'auto' a broken stream is zlib's only after 78 01, 78 9c, 78 da", () => {
  // A Protobuf message that starts 08 1d passes the header check (0x081d % 31 == 0) but is no zlib.
  assert.equal(view(Buffer.from([0x08, 0x1d, 0x12, 0x03, 0x61, 0x62, 0x63])), undefined);
  assert.match(view(Buffer.from([0x78, 0x9c, 0x07, 0x00]))!.problem!, /^zlib: invalid block type at byte 2$/);
  // Text in a binary frame may pass the header check ("x^" is 78 5e): it stays text.
  assert.deepEqual(summary(view(Buffer.from('x^2 + y^2'))), [
    'utf8',
    'UTF-8 text in a binary frame',
    'x^2 + y^2',
    undefined,
  ]);
  assert.match(view(Buffer.from([0x08, 0x1d, 0x07]), 'zlib')!.problem!, /^zlib: /, 'chosen: always its problem');
  assert.equal(
    view(Buffer.from([0x78, 0xbb, 0, 0, 0, 1]), 'zlib')?.problem,
    'zlib: the stream needs a preset dictionary, which the payload does not carry',
  );
  assert.equal(view(Buffer.from([0x78, 0xbb, 0, 0, 0, 1])), undefined, "'auto' skips a stream that needs a dictionary");
});

test('compressed hostile input: zip bombs stop at 16 MiB, quickly, with a sentence, and memory stays low', () => {
  const limit = `the payload inflates to more than ${MAX_INFLATED_BYTES / MiB} MiB, the most that is inflated`;
  const bombs: Array<[string, Buffer, string]> = [
    ['32 bytes of brotli → 16 MiB + 1', brotliCompressSync(Buffer.alloc(16 * MiB + 1)), 'brotli'],
    ['841 bytes of brotli → 1 GiB', BROTLI_1_GIB, 'brotli'],
    ['16 KB of gzip → 16 MiB + 1', gzipSync(Buffer.alloc(16 * MiB + 1)), 'auto'],
    ['65 KB of zlib → 64 MiB', deflateSync(Buffer.alloc(64 * MiB), { level: 9 }), 'auto'],
  ];
  for (const [what, bomb, choice] of bombs) {
    const before = process.memoryUsage().rss;
    const t0 = performance.now();
    const v = view(bomb, choice);
    const ms = performance.now() - t0;
    assert.ok(v?.problem?.endsWith(limit), `${what}: ${v?.problem}`);
    assert.ok(ms < 1500, `${what}: ${ms.toFixed(0)} ms`);
    assert.ok(process.memoryUsage().rss - before < 200 * MiB, `${what}: memory`);
  }
  // 14 bytes of brotli that inflate to 8 MiB of zeros: under the limit, shown as (the first MiB of) bytes.
  const small = view(brotliCompressSync(Buffer.alloc(8 * MiB)), 'brotli');
  assert.equal(small?.label, 'Binary data in brotli');
  assert.equal((small?.value as string).length, Math.ceil(MiB / 3) * 4, 'the first MiB as base64');
  assert.match(small.problem!, /the 8388608 inflated bytes are no format known here; the first 1 MiB show/);
});
