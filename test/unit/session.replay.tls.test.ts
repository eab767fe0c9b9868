import assert from 'node:assert/strict';
import { rmSync } from 'node:fs';
import { after, before, describe, test } from 'node:test';
import { newHeader, type Session } from '../../src/core/sessions/format';
import { replaySession } from '../../src/core/sessions/replay';
import { hasOpenssl, makePki, startWssServer, type Pki } from './protocol.servers';

/** A recording of one text message sent, echoed back. */
function echoRecording(url: string): Session {
  return {
    header: newHeader(url, { options: {}, startedAt: new Date().toISOString() }),
    events: [
      { type: 'open', t: 0 },
      { type: 'message', t: 5, dir: 'sent', kind: 'text', text: 'hello' },
      { type: 'message', t: 6, dir: 'received', kind: 'text', text: 'hello' },
      { type: 'close', t: 10, code: 1000, reason: '', byClient: true },
    ],
  };
}

describe('replay: TLS and proxy settings', { skip: hasOpenssl() ? false : 'openssl is not installed' }, () => {
  let pki: Pki;
  before(() => {
    pki = makePki();
  });
  after(() => {
    if (pki) rmSync(pki.dir, { recursive: true, force: true });
  });

  test('a replay against a wss:// server of a private CA succeeds with the CA given as an option', async () => {
    const srv = await startWssServer(pki.server);
    try {
      const refused = replaySession(echoRecording(srv.url), {
        timing: { speed: 1e6 },
        waitForAnswers: true,
        lingerMs: 0,
      });
      const without = await refused.result;
      assert.equal(without.ok, false, 'without the CA the certificate is not trusted');
      refused.connection.dispose();

      const replay = replaySession(echoRecording(srv.url), {
        timing: { speed: 1e6 },
        waitForAnswers: true,
        lingerMs: 0,
        transport: { ca: pki.caCert },
      });
      const result = await replay.result;
      replay.connection.dispose();
      assert.equal(result.ok, true, result.error);
      assert.equal(result.sent, 1);
      assert.deepEqual(
        result.live.map((m) => m.text),
        ['hello'],
      );
    } finally {
      await srv.close();
    }
  });
});
