import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { StoredMessage } from '../../src/core/decode';
import { detectProtocol, PROTOCOLS, wamp, wampDecoder } from '../../src/core/protocols';
import { createTransport, type TransportMessage } from '../../src/core/transport';
import { startWsServer, waitFor } from './helpers';

// WAMP v2 over JSON (decoded view only): the spec's message layouts (wamp-proto.org, basic profile),
// links by request id per asker, bad input with the element at fault, random bytes, and a `ws` router
// choosing wamp.2.json for a real transport, the protocol recognised by the subprotocol.

const decoder = wampDecoder();
const view = (message: unknown, direction: 'sent' | 'received' = 'received') => {
  const text = typeof message === 'string' ? message : JSON.stringify(message);
  const m: StoredMessage = { index: 0, direction, kind: 'text', payload: Buffer.from(text) };
  const v = decoder.decode(m);
  assert.ok(v, text);
  return v;
};

/** A session's worth of messages, one of each code, with who sends it. */
const SESSION: Array<[unknown[], 'sent' | 'received']> = [
  [[1, 'realm1', { roles: { caller: {}, subscriber: {} } }], 'sent'],
  [[4, 'wampcra', { challenge: '{}' }], 'received'],
  [[5, 'sig', {}], 'sent'],
  [[2, 9129137332, { roles: { broker: {} } }], 'received'],
  [[32, 713845233, {}, 'com.myapp.mytopic1'], 'sent'],
  [[33, 713845233, 5512315355], 'received'],
  [[16, 239714735, {}, 'com.myapp.mytopic1', ['Hello, world!'], { color: 'orange' }], 'sent'],
  [[17, 239714735, 4429313566], 'received'],
  [[36, 5512315355, 4429313566, {}, ['Hello, world!']], 'received'],
  [[34, 85346237, 5512315355], 'sent'],
  [[35, 85346237], 'received'],
  [[48, 7814135, {}, 'com.myapp.ping'], 'sent'],
  [[50, 7814135, {}, [30]], 'received'],
  [[49, 7814135, { mode: 'kill' }], 'sent'],
  [[8, 48, 7814136, {}, 'wamp.error.no_such_procedure'], 'received'],
  [[64, 25349185, {}, 'com.myapp.myprocedure1'], 'sent'],
  [[65, 25349185, 2103333224], 'received'],
  [[68, 6131533, 2103333224, {}, ['johnny'], { firstname: 'John' }], 'received'],
  [[69, 6131533, {}], 'received'],
  [[70, 6131533, {}, ['Hello, johnny']], 'sent'],
  [[66, 788923562, 2103333224], 'sent'],
  [[67, 788923562], 'received'],
  [[6, {}, 'wamp.close.system_shutdown'], 'sent'],
  [[3, { message: 'The realm does not exist.' }, 'wamp.error.no_such_realm'], 'received'],
];

test('WAMP: every message code decodes with its named fields, columns and links by request id', () => {
  const views = SESSION.map(([m, dir]) => view(m, dir));
  for (const v of views) assert.equal(v.problem, undefined, v.summary);
  assert.deepEqual(
    views.map((v) => v.columns?.type),
    [
      'HELLO',
      'CHALLENGE',
      'AUTHENTICATE',
      'WELCOME',
      'SUBSCRIBE',
      'SUBSCRIBED',
      'PUBLISH',
      'PUBLISHED',
      'EVENT',
      'UNSUBSCRIBE',
      'UNSUBSCRIBED',
      'CALL',
      'RESULT',
      'CANCEL',
      'ERROR',
      'REGISTER',
      'REGISTERED',
      'INVOCATION',
      'INTERRUPT',
      'YIELD',
      'UNREGISTER',
      'UNREGISTERED',
      'GOODBYE',
      'ABORT',
    ],
  );
  assert.deepEqual(views[0].value, {
    type: 'HELLO',
    code: 1,
    realm: 'realm1',
    details: { roles: { caller: {}, subscriber: {} } },
  });
  assert.equal(views[0].handshake, true);
  assert.deepEqual(views[6].value, {
    type: 'PUBLISH',
    code: 16,
    id: 239714735,
    options: {},
    topic: 'com.myapp.mytopic1',
    args: ['Hello, world!'],
    kwargs: { color: 'orange' },
  });
  assert.deepEqual(views[6].columns, { type: 'PUBLISH', subject: 'com.myapp.mytopic1', id: '239714735' });
  assert.equal(views[6].summary, 'PUBLISH com.myapp.mytopic1 #239714735 ["Hello, world!"] {"color":"orange"}');
  assert.deepEqual(views[8].value, {
    type: 'EVENT',
    code: 36,
    subscription: 5512315355,
    publication: 4429313566,
    details: {},
    args: ['Hello, world!'],
  });
  assert.deepEqual(views[14].value, {
    type: 'ERROR',
    code: 8,
    requestType: 48,
    requestName: 'CALL',
    id: 7814136,
    details: {},
    error: 'wamp.error.no_such_procedure',
  });
  assert.equal(views[14].summary, 'ERROR (CALL) wamp.error.no_such_procedure #7814136');
  // The client's requests and their replies; the router's INVOCATION and the callee's YIELD and its INTERRUPT.
  assert.deepEqual(views[4].link, { key: 'wamp:sent:713845233', role: 'request' });
  assert.deepEqual(views[5].link, { key: 'wamp:sent:713845233', role: 'reply' });
  assert.deepEqual(views[11].link, { key: 'wamp:sent:7814135', role: 'request' });
  assert.deepEqual(views[12].link, { key: 'wamp:sent:7814135', role: 'reply' });
  assert.deepEqual(views[13].link, { key: 'wamp:sent:7814135', role: 'reply' });
  assert.deepEqual(views[17].link, { key: 'wamp:received:6131533', role: 'request' });
  assert.deepEqual(views[18].link, { key: 'wamp:received:6131533', role: 'reply' });
  assert.deepEqual(views[19].link, { key: 'wamp:received:6131533', role: 'reply' });
  assert.equal(views[8].link, undefined);
  assert.equal(views[22].columns?.subject, 'wamp.close.system_shutdown');
});

test('WAMP: bad input names the element at fault; random bytes never throw', () => {
  assert.match(view('[1,').problem ?? '', /^The message is not valid JSON \(/);
  assert.equal(view('{"a":1}').problem, 'A WAMP message is a JSON array: [code, …].');
  assert.equal(view('["HELLO"]').problem, 'Element 0 of a WAMP message is its type code, an integer.');
  const unknown = view([99, 1]);
  assert.equal(unknown.problem, '99 is not a WAMP message code.');
  assert.deepEqual(unknown.value, { code: 99, elements: [1] });
  const short = view([48, 1, {}]);
  assert.equal(short.problem, 'CALL needs element 3 (procedure, a URI (a string)); the message has 3 elements.');
  assert.deepEqual(short.columns, { type: 'CALL', id: '1' });
  assert.equal(view([32, 'x', {}, 't']).problem, 'SUBSCRIBE element 1 (id) should be an id (an integer); it is "x".');
  const long = view([17, 1, 2, 3]);
  assert.equal(long.problem, 'PUBLISHED has 4 elements; it has at most 3.');
  assert.deepEqual(long.value, { type: 'PUBLISHED', code: 17, id: 1, publication: 2, surplus: [3] });
  let seed = 11;
  const rand = () => ((seed = (seed * 1103515245 + 12345) & 0x7fffffff), seed);
  const pieces = ['[', ']', '1', '48', ',', '"a"', '{}', 'null', '-', '.5'];
  for (let i = 0; i < 3000; i++) {
    const text =
      i % 2
        ? Buffer.from(Array.from({ length: rand() % 30 }, () => rand() % 256)).toString('latin1')
        : Array.from({ length: rand() % 10 }, () => pieces[rand() % pieces.length]).join('');
    assert.ok(typeof view(text).summary === 'string');
  }
});

test('WAMP: a real transport to a ws router choosing wamp.2.json is recognised by it, and its messages decode', async () => {
  const srv = await startWsServer({
    handleProtocols: (offered: Set<string>) => (offered.has('wamp.2.json') ? 'wamp.2.json' : false),
  });
  srv.server.on('connection', (ws) =>
    ws.on('message', (d) => {
      const m = JSON.parse(d.toString()) as unknown[];
      if (m[0] === 1) ws.send(JSON.stringify([2, 9129137332, { roles: { broker: {}, dealer: {} } }]));
      if (m[0] === 48) ws.send(JSON.stringify([50, m[1], {}, [30]]));
    }),
  );
  const e = wamp.endpoint(srv.url);
  assert.ok(!('error' in e));
  const t = createTransport({ url: e.url, protocols: e.protocols, handshakeTimeout: 2000 });
  const s = wamp.attach(t, {});
  const messages: TransportMessage[] = [];
  t.onMessage((m) => messages.push(m));
  try {
    await t.connect();
    await s.ready();
    const subprotocol = t.state.phase === 'open' ? t.state.protocol : '';
    assert.equal(subprotocol, 'wamp.2.json');
    assert.equal(detectProtocol(PROTOCOLS, { url: e.url, subprotocol })?.protocol, wamp);
    // Without the subprotocol, the HELLO it starts with says so.
    assert.equal(
      detectProtocol(PROTOCOLS, { url: e.url }, [
        { direction: 'sent', kind: 'text', payload: Buffer.from('[1,"realm1",{"roles":{}}]') },
      ])?.protocol,
      wamp,
    );
    await t.sendText(JSON.stringify([1, 'realm1', { roles: { caller: {} } }]));
    await waitFor(() => messages.some((m) => m.direction === 'received'), 2000, 'WELCOME');
    await t.sendText(JSON.stringify([48, 7814135, {}, 'com.myapp.ping']));
    await waitFor(() => messages.filter((m) => m.direction === 'received').length === 2, 2000, 'WELCOME and RESULT');
    const d = wamp.decoder({ url: e.url, subprotocol });
    const views = messages.map((m, index) =>
      d.decode({ index, direction: m.direction, kind: 'text', payload: m.payload }),
    );
    assert.deepEqual(
      views.map((v) => v?.summary),
      ['HELLO realm1', 'WELCOME session 9129137332', 'CALL com.myapp.ping #7814135', 'RESULT #7814135 [30]'],
    );
    assert.deepEqual(views[2]?.link, { key: 'wamp:sent:7814135', role: 'request' });
    assert.deepEqual(views[3]?.link, { key: 'wamp:sent:7814135', role: 'reply' });
  } finally {
    s.dispose();
    t.dispose();
    await srv.close();
  }
});
