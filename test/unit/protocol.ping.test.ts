import assert from 'node:assert/strict';
import { after, describe, test } from 'node:test';
import { WebSocketTransport } from '../../src/core/transport';
import type { ConnectionHealth, ConnectionState } from '../../src/shared/protocol';
import { startWsServer, waitFor, collectRows, type Row } from './helpers';

describe('protocol: ping, pong and close', () => {
  const cleanups: Array<() => Promise<void> | void> = [];
  after(async () => {
    for (const c of cleanups.reverse()) await c();
  });

  test('ping() measures the round trip to the pong with the same payload', async () => {
    const srv = await startWsServer();
    cleanups.push(() => srv.close());
    const c = new WebSocketTransport({ url: srv.url, handshakeTimeout: 2000 });
    cleanups.push(() => c.dispose());
    const rows: Row[] = [];
    const health: ConnectionHealth[] = [];
    collectRows(c, rows);
    c.onHealth((h) => health.push(h));
    await c.connect();
    const rtt = await c.ping('are you there');
    assert.ok(rtt >= 0 && rtt < 1000, `rtt ${rtt}`);
    const pings = rows
      .filter((r) => r.kind === 'ping' || r.kind === 'pong')
      .map((r) => [r.direction, r.kind, r.payload.toString()]);
    assert.deepEqual(pings, [
      ['sent', 'ping', 'are you there'],
      ['received', 'pong', 'are you there'],
    ]);
    assert.equal(c.health.healthy, true);
    assert.equal(c.health.lastRttMs, rtt);
    assert.equal(health.at(-1)?.lastRttMs, rtt);
    const wire = c.frames.slice(0, c.frames.length).map((f) => [f.direction, f.opcodeName, f.payloadLength]);
    assert.deepEqual(wire, [
      ['sent', 'ping', 13],
      ['received', 'pong', 13],
    ]);
    await assert.rejects(c.ping(Buffer.alloc(126)), /at most 125 bytes/);
  });

  test('pings go out at the interval, each answered', async () => {
    const srv = await startWsServer();
    cleanups.push(() => srv.close());
    const c = new WebSocketTransport({ url: srv.url, handshakeTimeout: 2000, pingIntervalMs: 40 });
    cleanups.push(() => c.dispose());
    const rtts: number[] = [];
    c.onHealth((h) => h.lastRttMs !== undefined && rtts.push(h.lastRttMs));
    await c.connect();
    await waitFor(() => rtts.length >= 3, 2000, 'three answered pings');
    c.close();
    await waitFor(() => c.state.phase === 'closed', 2000, 'closed');
    const count = rtts.length;
    await new Promise((r) => setTimeout(r, 120));
    assert.equal(rtts.length, count, 'no pings after the close');
  });

  test('a ping without a pong marks the connection unhealthy until a pong comes', async () => {
    // A server that does not answer pings (ws ≥ 8.17: autoPong false).
    const srv = await startWsServer({ autoPong: false });
    cleanups.push(() => srv.close());
    srv.server.on('connection', (ws) => ws.on('message', () => ws.pong('late')));
    const c = new WebSocketTransport({ url: srv.url, handshakeTimeout: 2000, pingTimeoutMs: 80 });
    cleanups.push(() => c.dispose());
    const health: ConnectionHealth[] = [];
    const rows: Row[] = [];
    c.onHealth((h) => health.push(h));
    collectRows(c, rows);
    await c.connect();
    await assert.rejects(c.ping(), /No pong within 80 ms/);
    assert.equal(c.health.healthy, false);
    assert.equal(c.health.missedPongs, 1);
    assert.equal(health.at(-1)?.healthy, false);
    assert.ok(
      rows.some((r) => r.direction === 'event' && r.kind === 'info' && /No pong within/.test(r.payload.toString())),
    );
    assert.equal(c.state.phase, 'open', 'unhealthy is a flag, not a phase');
    await c.sendText('pong me');
    await waitFor(() => c.health.healthy, 2000, 'healthy again');
    assert.equal(c.health.missedPongs, 0);
  });

  test('autoPong false leaves the answer to the user', async () => {
    const srv = await startWsServer();
    cleanups.push(() => srv.close());
    const pongs: string[] = [];
    srv.server.on('connection', (ws) => {
      ws.on('pong', (data) => pongs.push(data.toString()));
      ws.ping('one');
    });
    const c = new WebSocketTransport({ url: srv.url, handshakeTimeout: 2000, autoPong: false });
    cleanups.push(() => c.dispose());
    const rows: Row[] = [];
    collectRows(c, rows);
    await c.connect();
    await waitFor(() => rows.some((r) => r.kind === 'ping'), 2000, 'the ping');
    await new Promise((r) => setTimeout(r, 50));
    assert.equal(pongs.length, 0);
    assert.ok(!rows.some((r) => r.direction === 'sent' && r.kind === 'pong'));
    await c.pong('by hand');
    await waitFor(() => pongs.length === 1, 2000, 'the manual pong');
    assert.deepEqual(pongs, ['by hand']);

    // With the default, ws answers and the answer is a row.
    const d = new WebSocketTransport({ url: srv.url, handshakeTimeout: 2000 });
    cleanups.push(() => d.dispose());
    const dRows: Row[] = [];
    collectRows(d, dRows);
    await d.connect();
    await waitFor(() => pongs.includes('one'), 2000, 'the automatic pong');
    assert.ok(dRows.some((r) => r.direction === 'sent' && r.kind === 'pong' && r.payload.toString() === 'one'));
  });

  test('closes by the server name the code; a close by the client says the client closed first', async () => {
    const srv = await startWsServer();
    cleanups.push(() => srv.close());
    srv.server.on('connection', (ws) =>
      ws.on('message', (data) => {
        const [code, reason] = data.toString().split(' ');
        ws.close(Number(code), reason ?? '');
      }),
    );
    const expected: Array<[number, RegExp]> = [
      [1000, /^The server closed the connection: 1000 Normal Closure "bye"\.$/],
      [1001, /1001 Going Away/],
      [1008, /1008 Policy Violation/],
      [1011, /1011 Internal Error/],
      [1013, /1013 Try Again Later/],
      [3003, /3003 \(registered by a library or framework\)/],
      [4409, /4409 \(application-defined\)/],
    ];
    for (const [code, message] of expected) {
      const c = new WebSocketTransport({ url: srv.url, handshakeTimeout: 2000 });
      cleanups.push(() => c.dispose());
      await c.connect();
      await c.sendText(`${code} bye`);
      await waitFor(() => c.state.phase === 'closed', 2000, `close ${code}`);
      const s = c.state as Extract<ConnectionState, { phase: 'closed' }>;
      assert.equal(s.code, code);
      assert.equal(s.byClient, false);
      assert.match(s.message, message);
      const closeFrames = c.frames.slice(0, c.frames.length).filter((f) => f.opcodeName === 'close');
      // The server's close came first, then our echo of it.
      assert.deepEqual(
        closeFrames.map((f) => f.direction),
        ['received', 'sent'],
      );
    }

    const c = new WebSocketTransport({ url: srv.url, handshakeTimeout: 2000 });
    cleanups.push(() => c.dispose());
    await c.connect();
    c.close(4000, 'leaving');
    await waitFor(() => c.state.phase === 'closed', 2000, 'client close');
    const s = c.state as Extract<ConnectionState, { phase: 'closed' }>;
    assert.equal(s.byClient, true);
    assert.match(s.message, /^You closed the connection: 4000 \(application-defined\) "leaving"\.$/);
    const closeFrames = c.frames.slice(0, c.frames.length).filter((f) => f.opcodeName === 'close');
    assert.deepEqual(
      closeFrames.map((f) => [f.direction, f.payloadLength]),
      [
        ['sent', 2 + 'leaving'.length],
        ['received', 2 + 'leaving'.length],
      ],
    );
  });
});
