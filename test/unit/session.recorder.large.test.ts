import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import type { TransportMessage } from '../../src/core/transport';
import { SessionRecorder } from '../../src/core/sessions/recorder';
import { loadSession, type LoadResult } from '../../src/core/sessions/load';
import { sessionMessages } from '../../src/core/sessions/format';
import { LARGE_TEXT_BYTES } from '../../src/core/sessions/largeLine';

function loaded(r: LoadResult) {
  if ('error' in r) assert.fail(r.error);
  return r;
}

// Large text messages are written window by window; what the loader reads back must be the
// message exactly, whatever the windows cut through (escapes, multi-byte characters).

function frame(text: string, direction: 'sent' | 'received' = 'received'): TransportMessage {
  return { time: Date.now(), direction, kind: 'text', payload: Buffer.from(text, 'utf8') };
}

/** A text of about `bytes` bytes with quotes, backslashes, newlines, controls and 2–4-byte characters everywhere. */
function awkwardText(bytes: number): string {
  const parts = ['{"k":"v\\\\"}', '\n', '\t', '\u0001', 'é', '€', '😀', 'plain ascii words ', '\u2028'];
  let out = '';
  for (let i = 0; out.length < bytes; i++) out += parts[(i * 7) % parts.length];
  return out;
}

test('large text messages round-trip exactly through a recording, with small lines around them', async (t) => {
  const dir = mkdtempSync(join(tmpdir(), 'wsi-large-'));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  const path = join(dir, 'large.wslog');
  const recorder = await SessionRecorder.create(path, { url: 'ws://127.0.0.1:1/' });
  const awkward = awkwardText(3 * LARGE_TEXT_BYTES + 12345);
  const plain = 'x'.repeat(2 * LARGE_TEXT_BYTES + 1);
  const texts = ['small before', awkward, 'small between', plain, 'small after'];
  for (const text of texts) recorder.recordMessage(frame(text));
  await recorder.close();
  const session = loaded(await loadSession(path));
  const got = sessionMessages(session).map((m) => m.text);
  assert.equal(got.length, texts.length);
  texts.forEach((text, i) =>
    assert.ok(got[i] === text, `message ${i} (${text.length} characters) differs after loading`),
  );
});

test('a large text message that holds a secret is still redacted', async (t) => {
  const dir = mkdtempSync(join(tmpdir(), 'wsi-large-'));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  const path = join(dir, 'secret.wslog');
  const secret = 'sk-live-abcdef123456';
  const recorder = await SessionRecorder.create(path, { url: 'ws://127.0.0.1:1/', secrets: [secret] });
  recorder.recordMessage(frame('a'.repeat(LARGE_TEXT_BYTES) + secret + 'b'.repeat(100)));
  await recorder.close();
  const [message] = sessionMessages(loaded(await loadSession(path)));
  assert.ok(message.text !== undefined && !message.text.includes(secret), 'the secret reached the recording');
  assert.ok(message.text.startsWith('aaaa'));
});
