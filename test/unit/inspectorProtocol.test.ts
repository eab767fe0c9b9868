import assert from 'node:assert/strict';
import { test } from 'node:test';
import { NO_ACTIONS } from '../../src/core/inspector/actions';
import { InspectorSession } from '../../src/core/inspector/session';
import { PROTOCOL_VERSION, type FilterStatus, type ToWebview } from '../../src/shared/protocol';
import { waitFor } from './helpers';
import { startSocketIo } from './socketio.servers';

test('the inspector speaks Socket.IO for a /socket.io/ URL: pings answered past pingTimeout, events decoded and filtered', async () => {
  const srv = await startSocketIo({ pingInterval: 100, pingTimeout: 200 });
  srv.io.on('connection', (socket) => {
    socket.emit('chat', { text: 'hi' });
    socket.emit('join', 'bob');
    socket.emit('chat', { text: 'again' });
  });
  const url = `${srv.url.replace('http', 'ws')}/socket.io/?EIO=4&transport=websocket`;
  const posted: ToWebview[] = [];
  const session = new InspectorSession({ url, handshakeTimeout: 3000 }, (m) => posted.push(m), undefined, NO_ACTIONS);
  // A listener that came after the protocol session (as the recorder does) sees the same order.
  const late: string[] = [];
  session.connection.onMessage((m) =>
    late.push(`${m.direction === 'sent' ? '→' : '←'}${m.payload.toString().slice(0, 2)}`),
  );
  try {
    await session.connect();
    const previews = () => session.store.summaries(0, session.store.length).map((r) => r.preview);
    assert.match(previews()[0], /^Speaking Socket\.IO \(recognised by the URL\)/);
    await waitFor(() => session.stats.receivedMessages >= 5, 3000, 'the open packet, CONNECT and three events');
    // Three ping intervals later, the server has not dropped us: each "2" got its "3".
    const opened = Date.now();
    await waitFor(() => Date.now() - opened > 700 && previews().filter((p) => p === '3').length >= 3, 5000, 'pongs');
    assert.equal(session.state.phase, 'open');
    // Each answer comes after what it answers: the open packet before CONNECT, every ping before its pong.
    const wire = session.store
      .summaries(0, session.store.length)
      .filter((r) => r.direction !== 'event')
      .map((r) => `${r.direction === 'sent' ? '→' : '←'}${r.preview.slice(0, 2)}`);
    assert.ok(wire.indexOf('←0{') < wire.indexOf('→40'), wire.join(' '));
    wire.forEach((w, i) => w === '→3' && assert.equal(wire[i - 1], '←2', `pong at ${i}: ${wire.join(' ')}`));
    assert.ok(late.indexOf('←0{') < late.indexOf('→40'), late.join(' '));
    late.forEach(
      (w, i) => w === '→3' && assert.equal(late[i - 1], '←2', `late listener, pong at ${i}: ${late.join(' ')}`),
    );

    // The list shows the decoder's line for text frames; the filter reads the decoded event.
    const rows = session.model.withDecoded(session.store.summaries(0, session.store.length));
    const lines = rows.filter((r) => r.direction === 'received' && r.kind === 'text').map((r) => r.decodedLine);
    assert.ok(
      lines.some((l) => /chat/.test(l ?? '') && /hi/.test(l ?? '')),
      lines.join('\n'),
    );
    session.receive({ type: 'ready', protocolVersion: PROTOCOL_VERSION });
    session.receive({ type: 'setFilter', query: { json: 'event == "chat"' } });
    const status = (): FilterStatus | undefined =>
      posted.flatMap((m) => (m.type === 'tick' && m.filter ? [m.filter] : [])).at(-1);
    await waitFor(() => status()?.matched === 2 && status()?.running === false, 3000, 'two chat events');
  } finally {
    session.dispose();
    await srv.close();
  }
});
