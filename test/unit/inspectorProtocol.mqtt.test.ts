import assert from 'node:assert/strict';
import { test } from 'node:test';
import { NO_ACTIONS } from '../../src/core/inspector/actions';
import { InspectorSession } from '../../src/core/inspector/session';
import { PROTOCOL_VERSION, type ProtocolInfo, type ToWebview } from '../../src/shared/protocol';
import { waitFor } from './helpers';
import { startAedes } from './protocol.mqtt.servers';

// MQTT in the inspector against aedes: recognised by the /mqtt path, the composer's actions, a
// publish's sentence, the list's columns and the PUBACK linked to its PUBLISH.

function open(url: string) {
  const posted: ToWebview[] = [];
  const session = new InspectorSession({ url, handshakeTimeout: 3000 }, (m) => posted.push(m), undefined, NO_ACTIONS);
  session.receive({ type: 'ready', protocolVersion: PROTOCOL_VERSION });
  const rows = () => session.model.withDecoded(session.store.summaries(0, session.store.length));
  const request = async (message: Record<string, unknown> & { type: string }, id: number) => {
    session.receive({ ...message, id });
    await waitFor(() => posted.some((m) => m.type === 'response' && m.id === id), 5000, `reply ${id}`);
    return posted.find((m) => m.type === 'response' && m.id === id) as {
      ok: boolean;
      result?: unknown;
      error?: string;
    };
  };
  return { session, posted, rows, request };
}

test('MQTT in the inspector: ws://…/mqtt speaks MQTT 3.1.1; subscribe and publish from the composer; columns; PUBACK linked', async () => {
  const srv = await startAedes({}, true);
  const { session, posted, rows, request } = open(srv.url);
  try {
    await session.connect();
    await session.model.protocol!.ready();
    const info = posted.flatMap((m) => (m.type === 'snapshot' ? [m.snapshot.protocol] : [])).at(-1) as ProtocolInfo;
    assert.equal(info.id, 'mqtt');
    assert.deepEqual(
      info.actions.map((a) => a.id),
      ['publish', 'subscribe', 'unsubscribe'],
    );
    const sub = await request({ type: 'compose', action: 'subscribe', values: { topic: 'room/#', qos: '1' } }, 1);
    assert.match(String(sub.result), /^SUBACK after \d+ ms: QoS 1 granted\.$/, sub.error);
    const pub = await request(
      { type: 'compose', action: 'publish', values: { topic: 'room/1', qos: '1', payload: 'hello', retain: false } },
      2,
    );
    assert.equal(pub.ok, true, pub.error);
    assert.match(String(pub.result), /^PUBACK after \d+ ms\.$/);
    await waitFor(
      () => rows().some((r) => r.direction === 'received' && r.columns?.type === 'PUBLISH'),
      3000,
      'the delivery',
    );
    const all = rows();
    const sent = all.find((r) => r.direction === 'sent' && r.columns?.type === 'PUBLISH');
    assert.deepEqual(sent?.columns, { type: 'PUBLISH', subject: 'room/1', id: '2' });
    assert.equal(sent?.decodedLine, 'PUBLISH room/1 qos 1 #2: hello');
    const puback = all.find((r) => r.direction === 'received' && r.columns?.type === 'PUBACK');
    assert.equal(puback?.replyTo?.index, sent?.index);
    const suback = all.find((r) => r.columns?.type === 'SUBACK');
    assert.equal(suback?.replyTo?.index, all.find((r) => r.columns?.type === 'SUBSCRIBE')?.index);
    const bad = await request({ type: 'compose', action: 'publish', values: { topic: 'a/+', payload: '' } }, 3);
    assert.equal(bad.error, 'The topic "a/+" has a wildcard (+ or #); a PUBLISH goes to one topic name.');
  } finally {
    session.dispose();
    await srv.close();
  }
});

test('MQTT in the inspector against aedes writing each piece of a packet as its own frame: the PUBLISH is read whole in the frame that ends it, the pieces before say so, a filter on its topic finds it once', async () => {
  const srv = await startAedes();
  const { session, rows, request } = open(srv.url);
  try {
    await session.connect();
    await session.model.protocol!.ready();
    await request({ type: 'compose', action: 'subscribe', values: { topic: 'room/#', qos: '0' } }, 1);
    const text = 'hello '.repeat(40);
    await request({ type: 'compose', action: 'publish', values: { topic: 'room/7', qos: '0', payload: text } }, 2);
    await waitFor(
      () => rows().some((r) => r.direction === 'received' && r.columns?.type === 'PUBLISH'),
      3000,
      'the delivery read whole',
    );
    const received = rows().filter((r) => r.direction === 'received');
    const i = received.findIndex((r) => r.columns?.type === 'PUBLISH');
    const whole = received[i];
    // aedes wrote the delivery in pieces: the frame before the one that ends it holds its start.
    assert.ok(whole.size <= text.length, `the last piece alone is ${whole.size} bytes`);
    assert.deepEqual(whole.columns, { type: 'PUBLISH', subject: 'room/7' });
    assert.match(whole.decodedLine ?? '', /^PUBLISH room\/7 qos 0: hello hello .* \(from #\d+–#\d+\)$/);
    assert.match(
      received[i - 1].decodedLine ?? '',
      /^PUBLISH: \d+ of \d+ bytes so far( \(begun in #\d+\))?, continued in the next frame$/,
    );
    const view = session.model.decoded(whole.index)!.value as { topic: string; payload: string };
    assert.equal(view.payload, text);
    assert.equal(view.topic, 'room/7');
    assert.equal(session.model.decoded(whole.index)?.problem, undefined);
    // The filter on the topic: the sent PUBLISH and the delivery, not the piece before it.
    assert.equal(
      rows().filter((r) => (session.model.filterValue(r.index) as { topic?: string } | undefined)?.topic === 'room/7')
        .length,
      2,
    );
  } finally {
    session.dispose();
    await srv.close();
  }
});
