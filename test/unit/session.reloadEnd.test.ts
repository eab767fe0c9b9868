import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { EchoServer } from '../../src/core/echoServer';
import { NO_ACTIONS } from '../../src/core/inspector/actions';
import { InspectorSession } from '../../src/core/inspector/session';
import { SessionHistory } from '../../src/core/sessions/history';
import { loadSession } from '../../src/core/sessions/load';
import type { Session } from '../../src/core/sessions/format';
import { WebSocketTransport } from '../../src/core/transport';

/** Records a real connection to the echo server; `end` decides how it ends before the "reload". */
async function record(dir: string, url: string, end: (c: WebSocketTransport) => Promise<void>): Promise<Session> {
  const connection = new WebSocketTransport({ url, handshakeTimeout: 2000 });
  const recording = new SessionHistory(join(dir, 'history')).record(connection, { startedAt: Date.now() });
  await connection.connect();
  await connection.sendText('hello');
  await end(connection);
  const recorder = await recording;
  await recorder.close();
  connection.dispose();
  const session = await loadSession(recorder.path);
  if ('error' in session) assert.fail(session.error);
  return session;
}

/** The state a panel restored after a reload shows for that recording. */
function restored(url: string, recorded: Session): string {
  const session = new InspectorSession({ url, handshakeTimeout: 1000 }, () => undefined, undefined, NO_ACTIONS);
  try {
    session.markEndedByReload(recorded);
    const state = session.state;
    assert.ok(state.phase === 'closed' || state.phase === 'error');
    return state.message;
  } finally {
    session.dispose();
  }
}

test('after a reload, a connection the user had closed with 4001 says so, not "ended with the window reload"', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'wsi-reload-'));
  const echo = await EchoServer.start();
  try {
    const url = `${echo.url}/closed`;
    const closed = await record(dir, url, async (c) => {
      const done = new Promise<void>((resolve) => c.onState((s) => s.phase === 'closed' && resolve()));
      c.close(4001, 'done here');
      await done;
    });
    const message = restored(url, closed);
    assert.doesNotMatch(message, /ended with the window reload/);
    assert.match(
      message,
      /^You closed the connection: 4001 \(application-defined\) "done here"\. That was before the window reload\./,
    );
    assert.match(message, /Its 2 messages are shown from the recording\. Reconnect to open it again\.$/);
    // A connection still open at the reload keeps its sentence.
    const open = await record(dir, `${echo.url}/open`, () => Promise.resolve());
    assert.match(restored(`${echo.url}/open`, open), /^The connection ended with the window reload\. Its 2 messages/);
  } finally {
    await echo.close();
    rmSync(dir, { recursive: true, force: true });
  }
});
