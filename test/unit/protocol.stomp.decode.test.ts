import assert from 'node:assert/strict';
import { test } from 'node:test';
import { DecoderPipeline } from '../../src/core/decode';
import { openConnection, PROTOCOLS, PROTOCOL_CHOICES, detectProtocol, sockJs, stomp } from '../../src/core/protocols';

// STOMP and SockJS views of frames written as the specs give them, and how the protocol is picked.

const d = stomp.decoder({});
const view = (text: string, direction: 'sent' | 'received' = 'received', decoder = d) =>
  decoder.decode({ index: 0, direction, kind: 'text', payload: Buffer.from(text, 'utf8') });

test('STOMP views: every command, with type, subject, id, the headers and the body; CONNECT and CONNECTED are the handshake', () => {
  const rows: Array<[string, 'sent' | 'received', string, string | undefined, string | undefined, string]> = [
    [
      'CONNECT\naccept-version:1.2\nhost:mq\nheart-beat:0,0\n\n\0',
      'sent',
      'CONNECT',
      undefined,
      undefined,
      'CONNECT 1.2 host mq heart-beat 0,0',
    ],
    ['STOMP\naccept-version:1.2\nhost:mq\n\n\0', 'sent', 'STOMP', undefined, undefined, 'STOMP 1.2 host mq'],
    [
      'CONNECTED\nversion:1.2\nserver:RabbitMQ/3.13\nheart-beat:10000,0\n\n\0',
      'received',
      'CONNECTED',
      undefined,
      undefined,
      'CONNECTED 1.2 server RabbitMQ/3.13 heart-beat 10000,0',
    ],
    [
      'SUBSCRIBE\nid:0\ndestination:/queue/a\nack:client\n\n\0',
      'sent',
      'SUBSCRIBE',
      '/queue/a',
      '0',
      'SUBSCRIBE /queue/a id 0 ack client',
    ],
    ['UNSUBSCRIBE\nid:0\n\n\0', 'sent', 'UNSUBSCRIBE', undefined, '0', 'UNSUBSCRIBE 0'],
    ['SEND\ndestination:/queue/a\nreceipt:77\n\nhi\0', 'sent', 'SEND', '/queue/a', '77', 'SEND /queue/a receipt 77 hi'],
    [
      'MESSAGE\nsubscription:0\nmessage-id:007\ndestination:/queue/a\n\nhello queue a\0',
      'received',
      'MESSAGE',
      '/queue/a',
      '007',
      'MESSAGE /queue/a #007 sub 0 hello queue a',
    ],
    ['ACK\nid:12345\ntransaction:tx1\n\n\0', 'sent', 'ACK', undefined, '12345', 'ACK 12345'],
    ['NACK\nid:12345\n\n\0', 'sent', 'NACK', undefined, '12345', 'NACK 12345'],
    ['BEGIN\ntransaction:tx1\n\n\0', 'sent', 'BEGIN', undefined, 'tx1', 'BEGIN tx1'],
    ['COMMIT\ntransaction:tx1\n\n\0', 'sent', 'COMMIT', undefined, 'tx1', 'COMMIT tx1'],
    ['ABORT\ntransaction:tx1\n\n\0', 'sent', 'ABORT', undefined, 'tx1', 'ABORT tx1'],
    ['RECEIPT\nreceipt-id:77\n\n\0', 'received', 'RECEIPT', undefined, '77', 'RECEIPT 77'],
    [
      'ERROR\nreceipt-id:77\ncontent-type:text/plain\nmessage:malformed frame received\n\nThe message:\n-----\nMESSAGE\n\0',
      'received',
      'ERROR',
      undefined,
      '77',
      'ERROR malformed frame received The message: ----- MESSAGE',
    ],
    ['DISCONNECT\nreceipt:77\n\n\0', 'sent', 'DISCONNECT', undefined, '77', 'DISCONNECT receipt 77'],
  ];
  for (const [text, direction, type, subject, id, summary] of rows) {
    const v = view(text, direction);
    assert.equal(v?.label, `STOMP ${type}`, text);
    assert.equal(v?.summary, summary, text);
    assert.deepEqual(v?.columns, { type, ...(subject ? { subject } : {}), ...(id ? { id } : {}) }, text);
    assert.equal(v?.handshake, ['CONNECT', 'STOMP', 'CONNECTED'].includes(type) ? true : undefined, text);
    assert.equal(v?.problem, undefined, text);
  }
  assert.deepEqual(view(rows[6][0])?.value, {
    type: 'MESSAGE',
    destination: '/queue/a',
    id: '007',
    subscription: '0',
    headers: { subscription: '0', 'message-id': '007', destination: '/queue/a' },
    body: 'hello queue a',
  });
});

test("STOMP links: RECEIPT and ERROR reply to the frame with that receipt; MESSAGE to its SUBSCRIBE; the asker's side is in the key", () => {
  assert.deepEqual(view('SEND\ndestination:/q\nreceipt:r1\n\n\0', 'sent')?.link, {
    key: 'receipt:sent:r1',
    role: 'request',
  });
  assert.deepEqual(view('RECEIPT\nreceipt-id:r1\n\n\0')?.link, { key: 'receipt:sent:r1', role: 'reply' });
  assert.deepEqual(view('ERROR\nreceipt-id:r1\nmessage:no\n\n\0')?.link, { key: 'receipt:sent:r1', role: 'reply' });
  assert.deepEqual(view('SUBSCRIBE\nid:s\ndestination:/t\nreceipt:r2\n\n\0', 'sent')?.link, {
    key: 'subscription:sent:s',
    role: 'request',
  });
  assert.deepEqual(view('MESSAGE\nsubscription:s\nmessage-id:1\n\n\0')?.link, {
    key: 'subscription:sent:s',
    role: 'reply',
  });
  // Seen from the server's side (a mock's recording), the asker is the other way round.
  assert.deepEqual(view('RECEIPT\nreceipt-id:r1\n\n\0', 'sent')?.link, { key: 'receipt:received:r1', role: 'reply' });
  assert.equal(view('ERROR\nmessage:bad\n\n\0')?.link, undefined);
});

test('STOMP views: JSON bodies by content-type, binary bodies as base64, heart-beats folded, several frames in one message', () => {
  const json = view('MESSAGE\ncontent-type:application/json;charset=utf-8\ndestination:/t\n\n{"p":1.5}\0');
  assert.deepEqual((json?.value as { body: unknown }).body, { p: 1.5 });
  const notJson = view('MESSAGE\ncontent-type:application/json\n\n{oops\0');
  assert.equal((notJson?.value as { body: unknown }).body, '{oops');
  const binary = d.decode({
    index: 0,
    direction: 'received',
    kind: 'binary',
    payload: Buffer.from([...Buffer.from('MESSAGE\ncontent-length:2\n\n'), 0xff, 0x00, 0x00]),
  });
  assert.equal((binary?.value as { bodyBase64: string }).bodyBase64, '/wA=');
  assert.equal(binary?.summary, 'MESSAGE (2 bytes)');
  for (const beat of ['\n', '\r\n', '\n\n']) {
    const v = view(beat);
    assert.deepEqual(
      [v?.label, v?.summary, v?.keepalive, v?.value],
      ['STOMP heart-beat', 'heart-beat', true, { type: 'heart-beat' }],
    );
  }
  const two = view('\nRECEIPT\nreceipt-id:1\n\n\0\nMESSAGE\ndestination:/t\nsubscription:s\n\nx\0\n');
  assert.equal(two?.summary, 'RECEIPT 1 (+MESSAGE)');
  assert.deepEqual(
    (two?.value as { frames: Array<{ type: string }> }).frames.map((f) => f.type),
    ['RECEIPT', 'MESSAGE'],
  );
  assert.equal(two?.keepalive, undefined);
});

test('STOMP views of bad input: a problem with the byte, what could be read, and nothing thrown; with the version known, an undefined escape is one', () => {
  const noNul = view('MESSAGE\ndestination:/t\n\nbody');
  assert.equal(noNul?.label, 'STOMP (malformed)');
  assert.equal(
    noNul?.problem,
    'The MESSAGE frame at byte 0 has no NUL terminator: its body runs from byte 24 to the end of the message (byte 28).',
  );
  assert.deepEqual(noNul?.value, { type: 'MESSAGE', headers: { destination: '/t' }, problem: noNul?.problem });
  assert.deepEqual(noNul?.columns, { type: 'MESSAGE' });
  const unknown = view('HELLO\n\n\0');
  assert.equal(unknown?.problem, '"HELLO" at byte 0 is not a STOMP command.');
  assert.deepEqual(unknown?.value, { type: 'malformed', problem: unknown?.problem });
  const after = view('RECEIPT\nreceipt-id:1\n\n\0SEND\ncontent-length:9\n\nab\0');
  assert.match(
    String(after?.problem),
    /^The SEND frame's content-length 9 runs past the message: its body starts at byte 46 and only 3 bytes follow\.$/,
  );
  assert.deepEqual(
    (after?.value as { frames: Array<{ type: string }> }).frames.map((f) => f.type),
    ['RECEIPT'],
  );
  assert.equal(view('SEND\nnocolon\n\n\0')?.problem, 'The header line "nocolon" at byte 5 has no colon.');
  assert.equal(view('')?.problem, 'The message is empty: neither a STOMP frame nor a heart-beat.');
  const v12 = stomp.decoder({ subprotocol: 'v12.stomp' });
  assert.equal(
    view('MESSAGE\nx:a\\tb\n\n\0', 'received', v12)?.problem,
    'The header line at byte 8 has an undefined escape "\\t" (STOMP 1.2 defines \\r, \\n, \\c and \\\\).',
  );
  assert.deepEqual((view('MESSAGE\nx:a\\tb\n\n\0')?.value as { headers: unknown }).headers, { x: 'a\\tb' });
});

test('SockJS views: o is the handshake, h a keepalive, c its code and reason, a[…] each message, STOMP inside read as STOMP, malformed frames say where', () => {
  const s = sockJs.decoder({});
  const over = stomp.decoder({ url: 'ws://h/stomp/123/abcdef/websocket' });
  assert.equal(over.label, 'STOMP over SockJS');
  assert.deepEqual([view('o', 'received', s)?.label, view('o', 'received', s)?.handshake], ['SockJS open', true]);
  assert.deepEqual(
    [view('h', 'received', s)?.summary, view('h', 'received', s)?.keepalive],
    ['SockJS heartbeat', true],
  );
  assert.deepEqual(view('c[3000,"Go away!"]', 'received', s)?.value, { type: 'close', code: 3000, reason: 'Go away!' });
  assert.equal(view('c[3000,"Go away!"]', 'received', s)?.summary, 'SockJS close 3000 Go away!');
  assert.deepEqual(view('a["{\\"x\\":1}"]', 'received', s)?.value, { type: 'message', messages: ['{"x":1}'] });
  const inside = view(
    'a["MESSAGE\\nsubscription:s\\nmessage-id:1\\ndestination:/t\\n\\nhi\\u0000","\\n"]',
    'received',
    over,
  );
  assert.equal(inside?.label, 'STOMP MESSAGE over SockJS');
  assert.equal(inside?.summary, 'MESSAGE /t #1 sub s hi (+1 more)');
  assert.deepEqual(inside?.link, { key: 'subscription:sent:s', role: 'reply' });
  assert.deepEqual(
    (inside?.value as { frames: Array<{ type: string }> }).frames.map((f) => f.type),
    ['MESSAGE', 'heart-beat'],
  );
  const beat = view('a["\\n"]', 'received', over);
  assert.deepEqual([beat?.label, beat?.keepalive], ['STOMP heart-beat over SockJS', true]);
  // The view-only decoder reads STOMP too, when the messages look like it.
  assert.equal(view('["SEND\\ndestination:/q\\n\\nx\\u0000"]', 'sent', s)?.label, 'STOMP SEND over SockJS');
  const cut = view('a["SEND\\ndestination:/q\\n\\nno nul","\\n"]', 'received', over);
  assert.equal(
    cut?.problem,
    'The SEND frame at byte 0 has no NUL terminator: its body runs from byte 21 to the end of the message (byte 27). (in message 1 of the SockJS frame)',
  );
  const bad = view('x', 'received', over);
  assert.deepEqual(
    [bad?.label, bad?.problem],
    ['SockJS (malformed)', '"x" at char 0 is not a SockJS frame type (o, h, a, c).'],
  );
});

test('STOMP endpoint and detection: ws URLs offer v12/v11/v10.stomp, http(s) URLs mean SockJS, a SockJS WebSocket URL stays; the subprotocol or the first frames say STOMP', () => {
  assert.deepEqual(stomp.endpoint('ws://mq:15674/ws'), {
    url: 'ws://mq:15674/ws',
    protocols: ['v12.stomp', 'v11.stomp', 'v10.stomp'],
    settings: { sockjs: false },
  });
  assert.deepEqual(stomp.endpoint('wss://mq/ws', { versions: ['1.1'] }), {
    url: 'wss://mq/ws',
    protocols: ['v11.stomp'],
    settings: { versions: ['1.1'], sockjs: false },
  });
  const http = stomp.endpoint('https://app.example/stomp/');
  assert.ok(!('error' in http));
  assert.match(http.url, /^wss:\/\/app\.example\/stomp\/\d{3}\/[a-z0-9]+\/websocket$/);
  assert.deepEqual([http.protocols, http.settings], [undefined, { sockjs: true }]);
  const recorded = stomp.endpoint('ws://h/stomp/042/abcdef/websocket');
  assert.deepEqual(recorded, { url: 'ws://h/stomp/042/abcdef/websocket', settings: { sockjs: true } });
  assert.deepEqual(stomp.endpoint('ftp://h/x'), {
    error:
      'A STOMP endpoint starts with ws:// or wss:// (WebSocket) or http:// or https:// (SockJS); this one starts with ftp:',
  });
  assert.match((stomp.endpoint('not a url') as { error: string }).error, /^"not a url" is not a URL\./);
  assert.equal(detectProtocol(PROTOCOLS, { subprotocol: 'v12.stomp' })?.protocol.id, 'stomp');
  const first = [
    { direction: 'sent' as const, kind: 'text' as const, payload: Buffer.from('CONNECT\naccept-version:1.2\n\n\0') },
  ];
  assert.deepEqual(detectProtocol(PROTOCOLS, { url: 'ws://h/ws' }, first)?.by, 'messages');
  assert.equal(detectProtocol(PROTOCOLS, { url: 'ws://h/ws' }, first)?.protocol.id, 'stomp');
  const wrapped = [
    {
      direction: 'received' as const,
      kind: 'text' as const,
      payload: Buffer.from('a["CONNECTED\\nversion:1.1\\n\\n\\u0000"]'),
    },
  ];
  assert.equal(detectProtocol(PROTOCOLS, {}, wrapped)?.protocol.id, 'stomp');
  assert.equal(detectProtocol(PROTOCOLS, { url: 'ws://h/x/123/abc/websocket' })?.protocol.id, 'sockjs');
  assert.ok(PROTOCOL_CHOICES.some((p) => p.id === 'stomp') && PROTOCOL_CHOICES.some((p) => p.id === 'sockjs'));
  assert.deepEqual(
    stomp.actions?.map((a) => a.id),
    ['subscribe', 'unsubscribe', 'send', 'ack', 'nack'],
  );
  // A recipe naming stomp with an http URL opens SockJS, and its decoder reads SockJS framing.
  const opened = openConnection({ url: 'http://127.0.0.1:1/stomp', protocol: 'stomp', handshakeTimeout: 2000 });
  try {
    assert.equal(opened.protocol?.id, 'stomp');
    assert.equal(opened.decoder?.label, 'STOMP over SockJS');
    const pipeline = new DecoderPipeline([opened.decoder]);
    assert.equal(
      pipeline.decode({ index: 0, direction: 'received', kind: 'text', payload: Buffer.from('o') })?.label,
      'SockJS open',
    );
  } finally {
    opened.session?.dispose();
    opened.transport.dispose();
  }
});
