import { test } from 'node:test';
import assert from 'node:assert/strict';
import { BUILTIN_DECODERS, DecoderPipeline, type MessageDecoder, type StoredMessage } from '../../src/core/decode';

const msg = (index: number, payload: string | Buffer, kind: 'text' | 'binary' = 'text'): StoredMessage => ({
  index,
  direction: 'received',
  kind,
  payload: Buffer.isBuffer(payload) ? payload : Buffer.from(payload),
});

test('built-in decoders: JSON text, JSON and UTF-8 in binary frames; plain text and real binary stay raw', () => {
  const p = new DecoderPipeline(BUILTIN_DECODERS);
  assert.deepEqual(p.decode(msg(0, '{"a":[1,2]}'))?.value, { a: [1, 2] });
  assert.equal(p.decode(msg(0, '{"a":[1,2]}'))?.label, 'JSON');
  const bin = p.decode(msg(1, Buffer.from(' [true]'), 'binary'));
  assert.deepEqual([bin?.decoder, bin?.label, bin?.value], ['json', 'JSON in a binary frame', [true]]);
  assert.deepEqual(p.decode(msg(2, Buffer.from('héllo'), 'binary'))?.value, 'héllo');
  assert.equal(p.decode(msg(3, 'hello')), undefined, 'plain text has no structured view');
  assert.equal(p.decode(msg(4, '{not json')), undefined, 'broken JSON is raw, not an error');
  assert.equal(p.decode(msg(5, Buffer.from([0xff, 0xfe, 0x00]), 'binary')), undefined, 'not UTF-8');
  assert.equal(p.decode(msg(6, Buffer.from([0x68, 0x00, 0x69]), 'binary')), undefined, 'a NUL is not text');
});

test('views are made once per message and cached; the cache is bounded (least recently used goes first)', () => {
  let calls = 0;
  const counting: MessageDecoder = {
    id: 'count',
    label: 'Counting',
    sniff: () => true,
    decode: (m) => (calls++, { decoder: 'count', label: 'Counting', value: m.index, summary: String(m.index) }),
  };
  const p = new DecoderPipeline([counting], 3);
  for (let round = 0; round < 5; round++) p.decode(msg(0, 'x'));
  assert.equal(calls, 1);
  p.decode(msg(1, 'x'));
  p.decode(msg(2, 'x'));
  p.decode(msg(0, 'x')); // 0 is now the most recent; 1 is the oldest
  p.decode(msg(3, 'x')); // drops 1
  assert.equal(calls, 4);
  p.decode(msg(0, 'x'));
  assert.equal(calls, 4, '0 stayed');
  p.decode(msg(1, 'x'));
  assert.equal(calls, 5, '1 was dropped and is made again');
  assert.equal(p.decodes, 5);
});

test("the user's choice wins over detection; raw turns decoding off; a decoder that throws decodes nothing", () => {
  const shouting: MessageDecoder = {
    id: 'shout',
    label: 'Shout',
    sniff: () => false, // never chosen by detection
    decode: (m) => ({ decoder: 'shout', label: 'Shout', value: m.payload.toString().toUpperCase(), summary: '' }),
  };
  const throwing: MessageDecoder = {
    id: 'throws',
    label: 'Throws',
    sniff: () => true,
    decode: () => {
      throw new Error('bad bytes');
    },
  };
  const p = new DecoderPipeline([throwing, shouting, ...BUILTIN_DECODERS]);
  assert.deepEqual(p.decode(msg(0, '{"a":1}'))?.value, { a: 1 }, 'the throwing decoder is skipped');
  p.choice = 'shout';
  assert.equal(p.decode(msg(0, '{"a":1}'))?.value, '{"A":1}', 'the choice clears the cache and wins');
  p.choice = 'raw';
  assert.equal(p.decode(msg(0, '{"a":1}')), undefined);
  p.choice = 'throws';
  assert.equal(p.decode(msg(0, '{"a":1}')), undefined);
  assert.deepEqual(p.candidates(msg(0, '{"a":1}')), ['json'], 'only decoders that sniff and decode are offered');
});
