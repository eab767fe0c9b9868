import assert from 'node:assert/strict';
import { readFileSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { WebSocketTransport } from '../../src/core/transport';
import { hasOpenssl, makePki, startWssServer, type Pki } from './protocol.servers';

describe('protocol: TLS', { skip: hasOpenssl() ? false : 'openssl is not installed' }, () => {
  let pki: Pki;
  const cleanups: Array<() => Promise<void> | void> = [];
  before(() => {
    pki = makePki();
  });
  after(async () => {
    for (const c of cleanups.reverse()) await c();
    if (pki) rmSync(pki.dir, { recursive: true, force: true });
  });

  test('a self-signed certificate is refused by default, with a sentence saying how to trust it', async () => {
    const srv = await startWssServer(pki.selfSigned);
    cleanups.push(() => srv.close());
    const c = new WebSocketTransport({ url: srv.url, handshakeTimeout: 3000 });
    cleanups.push(() => c.dispose());
    await assert.rejects(
      c.connect(),
      /self-signed TLS certificate, which is not trusted\. To trust it, add the PEM file of the CA .*websocketInspector\.tls\.caFiles.*# @insecure/,
    );
    assert.equal(c.state.phase, 'error');
    assert.match(c.handshake!.error ?? '', /self-signed/);
  });

  test('the insecure option accepts it for this connection, and the handshake shows why it did not verify', async () => {
    const srv = await startWssServer(pki.selfSigned);
    cleanups.push(() => srv.close());
    const c = new WebSocketTransport({ url: srv.url, handshakeTimeout: 3000, insecure: true });
    cleanups.push(() => c.dispose());
    await c.connect();
    const tls = c.handshake!.tls!;
    assert.equal(tls.authorized, false);
    assert.equal(tls.authorizationError, 'DEPTH_ZERO_SELF_SIGNED_CERT');
    assert.equal(tls.certificates[0].subject, 'CN=localhost');
    assert.equal(tls.certificates[0].selfSigned, true);
  });

  test('a server certificate from a private CA verifies once the CA is given; TLS details are recorded', async () => {
    const srv = await startWssServer(pki.server);
    cleanups.push(() => srv.close());
    const refused = new WebSocketTransport({ url: srv.url, handshakeTimeout: 3000 });
    cleanups.push(() => refused.dispose());
    await assert.rejects(refused.connect(), /not trusted|CA this machine does not know/);

    const c = new WebSocketTransport({ url: srv.url, handshakeTimeout: 3000, ca: pki.caCert });
    cleanups.push(() => c.dispose());
    await c.connect();
    const h = c.handshake!;
    const tls = h.tls!;
    assert.match(tls.version, /^TLSv1\.[23]$/);
    assert.ok(tls.cipher.length > 0);
    assert.equal(tls.authorized, true);
    assert.equal(tls.alpn, undefined);
    const leaf = tls.certificates[0];
    assert.equal(leaf.subject, 'CN=localhost');
    assert.equal(leaf.issuer, 'CN=WSI Test CA');
    assert.deepEqual(leaf.subjectAltNames, ['DNS:localhost', 'IP Address:127.0.0.1']);
    assert.match(leaf.fingerprint256, /^([0-9A-F]{2}:){31}[0-9A-F]{2}$/);
    assert.ok(Date.parse(leaf.validTo) > Date.now());
    assert.equal(leaf.selfSigned, false);
    assert.ok(h.timings.tlsMs !== undefined && h.timings.tlsMs >= 0, 'TLS time measured');

    // The CA as PEM text works as well as a path.
    const pem = new WebSocketTransport({
      url: srv.url,
      handshakeTimeout: 3000,
      ca: [readFileSync(pki.caCert, 'utf8')],
    });
    cleanups.push(() => pem.dispose());
    await pem.connect();
  });

  test('a certificate for another host name is refused with a sentence naming the problem', async () => {
    const srv = await startWssServer(pki.otherHost);
    cleanups.push(() => srv.close());
    const c = new WebSocketTransport({ url: srv.url, handshakeTimeout: 3000, ca: pki.caCert });
    cleanups.push(() => c.dispose());
    await assert.rejects(c.connect(), /not valid for this host name.*other\.test/);
  });

  test('a server that requires a client certificate: refused without, open with cert and key', async () => {
    const srv = await startWssServer(pki.server, { requestCert: true, ca: pki.caCert });
    cleanups.push(() => srv.close());
    const without = new WebSocketTransport({ url: srv.url, handshakeTimeout: 3000, ca: pki.caCert });
    cleanups.push(() => without.dispose());
    await assert.rejects(without.connect(), /requires a client certificate/);

    const c = new WebSocketTransport({
      url: srv.url,
      handshakeTimeout: 3000,
      ca: pki.caCert,
      cert: pki.client.cert,
      key: pki.client.key,
    });
    cleanups.push(() => c.dispose());
    await c.connect();
    assert.deepEqual(srv.peers, ['wsi test client']);
    await c.sendText('over mutual TLS');
  });

  test('a TLS file that cannot be read is a sentence, before any network traffic', async () => {
    const c = new WebSocketTransport({
      url: 'wss://127.0.0.1:1/',
      handshakeTimeout: 1000,
      ca: join(pki.dir, 'missing.crt'),
    });
    cleanups.push(() => c.dispose());
    await assert.rejects(c.connect(), /Could not read the CA certificate ".*missing\.crt": there is no such file\./);
  });
});
