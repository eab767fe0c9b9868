import assert from 'node:assert/strict';
import type { Socket } from 'node:net';
import { describe, test } from 'node:test';
import { WebSocketTransport, type Transport } from '../../src/core/transport';
import { parseWsFile } from '../../src/core/wsfile/parse';
import { runWsRequest } from '../../src/core/wsfile/run';
import { waitFor, collectRows, type Row } from './helpers';
import { answerUpgrade, serverFrame, startRawServer } from './protocol.servers';

// What the client says it sent must have left: sends are bounded, dropped bytes are not "sent",
// pongs are recorded when written, and the close shown is the one on the wire.

const FIN = 0x80;

/** Fails after `ms` instead of hanging the suite when the code under test never settles. */
function bounded<T>(p: Promise<T>, ms: number, what: string): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  return Promise.race([
    p,
    new Promise<T>(
      (_, reject) => (timer = setTimeout(() => reject(new Error(`${what} did not settle within ${ms} ms`)), ms)),
    ),
  ]).finally(() => clearTimeout(timer));
}

/** A server that completes the handshake and never reads its socket again (zero TCP window). */
function deafServer(then?: (socket: Socket) => void) {
  return startRawServer((socket, request) => {
    answerUpgrade(socket, request);
    socket.pause();
    then?.(socket);
  });
}

describe('wire: sends', () => {
  test(
    'a send to a server that stopped reading fails after sendTimeoutMs with a sentence',
    { timeout: 20_000 },
    async () => {
      const raw = await deafServer();
      const c = new WebSocketTransport({
        url: `ws://127.0.0.1:${raw.port}/`,
        handshakeTimeout: 2000,
        perMessageDeflate: false,
        sendTimeoutMs: 1500,
      });
      try {
        await c.connect();
        const started = Date.now();
        await assert.rejects(
          bounded(c.sendBinary(Buffer.alloc(32 * 1024 * 1024)), 8000, 'the send'),
          /The server stopped reading: [\d.]+ MB were still waiting to be sent after 1\.5 s/,
        );
        assert.ok(Date.now() - started < 4000, `failed after ${Date.now() - started} ms`);
      } finally {
        c.dispose();
        await raw.close();
      }
    },
  );

  test(
    'wsi run: a send step to a server that stopped reading fails instead of hanging',
    { timeout: 20_000 },
    async () => {
      const raw = await deafServer();
      const parsed = parseWsFile(`WS ws://127.0.0.1:${raw.port}/\n# @deflate off\n< ./nothing\n`);
      const request = parsed.requests[0];
      // A 32 MB text step, built here rather than in a file.
      request.steps = [
        {
          type: 'send',
          message: { kind: 'text', text: 'x'.repeat(32 * 1024 * 1024) },
          lines: request.steps[0]?.lines ?? { startLine: 2, endLine: 2 },
        } as (typeof request.steps)[number],
      ];
      let connection: Transport | undefined;
      try {
        const result = await bounded(
          runWsRequest({
            request,
            variables: { fileVariables: [], allowProcessEnv: false },
            baseDir: __dirname,
            sendTimeoutMs: 1000,
            onConnection: (conn) => (connection = conn),
          }),
          10_000,
          'the run',
        );
        assert.equal(result.ok, false);
        assert.equal(result.failedStep, 0);
        assert.match(result.error ?? '', /The server stopped reading: .* after 1 s/);
      } finally {
        connection?.dispose();
        await raw.close();
      }
    },
  );

  test(
    'a send whose bytes are dropped with the socket is not delivered: it rejects and a row says so',
    { timeout: 30_000 },
    async () => {
      const raw = await deafServer();
      const c = new WebSocketTransport({
        url: `ws://127.0.0.1:${raw.port}/`,
        handshakeTimeout: 2000,
        perMessageDeflate: false,
        sendTimeoutMs: 20_000,
      });
      const rows: Row[] = [];
      collectRows(c, rows);
      try {
        await c.connect();
        const sending = c.sendBinary(Buffer.alloc(32 * 1024 * 1024));
        // The close frame queues behind the message; the close timeout then destroys the socket with both in flight.
        c.close(1000, 'bye');
        await assert.rejects(bounded(sending, 15_000, 'the send'), /Not delivered/);
        assert.ok(
          rows.some((r) => r.direction === 'event' && r.kind === 'error' && /Not delivered/.test(r.payload.toString())),
          'a row says not delivered',
        );
      } finally {
        c.dispose();
        await raw.close();
      }
    },
  );
});

describe('wire: pongs and closes', () => {
  test(
    'a ping flood the server does not let us answer: only written pongs are recorded, and the client closes 1008 saying why',
    { timeout: 30_000 },
    async () => {
      const raw = await deafServer((socket) => {
        const ping = serverFrame(FIN | 0x09, Buffer.alloc(125, 0x70));
        // 100,000 pings of 125 bytes: their pongs (131 bytes each) fill every buffer between us.
        const write = (left: number) => {
          while (left > 0 && !socket.destroyed) {
            left--;
            if (!socket.write(ping)) return socket.once('drain', () => write(left));
          }
        };
        write(100_000);
      });
      const c = new WebSocketTransport({
        url: `ws://127.0.0.1:${raw.port}/`,
        handshakeTimeout: 2000,
        perMessageDeflate: false,
      });
      const rows: Row[] = [];
      collectRows(c, rows);
      try {
        await c.connect();
        await waitFor(() => c.state.phase === 'closed', 20_000, 'the close');
        const pings = rows.filter((r) => r.direction === 'received' && r.kind === 'ping').length;
        const pongs = rows.filter((r) => r.direction === 'sent' && r.kind === 'pong').length;
        assert.ok(pings > pongs, `${pings} pings, ${pongs} pongs recorded`);
        const state = c.state as { code: number; message: string };
        assert.equal(state.code, 1008);
        assert.match(state.message, /more pings than it let us answer/);
      } finally {
        c.dispose();
        await raw.close();
      }
    },
  );

  test(
    'a close the server never answers: the row shows the close sent (1000 "bye"), then the outcome; the wsi step is not a success',
    { timeout: 30_000 },
    async () => {
      // The server reads (so the close frame arrives) and never answers nor ends TCP.
      const raw = await startRawServer(
        (socket, request) => {
          answerUpgrade(socket, request);
          socket.on('data', () => undefined);
        },
        { allowHalfOpen: true },
      );
      const parsed = parseWsFile(`WS ws://127.0.0.1:${raw.port}/\n=== close 1000 bye\n`);
      let connection: Transport | undefined;
      const rows: Row[] = [];
      try {
        const started = Date.now();
        const result = await bounded(
          runWsRequest({
            request: parsed.requests[0],
            variables: { fileVariables: [], allowProcessEnv: false },
            baseDir: __dirname,
            onConnection: (conn) => {
              connection = conn;
              collectRows(conn, rows);
            },
          }),
          15_000,
          'the run',
        );
        const closes = rows.filter((r) => r.kind === 'close');
        assert.equal(closes.length, 1, 'one close row');
        assert.equal(closes[0].direction, 'sent');
        assert.equal(closes[0].payload.readUInt16BE(0), 1000);
        assert.equal(closes[0].payload.subarray(2).toString(), 'bye');
        assert.ok(
          rows.some(
            (r) =>
              r.direction === 'event' &&
              /did not answer the close within 5 s; the connection was dropped/.test(r.payload.toString()),
          ),
          'the outcome row',
        );
        assert.match(
          (connection?.state as { message: string }).message,
          /1000 Normal Closure "bye".*did not answer the close within 5 s/,
        );
        assert.equal(result.ok, false);
        assert.match(
          result.error ?? '',
          /the close 1000 "bye" was sent, but the server did not answer the close within 5 s/,
        );
        assert.ok(Date.now() - started < 5000 + 1500, `ended after ${Date.now() - started} ms`);
      } finally {
        connection?.dispose();
        await raw.close();
      }
    },
  );
});
