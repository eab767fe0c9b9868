import assert from 'node:assert/strict';
import { test } from 'node:test';
import { generate, type Packet } from 'mqtt-packet';
import type { DecodedMessage, StoredMessage } from '../../src/core/decode';
import { mqttDecoder } from '../../src/core/protocols';

// The MQTT decoder: every packet type of both versions (made by mqtt-packet, and seen on the wire
// with aedes: protocol.mqtt.wire.test.ts), several packets in one frame, links and columns, bad
// input named with byte offsets, random bytes never throwing.

let index = 0;
function frame(payload: Buffer, direction: 'sent' | 'received' = 'sent'): StoredMessage {
  return { index: index++, direction, kind: 'binary', payload };
}
const v4 = mqttDecoder(4);
const v5 = mqttDecoder(5);
const bytes = (p: Packet, version = 4) => generate(p, { protocolVersion: version });
const view = (p: Packet, direction: 'sent' | 'received' = 'sent', version = 4): DecodedMessage => {
  const d = (version === 5 ? v5 : v4).decode(frame(bytes(p, version), direction));
  assert.ok(d);
  return d;
};

test('MQTT 3.1.1: each packet type decodes to its view, list line, columns and link', () => {
  const connect = view({
    cmd: 'connect',
    clientId: 'c1',
    protocolVersion: 4,
    keepalive: 60,
    clean: true,
    username: 'alice',
    password: Buffer.from('s3cret'),
    will: { topic: 'bye', payload: Buffer.from('gone'), qos: 1, retain: false },
  });
  assert.deepEqual(connect.value, {
    type: 'CONNECT',
    protocolName: 'MQTT',
    protocolVersion: 4,
    clientId: 'c1',
    clean: true,
    keepalive: 60,
    username: 'alice',
    password: '[redacted]',
    will: { topic: 'bye', qos: 1, retain: false, payload: 'gone' },
  });
  assert.equal(connect.summary, 'CONNECT client c1 (MQTT 3.1.1, keepalive 60 s, clean session)');
  assert.ok(!JSON.stringify(connect).includes('s3cret'), 'the password is not in the view');
  assert.equal(connect.handshake, true);
  assert.deepEqual(connect.columns, { type: 'CONNECT', subject: 'c1' });

  const refused = view({ cmd: 'connack', sessionPresent: false, returnCode: 5 }, 'received');
  assert.equal(refused.summary, 'CONNACK refused: 5 Connection Refused, not authorized');
  assert.deepEqual(refused.value, {
    type: 'CONNACK',
    sessionPresent: false,
    returnCode: 5,
    returnName: '5 Connection Refused, not authorized',
  });
  assert.equal(
    view({ cmd: 'connack', sessionPresent: true, returnCode: 0 }, 'received').summary,
    'CONNACK accepted (session present)',
  );

  const pub = view({
    cmd: 'publish',
    topic: 'prices/eu',
    payload: Buffer.from('{"p":3}'),
    qos: 1,
    messageId: 7,
    retain: true,
    dup: true,
  });
  assert.deepEqual(pub.value, {
    type: 'PUBLISH',
    id: 7,
    topic: 'prices/eu',
    qos: 1,
    retain: true,
    dup: true,
    payload: '{"p":3}',
    json: { p: 3 },
  });
  assert.equal(pub.summary, 'PUBLISH prices/eu qos 1 #7 retain dup: {"p":3}');
  assert.deepEqual(pub.columns, { type: 'PUBLISH', subject: 'prices/eu', id: '7' });
  assert.deepEqual(pub.link, { key: 'publish:sent:7', role: 'request' });
  const zero = view({ cmd: 'publish', topic: 't', payload: Buffer.from('x'), qos: 0, retain: false, dup: false });
  assert.equal(zero.link, undefined, 'QoS 0 has no packet id to link');

  // The replies to a PUBLISH we sent: PUBACK/PUBREC/PUBCOMP come back, PUBREL goes our way.
  for (const [cmd, direction] of [
    ['puback', 'received'],
    ['pubrec', 'received'],
    ['pubrel', 'sent'],
    ['pubcomp', 'received'],
  ] as const) {
    const d = view({ cmd, messageId: 7 }, direction);
    assert.equal(d.summary, `${cmd.toUpperCase()} #7`);
    assert.deepEqual(d.link, { key: 'publish:sent:7', role: 'reply' }, cmd);
    assert.deepEqual(d.columns, { type: cmd.toUpperCase(), id: '7' });
  }
  // The broker's PUBLISH #7 is another key than ours.
  assert.deepEqual(view({ cmd: 'puback', messageId: 7 }, 'sent').link, { key: 'publish:received:7', role: 'reply' });

  const sub = view({
    cmd: 'subscribe',
    messageId: 2,
    subscriptions: [
      { topic: 'a/#', qos: 1 },
      { topic: 'b', qos: 0 },
    ],
  });
  assert.equal(sub.summary, 'SUBSCRIBE #2 a/# (QoS 1), b (QoS 0)');
  assert.deepEqual(sub.columns, { type: 'SUBSCRIBE', subject: 'a/#, b', id: '2' });
  assert.deepEqual(sub.link, { key: 'subscribe:sent:2', role: 'request' });
  const suback = view({ cmd: 'suback', messageId: 2, granted: [1, 128] }, 'received');
  assert.equal(suback.summary, 'SUBACK #2 QoS 1 granted, 0x80 Failure');
  assert.deepEqual((suback.value as { granted: number[] }).granted, [1, 128]);
  assert.deepEqual(suback.link, { key: 'subscribe:sent:2', role: 'reply' });

  const unsub = view({ cmd: 'unsubscribe', messageId: 3, unsubscriptions: ['a/#'] });
  assert.equal(unsub.summary, 'UNSUBSCRIBE #3 a/#');
  assert.deepEqual(unsub.link, { key: 'unsubscribe:sent:3', role: 'request' });
  assert.deepEqual(view({ cmd: 'unsuback', messageId: 3 } as Packet, 'received').link, {
    key: 'unsubscribe:sent:3',
    role: 'reply',
  });

  const ping = view({ cmd: 'pingreq' });
  assert.equal(ping.keepalive, true);
  assert.deepEqual(ping.link, { key: 'ping:sent', role: 'request' });
  assert.deepEqual(view({ cmd: 'pingresp' }, 'received').link, { key: 'ping:sent', role: 'reply' });
  assert.equal(view({ cmd: 'disconnect' }).summary, 'DISCONNECT');
});

test('MQTT 5: reason codes named per packet, properties shown (buffers as base64), v5 SUBACK/UNSUBACK codes', () => {
  const connack = view(
    { cmd: 'connack', sessionPresent: false, reasonCode: 0x87, properties: { reasonString: 'no entry' } },
    'received',
    5,
  );
  assert.equal(connack.summary, 'CONNACK refused: 0x87 Not authorized (no entry)');
  assert.deepEqual(connack.value, {
    type: 'CONNACK',
    sessionPresent: false,
    reasonCode: 0x87,
    reason: '0x87 Not authorized',
    properties: { reasonString: 'no entry' },
  });
  assert.equal(
    view({ cmd: 'puback', messageId: 4, reasonCode: 0x10 }, 'received', 5).summary,
    'PUBACK #4 0x10 No matching subscribers',
  );
  assert.equal(
    view({ cmd: 'disconnect', reasonCode: 0x8e }, 'received', 5).summary,
    'DISCONNECT 0x8e Session taken over',
  );
  assert.equal(
    (view({ cmd: 'disconnect', reasonCode: 0 }, 'sent', 5).value as { reason: string }).reason,
    '0x00 Normal disconnection',
  );
  assert.equal(
    view({ cmd: 'suback', messageId: 1, granted: [0, 2, 0x87] }, 'received', 5).summary,
    'SUBACK #1 0x00 Granted QoS 0, 0x02 Granted QoS 2, 0x87 Not authorized',
  );
  assert.equal(
    view({ cmd: 'unsuback', messageId: 1, granted: [0x11] }, 'received', 5).summary,
    'UNSUBACK #1 0x11 No subscription existed',
  );
  assert.equal(
    view({ cmd: 'auth', reasonCode: 0x18, properties: { authenticationMethod: 'SCRAM' } }, 'received', 5).summary,
    'AUTH 0x18 Continue authentication',
  );
  const pub = view(
    {
      cmd: 'publish',
      topic: 'r',
      payload: Buffer.from('x'),
      qos: 0,
      retain: false,
      dup: false,
      properties: { correlationData: Buffer.from([1, 2, 3]), userProperties: { a: 'b' }, contentType: 'text/plain' },
    },
    'sent',
    5,
  );
  assert.deepEqual((pub.value as { properties: unknown }).properties, {
    correlationData: 'base64:AQID',
    userProperties: { a: 'b' },
    contentType: 'text/plain',
  });
  const aliased = view(
    {
      cmd: 'publish',
      topic: '',
      payload: Buffer.from('x'),
      qos: 0,
      retain: false,
      dup: false,
      properties: { topicAlias: 3 },
    },
    'received',
    5,
  );
  assert.equal(aliased.summary, 'PUBLISH (topic alias 3) qos 0: x');
  assert.deepEqual(aliased.columns, { type: 'PUBLISH', subject: '(topic alias 3)' });
  const c5 = view({ cmd: 'connect', clientId: '', protocolVersion: 5, keepalive: 10, clean: true }, 'sent', 5);
  assert.equal(c5.summary, 'CONNECT no client id (MQTT 5, keepalive 10 s, clean start)');
  // The 3.1.1 decoder reads a 5 CONNECT (its level is in it) and says which decoder reads the rest.
  const hint = v4.decode(
    frame(bytes({ cmd: 'connect', clientId: 'x', protocolVersion: 5, keepalive: 1, clean: true }, 5)),
  );
  assert.equal(hint?.summary, 'CONNECT client x (MQTT 5, keepalive 1 s, clean start) [MQTT 5: choose "mqtt5"]');
});

test('payloads: UTF-8 text as text, other bytes as base64, said in the line', () => {
  const bin = view({
    cmd: 'publish',
    topic: 'b',
    payload: Buffer.from([0xff, 0xfe, 0]),
    qos: 0,
    retain: false,
    dup: false,
  });
  assert.deepEqual(
    [(bin.value as { payload: string }).payload, (bin.value as { payloadEncoding: string }).payloadEncoding],
    ['//4A', 'base64'],
  );
  assert.equal(bin.summary, 'PUBLISH b qos 0: (3 bytes, not UTF-8)');
  const text = view({
    cmd: 'publish',
    topic: 'b',
    payload: Buffer.from('{not json'),
    qos: 0,
    retain: false,
    dup: false,
  });
  assert.deepEqual(text.value, {
    type: 'PUBLISH',
    topic: 'b',
    qos: 0,
    retain: false,
    dup: false,
    payload: '{not json',
  });
});

test('several packets in one frame: { type: "packets", packets }, each named in the line, the first’s link', () => {
  const both = Buffer.concat([
    bytes({ cmd: 'puback', messageId: 1 }),
    bytes({ cmd: 'publish', topic: 'a', payload: Buffer.from('hi'), qos: 1, messageId: 9, retain: false, dup: false }),
  ]);
  const d = v4.decode(frame(both, 'received'));
  assert.equal(d?.problem, undefined);
  assert.deepEqual(d?.value, {
    type: 'packets',
    packets: [
      { type: 'PUBACK', id: 1 },
      { type: 'PUBLISH', id: 9, topic: 'a', qos: 1, retain: false, dup: false, payload: 'hi' },
    ],
  });
  assert.equal(d?.summary, 'PUBACK #1 · PUBLISH a qos 1 #9: hi');
  assert.equal(d?.label, 'MQTT 3.1.1: 2 packets');
  assert.deepEqual(d?.columns, { type: 'PUBACK+PUBLISH', id: '1' });
  assert.deepEqual(d?.link, { key: 'publish:sent:1', role: 'reply' });
  const keep = (hex: string, kind: 'text' | 'binary' = 'binary') => {
    const b = Buffer.from(`ff${hex}ff`, 'hex');
    return v4.isKeepalive?.(kind, b, 1, b.length - 1);
  };
  assert.deepEqual(
    [keep('c000'), keep('d000'), keep('c000', 'text'), keep('c001'), keep('e000'), keep('c000c0')],
    [true, true, false, false, false, false],
  );
  const pings = v4.decode(frame(Buffer.from('c000c000', 'hex')));
  assert.equal(pings?.keepalive, true);
  const connackAndPublish = Buffer.concat([
    bytes({ cmd: 'connack', sessionPresent: false, returnCode: 0 }),
    bytes({ cmd: 'pingresp' }),
  ]);
  assert.equal(
    v4.decode(frame(connackAndPublish))?.handshake,
    undefined,
    'not only the handshake: replay must keep it',
  );
});

test('bad input: a view with the problem and where, what could be read kept', () => {
  const cases: Array<[string, string, unknown]> = [
    ['3080020001', 'The PUBLISH at byte 0 says 256 bytes from byte 3 but the frame has 5.', { type: 'PUBLISH' }],
    [
      '02',
      'Byte 0 is 0x02: packet type 0 is reserved (a piece of a packet the sender split across frames?).',
      { type: 'unknown' },
    ],
    [
      '30',
      'The PUBLISH at byte 0: its remaining length is cut off at byte 1 by the end of the frame.',
      { type: 'PUBLISH' },
    ],
    [
      '30ffffffff01',
      'The PUBLISH at byte 0: its remaining length at byte 1 runs past 4 bytes (malformed).',
      { type: 'PUBLISH' },
    ],
    ['6002000a', 'The PUBREL at byte 0: Invalid header flag bits, must be 0x2 for pubrel packet.', { type: 'PUBREL' }],
    [
      'f000',
      'Byte 0 is 0xf0: AUTH exists only in MQTT 5 (a piece of a packet the sender split across frames?).',
      { type: 'unknown' },
    ],
    ['', 'The frame is empty; an MQTT frame holds one packet or more.', { type: 'unknown' }],
  ];
  for (const [hex, problem, partial] of cases) {
    const d = v4.decode(frame(Buffer.from(hex, 'hex')));
    assert.equal(d?.problem, problem, hex);
    assert.deepEqual(d?.value, { ...(partial as object), problem }, hex);
    const cut = /the frame has|cut off at byte/.test(problem);
    assert.equal(d?.label, `MQTT 3.1.1 (${cut ? 'packet cut off by the end of the frame' : 'malformed'})`);
  }
  // A good packet, then one cut off: the first is kept, the problem says where the second starts.
  const d = v4.decode(frame(Buffer.concat([Buffer.from('d000', 'hex'), Buffer.from('3010', 'hex')])));
  assert.equal(d?.problem, 'The PUBLISH at byte 2 says 16 bytes from byte 4 but the frame has 4.');
  assert.deepEqual(d?.value, { type: 'PINGRESP', problem: d?.problem });
  assert.equal(d?.summary, `PINGRESP · ${d?.problem}`);
});

test('random bytes never throw; every view has a line', () => {
  let seed = 7;
  const rnd = () => (seed = (seed * 1103515245 + 12345) & 0x7fffffff) / 0x7fffffff;
  for (let i = 0; i < 5000; i++) {
    const len = Math.floor(rnd() * 40);
    const b = Buffer.alloc(len);
    for (let j = 0; j < len; j++) b[j] = Math.floor(rnd() * 256);
    // Start many with a plausible header so the parser itself gets exercised.
    if (len > 1 && rnd() < 0.7) [b[0], b[1]] = [(1 + Math.floor(rnd() * 15)) << 4, len - 2];
    for (const d of [v4, v5]) {
      const view = d.decode(frame(b));
      assert.equal(typeof view?.summary, 'string');
    }
  }
});
