import assert from 'node:assert/strict';
import { test } from 'node:test';
import { NO_ACTIONS } from '../../src/core/inspector/actions';
import { InspectorSession } from '../../src/core/inspector/session';
import { PROTOCOL_VERSION, type RowDetail, type RowSummary, type ToWebview } from '../../src/shared/protocol';
import { startWsServer, waitFor } from './helpers';

const COUNT = 10_000;

test('decoding is lazy: ingest decodes nothing; the visible rows, the detail pane and Clear use the views', async () => {
  const srv = await startWsServer();
  // Every 10th message is JSON in a binary frame, the rest JSON text.
  srv.server.on('connection', (ws) => {
    for (let i = 0; i < COUNT; i++) {
      const body = JSON.stringify({ i, kind: 'tick' });
      ws.send(i % 10 === 0 ? Buffer.from(body) : body, { binary: i % 10 === 0 });
    }
  });
  const posted: ToWebview[] = [];
  const session = new InspectorSession(
    { url: srv.url, handshakeTimeout: 2000 },
    (m) => posted.push(m),
    undefined,
    NO_ACTIONS,
  );
  try {
    await session.connect();
    await waitFor(() => session.stats.receivedMessages === COUNT, 10_000, 'the flood');
    assert.equal(session.model.decoders.decodes, 0, 'nothing decoded while messages arrived');

    session.receive({ type: 'ready', protocolVersion: PROTOCOL_VERSION });
    session.receive({ type: 'viewport', start: 0, count: 60, follow: false });
    const rowsSeen = (): RowSummary[] =>
      posted.flatMap((m) => (m.type === 'snapshot' ? m.snapshot.rows : m.type === 'tick' ? (m.rows ?? []) : []));
    await waitFor(() => rowsSeen().some((r) => r.index === 1), 3000, 'the first rows');
    // Row 0 is the open event; row 1 the first message, JSON in a binary frame.
    const binaryRow = rowsSeen().find((r) => r.index === 1)!;
    assert.equal(binaryRow.kind, 'binary');
    assert.equal(binaryRow.decodedLine, '{"i":0,"kind":"tick"}', 'the list shows JSON in a binary frame as text');
    assert.equal(rowsSeen().find((r) => r.kind === 'text')?.decodedLine, undefined, 'JSON text needs no decoder');
    const binaries = new Set(
      rowsSeen()
        .filter((r) => r.kind === 'binary')
        .map((r) => r.index),
    ).size;
    assert.ok(binaries > 0 && session.model.decoders.decodes <= binaries, 'only the binary rows posted were decoded');

    session.receive({ type: 'getDetail', id: 7, position: binaryRow.index });
    await waitFor(() => posted.some((m) => m.type === 'response' && m.id === 7), 3000, 'the detail');
    const answer = posted.find((m) => m.type === 'response' && m.id === 7) as Extract<ToWebview, { type: 'response' }>;
    const detail = answer.result as RowDetail;
    assert.deepEqual(detail.decoded, {
      decoder: 'json',
      label: 'JSON in a binary frame',
      value: { i: 0, kind: 'tick' },
      problem: undefined,
    });

    // A JSON filter that most rows fail decodes nothing: the byte scan already read JSON text and JSON in binary frames.
    const before = session.model.decoders.decodes;
    session.receive({ type: 'setFilter', query: { json: 'i == 5' } });
    const status = () => posted.flatMap((m) => (m.type === 'tick' && m.filter ? [m.filter] : [])).at(-1);
    await waitFor(() => status()?.matched === 1 && status()?.running === false, 5000, 'the filter');
    assert.equal(session.model.decoders.decodes, before, 'no decoding for rows the filter rejected');
    session.receive({ type: 'setFilter', query: null });

    // After Clear, row 0 is a new message: its view must not be the old row 0's.
    session.receive({ type: 'clear' });
    assert.equal(session.model.decoded(0), undefined, 'row 0 is now the Clear marker, not the old binary row');
  } finally {
    session.dispose();
    await srv.close();
  }
});
