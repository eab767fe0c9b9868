import assert from 'node:assert/strict';
import { after, describe, test } from 'node:test';
import type { InspectorActions, PickedFile } from '../../src/core/inspector/actions';
import type { EditorContent } from '../../src/core/inspector/model';
import { InspectorSession } from '../../src/core/inspector/session';
import type { Transport } from '../../src/core/transport';
import { PROTOCOL_VERSION, type ToWebview } from '../../src/shared/protocol';
import { startWsServer, waitFor } from './helpers';

type Tick = Extract<ToWebview, { type: 'tick' }>;

/** Actions that remember what they were asked, as the panel would do it. */
class RecordingActions implements InspectorActions {
  readonly hooked: Transport[] = [];
  readonly copied: string[] = [];
  readonly opened: EditorContent[] = [];
  replays = 0;
  constructor(private readonly file?: Uint8Array) {}
  pickFile(): Promise<PickedFile | undefined> {
    const file = this.file;
    return Promise.resolve(file && { read: () => Promise.resolve(file) });
  }
  openInEditor(content: EditorContent): void {
    this.opened.push(content);
  }
  copy(text: string): void {
    this.copied.push(text);
  }
  replay(): void {
    this.replays++;
  }
  connecting(connection: Transport): void {
    this.hooked.push(connection);
  }
}

describe('InspectorFeed: every webview message through the one dispatcher', () => {
  const cleanups: Array<() => Promise<void> | void> = [];
  after(async () => {
    for (const c of cleanups.reverse()) await c();
  });

  test('reconnect from the view opens one new connection, and the host hears of it once', async () => {
    const srv = await startWsServer();
    cleanups.push(() => srv.close());
    let accepted = 0;
    srv.server.on('connection', () => accepted++);
    const actions = new RecordingActions();
    const { hooked } = actions;
    const session = new InspectorSession({ url: srv.url, handshakeTimeout: 2000 }, () => undefined, undefined, actions);
    cleanups.push(() => session.dispose());
    await session.connect();
    assert.deepEqual(hooked, [session.connection], 'the first connect goes through the hook too');
    const first = session.connection;
    assert.equal(session.receive({ type: 'reconnect' }), true);
    assert.equal(hooked.length, 2, 'heard of at once, while it opens');
    assert.notEqual(session.connection, first);
    assert.equal(hooked[1], session.connection, 'the hook gets the new connection');
    await waitFor(() => session.state.phase === 'open' && accepted === 2, 3000, 'the reconnect to open');
    await new Promise((r) => setTimeout(r, 50));
    assert.equal(accepted, 2, 'one reconnect, not two');
    const rows = session.store.summaries(0, session.store.length).map((r) => r.preview);
    assert.equal(rows.filter((p) => p.startsWith('Reconnecting to')).length, 1);
  });

  test('copy, open in editor, replay and send file go to the host actions; malformed messages are refused', async () => {
    const srv = await startWsServer();
    cleanups.push(() => srv.close());
    const received: Buffer[] = [];
    srv.server.on('connection', (ws) => ws.on('message', (d) => received.push(d as Buffer)));
    const actions = new RecordingActions(Uint8Array.from([1, 2, 3]));
    const posted: ToWebview[] = [];
    const session = new InspectorSession(
      { url: srv.url, handshakeTimeout: 2000 },
      (m) => posted.push(m),
      undefined,
      actions,
    );
    cleanups.push(() => session.dispose());
    await session.connect();
    assert.equal(session.receive({ type: 'ready', protocolVersion: PROTOCOL_VERSION }), true);
    assert.equal(session.receive({ type: 'copy', text: 'a path' }), true);
    assert.deepEqual(actions.copied, ['a path']);
    session.note('info', 'a note to open');
    session.receive({ type: 'openInEditor', index: session.store.length - 1 });
    assert.equal(actions.opened.length, 1);
    assert.equal(actions.opened[0].payload.toString(), 'a note to open');
    session.receive({ type: 'openInEditor', index: 10_000 });
    assert.equal(actions.opened.length, 1, 'no row, nothing opened');
    session.receive({ type: 'replay' });
    assert.equal(actions.replays, 1);
    session.receive({ type: 'sendFile', id: 3 });
    await waitFor(() => posted.some((m) => m.type === 'response' && m.id === 3), 2000, 'the sendFile answer');
    assert.deepEqual(
      posted.flatMap((m) => ((m.type === 'requestProgress' || m.type === 'response') && m.id === 3 ? [m] : [])),
      [
        { type: 'requestProgress', id: 3, waitingForUser: true },
        { type: 'requestProgress', id: 3, waitingForUser: false },
        { type: 'response', id: 3, ok: true, result: undefined },
      ],
    );
    await waitFor(() => received.length === 1, 2000, 'the file at the server');
    assert.deepEqual([...received[0]], [1, 2, 3]);
    assert.equal(session.receive({ type: 'copy' }), false, 'a copy without text is refused');
    assert.equal(session.receive({ type: 'nonsense' }), false);
    assert.deepEqual(actions.copied, ['a path']);
  });

  test('ticks and snapshots carry the length the list shows: rows, matches, or frame headers', async () => {
    const srv = await startWsServer();
    cleanups.push(() => srv.close());
    srv.server.on('connection', (ws) => ws.on('message', (d) => ws.send(d.toString())));
    const posted: ToWebview[] = [];
    const session = new InspectorSession({ url: srv.url, handshakeTimeout: 2000 }, (m) => posted.push(m));
    cleanups.push(() => session.dispose());
    await session.connect();
    session.receive({ type: 'ready', protocolVersion: PROTOCOL_VERSION });
    for (let i = 0; i < 5; i++) await session.sendText(i % 2 ? `odd ${i}` : `even ${i}`);
    await waitFor(() => session.stats.receivedMessages === 5, 2000, 'echoes');
    const lastTick = () => posted.filter((m): m is Tick => m.type === 'tick').at(-1);
    await waitFor(() => lastTick()?.length === session.store.length, 2000, 'a tick with every row');
    assert.equal(lastTick()?.listMode, 'messages');

    posted.length = 0;
    session.receive({ type: 'setFilter', query: { text: 'odd', mode: 'substring' } });
    await waitFor(() => lastTick()?.filter?.running === false, 2000, 'the filter to finish');
    assert.equal(lastTick()?.length, 4, 'two sent and two echoed rows match');
    assert.equal(lastTick()?.filter?.matched, 4);

    posted.length = 0;
    session.receive({ type: 'setListMode', mode: 'frames' });
    const snapshot = posted.find((m) => m.type === 'snapshot');
    const frames = session.connection.frames.length - session.connection.frames.firstKept;
    assert.ok(frames >= 10, `${frames} frame headers`);
    assert.equal(snapshot?.type === 'snapshot' && snapshot.snapshot.length, frames);
    await session.sendText('one more');
    await waitFor(() => lastTick()?.length === frames + 2, 2000, 'a tick with the new frame headers');
    assert.equal(lastTick()?.listMode, 'frames');
  });
});
