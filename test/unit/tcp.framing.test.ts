import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import {
  createFramer,
  encodeInput,
  formatFraming,
  frameOutgoing,
  parseFraming,
  reframe,
  suggestFraming,
  type Framing,
  type RawChunk,
} from '../../src/core/framing';

function spec(text: string): Framing {
  const r = parseFraming(text);
  if (!r.ok) throw new Error(r.error);
  return r.framing;
}

/** Feeds `chunks` to a framer and returns what came out. */
function cut(framing: Framing | string, chunks: Buffer[], max = 1024, end = true) {
  const out: Array<{ text: string; note?: string }> = [];
  const fatal: string[] = [];
  const f = createFramer(typeof framing === 'string' ? spec(framing) : framing, max, {
    message: (p, note) => out.push({ text: p.toString('latin1'), ...(note ? { note } : {}) }),
    fatal: (s) => fatal.push(s),
  });
  for (const c of chunks) f.push(c);
  if (end) f.end();
  return { out, fatal, texts: out.map((o) => o.text) };
}

const b = (s: string) => Buffer.from(s, 'latin1');

/** Every way of splitting `bytes` into two chunks. */
function splits(bytes: Buffer): Buffer[][] {
  const all: Buffer[][] = [];
  for (let i = 0; i <= bytes.length; i++) all.push([bytes.subarray(0, i), bytes.subarray(i)]);
  return all;
}

describe('tcp framing', () => {
  test('spellings parse and format back; bad ones say what is allowed', () => {
    for (const s of [
      'raw',
      'lf',
      'crlf',
      'nul',
      'delim=7c7c',
      'fixed=8',
      'prefix=4be',
      'prefix=2le+incl@3',
      'prefix=8be',
      'prefix=1be',
    ])
      assert.equal(formatFraming(spec(s)), s);
    assert.equal(formatFraming(spec('delim="END"')), 'delim=454e44');
    assert.equal(formatFraming(spec('prefix=4')), 'prefix=4be');
    for (const bad of ['prefix=3be', 'fixed=0', 'delim=abc', 'delim=', 'lines', 'prefix=4xx']) {
      const r = parseFraming(bad);
      assert.equal(r.ok, false, bad);
      if (!r.ok) assert.match(r.error, /Use raw, lf, crlf, nul/);
    }
  });

  test('raw: each chunk is a message, so segmentation shows', () => {
    assert.deepEqual(cut('raw', [b('ab'), b('c'), b('')]).texts, ['ab', 'c']);
  });

  test('delimiters: lf, crlf (split anywhere, even inside \\r\\n), nul, custom', () => {
    assert.deepEqual(cut('lf', [b('a\nbc\n\nd')]).out, [
      { text: 'a' },
      { text: 'bc' },
      { text: '' },
      { text: 'd', note: cut('lf', [b('d')]).out[0].note },
    ]);
    const stream = b('+OK\r\n+PONG\r\n$3\r\nfoo\r\n');
    for (const chunks of splits(stream)) assert.deepEqual(cut('crlf', chunks).texts, ['+OK', '+PONG', '$3', 'foo']);
    assert.deepEqual(cut('nul', [b('x\0y'), b('\0')]).texts, ['x', 'y']);
    const three = b('a<|>b<|><|c<|>');
    for (const chunks of splits(three)) assert.deepEqual(cut('delim="<|>"', chunks).texts, ['a', 'b', '<|c']);
    // One byte at a time.
    assert.deepEqual(
      cut(
        'delim="<|>"',
        [...three].map((x) => Buffer.from([x])),
      ).texts,
      ['a', 'b', '<|c'],
    );
  });

  test('a stream that never sends its delimiter is cut at the maximum with a note', () => {
    const r = cut('lf', [b('x'.repeat(10)), b('y'.repeat(10)), b('z\n')], 8);
    assert.deepEqual(r.texts, ['xxxxxxxx', 'xxyyyyyy', 'yyyyz']);
    assert.match(
      r.out[0].note!,
      /No delimiter \(0a\) within the maximum message size of 8 bytes: the message is cut there/,
    );
    assert.equal(r.out[2].note, undefined);
    // A long message found whole in one chunk is cut the same way.
    assert.deepEqual(cut('lf', [b('abcdefghij\n')], 4).texts, ['abcd', 'efgh', 'ij']);
  });

  test('fixed length, across chunks', () => {
    for (const chunks of splits(b('abcdefgh')))
      assert.deepEqual(cut('fixed=3', chunks, 1024, false).texts, ['abc', 'def']);
    const r = cut('fixed=3', [b('abcde')]);
    assert.deepEqual(r.texts, ['abc', 'de']);
    assert.match(r.out[1].note!, /ended in the middle of a message: 2 bytes of its 3 bytes arrived/);
  });

  test('length prefixes: 1/2/4/8 bytes, both byte orders, counting the prefix or not, at an offset', () => {
    const bodies = [b('hello'), b(''), b('x'.repeat(300))];
    for (const s of [
      'prefix=2be',
      'prefix=2le',
      'prefix=4be',
      'prefix=4le',
      'prefix=8be',
      'prefix=8le',
      'prefix=4be+incl',
      'prefix=2le+incl@3',
      'prefix=4be@1',
    ]) {
      const framing = spec(s);
      const wire = Buffer.concat(bodies.map((x) => frameOutgoing(framing, x)));
      const expected = bodies.map((x) => x.toString('latin1'));
      for (const chunks of splits(wire)) assert.deepEqual(cut(framing, chunks, 1024, false).texts, expected, s);
      assert.deepEqual(
        cut(
          framing,
          [...wire].map((x) => Buffer.from([x])),
          1024,
          false,
        ).texts,
        expected,
        `${s} bytewise`,
      );
    }
    assert.deepEqual(cut('prefix=1be', [Buffer.from([2, 0x61, 0x62, 1, 0x63])]).texts, ['ab', 'c']);
    assert.throws(() => frameOutgoing(spec('prefix=1be'), Buffer.alloc(256)), /does not fit a 1-byte length prefix/);
    // The header bytes before the length are kept out of the message; their value is free.
    const withHeader = Buffer.concat([b('\x07\x07\x07'), Buffer.from([0, 2]), b('hi')]);
    assert.deepEqual(cut('prefix=2be@3', [withHeader]).texts, ['hi']);
  });

  test('a length prefix claiming 4 GB stops at the maximum with a sentence; the framer takes nothing more', () => {
    const r = cut(
      'prefix=4be',
      [
        Buffer.concat([Buffer.from([0, 0, 0, 2]), b('ok'), Buffer.from([0xff, 0xff, 0xff, 0xff]), b('junk')]),
        b('more'),
      ],
      1024,
    );
    assert.deepEqual(r.texts, ['ok']);
    assert.equal(r.fatal.length, 1);
    assert.match(
      r.fatal[0],
      /A length prefix claims a message of 4096\.0 MB, over the maximum message size of 1\.0 KB: the stream cannot be cut after it, so the connection is closed\./,
    );
    const incl = cut('prefix=2be+incl', [Buffer.from([0, 1, 9])]);
    assert.match(incl.fatal[0], /says 1 bytes, fewer than the 2 bytes of header it counts/);
    // 8-byte lengths past 2^53 are refused the same way.
    assert.match(cut('prefix=8be', [Buffer.alloc(8, 0xff)]).fatal[0], /over the maximum message size/);
  });

  test('suggestions from the first bytes', () => {
    assert.equal(formatFraming(suggestFraming(b('+OK\r\n')).framing), 'crlf');
    assert.equal(formatFraming(suggestFraming(b('{"a":1}\n{"b"')).framing), 'lf');
    assert.equal(
      formatFraming(suggestFraming(Buffer.concat([Buffer.from([0, 0, 0, 5]), b('hello')])).framing),
      'prefix=4be',
    );
    assert.equal(
      formatFraming(suggestFraming(Buffer.concat([Buffer.from([0, 0, 0, 200]), b('partial')])).framing),
      'prefix=4be',
    );
    assert.equal(formatFraming(suggestFraming(Buffer.from([0, 2, 1, 2, 0, 1, 9])).framing), 'prefix=2be');
    assert.equal(formatFraming(suggestFraming(b('hello')).framing), 'raw');
    assert.equal(formatFraming(suggestFraming(Buffer.from([0xff, 0xfe, 0x01])).framing), 'raw');
    assert.match(suggestFraming(b('a\r\n')).why, /\\r\\n/);
  });

  test('reframe: the same recorded chunks cut with another framing, each direction on its own', () => {
    const chunks: RawChunk[] = [
      { time: 1, direction: 'sent', bytes: b('PING\r\n') },
      { time: 2, direction: 'received', bytes: b('+PO') },
      { time: 3, direction: 'received', bytes: b('NG\r\n+OK\r\n') },
    ];
    const raw = reframe(chunks, spec('raw'));
    assert.deepEqual(
      raw.messages.map((m) => [m.direction, m.payload.toString()]),
      [
        ['sent', 'PING\r\n'],
        ['received', '+PO'],
        ['received', 'NG\r\n+OK\r\n'],
      ],
    );
    const lines = reframe(chunks, spec('crlf'));
    assert.deepEqual(
      lines.messages.map((m) => [m.time, m.direction, m.payload.toString()]),
      [
        [1, 'sent', 'PING'],
        [3, 'received', '+PONG'],
        [3, 'received', '+OK'],
      ],
    );
    assert.match(reframe(chunks, spec('prefix=4be'), 1000).errors[0], /over the maximum message size/);
  });

  test('sending: delimiter appended when missing, prefix added, composer encodings', () => {
    assert.equal(frameOutgoing(spec('crlf'), b('PING')).toString(), 'PING\r\n');
    assert.equal(frameOutgoing(spec('crlf'), b('PING\r\n')).toString(), 'PING\r\n');
    assert.deepEqual([...frameOutgoing(spec('prefix=2le+incl'), b('ab'))], [4, 0, 0x61, 0x62]);
    assert.equal(frameOutgoing(spec('raw'), b('x')).toString(), 'x');
    const enc = (s: string, how: Parameters<typeof encodeInput>[1]) => {
      const r = encodeInput(s, how);
      return r.ok ? r.bytes.toString('latin1') : r.error;
    };
    assert.equal(enc('a\nb', { encoding: 'text', lineEnding: 'crlf' }), 'a\r\nb\r\n');
    assert.equal(enc('a\r\nb', { encoding: 'text', lineEnding: 'lf' }), 'a\nb\n');
    assert.equal(enc('a', { encoding: 'text', lineEnding: 'none' }), 'a');
    assert.equal(enc('a\n', { encoding: 'text' }), 'a\n');
    assert.equal(enc('0d 0a', { encoding: 'hex' }), '\r\n');
    assert.equal(enc('aGk=', { encoding: 'base64' }), 'hi');
    assert.match(enc('zz', { encoding: 'hex' }), /hex/i);
  });
});
