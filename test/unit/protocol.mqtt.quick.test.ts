import assert from 'node:assert/strict';
import { test } from 'node:test';
import fc from 'fast-check';
import { generate, type Packet } from 'mqtt-packet';
import { DECODE_FULLY } from '../../src/core/decode';
import { Filter } from '../../src/core/filter';
import { FrameStore } from '../../src/core/frameStore';
import { mqttDecoder } from '../../src/core/protocols';

// The MQTT decoder's quick field reader (type, topic straight from the bytes) agrees with the full
// decode wherever it answers, for packets of every type, several in a frame, and random bytes.

const topic = fc.oneof(fc.string({ maxLength: 20 }), fc.constantFrom('a/b', 'ünï/ß', 'sensors/+/x', ''));
const packet: fc.Arbitrary<Packet> = fc.oneof(
  fc.record({
    cmd: fc.constant('publish' as const),
    topic,
    payload: fc.uint8Array({ maxLength: 20 }).map((a) => Buffer.from(a)),
    qos: fc.constantFrom(0 as const, 1 as const, 2 as const),
    messageId: fc.integer({ min: 1, max: 65535 }),
    retain: fc.boolean(),
    dup: fc.boolean(),
  }),
  fc.record({
    cmd: fc.constant('subscribe' as const),
    messageId: fc.integer({ min: 1, max: 65535 }),
    subscriptions: fc.array(
      fc.record({ topic: topic.filter((t) => t !== ''), qos: fc.constantFrom(0 as const, 1 as const) }),
      { minLength: 1, maxLength: 2 },
    ),
  }),
  fc.constantFrom<Packet>(
    { cmd: 'pingreq' },
    { cmd: 'pingresp' },
    { cmd: 'disconnect' },
    { cmd: 'puback', messageId: 3 },
    { cmd: 'pubrel', messageId: 4 },
    { cmd: 'connack', sessionPresent: false, returnCode: 0, reasonCode: 0 },
    { cmd: 'unsubscribe', messageId: 5, unsubscriptions: ['x/#'] },
    { cmd: 'connect', clientId: 'c', protocolVersion: 4, keepalive: 5, clean: true },
  ),
);

for (const version of [4, 5] as const) {
  test(`MQTT ${version === 5 ? '5' : '3.1.1'} quick fields (type, topic) agree with the full decode wherever they answer`, () => {
    const d = mqttDecoder(version);
    const quick = d.quickField!;
    let answered = 0;
    const check = (payload: Buffer, field: string) => {
      // Inside a larger buffer, as the store keeps rows: the reader must stay within its row.
      const buffer = Buffer.concat([Buffer.from('c000', 'hex'), payload, Buffer.from('d000', 'hex')]);
      const q = quick(field, 'binary', buffer, 2, 2 + payload.length);
      if (q === DECODE_FULLY) return;
      answered++;
      const value = d.decode({ index: 0, direction: 'received', kind: 'binary', payload })?.value as Record<
        string,
        unknown
      >;
      assert.deepEqual(q, value?.[field], `${payload.toString('hex')} ${field}`);
    };
    fc.assert(
      fc.property(fc.array(packet, { minLength: 1, maxLength: 2 }), fc.constantFrom('type', 'topic'), (ps, field) => {
        const frame = Buffer.concat(ps.map((p) => generate(p, { protocolVersion: version })));
        check(frame, field);
        check(frame.subarray(0, Math.max(1, frame.length - 1)), field);
      }),
      { numRuns: 2000 },
    );
    fc.assert(
      fc.property(fc.uint8Array({ minLength: 1, maxLength: 30 }), fc.constantFrom('type', 'topic'), (bytes, field) =>
        check(Buffer.from(bytes), field),
      ),
      { numRuns: 2000 },
    );
    assert.ok(answered > 500, `the reader answered ${answered} times`);
    assert.equal(quick('payload', 'binary', Buffer.from('c000', 'hex'), 0, 2), DECODE_FULLY);
    assert.equal(quick('type', 'text', Buffer.from('c000', 'hex'), 0, 2), DECODE_FULLY);
  });
}

test('a filter on topic finds the same rows with the quick reader as with full decodes, decoding only SUBSCRIBEs', async () => {
  const d = mqttDecoder(4);
  const store = new FrameStore();
  const packets: Packet[] = [
    { cmd: 'connack', sessionPresent: false, returnCode: 0 },
    { cmd: 'publish', topic: 'prices/eu', payload: Buffer.from('1'), qos: 0, retain: false, dup: false },
    { cmd: 'publish', topic: 'prices/us', payload: Buffer.from('2'), qos: 1, messageId: 2, retain: true, dup: false },
    { cmd: 'publish', topic: 'news', payload: Buffer.from('3'), qos: 2, messageId: 3, retain: false, dup: false },
    { cmd: 'subscribe', messageId: 4, subscriptions: [{ topic: 'prices/#', qos: 1 }] },
    { cmd: 'pingresp' },
  ];
  for (const p of packets) store.append(1, 'received', 'binary', generate(p, { protocolVersion: 4 }));
  let decodes = 0;
  const decoded = (r: number) => {
    decodes++;
    return d.decode({ index: r, direction: 'received', kind: 'binary', payload: store.get(r)!.payload })?.value;
  };
  const expected: Record<string, number[]> = {
    'topic contains "prices/"': [1, 2, 4],
    'topic == "news"': [3],
    'type == "PINGRESP"': [5],
  };
  for (const json of Object.keys(expected)) {
    const slow = new Filter({ json }, { decoded });
    const quick = new Filter({ json }, { decoded, quickField: d.quickField });
    await slow.update(store);
    decodes = 0;
    await quick.update(store);
    assert.deepEqual([...slow.matches.indexes], expected[json], json);
    assert.deepEqual([...quick.matches.indexes], [...slow.matches.indexes], json);
    assert.ok(decodes <= 1, `${json}: ${decodes} decodes`);
    slow.dispose();
    quick.dispose();
  }
});
