import assert from 'node:assert/strict';
import { test } from 'node:test';
import { generate, type Packet } from 'mqtt-packet';
import type { StoredMessage } from '../../src/core/decode';
import { detectProtocol, mqtt, mqtt5, mqttDecoder, PROTOCOL_CHOICES, PROTOCOLS } from '../../src/core/protocols';
import { waitFor } from './helpers';
import { mqttClient, startAedes } from './protocol.mqtt.servers';

// The MQTT decoder on frames from the wire with aedes (its own pieces, and one packet per frame),
// and how MQTT is recognised and where it connects.

let index = 0;
function frame(payload: Buffer, direction: 'sent' | 'received' = 'sent'): StoredMessage {
  return { index: index++, direction, kind: 'binary', payload };
}
const v4 = mqttDecoder(4);
const bytes = (p: Packet, version = 4) => generate(p, { protocolVersion: version });

for (const framed of [false, true])
  test(`aedes on the wire (${framed ? 'one packet per frame' : 'createWebSocketStream: a frame per piece'}): what we sent decodes clean, ${framed ? 'so does what it sent' : 'its pieces never throw'}`, async () => {
    const srv = await startAedes({}, framed);
    const c = mqttClient(srv.url, { keepalive: 1 });
    try {
      await c.t.connect();
      await c.s.ready();
      await c.s.subscribe('w/#', 2);
      await c.s.publish('w/1', 'one', { qos: 1 });
      await c.s.publish('w/2', 'two', { qos: 2 });
      await waitFor(
        () => c.cmds('sent').includes('pubcomp') && c.cmds('received').includes('pingresp'),
        3000,
        'the flows and a PINGRESP',
      );
      c.s.close();
      await waitFor(() => c.t.state.phase === 'closed', 2000, 'the close');
      const sent = c.messages.filter((m) => m.direction === 'sent' && m.kind === 'binary');
      const types = sent.map((m) => {
        const d = v4.decode(frame(m.payload, 'sent'));
        assert.equal(d?.problem, undefined, d?.summary);
        return d?.columns?.type;
      });
      for (const t of [
        'CONNECT',
        'SUBSCRIBE',
        'PUBLISH',
        'PUBACK',
        'PUBREC',
        'PUBREL',
        'PUBCOMP',
        'PINGREQ',
        'DISCONNECT',
      ])
        assert.ok(types.includes(t), `${t} in ${types.join(' ')}`);
      const received = c.messages.filter((x) => x.direction === 'received' && x.kind === 'binary');
      const views = received.map((m) => v4.decode(frame(m.payload, 'received')));
      for (const d of views) assert.equal(typeof d?.summary, 'string');
      if (framed) {
        assert.deepEqual(
          views.filter((d) => d?.problem).map((d) => d?.problem),
          [],
        );
        const got = new Set(views.map((d) => d?.columns?.type));
        for (const t of ['CONNACK', 'SUBACK', 'PUBLISH', 'PUBACK', 'PUBREC', 'PUBREL', 'PUBCOMP', 'PINGRESP'])
          assert.ok(got.has(t), `${t} in ${[...got].join(' ')}`);
      } else
        assert.ok(
          views.some((d) => d?.problem),
          'a packet in pieces: each piece says so',
        );
    } finally {
      c.dispose();
      await srv.close();
    }
  });

test('detection and endpoints: subprotocol mqtt / mqttv3.1, a CONNECT’s level, ws/http URLs, MQTT over TCP refused', () => {
  assert.equal(detectProtocol(PROTOCOLS, { subprotocol: 'mqtt' })?.protocol.id, 'mqtt');
  assert.equal(detectProtocol(PROTOCOLS, { subprotocol: 'mqttv3.1' })?.protocol.id, 'mqtt');
  assert.deepEqual(
    ['ws://h:8083/mqtt', 'wss://h/mqtt/', 'ws://h:9001/', 'ws://h/mqtt/x'].map(
      (url) => detectProtocol(PROTOCOLS, { url })?.protocol.id,
    ),
    ['mqtt', 'mqtt', undefined, undefined],
  );
  const early = (version: 4 | 5) => [
    {
      direction: 'sent' as const,
      kind: 'binary' as const,
      payload: bytes({ cmd: 'connect', clientId: 'a', protocolVersion: version, keepalive: 5, clean: true }, version),
    },
  ];
  assert.deepEqual(
    [detectProtocol(PROTOCOLS, {}, early(5))?.protocol.id, detectProtocol(PROTOCOLS, {}, early(4))?.protocol.id],
    ['mqtt5', 'mqtt'],
  );
  assert.equal(
    detectProtocol(PROTOCOLS, {}, [{ direction: 'sent', kind: 'binary', payload: Buffer.from('10', 'hex') }]),
    undefined,
  );
  assert.ok(PROTOCOL_CHOICES.includes(mqtt) && PROTOCOL_CHOICES.includes(mqtt5));
  assert.deepEqual(mqtt.endpoint('http://broker:8080/mqtt'), {
    url: 'ws://broker:8080/mqtt',
    protocols: ['mqtt'],
    settings: { protocolVersion: 4 },
  });
  assert.deepEqual(mqtt5.endpoint('wss://u%40x:p%3Aw@broker/mqtt', { clientId: 'me' }), {
    url: 'wss://broker/mqtt',
    protocols: ['mqtt'],
    settings: { clientId: 'me', protocolVersion: 5, username: 'u@x', password: 'p:w' },
  });
  assert.deepEqual(mqtt.endpoint('mqtt://broker:1883'), {
    error: 'mqtt:// is MQTT over TCP; the inspector speaks MQTT over WebSocket (ws://host:8080/mqtt or wss://…).',
  });
  assert.deepEqual(mqtt.endpoint('ftp://x'), {
    error: 'An MQTT over WebSocket endpoint starts with ws://, wss://, http:// or https://; this one starts with ftp:.',
  });
  assert.ok('error' in mqtt.endpoint('not a url'));
  assert.deepEqual(
    mqtt.actions?.map((a) => a.id),
    ['publish', 'subscribe', 'unsubscribe'],
  );
  assert.equal(mqtt.decoder().id, 'mqtt');
  assert.equal(mqtt5.decoder().id, 'mqtt5');
});
