import assert from 'node:assert/strict';
import { test } from 'node:test';
import { waitFor } from './helpers';
import { mqttClient, startAedes } from './protocol.mqtt.servers';

// The MQTT 3.1.1 session against the real aedes broker over `ws`: CONNECT/CONNACK, every compose
// action, QoS 0/1/2 both ways with the acknowledgements done by the session, retained messages,
// keepalive past aedes' 1.5 × keepalive timeout, refusals named, DISCONNECT on close, reconnects.

test('aedes: CONNECT on open, CONNACK accepted and named, with the client id, keepalive and user sent', async () => {
  const srv = await startAedes();
  const seen: Array<{ id: string; user?: string; password?: string }> = [];
  srv.broker.authenticate = (client, username, password, done) => {
    seen.push({ id: client.id, user: username, password: password?.toString() });
    done(null, true);
  };
  const c = mqttClient(srv.url.replace('ws://', 'ws://alice:s3cret-pw@'), { clientId: 'inspector-1', keepalive: 30 });
  try {
    await c.t.connect();
    await c.s.ready();
    assert.equal(c.s.phase, 'ready');
    assert.deepEqual(seen, [{ id: 'inspector-1', user: 'alice', password: 's3cret-pw' }]);
    const connect = c.packets('sent')[0];
    assert.equal(connect.cmd, 'connect');
    assert.equal(connect.cmd === 'connect' && connect.keepalive, 30);
    assert.equal(connect.cmd === 'connect' && connect.clean, true);
    assert.ok(
      c.notes.includes(
        'open: The MQTT broker accepted the connection (MQTT 3.1.1, client inspector-1, session present: no).',
      ),
      c.notes.join('\n'),
    );
    assert.ok(!c.notes.some((n) => n.includes('s3cret-pw')), 'the password is in no note');
    assert.ok(!c.t.options.url.includes('s3cret'), 'the password went into CONNECT, not the WebSocket URL');
  } finally {
    c.dispose();
    await srv.close();
  }
});

test('aedes: subscribe, then publish at QoS 0, 1 and 2 comes back at each QoS; the session acknowledges them', async () => {
  const srv = await startAedes();
  const c = mqttClient(srv.url);
  try {
    await c.t.connect();
    await c.s.ready();
    const granted = await c.s.compose('subscribe', { topic: 'sensors/#', qos: '2' });
    assert.match(String(granted), /^SUBACK after \d+ ms: QoS 2 granted\.$/);
    assert.equal(
      await c.s.compose('publish', { topic: 'sensors/a', qos: '0', payload: 'zero' }),
      'Sent with QoS 0 (no acknowledgement in MQTT).',
    );
    assert.match(
      String(await c.s.compose('publish', { topic: 'sensors/b', qos: '1', payload: 'one' })),
      /^PUBACK after \d+ ms\.$/,
    );
    assert.match(
      String(await c.s.compose('publish', { topic: 'sensors/c', qos: '2', payload: '{"n":2}' })),
      /^PUBREC after \d+ ms, PUBCOMP after \d+ ms\.$/,
    );
    await waitFor(() => c.delivered.length === 3, 2000, 'three deliveries');
    assert.deepEqual(c.delivered, [
      { topic: 'sensors/a', payload: 'zero', qos: 0, retain: false },
      { topic: 'sensors/b', payload: 'one', qos: 1, retain: false },
      { topic: 'sensors/c', payload: '{"n":2}', qos: 2, retain: false },
    ]);
    // The broker's QoS 1 delivery got our PUBACK; its QoS 2 one our PUBREC, then PUBCOMP for its PUBREL.
    await waitFor(() => c.cmds('sent').includes('pubcomp'), 2000, 'our PUBCOMP');
    // (The broker's deliveries and its acks to our PUBLISHes interleave as they come: compare sorted.)
    const sent = c.cmds('sent').sort();
    assert.deepEqual(sent, [
      'connect',
      'puback',
      'pubcomp',
      'publish',
      'publish',
      'publish',
      'pubrec',
      'pubrel',
      'subscribe',
    ]);
    assert.deepEqual(c.cmds('received').sort(), [
      'connack',
      'puback',
      'pubcomp',
      'publish',
      'publish',
      'publish',
      'pubrec',
      'pubrel',
      'suback',
    ]);
  } finally {
    c.dispose();
    await srv.close();
  }
});

test('aedes: a retained message reaches a later subscriber with the retain flag; unsubscribe stops deliveries', async () => {
  const srv = await startAedes();
  const a = mqttClient(srv.url);
  const b = mqttClient(srv.url);
  try {
    await a.t.connect();
    await a.s.ready();
    assert.match(
      String(await a.s.compose('publish', { topic: 'state/door', qos: '1', retain: true, payload: 'open' })),
      /^PUBACK after/,
    );
    await b.t.connect();
    await b.s.ready();
    await b.s.subscribe('state/+', 1);
    await waitFor(() => b.delivered.length === 1, 2000, 'the retained message');
    assert.deepEqual(b.delivered[0], { topic: 'state/door', payload: 'open', qos: 1, retain: true });
    assert.match((await b.s.compose('unsubscribe', { topic: 'state/+' })) ?? '', /^UNSUBACK after \d+ ms\.$/);
    await a.s.publish('state/door', 'closed', { qos: 1 });
    await b.s.subscribe('other', 0); // a round trip to b after the publish
    assert.equal(b.delivered.length, 1, 'nothing after UNSUBSCRIBE');
  } finally {
    a.dispose();
    b.dispose();
    await srv.close();
  }
});

test('aedes: keepalive 1 s is kept with PINGREQ past the broker’s 1.5 s timeout, PINGRESP making it healthy', async () => {
  const srv = await startAedes();
  let timedOut = 0;
  srv.broker.on('keepaliveTimeout', () => timedOut++);
  const c = mqttClient(srv.url, { keepalive: 1 });
  try {
    await c.t.connect();
    await c.s.ready();
    await waitFor(() => c.cmds('received').filter((x) => x === 'pingresp').length >= 3, 5000, 'three PINGRESPs');
    assert.equal(c.t.state.phase, 'open');
    assert.equal(timedOut, 0);
    assert.equal(c.s.health.healthy, true);
    assert.equal(typeof c.s.health.lastRttMs, 'number');
  } finally {
    c.dispose();
    await srv.close();
  }
});

for (const [code, named] of [
  [4, '4 Connection Refused, bad user name or password'],
  [5, '5 Connection Refused, not authorized'],
] as const) {
  test(`aedes: authenticate refusing with ${code} is a note naming the CONNACK return code; ready() rejects`, async () => {
    const srv = await startAedes({
      authenticate: (_c, _u, _p, done) => done(Object.assign(new Error('no'), { returnCode: code }), false),
    });
    const c = mqttClient(srv.url, { username: 'mallory', password: 'guess' });
    try {
      await c.t.connect();
      const why = `The MQTT broker refused the connection: CONNACK return code ${named}.`;
      await assert.rejects(c.s.ready(), (e: Error) => e.message === why);
      assert.ok(c.notes.includes(`error: ${why}`), c.notes.join('\n'));
      await assert.rejects(c.s.compose('publish', { topic: 'x', payload: '' }), (e: Error) => e.message === why);
      await waitFor(() => c.t.state.phase === 'closed', 2000, 'the broker to close');
      assert.equal(c.s.phase, 'closed');
    } finally {
      c.dispose();
      await srv.close();
    }
  });
}

test('aedes: an MQTT 5 CONNECT to a 3.1.1-only broker is refused with its 3.1.1 CONNACK, said so', async () => {
  const srv = await startAedes();
  const c = mqttClient(srv.url, { protocolVersion: 5 });
  try {
    await c.t.connect();
    const why =
      "The MQTT broker refused the connection: CONNACK return code 1 Connection Refused, unacceptable protocol version (in MQTT 3.1.1's form: the broker does not speak MQTT 5).";
    await assert.rejects(c.s.ready(), (e: Error) => e.message === why);
    assert.ok(c.notes.includes(`error: ${why}`), c.notes.join('\n'));
    assert.equal(c.s.phase, 'closed');
  } finally {
    c.dispose();
    await srv.close();
  }
});

test('aedes: close() sends DISCONNECT, so the broker does not publish the will; the socket closes 1000', async () => {
  const srv = await startAedes();
  const gone: string[] = [];
  srv.broker.on('clientDisconnect', (client) => gone.push(client.id));
  const c = mqttClient(srv.url, { clientId: 'leaving' });
  try {
    await c.t.connect();
    await c.s.ready();
    c.s.close();
    await waitFor(() => c.t.state.phase === 'closed', 2000, 'the close');
    assert.equal(c.cmds('sent').at(-1), 'disconnect');
    await waitFor(() => gone.length === 1, 2000, 'aedes to see the client go');
    assert.deepEqual(gone, ['leaving']);
    assert.equal(c.s.phase, 'closed');
  } finally {
    c.dispose();
    await srv.close();
  }
});

test('aedes: compose checks its fields with sentences; nothing is sent for a wrong one', async () => {
  const srv = await startAedes();
  const c = mqttClient(srv.url);
  try {
    await assert.rejects(
      c.s.compose('subscribe', { topic: 'a' }),
      /has not accepted the connection yet \(no CONNACK\)/,
    );
    await c.t.connect();
    await c.s.ready();
    const cases: Array<[string, Record<string, string | boolean>, string]> = [
      ['publish', { topic: '', payload: 'x' }, 'The topic is empty; a PUBLISH needs a topic name (sensors/kitchen).'],
      [
        'publish',
        { topic: 'a/#', payload: 'x' },
        'The topic "a/#" has a wildcard (+ or #); a PUBLISH goes to one topic name.',
      ],
      ['publish', { topic: 'a', qos: '3' }, 'QoS is 0, 1 or 2; "3" is none of them.'],
      ['subscribe', { topic: 'a/#/b' }, 'The topic filter "a/#/b" has # other than as its whole last level.'],
      ['subscribe', { topic: 'a/b+' }, 'The topic filter "a/b+" has + other than as a whole level.'],
      ['unsubscribe', { topic: '' }, 'The topic filter is empty (sensors/# or sensors/+/temperature).'],
      ['emit', { topic: 'a' }, 'MQTT has no action "emit"; it has publish, subscribe, unsubscribe.'],
    ];
    for (const [action, values, sentence] of cases)
      await assert.rejects(c.s.compose(action, values), (e: Error) => e.message === sentence);
    assert.deepEqual(c.cmds('sent'), ['connect']);
  } finally {
    c.dispose();
    await srv.close();
  }
});

test('aedes: after a dropped connection the session reconnects, sends CONNECT again and is ready', async () => {
  const srv = await startAedes();
  const c = mqttClient(srv.url, {}, { reconnect: { initialDelayMs: 20 } });
  try {
    await c.t.connect();
    await c.s.ready();
    const pending = c.s.subscribe('late/#', 1);
    for (const ws of srv.sockets) ws.terminate();
    await pending.then(
      () => undefined,
      (e: Error) => assert.match(e.message, /^The SUBSCRIBE #1 to late\/# got no SUBACK: /),
    );
    await waitFor(() => c.cmds('sent').filter((x) => x === 'connect').length === 2, 3000, 'a second CONNECT');
    await c.s.ready();
    assert.match(await c.s.subscribe('again/#', 1), /^SUBACK after/);
  } finally {
    c.dispose();
    await srv.close();
  }
});

test('aedes: a subscription its authorizeSubscribe refuses is a SUBACK 0x80 Failure, and compose rejects with it', async () => {
  const srv = await startAedes({
    authorizeSubscribe: (_client, sub, done) =>
      // No subscription and no error: aedes grants 0x80 (an error would drop the client).
      sub.topic.startsWith('secret/') ? done(null, null) : done(null, sub),
  });
  const c = mqttClient(srv.url);
  try {
    await c.t.connect();
    await c.s.ready();
    await assert.rejects(
      c.s.compose('subscribe', { topic: 'secret/#', qos: '1' }),
      (e: Error) => e.message === 'The MQTT broker refused the SUBSCRIBE #1 to secret/#: SUBACK 0x80 Failure.',
    );
    assert.match(await c.s.subscribe('public/#', 1), /^SUBACK after \d+ ms: QoS 1 granted\.$/);
  } finally {
    c.dispose();
    await srv.close();
  }
});
