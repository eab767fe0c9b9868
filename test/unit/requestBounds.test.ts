import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { InspectorSession } from '../../src/core/inspector/session';
import { PROTOCOL_VERSION, type ToWebview } from '../../src/shared/protocol';
import { RequestBounds, type Timers } from '../../webview/requestBounds';

/** A clock the test moves by hand: no real time passes. */
function fakeClock(): Timers & { advance(ms: number): void } {
  let now = 0;
  let next = 1;
  const due = new Map<number, { at: number; run: () => void }>();
  return {
    set: (run, ms) => {
      const id = next++;
      due.set(id, { at: now + ms, run });
      return id;
    },
    clear: (handle) => void due.delete(handle as number),
    advance(ms) {
      now += ms;
      for (const [id, t] of [...due]) {
        if (t.at <= now) {
          due.delete(id);
          t.run();
        }
      }
    },
  };
}

describe('Send file: no time bound while the dialog is open', () => {
  test('a request whose host reports the dialog open does not time out, then gets the whole bound again', () => {
    const clock = fakeClock();
    const timedOut: number[] = [];
    const bounds = new RequestBounds(15_000, (id) => timedOut.push(id), clock);
    bounds.start(1);
    bounds.start(2);
    bounds.waitingForUser(1, true);
    clock.advance(60_000);
    assert.deepEqual(timedOut, [2], 'only the request without a dialog timed out');
    bounds.waitingForUser(1, false);
    clock.advance(14_000);
    assert.deepEqual(timedOut, [2], 'the bound restarts when the dialog closes');
    bounds.settle(1);
    clock.advance(10_000);
    assert.deepEqual(timedOut, [2], 'a settled request never times out');
    bounds.waitingForUser(1, false);
    clock.advance(20_000);
    assert.deepEqual(timedOut, [2], 'progress after the reply starts nothing');
  });

  test('the session tells the view the dialog is open before it answers, and when it closed', async () => {
    const posted: ToWebview[] = [];
    const session = new InspectorSession({ url: 'ws://127.0.0.1:9/', handshakeTimeout: 2000 }, (m) => posted.push(m));
    try {
      session.handle({ type: 'ready', protocolVersion: PROTOCOL_VERSION });
      posted.length = 0;
      let close!: (file: string | undefined) => void;
      const dialog = new Promise<string | undefined>((resolve) => (close = resolve));
      let sentFile: string | undefined;
      session.answerAfterDialog(
        7,
        () => dialog,
        (file) => {
          sentFile = file;
          return Promise.resolve(undefined);
        },
      );
      assert.deepEqual(
        posted,
        [{ type: 'requestProgress', id: 7, waitingForUser: true }],
        'said at once, while the dialog is open',
      );
      close('a.bin');
      const deadline = Date.now() + 2000;
      while (!posted.some((m) => m.type === 'response') && Date.now() < deadline)
        await new Promise((r) => setImmediate(r));
      assert.deepEqual(
        posted.map((m) => (m.type === 'requestProgress' ? `progress ${m.waitingForUser}` : m.type)),
        ['progress true', 'progress false', 'response'],
      );
      assert.equal(sentFile, 'a.bin');
    } finally {
      session.dispose();
    }
  });
});
