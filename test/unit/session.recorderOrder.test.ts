import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { EchoServer } from '../../src/core/echoServer';
import { SessionHistory } from '../../src/core/sessions/history';
import { loadSession } from '../../src/core/sessions/load';
import { WebSocketTransport } from '../../src/core/transport';

/**
 * The panel listens to its connection before the history does, and a script or a protocol sends
 * its first message as soon as the connection opens: that message must come after the `open`
 * event in the recording, in the file and in time.
 */
test('a recording has the open event before the first message sent on open, with an earlier or equal time', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'wsi-order-'));
  const echo = await EchoServer.start();
  const connection = new WebSocketTransport({ url: `${echo.url}/order`, handshakeTimeout: 2000 });
  try {
    const echoed = new Promise<void>((resolve) => connection.onMessage((m) => m.direction === 'received' && resolve()));
    // Registered first, as the inspector's session is: it sends on open.
    connection.onState((s) => {
      if (s.phase === 'open') void connection.sendText('first');
    });
    const history = new SessionHistory(join(dir, 'history'));
    const recording = history.record(connection, { startedAt: Date.now() });
    await connection.connect();
    await echoed;
    const recorder = await recording;
    connection.dispose();
    await recorder.close();
    const session = await loadSession(recorder.path);
    if ('error' in session) assert.fail(session.error);
    const kinds = session.events.map((e) => (e.type === 'message' ? `${e.type} ${e.dir}` : e.type));
    assert.deepEqual(kinds.slice(0, 3), ['open', 'message sent', 'message received'], kinds.join(', '));
    const open = session.events[0];
    const sent = session.events[1];
    assert.ok(open.t <= sent.t, `open at ${open.t} ms, the first message at ${sent.t} ms`);
  } finally {
    connection.dispose();
    await echo.close();
    rmSync(dir, { recursive: true, force: true });
  }
});
