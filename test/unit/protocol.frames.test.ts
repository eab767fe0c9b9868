import assert from 'node:assert/strict';
import type { Socket } from 'node:net';
import { after, describe, test } from 'node:test';
import { WebSocketTransport } from '../../src/core/transport';
import { FrameHeaderReader, FrameLog } from '../../src/core/frameSniffer';
import type { FrameHeaderRecord } from '../../src/shared/protocol';
import { startWsServer, waitFor, collectRows, type Row } from './helpers';
import { acceptFor, answerUpgrade, keyOf, serverFrame, startRawServer } from './protocol.servers';

const FIN = 0x80;
const wait = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** The parts of a record a test compares. */
function shape(f: FrameHeaderRecord) {
  return {
    dir: f.direction,
    op: f.opcodeName,
    fin: f.fin,
    rsv1: f.rsv1,
    masked: f.masked,
    len: f.payloadLength,
    hl: f.headerLength,
  };
}

describe('protocol: frame sniffer', () => {
  const cleanups: Array<() => Promise<void> | void> = [];
  after(async () => {
    for (const c of cleanups.reverse()) await c();
  });

  test('fragmented messages with control frames in between, written by hand, are seen frame by frame', async () => {
    const big = Buffer.alloc(70_000, 0x61);
    const raw = await startRawServer(async (socket: Socket, request) => {
      socket.setNoDelay(true);
      answerUpgrade(socket, request);
      // Frames in separate writes, some headers split in the middle, a control frame inside a message.
      const frames = [
        serverFrame(0x01, Buffer.from('Hel')), // text, not final
        serverFrame(FIN | 0x09, Buffer.from('p1')), // ping in the middle of the message
        serverFrame(0x00, Buffer.from('lo')), // continuation
        serverFrame(FIN | 0x0a, Buffer.from('')), // unsolicited pong
        serverFrame(FIN | 0x00, Buffer.from(' world')), // final continuation
        serverFrame(FIN | 0x02, Buffer.alloc(200, 7)), // 16-bit length
        serverFrame(FIN | 0x02, big), // 64-bit length
      ];
      for (const f of frames) {
        await wait(5);
        if (f.length > 4) {
          socket.write(f.subarray(0, 1)); // header split after its first byte
          await wait(5);
          socket.write(f.subarray(1));
        } else socket.write(f);
      }
    });
    cleanups.push(() => raw.close());
    const c = new WebSocketTransport({
      url: `ws://127.0.0.1:${raw.port}/`,
      handshakeTimeout: 2000,
      perMessageDeflate: false,
    });
    cleanups.push(() => c.dispose());
    const rows: Row[] = [];
    collectRows(c, rows);
    await c.connect();
    await waitFor(() => rows.filter((r) => r.kind === 'binary').length === 2, 3000, 'both binary messages');
    await c.sendText('ok');
    await waitFor(() => c.frames.stats.sent.messages === 1, 2000, 'the sent frame');

    const received = c.frames
      .slice(0, c.frames.length)
      .filter((f) => f.direction === 'received')
      .map(shape);
    assert.deepEqual(received, [
      { dir: 'received', op: 'text', fin: false, rsv1: false, masked: false, len: 3, hl: 2 },
      { dir: 'received', op: 'ping', fin: true, rsv1: false, masked: false, len: 2, hl: 2 },
      { dir: 'received', op: 'continuation', fin: false, rsv1: false, masked: false, len: 2, hl: 2 },
      { dir: 'received', op: 'pong', fin: true, rsv1: false, masked: false, len: 0, hl: 2 },
      { dir: 'received', op: 'continuation', fin: true, rsv1: false, masked: false, len: 6, hl: 2 },
      { dir: 'received', op: 'binary', fin: true, rsv1: false, masked: false, len: 200, hl: 4 },
      { dir: 'received', op: 'binary', fin: true, rsv1: false, masked: false, len: 70_000, hl: 10 },
    ]);
    const sent = c.frames
      .slice(0, c.frames.length)
      .filter((f) => f.direction === 'sent')
      .map(shape);
    // The automatic pong to "p1", then our text: client frames are masked (4 more header bytes).
    assert.deepEqual(sent, [
      { dir: 'sent', op: 'pong', fin: true, rsv1: false, masked: true, len: 2, hl: 6 },
      { dir: 'sent', op: 'text', fin: true, rsv1: false, masked: true, len: 2, hl: 6 },
    ]);
    // The message rows stay whole: "Hello world" is one text row.
    assert.deepEqual(
      rows.filter((r) => r.direction === 'received').map((r) => [r.kind, r.payload.length]),
      [
        ['ping', 2],
        ['pong', 0],
        ['text', 11],
        ['binary', 200],
        ['binary', 70_000],
      ],
    );
    assert.equal(rows.find((r) => r.kind === 'text' && r.direction === 'received')!.payload.toString(), 'Hello world');
    assert.ok(
      rows.some((r) => r.direction === 'sent' && r.kind === 'pong'),
      'the automatic pong is a row',
    );
    const stats = c.frames.stats;
    assert.equal(stats.received.frames, 7);
    assert.equal(stats.received.controlFrames, 2);
    assert.equal(stats.received.messages, 3);
    assert.equal(stats.received.dataPayloadBytes, 3 + 2 + 6 + 200 + 70_000);
    assert.equal(stats.received.messageBytes, 11 + 200 + 70_000);
    assert.equal(stats.received.wireBytes, 2 + 3 + 2 + 2 + 2 + 2 + 2 + 0 + 2 + 6 + 4 + 200 + 10 + 70_000);
    assert.equal(stats.received.compressionRatio, 1);
    assert.equal(stats.sent.wireBytes, 6 + 2 + 6 + 2);
  });

  test('frames that arrive in the same packet as the 101 answer are seen too', async () => {
    const raw = await startRawServer((socket: Socket, request) => {
      const answer = Buffer.from(
        `HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\nConnection: Upgrade\r\nSec-WebSocket-Accept: ${acceptFor(keyOf(request))}\r\n\r\n`,
      );
      socket.write(
        Buffer.concat([
          answer,
          serverFrame(FIN | 0x01, Buffer.from('first')),
          serverFrame(FIN | 0x09, Buffer.from('hb')),
        ]),
      );
    });
    cleanups.push(() => raw.close());
    const c = new WebSocketTransport({ url: `ws://127.0.0.1:${raw.port}/`, handshakeTimeout: 2000 });
    cleanups.push(() => c.dispose());
    const rows: Row[] = [];
    collectRows(c, rows);
    await c.connect();
    await waitFor(() => rows.some((r) => r.kind === 'ping'), 2000, 'the ping');
    assert.equal(rows.find((r) => r.kind === 'text')?.payload.toString(), 'first');
    const received = c.frames.slice(0, c.frames.length).filter((f) => f.direction === 'received');
    assert.deepEqual(
      received.map((f) => [f.opcodeName, f.payloadLength]),
      [
        ['text', 5],
        ['ping', 2],
      ],
    );
  });

  test('permessage-deflate is negotiated and its saving measured in both directions', async () => {
    const srv = await startWsServer({ perMessageDeflate: { threshold: 0 } });
    cleanups.push(() => srv.close());
    srv.server.on('connection', (ws) =>
      ws.on('message', (data, isBinary) => ws.send(data as Buffer, { binary: isBinary })),
    );
    const c = new WebSocketTransport({ url: srv.url, handshakeTimeout: 2000 });
    cleanups.push(() => c.dispose());
    let echoes = 0;
    c.onMessage((f) => {
      if (f.direction === 'received' && f.kind === 'text') echoes++;
    });
    await c.connect();
    assert.equal(c.handshake!.extensions[0].name, 'permessage-deflate');
    const text = JSON.stringify(Array.from({ length: 2000 }, (_, i) => ({ id: i % 10, type: 'trade', price: 100 })));
    await c.sendText(text);
    await c.sendText(text);
    await waitFor(() => echoes === 2, 3000, 'two echoes');
    const frames = c.frames.slice(0, c.frames.length);
    assert.ok(
      frames.filter((f) => f.opcodeName === 'text').every((f) => f.rsv1),
      'RSV1 on every compressed text frame',
    );
    const { sent, received } = c.frames.stats;
    assert.equal(sent.messageBytes, 2 * text.length);
    assert.equal(received.messageBytes, 2 * text.length);
    assert.equal(sent.compressedMessages, 2);
    assert.equal(received.compressedMessages, 2);
    assert.ok(sent.compressionRatio! < 0.1, `sent ratio ${sent.compressionRatio}`);
    assert.ok(received.compressionRatio! < 0.1, `received ratio ${received.compressionRatio}`);
    assert.equal(received.compressionRatio, received.dataPayloadBytes / received.messageBytes);
  });

  test('sniffing can be turned off', async () => {
    const srv = await startWsServer();
    cleanups.push(() => srv.close());
    srv.server.on('connection', (ws) => ws.send('hi'));
    const c = new WebSocketTransport({ url: srv.url, handshakeTimeout: 2000, sniffFrames: false });
    cleanups.push(() => c.dispose());
    let got = 0;
    c.onMessage((f) => (got += f.kind === 'text' ? 1 : 0));
    await c.connect();
    await waitFor(() => got === 1, 2000, 'the message');
    assert.equal(c.frames.enabled, false);
    assert.equal(c.frames.length, 0);
    assert.equal(c.frames.stats.received.frames, 0);
  });

  test('the reader gives the same headers fed whole or one byte at a time', () => {
    const stream = Buffer.concat([
      serverFrame(0x01, Buffer.from('ab')),
      serverFrame(FIN | 0x09, Buffer.from('x')),
      serverFrame(FIN | 0x00, Buffer.alloc(300)),
      serverFrame(FIN | 0x42, Buffer.alloc(66_000)),
      Buffer.from([FIN | 0x01, 0x80 | 3, 1, 2, 3, 4, 9, 9, 9]), // masked, as a client sends
    ]);
    const whole = new FrameLog();
    new FrameHeaderReader(whole, true).push(stream);
    const bytewise = new FrameLog();
    const reader = new FrameHeaderReader(bytewise, true);
    for (let i = 0; i < stream.length; i++) reader.push(stream.subarray(i, i + 1));
    const strip = (log: FrameLog) => log.slice(0, log.length).map(shape);
    assert.deepEqual(strip(bytewise), strip(whole));
    assert.deepEqual(
      strip(whole).map((f) => [f.op, f.len, f.hl, f.masked, f.rsv1]),
      [
        ['text', 2, 2, false, false],
        ['ping', 1, 2, false, false],
        ['continuation', 300, 4, false, false],
        ['binary', 66_000, 10, false, true],
        ['text', 3, 6, true, false],
      ],
    );
    assert.equal(whole.stats.received.compressedMessages, 1);
    // A 64-bit length beyond 4 GiB (header only: the reader never needs the payload).
    const huge = new FrameLog();
    const header = Buffer.alloc(10);
    header[0] = FIN | 0x02;
    header[1] = 127;
    header.writeBigUInt64BE(5_000_000_000n, 2);
    new FrameHeaderReader(huge, true).push(header);
    assert.equal(huge.get(0)?.payloadLength, 5_000_000_000);
    assert.equal(huge.get(0)?.headerLength, 10);
    assert.deepEqual(whole.stats, bytewise.stats);
  });

  test('the log is a ring: past its capacity the oldest headers go, the counts stay', () => {
    const log = new FrameLog(true, 10); // rounds up to one block
    const reader = new FrameHeaderReader(log, false);
    const frame = serverFrame(FIN | 0x02, Buffer.alloc(1));
    const total = log.capacity + 5;
    for (let i = 0; i < total; i++) reader.push(frame);
    assert.equal(log.length, total);
    assert.equal(log.firstKept, 5);
    assert.equal(log.get(4), undefined);
    assert.equal(log.get(5)?.index, 5);
    assert.equal(log.get(total - 1)?.payloadLength, 1);
    assert.equal(log.stats.sent.frames, total);
  });
});
