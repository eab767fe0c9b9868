import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { protobufRawDecoder } from '../../src/core/decode/protobuf';
import {
  EVERYTHING_TEXT,
  encodeText,
  MARKET,
  MARKET_INCLUDES,
  parseDecodeRaw,
  protoc,
  received,
  selfNested,
  tempProtos,
  unescapeC,
  varint,
  type RawTree,
} from './decode.protobuf.fixtures';

const raw = protobufRawDecoder();

/** Checks our schema-less view of `bytes` against `protoc --decode_raw` of the same bytes, field by field. */
function sameAsProtoc(cwd: string, bytes: Buffer): void {
  const tree = parseDecodeRaw(protoc(cwd, ['--decode_raw'], bytes).toString('utf8'));
  const view = raw.decode(received(bytes));
  assert.ok(view, 'decoded');
  compare(tree, view.value as Record<string, unknown>, '$');
}

function compare(tree: RawTree, mine: Record<string, unknown>, where: string): void {
  const wires = mine.$wire as Record<string, string | string[]>;
  const keys = Object.keys(mine).filter((k) => k !== '$wire');
  assert.deepEqual(
    keys.map(Number).sort((a, b) => a - b),
    [...tree.keys()].sort((a, b) => a - b),
    `field numbers at ${where}`,
  );
  for (const [n, theirs] of tree) {
    const ours = theirs.length > 1 ? (mine[n] as unknown[]) : [mine[n]];
    assert.equal(ours.length, theirs.length, `occurrences of ${n} at ${where}`);
    theirs.forEach((p, i) => {
      const w = Array.isArray(wires[n]) ? wires[n][i] : wires[n];
      const v = ours[i];
      const at = `${where}.${n}[${i}]`;
      if (typeof p !== 'string') {
        assert.ok(w === 'message (guessed)' || w === 'group', `${at} is nested for protoc, ${w} for us`);
        compare(p, v as Record<string, unknown>, at);
      } else if (p.startsWith('"')) {
        assert.ok(w === 'string' || w === 'bytes', `${at} is a string for protoc, ${w} for us`);
        assert.deepEqual(Buffer.from(v as string, w === 'string' ? 'utf8' : 'base64'), unescapeC(p), at);
      } else if (p.startsWith('0x')) {
        assert.ok(w === 'fixed32' || w === 'fixed64', `${at} is fixed for protoc, ${w} for us`);
        assert.equal(BigInt(v as number | string), BigInt(p), at);
      } else {
        assert.equal(w, 'varint', at);
        assert.equal(String(v), p, at);
        if (typeof v === 'string')
          assert.ok(BigInt(v) > BigInt(Number.MAX_SAFE_INTEGER), `${at} is a string only past 2^53`);
      }
    });
  }
}

/** A deterministic random message: any wire type, nesting, repeats, text and binary strings. */
function randomMessage(next: () => number, depth: number): Buffer {
  const parts: Buffer[] = [];
  const count = 1 + Math.floor(next() * 5);
  for (let i = 0; i < count; i++) {
    const field = 1 + Math.floor(next() * (next() < 0.8 ? 15 : 100000));
    const kind = Math.floor(next() * (depth < 4 ? 7 : 5));
    const tag = (w: number) => Buffer.from(varint(field * 8 + w));
    if (kind === 0) {
      const big =
        next() < 0.3 ? BigInt(Math.floor(next() * 2 ** 32)) * 2n ** 32n : BigInt(Math.floor(next() * 2 ** 20));
      parts.push(tag(0), Buffer.from(varint(big)));
    } else if (kind === 1) parts.push(tag(5), Buffer.from([0, 1, 2, 3].map(() => Math.floor(next() * 256))));
    else if (kind === 2) parts.push(tag(1), Buffer.from([0, 1, 2, 3, 4, 5, 6, 7].map(() => Math.floor(next() * 256))));
    else if (kind === 3) {
      const s = Buffer.from(['', 'hello', 'héllo wörld', 'a longer piece of text'][Math.floor(next() * 4)]);
      parts.push(tag(2), Buffer.from(varint(s.length)), s);
    } else if (kind === 4) {
      const b = Buffer.from(Array.from({ length: Math.floor(next() * 6) }, () => Math.floor(next() * 256)));
      parts.push(tag(2), Buffer.from(varint(b.length)), b);
    } else if (kind === 5) {
      const inner = randomMessage(next, depth + 1);
      parts.push(tag(2), Buffer.from(varint(inner.length)), inner);
    } else parts.push(tag(3), randomMessage(next, depth + 1), tag(4));
  }
  return Buffer.concat(parts);
}

describe('Protobuf without a schema, against protoc --decode_raw', () => {
  let t: ReturnType<typeof tempProtos>;
  before(() => (t = tempProtos(MARKET)));
  after(() => t.remove());

  test('a message with every wire type, nesting, packed runs, Any and maps reads as protoc reads it', () => {
    const bytes = encodeText(t.dir, 'a/market/ticker.proto', 'market.Everything', EVERYTHING_TEXT, MARKET_INCLUDES);
    sameAsProtoc(t.dir, bytes);
    const view = raw.decode(received(bytes))!;
    assert.equal(view.decoder, 'protobuf-raw');
    assert.equal(view.label, 'Protobuf (no schema)');
    const v = view.value as Record<string, unknown>;
    assert.equal(
      v[2],
      '18437736874454810623',
      'int64 -9007199254740993 as protoc prints it: unsigned, exact, a string',
    );
    assert.equal(v[1], 18446744073709551611n.toString(), 'a negative int32 is a ten-byte varint');
    assert.equal((v.$wire as Record<string, string>)[7], 'fixed32');
    assert.ok(!view.summary.includes('$wire'), 'the summary line leaves the wire notes out');
  });

  test('a group, and strings that happen to parse as messages (protoc guesses them nested too)', () => {
    sameAsProtoc(
      t.dir,
      encodeText(t.dir, 'a/legacy/legacy.proto', 'legacy.G', 'Result { url: "u" rank: 2 } n: 3', ['a']),
    );
    // "hi" is field 13 (varint 105): protoc shows it as a message, and so do we, marked as guessed.
    const hi = Buffer.from([0x0a, 0x02, 0x68, 0x69, 0x12, 0x00, 0x1a, 0x03, 0xff, 0xfe, 0x00]);
    sameAsProtoc(t.dir, hi);
    assert.deepEqual(raw.decode(received(hi))!.value, {
      1: { 13: 105, $wire: { 13: 'varint' } },
      2: '',
      3: '//4A',
      $wire: { 1: 'message (guessed)', 2: 'string', 3: 'bytes' },
    });
  });

  test('nesting deeper than protoc guesses: the levels below show as bytes, as protoc shows them', () => {
    let inner = Buffer.from([0x08, 0x01]);
    for (let i = 0; i < 14; i++) inner = Buffer.concat([Buffer.from([0x0a, inner.length]), inner]);
    sameAsProtoc(t.dir, inner);
  });

  test('200 random messages read field by field as protoc reads them', () => {
    let seed = 42;
    const next = () => (seed = (seed * 1103515245 + 12345) % 2 ** 31) / 2 ** 31;
    const all = Array.from({ length: 200 }, () => randomMessage(next, 0));
    // One protoc run for all: each message as a length-delimited field 1 of an outer message.
    const outer = Buffer.concat(all.map((m) => Buffer.concat([Buffer.from([0x0a, ...varint(m.length)]), m])));
    sameAsProtoc(t.dir, outer);
    for (const m of all.slice(0, 20)) sameAsProtoc(t.dir, m);
  });

  test('ranges: each field by path, repeated numbers by index, nested guesses too', () => {
    const bytes = Buffer.from([0x08, 0x96, 0x01, 0x12, 0x02, 0x08, 0x05, 0x08, 0x07]);
    const v = raw.decode(received(bytes))!;
    assert.deepEqual(v.value, {
      1: [150, 7],
      2: { 1: 5, $wire: { 1: 'varint' } },
      $wire: { 1: 'varint', 2: 'message (guessed)' },
    });
    const at = (p: string) =>
      v.ranges!.filter((r) => r.path === p).map((r) => bytes.subarray(r.start, r.end).toString('hex'));
    assert.deepEqual(at("$['1'][0]"), ['089601']);
    assert.deepEqual(at("$['1'][1]"), ['0807']);
    assert.deepEqual(at("$['1']").sort(), ['0807', '089601']);
    assert.deepEqual(at("$['2']"), ['12020805']);
    assert.deepEqual(at("$['2']['1']"), ['0805']);
  });

  test('not claimed: bytes that are not a well-formed message, text, nothing', () => {
    const no = (b: Buffer | number[], why: string) =>
      assert.equal(raw.decode(received(Buffer.from(b))), undefined, why);
    no(Buffer.from('{"price": 101}'), 'JSON');
    no(Buffer.from('hello world'), 'text');
    no(Buffer.from('hi\tthere\n'), 'printable text, even though it parses');
    no([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a], 'a PNG header');
    no([0x1f, 0x8b, 0x08, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x03], 'a gzip header');
    no([0x0a, 0x05, 0x61], 'a length past the end');
    no([0x08], 'a varint cut off');
    no([0x08, 0x01, 0x0c], 'an end-group tag with no group');
    no([0x0b, 0x08, 0x01], 'a group with no end');
    no([0x0b, 0x08, 0x01, 0x14], 'a group ended by another field');
    no([0x07, 0x01], 'wire type 7');
    no([0x00, 0x01], 'field number 0');
    no([0x88, 0x00, 0x01], 'an over-long tag');
    no([0x08, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x01], 'an 11-byte varint');
    no([0x0a, ...varint(2 ** 31), 0x61], 'a 2 GB declared length');
    no([], 'an empty payload');
    assert.equal(raw.sniff(received(Buffer.from([0x08, 0x01]))), true);
    assert.equal(raw.sniff(received(Buffer.from([0x07]))), false, 'wire type 7 in the first byte');
    assert.equal(raw.sniff(received(Buffer.from([0x03]))), false, 'field number 0 in the first byte');
    assert.equal(raw.sniff({ ...received(Buffer.from([0x08, 0x01])), kind: 'text' }), false);
  });

  test('hostile: a self-nested message 100,000 levels deep reads quickly (guessing stops; the rest is bytes)', () => {
    const whole = Buffer.concat([Buffer.from([0x0a]), selfNested(100_000)]);
    const t0 = performance.now();
    const v = raw.decode(received(whole));
    assert.ok(performance.now() - t0 < 200, `took ${performance.now() - t0} ms`);
    assert.ok(v);
    let depth = 0;
    let n = v.value as Record<string, unknown>;
    for (; typeof n[1] === 'object'; depth++) n = n[1] as Record<string, unknown>;
    assert.equal(depth, 10, 'ten levels guessed, as protoc guesses');
    assert.equal(typeof n[1], 'string', 'the rest shown as bytes');
  });
});
