import assert from 'node:assert/strict';
import { rmSync } from 'node:fs';
import { after, before, describe, test } from 'node:test';
import { reframe, parseFraming } from '../../src/core/framing';
import { TcpEchoServer } from '../../src/core/tcpEchoServer';
import { createTransport, TcpTransport, type TransportOptions } from '../../src/core/transport';
import { closedPort, collectRows, waitFor, type Row } from './helpers';
import { hasOpenssl, makePki, type Pki } from './protocol.servers';
import { redisLike, startTcpServer, startTlsServer, type RawServer } from './tcp.servers';

const opts = (url: string, extra: Partial<TransportOptions> = {}): TransportOptions => ({
  url,
  handshakeTimeout: 3000,
  ...extra,
});

const received = (rows: Row[]) =>
  rows.filter((r) => r.direction === 'received').map((r) => r.payload.toString('latin1'));
const ended = (t: TcpTransport) => {
  const s = t.state;
  assert.equal(s.phase, 'closed');
  return s.phase === 'closed' ? s : { code: -1, message: '' };
};
const notes = (rows: Row[]) => rows.filter((r) => r.direction === 'event').map((r) => r.payload.toString());

describe('tcp transport', () => {
  const servers: RawServer[] = [];
  const transports: TcpTransport[] = [];
  const open = (url: string, extra: Partial<TransportOptions> = {}) => {
    const t = createTransport(opts(url, extra));
    assert.ok(t instanceof TcpTransport);
    transports.push(t);
    return t;
  };
  after(async () => {
    for (const t of transports) t.dispose();
    for (const s of servers) await s.close();
  });

  test('a Redis-like line protocol: PING → +PONG, framed with crlf both ways; raw chunks kept for reframe', async () => {
    const srv = await startTcpServer(redisLike);
    servers.push(srv);
    const t = open(srv.url, { framing: 'crlf' });
    const rows = collectRows(t, []);
    await t.connect();
    assert.equal(t.state.phase, 'open');
    assert.equal(t.handshake?.ok, true);
    assert.equal(t.handshake?.remoteAddress, `127.0.0.1:${srv.port}`);
    await t.sendText('PING');
    await t.sendText('ECHO hi there');
    await waitFor(() => received(rows).length >= 3, 3000, 'three replies');
    assert.deepEqual(received(rows), ['+PONG', '$8', 'hi there']);
    assert.deepEqual(
      rows.filter((r) => r.direction === 'sent').map((r) => r.payload.toString()),
      ['PING', 'ECHO hi there'],
    );
    assert.equal(t.wireBytes.sent, 'PING\r\nECHO hi there\r\n'.length);
    // The same bytes under another framing, without reconnecting.
    const again = reframe(
      t.chunks.all(),
      parseFraming('lf').ok ? { kind: 'delimiter', delimiter: Buffer.from('\n') } : { kind: 'raw' },
    );
    assert.deepEqual(
      again.messages.filter((m) => m.direction === 'received').map((m) => m.payload.toString()),
      ['+PONG\r', '$8\r', 'hi there\r'],
    );
    // Framing changed live.
    t.setFraming('raw');
    await t.sendText('PING\r\n');
    await waitFor(() => received(rows).length >= 4, 3000, 'raw reply');
    assert.equal(received(rows)[3], '+PONG\r\n');
    // QUIT: the server answers and ends; the end is an orderly close.
    const closed = new Promise<void>((resolve) => t.onState((s) => s.phase === 'closed' && resolve()));
    await t.sendText('QUIT\r\n');
    await closed;
    assert.equal(ended(t).code, 1000);
    assert.match(ended(t).message, /closed the connection\./);
  });

  test('close() half-closes: the server still answers, then ends its side', async () => {
    const srv = await startTcpServer((s) => s.on('end', () => s.end('bye')));
    servers.push(srv);
    const t = open(srv.url);
    const rows = collectRows(t, []);
    await t.connect();
    const closed = new Promise<void>((resolve) => t.onState((s) => s.phase === 'closed' && resolve()));
    t.close();
    await closed;
    assert.deepEqual(received(rows), ['bye']);
    assert.equal(t.closeAnswered, true);
    assert.equal(ended(t).message, 'Closed by you.');
    await assert.rejects(t.sendText('x'), /Not connected/);
  });

  test('the TCP echo server in prefix and line mode', async () => {
    for (const mode of ['prefix', 'line'] as const) {
      const echo = await TcpEchoServer.start({ mode });
      try {
        const t = open(echo.url, { framing: echo.framing });
        const rows = collectRows(t, []);
        await t.connect();
        await t.sendText('one');
        await t.sendBinary(Buffer.from([0xff, 0xfe, 3]));
        await waitFor(() => received(rows).length >= 2, 3000, 'echoes');
        assert.deepEqual(received(rows), ['one', '\xff\xfe\x03']);
        assert.deepEqual(
          rows.filter((r) => r.direction === 'received').map((r) => r.kind),
          ['text', 'binary'],
        );
        assert.equal(echo.clientCount, 1);
        t.dispose();
      } finally {
        await echo.close();
      }
    }
  });

  test('a reset mid-message keeps what arrived, with a note; the close says reset', async () => {
    const srv = await startTcpServer((s) => {
      s.once('data', () =>
        s.write(
          Buffer.concat([
            Buffer.from([0, 0, 0, 10]),
            Buffer.from('whole12345'),
            Buffer.from([0, 0, 0, 10]),
            Buffer.from('half'),
          ]),
          () => s.resetAndDestroy(),
        ),
      );
    });
    servers.push(srv);
    const t = open(srv.url, { framing: 'prefix=4be' });
    const rows = collectRows(t, []);
    const closed = new Promise<void>((resolve) => t.onState((s) => s.phase === 'closed' && resolve()));
    await t.connect();
    void t.sendText('go').catch(() => undefined);
    await closed;
    assert.deepEqual(received(rows), ['whole12345', 'half']);
    assert.ok(notes(rows).some((n) => /ended in the middle of a message: 4 bytes of its 10 bytes arrived/.test(n)));
    // Node reports a reset that follows the data as an end on some systems; the sentence says which it saw.
    assert.match(ended(t).message, /reset the connection \(ECONNRESET\)|closed the connection/);
  });

  test('a length prefix claiming 4 GB closes the connection with the sentence at the maximum', async () => {
    const srv = await startTcpServer((s) => s.write(Buffer.from([0xff, 0xff, 0xff, 0xff, 1, 2, 3])));
    servers.push(srv);
    const t = open(srv.url, { framing: 'prefix=4be', maxPayload: 1024 * 1024 });
    const closed = new Promise<void>((resolve) => t.onState((s) => s.phase === 'closed' && resolve()));
    await t.connect();
    await closed;
    assert.match(
      ended(t).message,
      /A length prefix claims a message of 4096\.0 MB, over the maximum message size of 1\.0 MB/,
    );
    // The raw bytes stay for another framing.
    assert.equal(t.chunks.size, 7);
  });

  test('a stream without its delimiter is cut at the maximum with a note', async () => {
    const srv = await startTcpServer((s) => s.write('x'.repeat(2500)));
    servers.push(srv);
    const t = open(srv.url, { framing: 'lf', maxPayload: 1000 });
    const rows = collectRows(t, []);
    await t.connect();
    await waitFor(() => received(rows).length >= 2, 3000, 'cut messages');
    assert.deepEqual(
      received(rows).map((r) => r.length),
      [1000, 1000],
    );
    assert.ok(notes(rows).some((n) => /No delimiter \(0a\) within the maximum message size/.test(n)));
  });

  test('refused, bad URL, connect timeout', async () => {
    const port = await closedPort();
    await assert.rejects(
      open(`tcp://127.0.0.1:${port}`).connect(),
      /Connection refused by 127\.0\.0\.1:\d+\. Is the server running on that port\?/,
    );
    await assert.rejects(open('tcp://127.0.0.1').connect(), /is not a TCP address: write tcp:\/\/host:port/);
    // A server that accepts but never speaks TLS: the TLS handshake cannot finish.
    const silent = await startTcpServer(() => undefined);
    servers.push(silent);
    const t = open(silent.url.replace('tcp:', 'tls:'), { handshakeTimeout: 200 });
    await assert.rejects(t.connect(), /Connecting to 127\.0\.0\.1:\d+ timed out after 0\.2 s/);
    assert.equal(t.state.phase, 'error');
    // Closing while connecting cancels the connect.
    const cancelled = open(silent.url.replace('tcp:', 'tls:'));
    const connecting = cancelled.connect();
    cancelled.close();
    await assert.rejects(connecting, /Connecting was cancelled\./);
    assert.equal(ended(cancelled).message, 'Connecting was cancelled.');
  });

  test('a peer that stops reading: the send rejects after the bound', async () => {
    const srv = await startTcpServer((s) => s.pause());
    servers.push(srv);
    const t = open(srv.url, { sendTimeoutMs: 300 });
    const rows = collectRows(t, []);
    await t.connect();
    const big = Buffer.alloc(32 * 1024 * 1024);
    await assert.rejects(
      t.sendBinary(big),
      /The server stopped reading: .* were still waiting to be sent after 0\.3 s/,
    );
    assert.ok(notes(rows).some((n) => /Sending stopped after 0\.3 s: the server is not reading\./.test(n)));
  });
});

describe('tls transport', { skip: hasOpenssl() ? false : 'openssl is not installed' }, () => {
  let pki: Pki;
  const servers: RawServer[] = [];
  const transports: TcpTransport[] = [];
  before(() => {
    pki = makePki();
  });
  after(async () => {
    for (const t of transports) t.dispose();
    for (const s of servers) await s.close();
    if (pki) rmSync(pki.dir, { recursive: true, force: true });
  });
  const open = (url: string, extra: Partial<TransportOptions> = {}) => {
    const t = new TcpTransport(opts(url, extra));
    transports.push(t);
    return t;
  };

  test('self-signed refused with the wss:// sentence; insecure opens; TLS info in the handshake', async () => {
    const srv = await startTlsServer(pki.selfSigned, redisLike);
    servers.push(srv);
    await assert.rejects(
      open(srv.url).connect(),
      /self-signed TLS certificate, which is not trusted\. To trust it, add the PEM file of the CA .*# @insecure/,
    );
    const t = open(srv.url, { insecure: true, framing: 'crlf' });
    const rows = collectRows(t, []);
    await t.connect();
    assert.equal(t.handshake?.tls?.certificates[0].subject, 'CN=localhost');
    assert.equal(t.handshake?.tls?.authorized, false);
    await t.sendText('PING');
    await waitFor(() => received(rows).length >= 1, 3000, 'PONG');
    assert.deepEqual(received(rows), ['+PONG']);
  });

  test('a private CA given as ca verifies; a wrong host name is refused with its sentence', async () => {
    const srv = await startTlsServer(pki.server, redisLike);
    servers.push(srv);
    const t = open(srv.url.replace('127.0.0.1', 'localhost'), { ca: pki.caCert });
    await t.connect();
    assert.equal(t.handshake?.tls?.authorized, true);
    assert.equal(t.handshake?.tls?.servername, 'localhost');
    const other = await startTlsServer(pki.otherHost, redisLike);
    servers.push(other);
    await assert.rejects(open(other.url, { ca: pki.caCert }).connect(), /is not valid for this host name/);
  });
});
