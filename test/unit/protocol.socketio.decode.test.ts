import assert from 'node:assert/strict';
import { test } from 'node:test';
import fc from 'fast-check';
import { Decoder, Encoder, PacketType, type Packet } from 'socket.io-parser';
import { BUILTIN_DECODERS, DecoderPipeline, type StoredMessage } from '../../src/core/decode';
import {
  detectProtocol,
  encodeSocketPacket,
  extractBinary,
  isProblem,
  parseSocketPacket,
  PROTOCOLS,
  socketIo,
  socketIoDecoder,
} from '../../src/core/protocols';

const text = (payload: string, index = 0): StoredMessage => ({
  index,
  direction: 'received',
  kind: 'text',
  payload: Buffer.from(payload),
});
const binary = (bytes: number[]): StoredMessage => ({
  index: 0,
  direction: 'received',
  kind: 'binary',
  payload: Buffer.from(bytes),
});
const d4 = socketIoDecoder(4);
const view = (frame: string) => d4.decode(text(frame));

test('Socket.IO decoder: Engine.IO packets from the spec, keepalives marked', () => {
  const open = view(
    '0{"sid":"lv_VI97HAXpY6yYWAAAC","upgrades":["websocket"],"pingInterval":25000,"pingTimeout":5000,"maxPayload":1000000}',
  );
  assert.equal(open?.label, 'Engine.IO open');
  assert.deepEqual(open?.value, {
    engineio: 'open',
    sid: 'lv_VI97HAXpY6yYWAAAC',
    upgrades: ['websocket'],
    pingInterval: 25000,
    pingTimeout: 5000,
    maxPayload: 1000000,
  });
  assert.equal(open?.summary, 'open sid=lv_VI97HAXpY6yYWAAAC pingInterval=25000 pingTimeout=5000');
  assert.equal(open?.keepalive, undefined);
  for (const [frame, type, data] of [
    ['2', 'ping', undefined],
    ['3', 'pong', undefined],
    ['2probe', 'ping', 'probe'],
    ['3probe', 'pong', 'probe'],
  ] as const) {
    const v = view(frame);
    assert.equal(v?.keepalive, true, frame);
    assert.deepEqual(v?.value, { engineio: type, keepalive: true, ...(data ? { data } : {}) });
  }
  assert.deepEqual(view('1')?.value, { engineio: 'close' });
  assert.deepEqual(view('5')?.value, { engineio: 'upgrade' });
  assert.deepEqual(view('6')?.value, { engineio: 'noop' });
  assert.equal(view('6')?.keepalive, undefined);
});

test('Socket.IO decoder: Socket.IO packets from the spec (namespace, ack id, event, arguments, attachments)', () => {
  const cases: Array<[string, Record<string, unknown>, string]> = [
    ['40', { socketio: 'CONNECT', namespace: '/' }, 'CONNECT'],
    [
      '40/admin,{"token":"123"}',
      { socketio: 'CONNECT', namespace: '/admin', data: { token: '123' } },
      '/admin CONNECT {"token":"123"}',
    ],
    [
      '40{"sid":"wZX3oN0bSVIhsaknAAAI"}',
      { socketio: 'CONNECT', namespace: '/', data: { sid: 'wZX3oN0bSVIhsaknAAAI' } },
      'CONNECT {"sid":"wZX3oN0bSVIhsaknAAAI"}',
    ],
    [
      '44{"message":"Not authorized"}',
      { socketio: 'CONNECT_ERROR', namespace: '/', message: 'Not authorized' },
      'CONNECT_ERROR Not authorized',
    ],
    [
      '44/admin,"Not authorized"',
      { socketio: 'CONNECT_ERROR', namespace: '/admin', message: 'Not authorized' },
      '/admin CONNECT_ERROR Not authorized',
    ],
    ['41/admin,', { socketio: 'DISCONNECT', namespace: '/admin' }, '/admin DISCONNECT'],
    ['42["foo"]', { socketio: 'EVENT', namespace: '/', event: 'foo', args: [] }, 'EVENT "foo" []'],
    [
      '42/admin,13["bar",1,{"a":true}]',
      { socketio: 'EVENT', namespace: '/admin', ackId: 13, event: 'bar', args: [1, { a: true }] },
      '/admin EVENT #13 "bar" [1,{"a":true}]',
    ],
    [
      '43/admin,13["bar"]',
      { socketio: 'ACK', namespace: '/admin', ackId: 13, args: ['bar'] },
      '/admin ACK #13 ["bar"]',
    ],
    [
      '451-["baz",{"_placeholder":true,"num":0}]',
      {
        socketio: 'BINARY_EVENT',
        namespace: '/',
        attachments: 1,
        event: 'baz',
        args: [{ _placeholder: true, num: 0 }],
      },
      'BINARY_EVENT "baz" [{"_placeholder":true,"num":0}] +1 binary',
    ],
    [
      '461-/admin,15[{"_placeholder":true,"num":0}]',
      {
        socketio: 'BINARY_ACK',
        namespace: '/admin',
        ackId: 15,
        attachments: 1,
        args: [{ _placeholder: true, num: 0 }],
      },
      '/admin BINARY_ACK #15 [{"_placeholder":true,"num":0}] +1 binary',
    ],
    ['40/admin?token=1,', { socketio: 'CONNECT', namespace: '/admin', query: 'token=1' }, '/admin CONNECT'],
  ];
  for (const [frame, value, summary] of cases) {
    const v = view(frame);
    assert.deepEqual(v?.value, { engineio: 'message', ...value }, frame);
    assert.equal(v?.summary, summary, frame);
    assert.equal(v?.label, `Socket.IO ${String(value.socketio)}`);
    assert.equal(v?.problem, undefined, frame);
  }
});

test('Socket.IO decoder: binary frames are attachments (EIO 4 raw, EIO 3 after their type byte)', () => {
  assert.deepEqual(d4.decode(binary([1, 2, 3]))?.value, {
    engineio: 'message',
    socketio: 'attachment',
    binary: true,
    bytes: 3,
  });
  const d3 = socketIoDecoder(3);
  assert.deepEqual(d3.decode(binary([4, 1, 2]))?.value, {
    engineio: 'message',
    socketio: 'attachment',
    binary: true,
    bytes: 2,
  });
  assert.equal(d3.decode(binary([4, 1, 2]))?.label, 'Socket.IO binary attachment');
  assert.match(d3.decode(binary([9, 1]))?.problem ?? '', /^Byte 1 is 0x09, not an Engine\.IO 3 packet type/);
  assert.match(d3.decode(binary([]))?.problem ?? '', /empty/);
  assert.deepEqual(view('bAQID')?.value, { engineio: 'message', socketio: 'attachment', binary: true, bytes: 3 });
});

test('Socket.IO decoder: a malformed frame gets a view saying what is wrong and where, never a throw', () => {
  const cases: Array<[string, RegExp]> = [
    ['', /^The frame is empty/],
    ['7', /^Character 1 is "7", not an Engine\.IO packet type/],
    ['4', /^The Socket\.IO packet is empty: its type digit \(0–6\) is missing at character 2\./],
    ['48', /^Character 2 is "8", not a Socket\.IO packet type/],
    ['42', /^An EVENT payload must be a JSON array/],
    ['42{"a":1}', /^An EVENT payload must be a JSON array/],
    ['42[1,', /^The payload from character 3 is not valid JSON/],
    ['42/admin,7[1,', /^The payload from character 11 is not valid JSON/],
    ['42[null]', /starts with the event name \(a string\); found null/],
    [
      '45["x"]',
      /^A BINARY_EVENT needs its attachment count at character 3 \(as in 451-\[…\]\); found "\[\\"x\\"\]"\.$/,
    ],
    ['451', /^A BINARY_EVENT's attachment count 1 must be followed by "-" at character 4; found the end\.$/],
    ['41{"x":1}', /^A DISCONNECT has no payload/],
    ['43{}', /^An ACK payload must be a JSON array/],
    ['44[1]', /^A CONNECT_ERROR payload must be an object/],
    ['0{bad', /^The open packet's JSON from character 2 is not valid/],
    ['0{"sid":"x"}', /^The open packet has no pingInterval, pingTimeout\./],
    ['0[]', /must carry a JSON object/],
  ];
  for (const [frame, problem] of cases) {
    const v = view(frame);
    assert.ok(v, frame);
    assert.equal(v.label, 'Socket.IO (malformed)', frame);
    assert.match(v.problem ?? '', problem, frame);
    assert.equal(v.summary, v.problem);
  }
  // Any text or bytes: a view or nothing, never a throw.
  fc.assert(
    fc.property(
      fc.oneof(
        fc.string(),
        fc.string().map((s) => `4${s}`),
        fc.string().map((s) => `42${s}`),
      ),
      (s) => {
        const v = view(s);
        assert.ok(v === undefined || typeof v.summary === 'string');
      },
    ),
  );
  fc.assert(
    fc.property(fc.uint8Array(), (b) => {
      for (const d of [d4, socketIoDecoder(3)]) assert.ok(d.decode(binary([...b])));
    }),
  );
});

test('Socket.IO decoder in the pipeline: chosen before JSON, lazy, and the frames stay raw', () => {
  const p = new DecoderPipeline([
    socketIo.decoder({ url: 'ws://h/socket.io/?EIO=4&transport=websocket' }),
    ...BUILTIN_DECODERS,
  ]);
  const m = text('42["chat",{"text":"hi"}]', 3);
  assert.equal(p.decode(m)?.decoder, 'socket.io');
  assert.equal(p.decode(m)?.summary, 'EVENT "chat" [{"text":"hi"}]');
  assert.equal(m.payload.toString(), '42["chat",{"text":"hi"}]');
  assert.equal(p.decodes, 1);
  p.choice = 'raw';
  assert.equal(p.decode(m), undefined);
  assert.equal(
    socketIo.decoder({ url: 'ws://h/socket.io/?EIO=3&transport=websocket' }).label,
    'Socket.IO v2 (Engine.IO 3)',
  );
});

test('our packets agree with socket.io-parser both ways, binary included', async () => {
  const packets: Packet[] = [
    { type: PacketType.CONNECT, nsp: '/' },
    { type: PacketType.CONNECT, nsp: '/admin', data: { token: 'x' } },
    { type: PacketType.DISCONNECT, nsp: '/chat' },
    { type: PacketType.EVENT, nsp: '/', data: ['hello', 1, { a: [true, null] }] },
    { type: PacketType.EVENT, nsp: '/admin', id: 42, data: ['q'] },
    { type: PacketType.ACK, nsp: '/', id: 7, data: ['done'] },
    { type: PacketType.CONNECT_ERROR, nsp: '/', data: { message: 'no' } },
    { type: PacketType.EVENT, nsp: '/', id: 3, data: ['up', Buffer.from([1, 2]), { b: Buffer.from([3]) }] },
    { type: PacketType.ACK, nsp: '/x', id: 9, data: [Buffer.from('ok')] },
  ];
  const encoder = new Encoder();
  for (const packet of packets) {
    const [head, ...buffers] = encoder.encode({ ...packet }) as [string, ...Buffer[]];
    // Theirs read by ours.
    const ours = parseSocketPacket(head);
    assert.ok(!isProblem(ours), `${head}: ${isProblem(ours) ? ours.problem : ''}`);
    assert.equal(ours.namespace, packet.nsp);
    assert.equal(ours.ackId, packet.id);
    assert.equal(ours.attachments, buffers.length);
    // Ours read by theirs.
    const { value, buffers: ourBuffers } = extractBinary(packet.data);
    const type = ourBuffers.length === 0 ? packet.type : packet.type === PacketType.EVENT ? 5 : 6;
    const names = ['CONNECT', 'DISCONNECT', 'EVENT', 'ACK', 'CONNECT_ERROR', 'BINARY_EVENT', 'BINARY_ACK'] as const;
    const encoded = encodeSocketPacket({
      type: names[type],
      namespace: packet.nsp,
      ackId: packet.id,
      data: value,
      attachments: ourBuffers.length,
    });
    assert.equal(encoded.slice(1), head, 'the same text as theirs');
    const decoded = await new Promise<Packet>((resolve) => {
      const decoder = new Decoder();
      decoder.on('decoded', resolve);
      decoder.add(encoded.slice(1));
      for (const b of ourBuffers) decoder.add(b);
    });
    assert.deepEqual(decoded.data, packet.data);
  }
});

test('detectProtocol: by URL, by the first messages; a plain connection is none', () => {
  assert.equal(detectProtocol(PROTOCOLS, { url: 'ws://h:3000/socket.io/?EIO=4&transport=websocket' })?.by, 'url');
  assert.equal(
    detectProtocol(PROTOCOLS, { url: 'wss://h/custom?EIO=3&transport=websocket' })?.protocol.id,
    'socket.io',
  );
  const open = {
    direction: 'received' as const,
    kind: 'text' as const,
    payload: Buffer.from('0{"sid":"a","upgrades":[],"pingInterval":1,"pingTimeout":1}'),
  };
  assert.deepEqual(
    [
      detectProtocol(PROTOCOLS, { url: 'ws://h/ws' }, [open])?.protocol.id,
      detectProtocol(PROTOCOLS, { url: 'ws://h/ws' }, [open])?.by,
    ],
    ['socket.io', 'messages'],
  );
  assert.equal(
    detectProtocol(PROTOCOLS, { url: 'ws://h/ws' }, [{ ...open, payload: Buffer.from('{"sid":1}') }]),
    undefined,
  );
  assert.equal(detectProtocol(PROTOCOLS, { url: 'ws://h/ws', subprotocol: 'chat' }), undefined);
});

test('socketIo.endpoint: the ordinary Socket.IO URL to the Engine.IO WebSocket URL and namespace', () => {
  const e = (input: string, o = {}) => socketIo.endpoint(input, o);
  assert.deepEqual(e('http://localhost:3000'), {
    url: 'ws://localhost:3000/socket.io/?EIO=4&transport=websocket',
    settings: { namespace: '/', eio: 4 },
  });
  assert.deepEqual(e('https://example.com/admin?token=a b'), {
    url: 'wss://example.com/socket.io/?token=a+b&EIO=4&transport=websocket',
    settings: { namespace: '/admin', eio: 4 },
  });
  assert.deepEqual(e('ws://h:1/chat/', { path: 'my-path', eio: 3 }), {
    url: 'ws://h:1/my-path/?EIO=3&transport=websocket',
    settings: { namespace: '/chat', path: 'my-path', eio: 3 },
  });
  // A URL copied from the devtools (or a HAR) keeps its EIO; its sid named the polling session it
  // upgraded, which a server refuses on a new connection (400 Session ID unknown), so it goes.
  assert.deepEqual(e('wss://h/socket.io/?EIO=3&transport=websocket&sid=x'), {
    url: 'wss://h/socket.io/?EIO=3&transport=websocket',
    settings: { namespace: '/', eio: 3 },
  });
  assert.deepEqual(e('ws://h/socket.io', { namespace: '/admin' }), {
    url: 'ws://h/socket.io/?EIO=4&transport=websocket',
    settings: { namespace: '/admin', eio: 4 },
  });
  assert.deepEqual(e('ftp://h/'), {
    error: 'A Socket.IO URL starts with http://, https://, ws:// or wss://; this one starts with ftp:.',
  });
  assert.deepEqual(e('not a url'), {
    error: '"not a url" is not a URL. A Socket.IO URL looks like http://localhost:3000 or ws://host/admin.',
  });
  assert.deepEqual(e('ws://h/?EIO=5'), {
    error: 'EIO=5 in the URL is not an Engine.IO revision the inspector speaks (3 or 4).',
  });
});
