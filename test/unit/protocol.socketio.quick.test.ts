import assert from 'node:assert/strict';
import { test } from 'node:test';
import fc from 'fast-check';
import { DECODE_FULLY } from '../../src/core/decode';
import { Filter } from '../../src/core/filter';
import { FrameStore } from '../../src/core/frameStore';
import { encodeSocketPacket, socketIoDecoder } from '../../src/core/protocols';
import { socketIoQuickField } from '../../src/core/protocols/socketio/quick';

const decoder = socketIoDecoder(4);

function full(payload: Buffer, field: string): unknown {
  const v = decoder.decode({ index: 0, direction: 'received', kind: 'text', payload })?.value as Record<
    string,
    unknown
  >;
  return v?.[field];
}

const packet = fc.record({
  type: fc.constantFrom<'EVENT' | 'ACK' | 'CONNECT' | 'DISCONNECT' | 'BINARY_EVENT'>(
    'EVENT',
    'ACK',
    'CONNECT',
    'DISCONNECT',
    'BINARY_EVENT',
  ),
  namespace: fc.constantFrom('/', '/admin', '/ä-ns', '/a b'),
  ackId: fc.option(fc.nat({ max: 1e9 }), { nil: undefined }),
  event: fc.oneof(fc.string(), fc.constantFrom('chat', 'quote"d', 'back\\slash', 'ünï', ' ')),
  args: fc.array(fc.jsonValue(), { maxLength: 2 }),
});

test('Socket.IO quick fields agree with the full decode wherever they answer (event, namespace, ackId)', () => {
  fc.assert(
    fc.property(packet, fc.constantFrom('event', 'namespace', 'ackId'), (p, field) => {
      const data =
        p.type === 'EVENT' || p.type === 'BINARY_EVENT'
          ? [p.event, ...p.args]
          : p.type === 'ACK'
            ? p.args
            : p.type === 'CONNECT'
              ? {}
              : undefined;
      const text = encodeSocketPacket({
        type: p.type,
        namespace: p.namespace,
        ackId: p.type === 'EVENT' || p.type === 'ACK' ? p.ackId : undefined,
        data,
        attachments: p.type === 'BINARY_EVENT' ? 0 : undefined,
      });
      // Inside a larger buffer, as the store keeps rows: the reader must stay within its row.
      const payload = Buffer.from(text);
      const buffer = Buffer.concat([Buffer.from('42["other"]'), payload, Buffer.from('42["after",1]')]);
      const quick = socketIoQuickField(field, 'text', buffer, 11, 11 + payload.length);
      if (quick === DECODE_FULLY) return;
      assert.deepEqual(quick, full(payload, field), `${text} ${field}`);
    }),
    { numRuns: 3000 },
  );
});

test('a filter on event name finds the same rows with the quick reader as with full decodes, and decodes none', async () => {
  const store = new FrameStore();
  const texts = [
    '0{"sid":"a","pingInterval":1,"pingTimeout":1}',
    '40',
    '42["chat",{"t":1}]',
    '42/admin,3["chat"]',
    '42["chat\\u0021"]',
    '42["chatty"]',
    '43["chat"]',
    '2',
    '451-["chat",{"_placeholder":true,"num":0}]',
    '42[ "chat" ]',
  ];
  for (const t of texts) store.append(1, 'received', 'text', Buffer.from(t));
  let decodes = 0;
  const decoded = (r: number) => {
    decodes++;
    return decoder.decode({ index: r, direction: 'received', kind: 'text', payload: store.get(r)!.payload })?.value;
  };
  for (const json of [
    'event == "chat"',
    'event == "chat!"',
    'namespace == "/admin" && ackId == 3',
    'event contains "chat"',
  ]) {
    const slow = new Filter({ json }, { decoded });
    const quick = new Filter({ json }, { decoded, quickField: socketIoQuickField });
    await slow.update(store);
    decodes = 0;
    await quick.update(store);
    assert.deepEqual([...quick.matches.indexes], [...slow.matches.indexes], json);
    // Only the escaped name needs its full decode.
    assert.ok(decodes <= 1, `${json}: ${decodes} decodes`);
    slow.dispose();
    quick.dispose();
  }
});
