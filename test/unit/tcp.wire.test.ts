import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { after, describe, test } from 'node:test';
import { EchoServer } from '../../src/core/echoServer';
import { TcpEchoServer } from '../../src/core/tcpEchoServer';
import { WebSocketTransport } from '../../src/core/transport';
import { compareSocketAndWebSocket, parseWire, summarizeWire, type WireSegment } from '../../src/core/wire';
import { collectRows, waitFor, type Row } from './helpers';
import { startTcpServer, type RawServer } from './tcp.servers';

type Frame = Extract<WireSegment, { kind: 'frame' }>;
const frames = (segments: WireSegment[], direction: 'sent' | 'received') =>
  segments.filter((s): s is Frame => s.kind === 'frame' && s.direction === direction);

/** One unmasked server frame. */
function frame(fin: boolean, opcode: number, payload: Buffer): Buffer {
  const n = payload.length;
  const head = n < 126 ? Buffer.from([0, n]) : Buffer.from([0, 126, n >> 8, n & 0xff]);
  head[0] = (fin ? 0x80 : 0) | opcode;
  return Buffer.concat([head, payload]);
}

describe('wire view of a WebSocket connection', () => {
  const closers: Array<() => Promise<void>> = [];
  after(async () => {
    for (const c of closers) await c();
  });

  test('off by default; on: the upgrade, then masked client frames and server frames with their fields', async () => {
    const echo = await EchoServer.start();
    closers.push(() => echo.close());
    const off = new WebSocketTransport({ url: echo.url, handshakeTimeout: 3000 });
    assert.equal(off.wire, undefined);
    off.dispose();
    const t = new WebSocketTransport({
      url: echo.url,
      handshakeTimeout: 3000,
      wireCapture: true,
      perMessageDeflate: false,
    });
    const rows = collectRows(t, []);
    await t.connect();
    await t.sendText('hello');
    await t.sendBinary(Buffer.alloc(200, 7));
    await waitFor(() => rows.filter((r) => r.direction === 'received').length >= 2, 3000, 'echoes');
    const segments = parseWire(t.wire!.chunks);
    const http = segments.filter((s) => s.kind === 'http');
    assert.equal(http.length, 2);
    const request = http.find((s) => s.direction === 'sent');
    assert.ok(request?.kind === 'http' && /^GET \/ HTTP\/1\.1\r\n/.test(request.text));
    assert.ok(http.some((s) => s.kind === 'http' && s.direction === 'received' && /^HTTP\/1\.1 101 /.test(s.text)));
    const sent = frames(segments, 'sent');
    assert.deepEqual(
      sent.map((f) => [f.opcodeName, f.masked, f.lengthForm, f.payloadLength, f.headerLength]),
      [
        ['text', true, 7, 5, 6],
        ['binary', true, 16, 200, 8],
      ],
    );
    assert.match(sent[0].maskKey!, /^[0-9a-f]{8}$/);
    const fieldNames = sent[1].fields.map((f) => f.name);
    assert.deepEqual(fieldNames, [
      'FIN',
      'RSV1',
      'RSV2',
      'RSV3',
      'opcode',
      'MASK',
      'length',
      'extended length',
      'mask key',
      'payload',
    ]);
    const key = sent[1].fields.find((f) => f.name === 'mask key')!;
    assert.equal(key.offset, sent[1].offset + 4);
    const received = frames(segments, 'received');
    assert.deepEqual(
      received.map((f) => [f.opcodeName, f.masked, f.payloadLength]),
      [
        ['text', false, 5],
        ['binary', false, 200],
      ],
    );
    const sum = summarizeWire(segments);
    assert.equal(sum.sent.headerBytes, 14);
    assert.equal(sum.received.headerBytes, 6);
    assert.equal(sum.sent.maskedFrames, 2);
    t.dispose();
  });

  test('a raw server sending a fragmented message with a ping between its fragments', async () => {
    const srv: RawServer = await startTcpServer((socket) => {
      let head = '';
      socket.on('data', (chunk: Buffer) => {
        if (head.includes('\r\n\r\n')) return;
        head += chunk.toString('latin1');
        if (!head.includes('\r\n\r\n')) return;
        const key = /sec-websocket-key: *(\S+)/i.exec(head)![1];
        const accept = createHash('sha1')
          .update(key + '258EAFA5-E914-47DA-95CA-C5AB0DC85B11')
          .digest('base64');
        socket.write(
          Buffer.concat([
            Buffer.from(
              `HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\nConnection: Upgrade\r\nSec-WebSocket-Accept: ${accept}\r\n\r\n`,
            ),
            // In the same chunk as the 101: ws puts these back on the socket, and the capture must not count them twice.
            frame(false, 1, Buffer.from('Hel')),
            frame(true, 9, Buffer.from('p')),
            frame(true, 0, Buffer.from('lo')),
            frame(true, 2, Buffer.alloc(300, 1)),
          ]),
        );
      });
    });
    closers.push(() => srv.close());
    const t = new WebSocketTransport({ url: `ws://127.0.0.1:${srv.port}/`, handshakeTimeout: 3000, wireCapture: true });
    const rows: Row[] = collectRows(t, []);
    await t.connect();
    await waitFor(
      () => rows.filter((r) => r.direction === 'received' && r.kind === 'binary').length >= 1,
      3000,
      'frames',
    );
    const received = frames(parseWire(t.wire!.chunks), 'received');
    assert.deepEqual(
      received.map((f) => [f.opcodeName, f.fin, f.payloadLength, f.betweenFragments, f.lengthForm]),
      [
        ['text', false, 3, false, 7],
        ['ping', true, 1, true, 7],
        ['continuation', true, 2, false, 7],
        ['binary', true, 300, false, 16],
      ],
    );
    const sum = summarizeWire(parseWire(t.wire!.chunks)).received;
    assert.deepEqual(
      [sum.frames, sum.controlFrames, sum.fragmentedMessages, sum.controlBetweenFragments],
      [4, 1, 1, 1],
    );
    assert.deepEqual(
      rows.filter((r) => r.direction === 'received').map((r) => [r.kind, r.payload.length]),
      [
        ['ping', 1],
        ['text', 5],
        ['binary', 300],
      ],
    );
    t.dispose();
  });

  test('bounded: past its capacity the capture keeps the start and counts the rest', async () => {
    const echo = await EchoServer.start();
    closers.push(() => echo.close());
    const t = new WebSocketTransport({ url: echo.url, handshakeTimeout: 3000, wireCapture: 1000 });
    const rows = collectRows(t, []);
    await t.connect();
    await t.sendBinary(Buffer.alloc(5000));
    await waitFor(() => rows.some((r) => r.direction === 'received'), 3000, 'echo');
    assert.equal(t.wire!.size, 1000);
    assert.equal(t.wire!.truncated, true);
    assert.ok(parseWire(t.wire!.chunks).some((s) => s.kind === 'frame' && !s.complete));
    t.dispose();
  });

  test('compare socket and WebSocket: the same messages, bytes on the wire and time for each', async () => {
    const ws = await EchoServer.start();
    const tcp = await TcpEchoServer.start({ mode: 'prefix' });
    closers.push(
      () => ws.close(),
      () => tcp.close(),
    );
    const r = await compareSocketAndWebSocket({ webSocketUrl: ws.url, tcpUrl: tcp.url });
    assert.equal(r.tcp.messages, 100);
    assert.equal(r.tcp.payloadBytes, 10_000);
    // 4-byte prefix each way.
    assert.equal(r.tcp.sentWireBytes, 10_400);
    assert.equal(r.tcp.receivedWireBytes, 10_400);
    assert.equal(r.tcp.overheadPerMessage, 8);
    // A masked client frame (2 + 4 bytes) and an unmasked echo (2 bytes), after the upgrade.
    assert.ok(r.webSocket.setupBytes > 100);
    assert.equal(r.webSocket.overheadPerMessage, 8);
    assert.equal(r.webSocket.sentWireBytes + r.webSocket.receivedWireBytes, r.webSocket.setupBytes + 20_000 + 800);
    assert.ok(r.webSocket.ms > 0 && r.tcp.ms > 0);
  });
});
