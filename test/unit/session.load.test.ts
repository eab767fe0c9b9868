import { test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { serializeSession, newHeader, type Session } from '../../src/core/sessions/format';
import { parseSession, loadSession } from '../../src/core/sessions/load';

function sample(): Session {
  return {
    header: newHeader('ws://127.0.0.1:9/x', {
      options: { headers: { 'X-A': '1' }, protocols: ['chat'] },
      startedAt: '2024-01-01T00:00:00.000Z',
    }),
    events: [
      { type: 'open', t: 3, protocol: 'chat', extensions: '' },
      { type: 'message', t: 5, dir: 'sent', kind: 'text', text: 'hi' },
      { type: 'message', t: 9, dir: 'received', kind: 'binary', base64: 'AAEC' },
      { type: 'ping', t: 10, dir: 'received' },
      { type: 'pong', t: 11, dir: 'sent' },
      { type: 'error', t: 12, message: 'oops' },
      { type: 'close', t: 20, code: 1000, reason: 'bye', byClient: true },
      { type: 'reconnect', t: 30 },
      { type: 'open', t: 31 },
    ],
  };
}

test('loads what serializeSession writes, and fills the handshake from the first open', () => {
  const r = parseSession(serializeSession(sample()));
  assert.ok(!('error' in r));
  assert.deepEqual(r.events, sample().events);
  assert.deepEqual(r.notices, []);
  assert.equal(r.header.handshake?.protocol, 'chat');
});

test('a torn last line is ignored with a notice; bad lines in the middle are skipped by number', () => {
  const text = serializeSession(sample());
  const torn = text.slice(0, text.length - 10);
  const r = parseSession(torn);
  assert.ok(!('error' in r));
  assert.equal(r.events.length, 8);
  assert.deepEqual(r.notices, ['The last line was incomplete (the recording was cut off); 8 events loaded.']);

  const lines = text.split('\n');
  lines.splice(
    2,
    0,
    '{"type":"message","t":1,"dir":"up","kind":"text","text":"x"}',
    'garbage',
    '{"type":"teleport","t":1}',
  );
  const m = parseSession(lines.join('\n'));
  assert.ok(!('error' in m));
  assert.equal(m.events.length, 9);
  assert.deepEqual(m.notices, [
    'Line 3 was skipped: a message needs "dir": "sent" or "received".',
    'Line 4 was skipped: not JSON.',
    'Line 5 was skipped: unknown event type "teleport".',
  ]);
});

test('not a recording, empty, newer version, missing file: an error sentence', async () => {
  for (const [input, pattern] of [
    ['', /empty/],
    ['{"hello":1}\n', /not a \.wslog recording/],
    ['{"type":"header","format":"wslog","version":99,"url":"ws://x"}\n', /version 99/],
  ] as const) {
    const r = parseSession(input);
    assert.ok('error' in r && pattern.test(r.error), JSON.stringify(r));
  }
  const missing = await loadSession('/nonexistent/dir/x.wslog');
  assert.ok('error' in missing && /Cannot read the recording/.test(missing.error));
  const fromText = await loadSession({ text: serializeSession(sample()) });
  assert.ok(!('error' in fromText));
});

test('many bad lines: the first 20 are named, the rest counted', () => {
  const text = `${JSON.stringify(sample().header)}\n${'nope\n'.repeat(50)}`;
  const r = parseSession(text);
  assert.ok(!('error' in r));
  assert.equal(r.notices.length, 21);
  assert.equal(r.notices[20], '30 more bad lines were skipped.');
});

test('fuzz: random and truncated input never throws and never hangs', () => {
  const good = serializeSession(sample());
  fc.assert(
    fc.property(fc.string({ unit: 'binary', maxLength: 3000 }), (text) => {
      const r = parseSession(text);
      assert.ok('error' in r || Array.isArray(r.events));
    }),
    { numRuns: 500 },
  );
  fc.assert(
    fc.property(fc.nat(good.length), fc.uint8Array({ maxLength: 40 }), fc.nat(good.length), (cut, junk, at) => {
      const bytes = Buffer.concat([
        Buffer.from(good.slice(0, at)),
        Buffer.from(junk),
        Buffer.from(good.slice(at, cut)),
      ]);
      const r = parseSession(bytes);
      assert.ok('error' in r || r.events.every((e) => typeof e.t === 'number'));
    }),
    { numRuns: 1000 },
  );
  // Lines built from the format's own pieces, shuffled and cut.
  const piece = fc.oneof(
    fc.constantFrom(...good.split('\n')),
    fc.jsonValue().map((v) => JSON.stringify(v)),
    fc
      .record({
        type: fc.constantFrom('message', 'open', 'close', 'ping', 'error'),
        t: fc.oneof(fc.double(), fc.string()),
        dir: fc.constantFrom('sent', 'received', 1),
        kind: fc.constantFrom('text', 'binary', null),
        text: fc.anything(),
        base64: fc.string(),
      })
      .map((o) => JSON.stringify(o)),
  );
  fc.assert(
    fc.property(fc.array(piece, { maxLength: 30 }), fc.boolean(), (lines, header) => {
      const text = `${header ? `${JSON.stringify(sample().header)}\n` : ''}${lines.join('\n')}`;
      const started = Date.now();
      const r = parseSession(text);
      assert.ok(Date.now() - started < 1000);
      if (!('error' in r))
        for (const e of r.events)
          assert.ok(['message', 'open', 'close', 'ping', 'pong', 'error', 'reconnect', 'note'].includes(e.type));
    }),
    { numRuns: 500 },
  );
});

test('a 5 MB line of one message loads quickly', () => {
  const big = 'z'.repeat(5 * 1024 * 1024);
  const text = `${JSON.stringify(sample().header)}\n${JSON.stringify({ type: 'message', t: 1, dir: 'received', kind: 'text', text: big })}\n`;
  const started = Date.now();
  const r = parseSession(text);
  assert.ok(!('error' in r));
  assert.equal(r.events[0].type === 'message' && r.events[0].text?.length, big.length);
  assert.ok(Date.now() - started < 2000);
});
