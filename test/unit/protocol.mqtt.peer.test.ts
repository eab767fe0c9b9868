import assert from 'node:assert/strict';
import { test } from 'node:test';
import { connect, type IClientOptions, type MqttClient } from 'mqtt';
import type { Packet } from 'mqtt-packet';
import { mqttServerPeer } from '../../src/core/protocols';
import { startWsServer, waitFor } from './helpers';
import { mqttClient, refusing, startMockPeer, startV5Broker } from './protocol.mqtt.servers';

// The mock server's MQTT part (`serve`) against the real mqtt.js client (v5, 3.1.1 and 5), and our
// MQTT 5 session against it: CONNACK, SUBACK, PUBACK, PUBREC/PUBCOMP and PINGRESP answered in the
// client's version. And MQTT 5 refusals named by their reason code.

function mqttJs(url: string, options: IClientOptions): Promise<MqttClient> {
  const client = connect(url, { reconnectPeriod: 0, connectTimeout: 2000, ...options });
  return new Promise((resolve, reject) => {
    client.once('connect', () => resolve(client));
    client.once('error', reject);
  });
}

const end = (client: MqttClient) => new Promise<void>((resolve) => client.end(true, {}, () => resolve()));

for (const protocolVersion of [4, 5] as const) {
  test(`mock peer: mqtt.js (MQTT ${protocolVersion === 5 ? '5' : '3.1.1'}) connects, subscribes, publishes at QoS 1 and 2, and pings`, async () => {
    const srv = await startMockPeer();
    let client: MqttClient | undefined;
    try {
      client = await mqttJs(srv.url, { protocolVersion, keepalive: 1, clientId: 'mqttjs' });
      const c = client;
      const granted = await c.subscribeAsync({ 'a/#': { qos: 2 }, 'b/+': { qos: 1 } });
      assert.deepEqual(
        granted.map((g) => [g.topic, g.qos]),
        [
          ['a/#', 2],
          ['b/+', 1],
        ],
      );
      const acks: string[] = [];
      c.on('packetreceive', (p) => acks.push(p.cmd));
      await c.publishAsync('a/1', 'one', { qos: 1 });
      await c.publishAsync('a/2', 'two', { qos: 2 });
      await c.unsubscribeAsync('a/#');
      assert.deepEqual(
        acks.filter((x) => x !== 'pingresp'),
        ['puback', 'pubrec', 'pubcomp', 'unsuback'],
      );
      await waitFor(() => acks.filter((x) => x === 'pingresp').length >= 2, 5000, 'two PINGRESPs');
      assert.equal(c.connected, true);
    } finally {
      if (client) await end(client);
      await srv.close();
    }
  });
}

test('mock peer: a QoS 0 PUBLISH and a DISCONNECT are not the protocol’s to answer (the recording’s script is)', () => {
  const peer = mqttServerPeer();
  assert.equal(peer.subprotocol?.(['mqttv3.1', 'mqtt']), 'mqtt');
  assert.equal(peer.subprotocol?.(['mqttv3.1']), 'mqttv3.1');
  assert.equal(peer.subprotocol?.(['graphql-ws']), undefined);
  assert.deepEqual(peer.greet(), []);
  const bin = (hex: string) => ({
    direction: 'sent' as const,
    kind: 'binary' as const,
    payload: Buffer.from(hex, 'hex'),
  });
  // CONNECT (3.1.1, client "c") split over two frames: answered once whole.
  assert.equal(peer.answer(bin('100d00044d5154540402')), undefined);
  assert.deepEqual(
    peer.answer(bin('003c000163'))?.map((f) => f.payload.toString('hex')),
    ['20020000'],
  );
  assert.equal(peer.answer(bin('30050001616869')), undefined, 'PUBLISH a "hi" at QoS 0');
  assert.equal(peer.answer(bin('e000')), undefined, 'DISCONNECT');
  assert.equal(peer.answer({ direction: 'sent', kind: 'text', payload: Buffer.from('hi') }), undefined);
  assert.deepEqual(
    peer.answer(bin('c000c000'))?.map((f) => f.payload.toString('hex')),
    ['d000', 'd000'],
    'two PINGREQs in one frame, two PINGRESPs',
  );
});

test('mock peer: our MQTT 5 session runs every flow against it, in MQTT 5', async () => {
  const srv = await startMockPeer();
  const c = mqttClient(srv.url, { protocolVersion: 5, keepalive: 1 });
  try {
    await c.t.connect();
    await c.s.ready();
    assert.ok(c.notes.some((n) => n.startsWith('open: The MQTT broker accepted the connection (MQTT 5, client wsi-')));
    assert.match(
      String(await c.s.compose('subscribe', { topic: 'x/#', qos: '1' })),
      /^SUBACK after \d+ ms: 0x01 Granted QoS 1\.$/,
    );
    assert.match(
      String(await c.s.compose('publish', { topic: 'x/1', qos: '1', payload: 'a' })),
      /^PUBACK after \d+ ms\.$/,
    );
    assert.match(
      String(await c.s.compose('publish', { topic: 'x/2', qos: '2', payload: 'b', retain: true })),
      /^PUBREC after \d+ ms, PUBCOMP after \d+ ms\.$/,
    );
    assert.match(String(await c.s.compose('unsubscribe', { topic: 'x/#' })), /^UNSUBACK after \d+ ms\.$/);
    await waitFor(() => c.cmds('received').includes('pingresp'), 3000, 'a PINGRESP');
    const connect = c.packets('sent')[0];
    assert.equal(connect.cmd === 'connect' && connect.protocolVersion, 5);
    c.s.close();
    await waitFor(() => c.t.state.phase === 'closed', 2000, 'the close');
    const bye = c.packets('sent').at(-1);
    assert.equal(bye?.cmd, 'disconnect');
    assert.equal(bye?.cmd === 'disconnect' && bye.reasonCode, 0);
  } finally {
    c.dispose();
    await srv.close();
  }
});

test('mock peer muted: PINGREQ without PINGRESP makes the session unhealthy in MQTT’s words, healthy again after', async () => {
  const srv = await startMockPeer();
  const c = mqttClient(srv.url, { keepalive: 1 });
  try {
    await c.t.connect();
    await c.s.ready();
    srv.mutePings(true);
    await waitFor(() => !c.s.health.healthy, 4000, 'unhealthy');
    assert.equal(
      c.s.health.message,
      'The MQTT broker did not answer PINGREQ with PINGRESP within the keepalive of 1 s.',
    );
    assert.ok(c.s.health.missedPongs >= 1);
    srv.mutePings(false);
    await waitFor(() => c.s.health.healthy, 4000, 'healthy again');
  } finally {
    c.dispose();
    await srv.close();
  }
});

for (const [code, named] of [
  [0x87, '0x87 Not authorized'],
  [0x86, '0x86 Bad User Name or Password'],
  [0x8a, '0x8a Banned'],
] as const) {
  test(`MQTT 5: a CONNACK refusing with ${named} is a note naming the reason code and the reason string`, async () => {
    const srv = await startV5Broker(refusing(code, 'go away'));
    const c = mqttClient(srv.url, { protocolVersion: 5, username: 'u', password: 'hunter22' });
    try {
      await c.t.connect();
      const why = `The MQTT broker refused the connection: CONNACK reason code ${named} (go away).`;
      await assert.rejects(c.s.ready(), (e: Error) => e.message === why);
      assert.ok(c.notes.includes(`error: ${why}`), c.notes.join('\n'));
      assert.ok(!c.notes.join('\n').includes('hunter22'));
      await waitFor(() => c.t.state.phase === 'closed', 2000, 'the close');
    } finally {
      c.dispose();
      await srv.close();
    }
  });
}

test('a CONNECT nobody answers: ready() rejects after the CONNACK timeout with a sentence', async () => {
  const silent = await startWsServer({ handleProtocols: () => 'mqtt' });
  const c = mqttClient(silent.url, { connackTimeoutMs: 200 });
  try {
    await c.t.connect();
    const why = 'The MQTT broker did not answer CONNECT with CONNACK within 0.2 s.';
    await assert.rejects(c.s.ready(), (e: Error) => e.message === why);
    assert.ok(c.notes.includes(`error: ${why}`));
    assert.deepEqual(c.cmds('sent'), ['connect']);
  } finally {
    c.dispose();
    await silent.close();
  }
});

test('MQTT 5: the CONNACK’s server keepalive and assigned client id are used; a PUBLISH by topic alias gets its topic', async () => {
  const connack: Packet = {
    cmd: 'connack',
    sessionPresent: false,
    reasonCode: 0,
    properties: { serverKeepAlive: 1, assignedClientIdentifier: 'given-7' },
  };
  const publish = (topic: string, payload: string): Packet => ({
    cmd: 'publish',
    topic,
    payload: Buffer.from(payload),
    qos: 0,
    retain: false,
    dup: false,
    properties: { topicAlias: 3 },
  });
  const srv = await startV5Broker(connack, [publish('long/topic/name', 'first'), publish('', 'second')]);
  const c = mqttClient(srv.url, { protocolVersion: 5, keepalive: 60 });
  try {
    await c.t.connect();
    await c.s.ready();
    assert.ok(
      c.notes.includes(
        'open: The MQTT broker accepted the connection (MQTT 5, assigned client id given-7, session present: no).',
      ),
      c.notes.join('\n'),
    );
    await waitFor(() => c.delivered.length === 2, 2000, 'both deliveries');
    assert.deepEqual(
      c.delivered.map((d) => [d.topic, d.payload]),
      [
        ['long/topic/name', 'first'],
        ['long/topic/name', 'second'],
      ],
    );
    await waitFor(() => srv.pings.length >= 1, 3000, 'a PINGREQ at the server keepalive of 1 s, not 60');
  } finally {
    c.dispose();
    await srv.close();
  }
});

test('MQTT 5: a DISCONNECT from the broker is a note naming its reason code and reason string', async () => {
  const ok: Packet = { cmd: 'connack', sessionPresent: false, reasonCode: 0 };
  const bye: Packet = {
    cmd: 'disconnect',
    reasonCode: 0x8e,
    properties: { reasonString: 'another client took the id' },
  };
  const srv = await startV5Broker(ok, [bye]);
  const c = mqttClient(srv.url, { protocolVersion: 5 });
  try {
    await c.t.connect();
    await c.s.ready();
    const text = 'error: The MQTT broker sent DISCONNECT: 0x8e Session taken over (another client took the id).';
    await waitFor(() => c.notes.includes(text), 2000, 'the note');
  } finally {
    c.dispose();
    await srv.close();
  }
});

test('a broker that closes on CONNECT without CONNACK: ready() rejects saying so (for MQTT 5, why a broker may)', async () => {
  const srv = await startWsServer({ handleProtocols: () => 'mqtt' });
  srv.server.on('connection', (ws) => ws.once('message', () => ws.close(1002, 'no')));
  const c = mqttClient(srv.url, { protocolVersion: 5 });
  try {
    await c.t.connect();
    await assert.rejects(c.s.ready(), (e: Error) =>
      /^The MQTT broker closed the connection before CONNACK \(.*1002.*\) — a broker that speaks only MQTT 3\.1\.1 may do so for an MQTT 5 CONNECT\.$/.test(
        e.message,
      ),
    );
    assert.ok(c.notes.some((n) => n.startsWith('error: The MQTT broker closed the connection before CONNACK (')));
    assert.equal(c.s.phase, 'closed');
  } finally {
    c.dispose();
    await srv.close();
  }
});
