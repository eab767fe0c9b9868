/**
 * The Stats tab's numbers: per-second message and byte counts per direction, sizes and round trips,
 * counted from the store's rows when asked (Timeline), and through the feed from a real connection:
 * getStats answers with what crossed it, revealTime finds the list position of a time (with a filter
 * too), and a Clear starts the counts over.
 */
import assert from 'node:assert/strict';
import { after, describe, test } from 'node:test';
import { FrameStore } from '../../src/core/frameStore';
import { InspectorSession } from '../../src/core/inspector/session';
import { rowAtTime, sizeBucket, Timeline } from '../../src/core/inspector/timeline';
import { PROTOCOL_VERSION, type StatsSnapshot, type ToWebview } from '../../src/shared/protocol';
import { startWsServer, waitFor } from './helpers';

describe('Timeline', () => {
  test('counts data messages per second and direction; events and control frames are left out', () => {
    const store = new FrameStore();
    const t0 = 1_700_000_000_000;
    store.append(t0, 'event', 'open', 'open');
    store.append(t0 + 10, 'sent', 'text', 'hello');
    store.append(t0 + 20, 'received', 'text', 'hello');
    store.append(t0 + 30, 'received', 'ping', '');
    store.append(t0 + 2500, 'received', 'binary', Buffer.alloc(300));
    const timeline = new Timeline();
    timeline.update(store.columns());
    const s = timeline.snapshot();
    assert.equal(s.start, t0);
    assert.equal(s.bucketMs, 1000);
    assert.deepEqual(s.sent.messages, [1, 0, 0]);
    assert.deepEqual(s.received.messages, [1, 0, 1]);
    assert.deepEqual(s.received.bytes, [5, 0, 300]);
    assert.equal(s.sizes.received[sizeBucket(300)], 1);
    // Only new rows are read on the next update.
    store.append(t0 + 2600, 'sent', 'text', 'x');
    timeline.update(store.columns());
    assert.deepEqual(timeline.snapshot().sent.messages, [1, 0, 1]);
    // A Clear (the store shrank) starts over.
    store.clear();
    store.append(t0 + 9000, 'sent', 'text', 'after');
    timeline.update(store.columns());
    const again = timeline.snapshot();
    assert.equal(again.start, t0 + 9000);
    assert.deepEqual(again.sent.messages, [1]);
    assert.deepEqual(again.received.messages, [0]);
  });

  test('a long session is drawn in at most ~300 buckets, with every message still counted', () => {
    const store = new FrameStore();
    const t0 = 1_700_000_000_000;
    for (let s = 0; s < 3600; s++) store.append(t0 + s * 1000, 'received', 'text', 'tick');
    const timeline = new Timeline();
    timeline.update(store.columns());
    const snap = timeline.snapshot();
    assert.equal(snap.bucketMs, 30_000);
    assert.ok(snap.received.messages.length <= 300);
    assert.equal(
      snap.received.messages.reduce((a, b) => a + b, 0),
      3600,
    );
  });

  test('size buckets: ≤16, ≤64, ≤256 … ≤1 MiB, then larger', () => {
    assert.deepEqual(
      [0, 16, 17, 64, 65, 256, 1024, 1_048_576, 1_048_577, 50_000_000].map(sizeBucket),
      [0, 0, 1, 1, 2, 2, 3, 8, 9, 9],
    );
  });

  test('rowAtTime finds the first row at or after a time', () => {
    const times = new Float64Array([10, 20, 20, 30]);
    assert.deepEqual(
      [0, 10, 15, 20, 25, 30, 31].map((t) => rowAtTime(times, 4, t)),
      [0, 0, 1, 1, 3, 3, 4],
    );
  });
});

describe('Stats through the feed', () => {
  const cleanups: Array<() => Promise<void> | void> = [];
  after(async () => {
    for (const c of cleanups.reverse()) await c();
  });

  test('getStats counts what crossed a real connection, pings included; revealTime finds rows, filtered too', async () => {
    const srv = await startWsServer();
    cleanups.push(() => srv.close());
    srv.server.on('connection', (ws) => ws.on('message', (d) => ws.send(d.toString())));
    const posted: ToWebview[] = [];
    const session = new InspectorSession({ url: srv.url, handshakeTimeout: 2000 }, (m) => posted.push(m));
    cleanups.push(() => session.dispose());
    await session.connect();
    session.handle({ type: 'ready', protocolVersion: PROTOCOL_VERSION });
    for (let i = 0; i < 5; i++) await session.sendText(`m${i}`);
    await waitFor(() => session.stats.receivedMessages === 5, 2000, 'echoes');
    const response = (id: number) =>
      posted.find((m): m is Extract<ToWebview, { type: 'response' }> => m.type === 'response' && m.id === id);
    const reply = async (id: number) => {
      await waitFor(() => response(id) !== undefined, 2000, `response ${id}`);
      return response(id)!;
    };
    session.handle({ type: 'ping', id: 1, payload: 'rtt' });
    await reply(1);
    session.handle({ type: 'getStats', id: 2 });
    const stats = (await reply(2)).result as StatsSnapshot;
    const sum = (v: number[]) => v.reduce((a, b) => a + b, 0);
    assert.equal(sum(stats.sent.messages), 5);
    assert.equal(sum(stats.received.messages), 5);
    assert.equal(sum(stats.received.bytes), 10);
    assert.equal(stats.rtt.length, 1, 'the ping’s round trip');
    assert.ok(stats.rtt[0].ms >= 0);

    // The open event is row 0, then sent/received pairs: the first row at the first message's time.
    const rows = session.store.summaries(0, session.store.length);
    const firstEcho = rows.findIndex((r) => r.direction === 'received' && r.preview === 'm0');
    session.handle({ type: 'revealTime', id: 3, time: rows[firstEcho].time });
    assert.ok(((await reply(3)).result as number) <= firstEcho);
    session.handle({ type: 'revealTime', id: 4, time: Date.now() + 60_000 });
    assert.equal((await reply(4)).result, null, 'nothing after the last row');
    // With a filter, the position is in the list of matches.
    session.handle({ type: 'setFilter', query: { text: 'm3', directions: ['received'] } });
    await waitFor(() => session.listLength === 1, 2000, 'the filter');
    session.handle({ type: 'revealTime', id: 5, time: rows[firstEcho].time });
    assert.equal((await reply(5)).result, 0);
  });
});
