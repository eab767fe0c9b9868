import assert from 'node:assert/strict';
import { createServer as createNetServer, type Socket } from 'node:net';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, test } from 'node:test';
import { WebSocketTransport, type TransportOptions } from '../../src/core/transport';
import type { ConnectionState } from '../../src/shared/protocol';
import { startHttpServer, waitFor, collectRows, type Row } from './helpers';
import { acceptFor, answerUpgradeWith, keyOf, readClientFrames, serverFrame, startRawServer } from './protocol.servers';

// Sentences must say what really happened: the close code the client sent and the RFC section
// the server broke; handshake answers name the header at fault; redirects name their hop.

const FIN = 0x80;
const RSV1 = 0x40;
const DEFLATE = 'Sec-WebSocket-Extensions: permessage-deflate';

interface Outcome {
  state: ConnectionState & { phase: 'closed' };
  rows: Row[];
  clientClose: number | undefined;
}

/** Opens on a raw server that upgrades (with `extra` header lines) and then writes `bytes`; waits for the close. */
async function violation(
  bytes: Buffer,
  extra: string[] = [],
  options: Partial<TransportOptions> = {},
): Promise<Outcome> {
  let client: ReturnType<typeof readClientFrames> | undefined;
  const raw = await startRawServer((socket: Socket, request) => {
    answerUpgradeWith(socket, request, extra);
    client = readClientFrames(socket);
    // End the TCP connection once the client's close frame came, as a server should.
    socket.on('data', () => client?.closeCode() !== undefined && socket.end());
    socket.write(bytes);
  });
  const c = new WebSocketTransport({
    url: `ws://127.0.0.1:${raw.port}/`,
    handshakeTimeout: 2000,
    perMessageDeflate: extra.includes(DEFLATE),
    ...options,
  });
  try {
    const rows: Row[] = [];
    collectRows(c, rows);
    await c.connect();
    await waitFor(() => c.state.phase === 'closed', 4000, 'the close');
    return { state: c.state as Outcome['state'], rows, clientClose: client?.closeCode() };
  } finally {
    c.dispose();
    await raw.close();
  }
}

function assertViolation(o: Outcome, code: number, patterns: RegExp[]): void {
  assert.equal(o.clientClose, code, 'the close code on the wire');
  assert.equal(o.state.code, code, `state code (${o.state.message})`);
  assert.doesNotMatch(o.state.message, /1006|went away/);
  for (const p of patterns) assert.match(o.state.message, p);
  const close = o.rows.find((r) => r.kind === 'close');
  assert.ok(close, 'a close row');
  assert.equal(close.direction, 'sent');
  assert.equal(close.payload.readUInt16BE(0), code, 'the close row shows the code sent');
}

describe('protocol truth: violations are named with the code the client sent', () => {
  test('a 64-bit payload length with its most significant bit set: 1009, not 1006', async () => {
    const header = Buffer.from([FIN | 0x02, 127, 0x80, 0, 0, 0, 0, 0, 0, 1]);
    assertViolation(await violation(header), 1009, [/1009 Message Too Big/, /most significant bit|2\^53/, /§5\.2/]);
  });

  test('a 64-bit payload length of 2^53: 1009, not 1006', async () => {
    const header = Buffer.from([FIN | 0x02, 127, 0x00, 0x20, 0, 0, 0, 0, 0, 0]);
    assertViolation(await violation(header), 1009, [/1009/, /2\^53/]);
  });

  test('a corrupt deflate stream: 1007 with the zlib error, not 1006', async () => {
    const frame = serverFrame(FIN | RSV1 | 0x01, Buffer.from([0xff, 0xff, 0xff, 0xff]));
    assertViolation(await violation(frame, [DEFLATE]), 1007, [
      /1007 Invalid Frame Payload Data/,
      /does not inflate/,
      /zlib Z_/,
      /RFC 7692/,
    ]);
  });

  test('more fragments than maxFragments: 1008, and the sentence names the limit and its setting', async () => {
    const parts = [serverFrame(0x01, Buffer.from('a'))];
    for (let i = 0; i < 11; i++) parts.push(serverFrame(0x00, Buffer.from('b')));
    parts.push(serverFrame(0x80, Buffer.from('c')));
    const o = await violation(Buffer.concat(parts), [], { maxFragments: 10 });
    assertViolation(o, 1008, [/more than 10 fragments/, /websocketInspector\.connection\.maxFragments/]);
  });

  test('a continuation frame with nothing to continue is fragment order (§5.4), not a reserved opcode', async () => {
    const o = await violation(serverFrame(FIN | 0x00, Buffer.from('x')));
    assertViolation(o, 1002, [/continuation frame \(opcode 0\)/, /out of order/, /§5\.4/]);
    assert.doesNotMatch(o.state.message, /reserved opcode/);
  });

  test('a new text frame inside a fragmented message is fragment order (§5.4)', async () => {
    const o = await violation(
      Buffer.concat([serverFrame(0x01, Buffer.from('a')), serverFrame(FIN | 0x01, Buffer.from('b'))]),
    );
    assertViolation(o, 1002, [/new text frame \(opcode 1\)/, /§5\.4/]);
    assert.doesNotMatch(o.state.message, /reserved opcode/);
  });

  test('a close frame with a 1-byte body is named as such (§5.5.1), not "longer than 125 bytes"', async () => {
    const o = await violation(serverFrame(FIN | 0x08, Buffer.from([0x03])));
    assertViolation(o, 1002, [/close frame with a 1-byte body/, /§5\.5\.1/]);
    assert.doesNotMatch(o.state.message, /125/);
  });

  test('a close reason that is not UTF-8 is the close reason (§5.5.1, §7.1.6), not a text message', async () => {
    const o = await violation(serverFrame(FIN | 0x08, Buffer.from([0x03, 0xe8, 0xff, 0xfe])));
    assertViolation(o, 1007, [/close frame whose reason is not valid UTF-8/, /§7\.1\.6/]);
    assert.doesNotMatch(o.state.message, /text message/);
  });

  test('RSV1 on a ping with permessage-deflate negotiated: control frames are never compressed (RFC 7692 §6.1)', async () => {
    const o = await violation(serverFrame(FIN | RSV1 | 0x09, Buffer.alloc(0)), [DEFLATE]);
    assertViolation(o, 1002, [/ping frame with RSV1 set/, /RFC 7692 §6\.1/]);
    assert.doesNotMatch(o.state.message, /no extension/);
  });
});

describe('protocol truth: a 101 answer names the header at fault (§4.1)', () => {
  async function answer101(lines: (request: string) => string[]): Promise<string> {
    const raw = await startRawServer(
      (socket, request) =>
        void socket.write(`${['HTTP/1.1 101 Switching Protocols', ...lines(request)].join('\r\n')}\r\n\r\n`),
    );
    const c = new WebSocketTransport({ url: `ws://127.0.0.1:${raw.port}/`, handshakeTimeout: 2000 });
    try {
      await assert.rejects(c.connect());
      assert.equal(c.state.phase, 'error');
      return (c.state as { message: string }).message;
    } finally {
      c.dispose();
      await raw.close();
    }
  }

  test('no Upgrade header', async () => {
    const m = await answer101((r) => ['Connection: Upgrade', `Sec-WebSocket-Accept: ${acceptFor(keyOf(r))}`]);
    assert.match(m, /without the Upgrade header/);
    assert.match(m, /§4\.1/);
    assert.doesNotMatch(m, /refused the upgrade/);
  });

  test('a wrong Upgrade header', async () => {
    const m = await answer101((r) => [
      'Upgrade: h2c',
      'Connection: Upgrade',
      `Sec-WebSocket-Accept: ${acceptFor(keyOf(r))}`,
    ]);
    assert.match(m, /"Upgrade: h2c" instead of "Upgrade: websocket"/);
    assert.match(m, /§4\.1/);
  });

  test('no Connection: Upgrade', async () => {
    const m = await answer101((r) => ['Upgrade: websocket', `Sec-WebSocket-Accept: ${acceptFor(keyOf(r))}`]);
    assert.match(m, /Connection/);
    assert.match(m, /§4\.1/);
  });

  test('a wrong Sec-WebSocket-Accept names the expected value', async () => {
    let expected = '';
    const m = await answer101((r) => {
      expected = acceptFor(keyOf(r));
      return ['Upgrade: websocket', 'Connection: Upgrade', 'Sec-WebSocket-Accept: AAAA'];
    });
    assert.match(m, /"Sec-WebSocket-Accept: AAAA"/);
    assert.ok(m.includes(expected), m);
    assert.match(m, /§4\.1/);
  });
});

describe('protocol truth: redirects only lead to WebSocket URLs', () => {
  const cleanups: Array<() => Promise<void> | void> = [];
  after(async () => {
    for (const c of cleanups.reverse()) await c();
  });

  test('a redirect to ws+unix: is not followed, names its hop, and the unix socket gets zero bytes', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'wsi-unix-'));
    cleanups.push(() => rmSync(dir, { recursive: true, force: true }));
    const path = join(dir, 'sock');
    let bytes = 0;
    let connections = 0;
    const unix = createNetServer((s) => {
      connections++;
      s.on('data', (d) => (bytes += d.length));
      s.on('error', () => undefined);
    });
    await new Promise<void>((resolve) => unix.listen(path, resolve));
    cleanups.push(() => new Promise<void>((resolve) => unix.close(() => resolve())));
    // Two hops: the first to a same-server path, the second to the unix socket.
    const http = await startHttpServer((req, res) => {
      res.writeHead(302, { location: req.url === '/first' ? '/second' : `ws+unix:${path}:/x` });
      res.end();
    });
    cleanups.push(() => http.close());
    const url = `ws://127.0.0.1:${http.port}/first`;
    const c = new WebSocketTransport({ url, handshakeTimeout: 2000, followRedirects: true });
    cleanups.push(() => c.dispose());
    await assert.rejects(c.connect(), /Redirect 2 \(302\)/);
    const m = (c.state as { message: string }).message;
    assert.match(m, /Redirect 2 \(302\) from ws:\/\/127\.0\.0\.1:\d+\/second to ws\+unix:/);
    assert.match(m, /ws\+unix/);
    assert.match(m, /only lead to ws:, wss:, http: or https:/);
    // The hop is stopped in the answer's listener, before `ws` could open the next request: nothing can be in flight.
    assert.equal(connections, 0, 'nothing connected to the unix socket');
    assert.equal(bytes, 0);
    assert.deepEqual(
      c.handshake?.redirects.map((r) => r.followed),
      [true, false],
    );
  });

  test('a redirect to another scheme names the hop, the source and the target', async () => {
    const http = await startHttpServer((_req, res) => {
      res.writeHead(301, { location: 'ftp://example.invalid/file' });
      res.end();
    });
    const c = new WebSocketTransport({
      url: `ws://127.0.0.1:${http.port}/`,
      handshakeTimeout: 2000,
      followRedirects: true,
    });
    try {
      await assert.rejects(c.connect());
      const m = (c.state as { message: string }).message;
      assert.match(
        m,
        /Redirect 1 \(301\) from ws:\/\/127\.0\.0\.1:\d+\/ to ftp:\/\/example\.invalid\/file was not followed/,
      );
      assert.doesNotMatch(m, /The URL's protocol must be/);
    } finally {
      c.dispose();
      await http.close();
    }
  });

  test('a typed ws+unix: URL is refused without connecting', async () => {
    const c = new WebSocketTransport({ url: 'ws+unix:/tmp/nothing-here.sock:/x', handshakeTimeout: 2000 });
    try {
      await assert.rejects(c.connect(), /local socket address/);
    } finally {
      c.dispose();
    }
  });
});
