import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { StoredMessage } from '../../src/core/decode';
import { actionCable, actionCableDecoder, detectProtocol, PROTOCOLS } from '../../src/core/protocols';
import { createTransport, type TransportMessage } from '../../src/core/transport';
import { startWsServer, waitFor } from './helpers';

// Action Cable (decoded view only): the frames Rails' server and client send (actioncable's
// connection/subscriptions code and its JavaScript client), bad input, random bytes, and a `ws`
// server choosing actioncable-v1-json for a real transport, the protocol recognised by the subprotocol.

const decoder = actionCableDecoder();
const view = (text: string, direction: 'sent' | 'received' = 'received') => {
  const m: StoredMessage = { index: 0, direction, kind: 'text', payload: Buffer.from(text) };
  const v = decoder.decode(m);
  assert.ok(v, text);
  return v;
};
const ID = JSON.stringify({ channel: 'ChatChannel', room: 'lobby' });

test('Action Cable: every server message and client command decodes, identifier and data too, with links by identifier', () => {
  const welcome = view('{"type":"welcome"}');
  assert.deepEqual(welcome.value, { type: 'welcome' });
  assert.deepEqual(view('{"type":"welcome","sid":"abc"}').value, { type: 'welcome', sid: 'abc' });
  assert.equal(welcome.handshake, true);
  const ping = view('{"type":"ping","message":1700000000}');
  assert.equal(ping.keepalive, true);
  assert.equal(ping.summary, 'ping 1700000000');
  const subscribe = view(JSON.stringify({ command: 'subscribe', identifier: ID }), 'sent');
  assert.deepEqual(subscribe.value, {
    type: 'subscribe',
    command: 'subscribe',
    identifier: { channel: 'ChatChannel', room: 'lobby' },
    channel: 'ChatChannel',
  });
  assert.deepEqual(subscribe.columns, { type: 'subscribe', subject: 'ChatChannel' });
  assert.deepEqual(subscribe.link, { key: `actioncable:${ID}`, role: 'request' });
  const confirm = view(JSON.stringify({ identifier: ID, type: 'confirm_subscription' }));
  assert.deepEqual(confirm.link, { key: `actioncable:${ID}`, role: 'reply' });
  assert.equal(confirm.summary, 'confirm_subscription ChatChannel');
  const reject = view(JSON.stringify({ identifier: ID, type: 'reject_subscription' }));
  assert.deepEqual(reject.link, { key: `actioncable:${ID}`, role: 'reply' });
  const broadcast = view(JSON.stringify({ identifier: ID, message: { text: 'hi' } }));
  assert.deepEqual(broadcast.value, {
    type: 'message',
    identifier: { channel: 'ChatChannel', room: 'lobby' },
    channel: 'ChatChannel',
    message: { text: 'hi' },
  });
  assert.deepEqual(broadcast.link, { key: `actioncable:${ID}`, role: 'reply' });
  assert.equal(broadcast.summary, 'message ChatChannel {"text":"hi"}');
  const perform = view(
    JSON.stringify({ command: 'message', identifier: ID, data: JSON.stringify({ action: 'speak', text: 'yo' }) }),
    'sent',
  );
  assert.deepEqual((perform.value as { data: unknown }).data, { action: 'speak', text: 'yo' });
  assert.equal(perform.link, undefined);
  assert.equal(
    view(JSON.stringify({ command: 'unsubscribe', identifier: ID }), 'sent').summary,
    'unsubscribe ChatChannel',
  );
  const bye = view('{"type":"disconnect","reason":"unauthorized","reconnect":false}');
  assert.deepEqual(bye.value, { type: 'disconnect', reason: 'unauthorized', reconnect: false });
  assert.equal(bye.summary, 'disconnect unauthorized (no reconnect)');
  for (const v of [welcome, ping, subscribe, confirm, broadcast, perform, bye]) assert.equal(v.problem, undefined);
  const b = Buffer.from('{"type":"ping","message":1700000000}');
  assert.equal(decoder.isKeepalive?.('text', b, 0, b.length), true);
  const w = Buffer.from('{"type":"welcome"}');
  assert.equal(decoder.isKeepalive?.('text', w, 0, w.length), false);
});

test('Action Cable: bad input is a view with a problem; random bytes never throw', () => {
  assert.match(view('{"type":').problem ?? '', /^The message is not valid JSON \(/);
  assert.equal(
    view('[1]').problem,
    'An Action Cable message is a JSON object (a "type", a "command", or an "identifier" with a "message").',
  );
  assert.equal(
    view('{"type":"hello"}').problem,
    '"hello" is not an Action Cable message type (welcome, ping, confirm_subscription, reject_subscription, disconnect).',
  );
  assert.equal(
    view('{"command":"perform","identifier":"{}"}', 'sent').problem,
    '"perform" is not an Action Cable command (subscribe, unsubscribe, message).',
  );
  const badId = view('{"command":"subscribe","identifier":"{channel"}', 'sent');
  assert.match(badId.problem ?? '', /^"identifier" is not JSON in a string \(/);
  assert.equal((badId.value as { identifier: unknown }).identifier, '{channel');
  assert.equal(
    view('{"command":"subscribe","identifier":{"channel":"X"}}', 'sent').problem,
    '"identifier" should be JSON in a string; it is a object.',
  );
  assert.equal(
    view('{"command":"subscribe"}', 'sent').problem,
    'A "subscribe" message needs an "identifier" (JSON in a string).',
  );
  assert.equal(
    view('{"foo":1}').problem,
    'The message has no "type", no "command", and is not an "identifier" with a "message".',
  );
  let seed = 3;
  const rand = () => ((seed = (seed * 1103515245 + 12345) & 0x7fffffff), seed);
  for (let i = 0; i < 2000; i++) {
    const bytes = Buffer.from(Array.from({ length: rand() % 30 }, () => rand() % 256));
    const text = i % 2 ? bytes.toString('latin1') : `{"command":"subscribe","identifier":${bytes.toString('latin1')}}`;
    assert.ok(typeof view(text).summary === 'string');
  }
});

test('Action Cable: a real transport to a ws server choosing actioncable-v1-json is recognised by it; the view session follows the transport', async () => {
  const srv = await startWsServer({
    handleProtocols: (offered: Set<string>) => (offered.has('actioncable-v1-json') ? 'actioncable-v1-json' : false),
  });
  srv.server.on('connection', (ws) => {
    ws.send('{"type":"welcome"}');
    ws.on('message', (d) => {
      const m = JSON.parse(d.toString()) as { command: string; identifier: string };
      if (m.command === 'subscribe') {
        ws.send(JSON.stringify({ identifier: m.identifier, type: 'confirm_subscription' }));
        ws.send(JSON.stringify({ identifier: m.identifier, message: { text: 'hi' } }));
        ws.send('{"type":"ping","message":1700000000}');
      }
    });
  });
  const e = actionCable.endpoint(srv.url.replace('ws:', 'http:') + '/cable');
  assert.ok(!('error' in e));
  assert.deepEqual(e.protocols, ['actioncable-v1-json', 'actioncable-unsupported']);
  const t = createTransport({ url: e.url, protocols: e.protocols, handshakeTimeout: 2000 });
  const s = actionCable.attach(t, {});
  const messages: TransportMessage[] = [];
  t.onMessage((m) => messages.push(m));
  try {
    assert.equal(s.phase, 'waiting');
    await t.connect();
    await s.ready();
    assert.equal(s.phase, 'ready');
    assert.equal('compose' in s, false);
    const subprotocol = t.state.phase === 'open' ? t.state.protocol : '';
    const found = detectProtocol(PROTOCOLS, { url: e.url, subprotocol });
    assert.equal(found?.protocol, actionCable);
    assert.equal(found?.by, 'subprotocol');
    await t.sendText(JSON.stringify({ command: 'subscribe', identifier: ID }));
    await waitFor(() => messages.filter((m) => m.direction === 'received').length === 4, 2000, 'four messages');
    const d = found.protocol.decoder({ url: e.url, subprotocol });
    const views = messages.map((m, index) =>
      d.decode({ index, direction: m.direction, kind: 'text', payload: m.payload }),
    );
    assert.deepEqual(
      views.map((v) => v?.columns?.type),
      ['welcome', 'subscribe', 'confirm_subscription', 'message', 'ping'],
    );
    assert.ok(views.every((v) => v && v.problem === undefined));
    s.close();
    await waitFor(() => s.phase === 'closed', 2000, 'closed');
  } finally {
    s.dispose();
    t.dispose();
    await srv.close();
  }
});
