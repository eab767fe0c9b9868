import assert from 'node:assert/strict';
import { readFileSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import fc from 'fast-check';
import { LineBatch } from '../../src/core/sessions/lineBatch';
import { SessionRecorder } from '../../src/core/sessions/recorder';
import { tempDir } from './session.protocols.servers';

// The recorder copies a text message's bytes into its line when they need no escaping: the line
// must be exactly the one JSON.stringify makes of the event, for any bytes and any time.

const asJson = (t: number, dir: 'sent' | 'received', payload: Buffer) =>
  `${JSON.stringify({ type: 'message', t, dir, kind: 'text', text: payload.toString('utf8') })}\n`;

test('LineBatch: a text message line is the JSON.stringify line, byte for byte, or refused', () => {
  fc.assert(
    fc.property(
      fc.oneof(
        fc.uint8Array({ maxLength: 64 }),
        fc.string({ unit: 'grapheme', maxLength: 40 }).map((s) => new TextEncoder().encode(s)),
      ),
      fc.oneof(fc.integer({ min: -5, max: 2 ** 40 }), fc.double({ noNaN: true, noDefaultInfinity: true })),
      fc.boolean(),
      (bytes, t, sent) => {
        const payload = Buffer.from(bytes);
        const dir = sent ? 'sent' : 'received';
        const batch = new LineBatch(64);
        const took = batch.textMessage(t, dir, payload);
        const written = Buffer.concat(batch.take()).toString('utf8');
        if (took) assert.equal(written, asJson(t, dir, payload));
        else assert.equal(written, '');
        // Refused only for invalid UTF-8 or a time that is not a whole number.
        const utf8 = Buffer.from(payload.toString('utf8')).equals(payload);
        assert.equal(took, utf8 && Number.isSafeInteger(t));
      },
    ),
    { numRuns: 3000 },
  );
});

test('LineBatch: lines across many buffers come back whole and in order', () => {
  const batch = new LineBatch(32);
  const expected: string[] = [];
  for (let i = 0; i < 200; i++) {
    const p = Buffer.from(`message ${i} ${'x'.repeat(i % 50)}`);
    if (i % 3 === 0) {
      batch.line(JSON.stringify({ type: 'note', t: i, text: `note ${i} "q"` }));
      expected.push(`${JSON.stringify({ type: 'note', t: i, text: `note ${i} "q"` })}\n`);
    }
    assert.ok(batch.textMessage(i, 'received', p));
    expected.push(asJson(i, 'received', p));
    if (i % 17 === 0) expected.push(...[]);
  }
  assert.equal(Buffer.concat(batch.take()).toString(), expected.join(''));
  assert.equal(batch.bytes, 0);
});

test('the recorder writes copied and escaped messages alike: the file reads back as the events', async () => {
  const dir = tempDir();
  try {
    const path = join(dir, 'lines.wslog');
    const rec = await SessionRecorder.create(path, { url: 'ws://127.0.0.1:1/', startedAt: 1000, flushBytes: 4096 });
    const texts = ['plain', 'with "quotes"', 'ünïcödé ✓', 'tab\there', '', 'back\\slash'];
    for (let i = 0; i < 3000; i++)
      rec.recordMessage({
        time: 1000 + i,
        direction: i % 2 ? 'sent' : 'received',
        kind: 'text',
        payload: Buffer.from(`${texts[i % texts.length]} ${i}`),
      });
    rec.recordMessage({ time: 5000, direction: 'received', kind: 'text', payload: Buffer.from([0x61, 0xff, 0x62]) });
    await rec.close();
    const lines = readFileSync(path, 'utf8')
      .trimEnd()
      .split('\n')
      .slice(1)
      .map((l) => JSON.parse(l) as { t: number; text: string; dir: string });
    assert.equal(lines.length, 3001);
    for (let i = 0; i < 3000; i++) {
      assert.equal(lines[i].text, `${texts[i % texts.length]} ${i}`);
      assert.equal(lines[i].t, i);
      assert.equal(lines[i].dir, i % 2 ? 'sent' : 'received');
    }
    assert.equal(lines[3000].text, 'a\ufffdb');
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
