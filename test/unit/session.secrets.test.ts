import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, test } from 'node:test';
import { WebSocketTransport } from '../../src/core/transport';
import { MASK, maskHeaders, maskSecrets, maskUrl } from '../../src/core/mask';
import { exportAsWsFile } from '../../src/core/sessions/exportWs';
import { exportHar } from '../../src/core/sessions/har';
import { loadSession } from '../../src/core/sessions/load';
import { SessionRecorder } from '../../src/core/sessions/recorder';
import { startWsServer, waitFor } from './helpers';

/** Records one real exchange with `ws://user:pass@…/?token=abc&x=1`; the server adds headers of its own. */
async function recordSecretSession(
  redact: boolean,
): Promise<{ file: string; text: string; session: Awaited<ReturnType<typeof loadSession>> }> {
  const srv = await startWsServer();
  const dir = mkdtempSync(join(tmpdir(), 'wsi-secrets-'));
  const connection = new WebSocketTransport({
    url: srv.url.replace('ws://', 'ws://user:pass@') + '/?token=abc&x=1',
    handshakeTimeout: 2000,
  });
  try {
    srv.server.on('headers', (headers) =>
      headers.push('X-Served-By: test-server', 'Set-Cookie: session=cookie-secret-1'),
    );
    srv.server.on('connection', (ws) => ws.on('message', (d) => ws.send(`echo ${d.toString()}`)));
    const file = join(dir, 'r.wslog');
    const recorder = await SessionRecorder.forConnection(file, connection, { redact });
    await connection.connect();
    await connection.sendText('hello');
    await waitFor(() => connection.state.phase === 'open' && recorder.eventCount >= 3, 2000, 'the echo recorded');
    connection.close(1000, '');
    await waitFor(() => connection.state.phase === 'closed', 2000, 'the close');
    await recorder.close();
    const text = readFileSync(file, 'utf8');
    return { file, text, session: await loadSession(file) };
  } finally {
    connection.dispose();
    await srv.close();
    rmSync(dir, { recursive: true, force: true });
  }
}

describe('secrets in recordings and exports', () => {
  test('a recording, its HAR and its .ws export hold neither the URL password nor the token', async () => {
    const { text, session } = await recordSecretSession(true);
    if ('error' in session) assert.fail(session.error);
    const har = JSON.stringify(exportHar(session));
    const ws = exportAsWsFile(session);
    for (const [what, out] of [
      ['the .wslog', text],
      ['the HAR', har],
      ['the .ws export', ws],
    ] as const) {
      assert.ok(!out.includes('pass'), `${what} holds the password: ${out.slice(0, 400)}`);
      assert.ok(!out.includes('abc'), `${what} holds the token`);
      assert.ok(!out.includes('cookie-secret-1'), `${what} holds the Set-Cookie value`);
      assert.ok(out.includes('x=1'), `${what} keeps the harmless query value`);
    }
    assert.equal(session.header.url.includes(MASK), true);
  });

  test('exports mask credentials even when the recording kept them (history.redactSecrets off)', async () => {
    const { text, session } = await recordSecretSession(false);
    if ('error' in session) assert.fail(session.error);
    assert.ok(text.includes('pass'), 'redact off keeps the recording as it was');
    const har = JSON.stringify(exportHar(session));
    const ws = exportAsWsFile(session);
    for (const out of [har, ws]) {
      assert.ok(!out.includes('user:pass'), out.slice(0, 300));
      assert.ok(!out.includes('token=abc'));
      assert.ok(!out.includes('cookie-secret-1'));
    }
  });

  test('a recording of a real connection holds the server response headers, Set-Cookie masked', async () => {
    const { session } = await recordSecretSession(true);
    if ('error' in session) assert.fail(session.error);
    const open = session.events.find((e) => e.type === 'open');
    assert.ok(open && open.type === 'open' && open.response, 'the open event carries the response');
    assert.equal(open.response.status, 101);
    assert.equal(open.response.headers['X-Served-By'], 'test-server');
    assert.equal(open.response.headers['Set-Cookie'], MASK);
    const har = exportHar(session) as {
      log: { entries: Array<{ response: { headers: Array<{ name: string; value: string }> } }> };
    };
    assert.ok(
      har.log.entries[0].response.headers.some((h) => h.name === 'X-Served-By' && h.value === 'test-server'),
      'the HAR has them too',
    );
  });

  test('one mask string for URLs, headers and text', () => {
    assert.equal(maskUrl('ws://u:p4ss@h/?api_key=k&x=1'), `ws://u:${MASK}@h/?api_key=${MASK}&x=1`);
    assert.deepEqual(maskHeaders({ Authorization: 'Bearer t', 'X-A': 'has sekret' }, ['sekret']), {
      Authorization: MASK,
      'X-A': `has ${MASK}`,
    });
    assert.equal(maskSecrets('a sekret b', ['sekret']), `a ${MASK} b`);
  });
});
