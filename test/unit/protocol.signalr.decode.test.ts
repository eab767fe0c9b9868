import assert from 'node:assert/strict';
import { test } from 'node:test';
import * as signalR from '@microsoft/signalr';
import type { StoredMessage } from '../../src/core/decode';
import { detectProtocol, PROTOCOLS, signalr, signalrDecoder } from '../../src/core/protocols';
import { waitFor } from './helpers';
import { startHub } from './protocol.signalr.hub';

// The SignalR JSON hub protocol's decoder: the spec's own examples (HubProtocol.md), several records
// in one frame, links by invocationId, bad input with its offset, random bytes, and what the real
// @microsoft/signalr client sends to a hub.

const RS = '\u001e';
let index = 0;
const frame = (text: string, direction: 'sent' | 'received' = 'received'): StoredMessage => ({
  index: index++,
  direction,
  kind: 'text',
  payload: Buffer.from(text),
});
const decoder = signalrDecoder();
const decode = (text: string, direction: 'sent' | 'received' = 'received') => {
  const view = decoder.decode(frame(text, direction));
  assert.ok(view, text);
  return view;
};

test('SignalR: the spec examples of every message type decode with their fields, columns and links', () => {
  const hs = decode(`{"protocol":"json","version":1}${RS}`, 'sent');
  assert.deepEqual(hs.value, { type: 'HandshakeRequest', protocol: 'json', version: 1 });
  assert.equal(hs.handshake, true);
  assert.equal(hs.summary, 'HandshakeRequest json v1');
  assert.deepEqual(decode(`{}${RS}`).value, { type: 'HandshakeResponse' });
  assert.equal(decode(`{}${RS}`).handshake, true);
  const refused = decode(`{"error":"Requested protocol 'messagepack' is not available."}${RS}`);
  assert.equal(refused.summary, "HandshakeResponse error: Requested protocol 'messagepack' is not available.");

  const inv = decode(`{"type":1,"invocationId":"123","target":"Send","arguments":[42,"Test"]}${RS}`, 'sent');
  assert.deepEqual(inv.value, {
    type: 'Invocation',
    typeNumber: 1,
    id: '123',
    target: 'Send',
    arguments: [42, 'Test'],
  });
  assert.deepEqual(inv.columns, { type: 'Invocation', subject: 'Send', id: '123' });
  assert.deepEqual(inv.link, { key: 'signalr:sent:123', role: 'request' });
  assert.equal(inv.summary, 'Invocation Send #123 [42,"Test"]');
  const nonBlocking = decode(`{"type":1,"target":"Send","arguments":[42,"Test"]}${RS}`, 'sent');
  assert.equal(nonBlocking.link, undefined);
  assert.deepEqual(nonBlocking.columns, { type: 'Invocation', subject: 'Send' });
  const withHeaders = decode(
    `{"type":1,"headers":{"Foo":"Bar"},"target":"Send","arguments":[1],"streamIds":["2"]}${RS}`,
  );
  assert.deepEqual(withHeaders.value, {
    type: 'Invocation',
    typeNumber: 1,
    target: 'Send',
    arguments: [1],
    headers: { Foo: 'Bar' },
    streamIds: ['2'],
  });

  // Fields the spec does not name stay as they came (ours renamed out of the way).
  assert.deepEqual(decode(`{"type":6,"nonce":1,"id":"x"}${RS}`).value, {
    type: 'Ping',
    typeNumber: 6,
    nonce: 1,
    _id: 'x',
  });
  const item = decode(`{"type":2,"invocationId":"123","item":42}${RS}`);
  assert.deepEqual(item.value, { type: 'StreamItem', typeNumber: 2, id: '123', item: 42 });
  assert.deepEqual(item.link, { key: 'signalr:sent:123', role: 'reply' });
  const done = decode(`{"type":3,"invocationId":"123","result":42}${RS}`);
  assert.deepEqual(done.value, { type: 'Completion', typeNumber: 3, id: '123', result: 42 });
  assert.deepEqual(done.link, { key: 'signalr:sent:123', role: 'reply' });
  assert.equal(done.summary, 'Completion #123 42');
  const failed = decode(`{"type":3,"invocationId":"123","error":"It didn't work!"}${RS}`);
  assert.equal(failed.summary, "Completion #123 error: It didn't work!");
  assert.equal(decode(`{"type":3,"invocationId":"123"}${RS}`).summary, 'Completion #123');
  const streamInv = decode(`{"type":4,"invocationId":"123","target":"Send","arguments":[42]}${RS}`, 'sent');
  assert.deepEqual(streamInv.link, { key: 'signalr:sent:123', role: 'request' });
  const cancel = decode(`{"type":5,"invocationId":"123"}${RS}`, 'sent');
  assert.deepEqual(cancel.link, { key: 'signalr:sent:123', role: 'reply' });
  assert.deepEqual(cancel.columns, { type: 'CancelInvocation', id: '123' });
  const ping = decode(`{"type":6}${RS}`);
  assert.equal(ping.keepalive, true);
  assert.deepEqual(ping.value, { type: 'Ping', typeNumber: 6 });
  const close = decode(`{"type":7,"error":"Connection closed because of an error!","allowReconnect":true}${RS}`);
  assert.deepEqual(close.value, {
    type: 'Close',
    typeNumber: 7,
    error: 'Connection closed because of an error!',
    allowReconnect: true,
  });
  assert.equal(close.summary, 'Close error: Connection closed because of an error! (reconnect allowed)');
  assert.deepEqual(decode(`{"type":8,"sequenceId":1394}${RS}`).value, { type: 'Ack', typeNumber: 8, sequenceId: 1394 });
  assert.equal(decode(`{"type":9,"sequenceId":1394}${RS}`, 'sent').summary, 'Sequence 1394');
  for (const v of [inv, item, done, cancel, ping, close]) assert.equal(v.problem, undefined);
});

test('SignalR: a client result (the server invokes with an id) links the client Completion to it, apart from the client ids', () => {
  const ask = decode(`{"type":1,"invocationId":"1","target":"Question","arguments":[]}${RS}`, 'received');
  const answer = decode(`{"type":3,"invocationId":"1","result":"yes"}${RS}`, 'sent');
  assert.deepEqual(ask.link, { key: 'signalr:received:1', role: 'request' });
  assert.deepEqual(answer.link, { key: 'signalr:received:1', role: 'reply' });
});

test('SignalR: several records in one frame are listed in order; the handshake response with a Ping is the handshake', () => {
  const v = decode(`{}${RS}{"type":6}${RS}{"type":3,"invocationId":"0","result":3}${RS}`);
  assert.deepEqual(v.value, {
    type: 'records',
    records: [
      { type: 'HandshakeResponse' },
      { type: 'Ping', typeNumber: 6 },
      { type: 'Completion', typeNumber: 3, id: '0', result: 3 },
    ],
  });
  assert.equal(v.handshake, true);
  assert.equal(v.keepalive, undefined);
  assert.equal(v.summary, 'HandshakeResponse ok · Ping · Completion #0 3');
  assert.deepEqual(v.columns, { type: 'HandshakeResponse + Ping + Completion' });
  assert.deepEqual(v.link, { key: 'signalr:sent:0', role: 'reply' });
  assert.equal(decode(`{"type":6}${RS}{"type":6}${RS}`).keepalive, true);
});

test('SignalR: the cheap keepalive test agrees with the views on pings and on what is not one', () => {
  const test = decoder.isKeepalive;
  assert.ok(test);
  const is = (text: string) => {
    const b = Buffer.from(`xx${text}yy`);
    return test('text', b, 2, b.length - 2);
  };
  for (const text of [`{"type":6}${RS}`, `{ "type": 6 }${RS}`, `{"type":6}${RS}{"type":6}${RS}`]) {
    assert.equal(is(text), true, text);
    assert.equal(decode(text).keepalive, true, text);
  }
  for (const text of [`{"type":6}`, `{"type":60}${RS}`, `{"type":3,"invocationId":"6"}${RS}`, `{}${RS}`])
    assert.equal(is(text), false, text);
  assert.equal(test('binary', Buffer.from(`{"type":6}${RS}`), 0, 11), false);
});

test('SignalR: bad input says what is wrong and where, keeping what could be read', () => {
  const noRs = decode('{"type":1,"target":"Send","arguments":[]}');
  assert.equal(
    noRs.problem,
    'The record at char 0 has no 0x1E record separator at its end (the frame ends at char 41).',
  );
  assert.deepEqual(noRs.value, {
    type: 'Invocation',
    typeNumber: 1,
    target: 'Send',
    arguments: [],
    problem: noRs.problem,
  });
  const second = decode(`{"type":6}${RS}{"type":6`);
  assert.match(second.problem ?? '', /^Record 2 \(char 11\) is not valid JSON \(/);
  assert.deepEqual((second.value as { records: unknown[] }).records[0], { type: 'Ping', typeNumber: 6 });
  const unknown = decode(`{"type":42}${RS}`);
  assert.equal(
    unknown.problem,
    'Record 1 (char 0) has type 42, which is not a SignalR message type (1 Invocation to 9 Sequence).',
  );
  assert.deepEqual(unknown.value, { type: 'unknown', typeNumber: 42, problem: unknown.problem });
  assert.equal(decode(`{"type":3}${RS}`).problem, 'Record 1 (char 0): Completion needs an "invocationId" string.');
  assert.equal(
    decode(`{"type":1,"target":"X"}${RS}`).problem,
    'Record 1 (char 0): Invocation needs an "arguments" array.',
  );
  assert.equal(decode(`[1]${RS}`).problem, 'Record 1 (char 0) is not a JSON object.');
  assert.equal(decode(`{"type":6}${RS}{}${RS}`).problem, 'Record 2 (char 11) has no "type" number.');
  assert.equal(decode(`${RS}`).problem, 'Record 1 (char 0) is empty.');
  assert.equal(
    decoder.decode({ index: 0, direction: 'received', kind: 'binary', payload: Buffer.from([1]) }),
    undefined,
  );
});

test('SignalR: random bytes never throw, and every view says something', () => {
  let seed = 7;
  const rand = () => ((seed = (seed * 1103515245 + 12345) & 0x7fffffff), seed);
  const pieces = ['{', '}', '"type":', '1', '6', ',', RS, '"invocationId":"1"', '[', ']', '"', 'é', '\u0000'];
  for (let i = 0; i < 3000; i++) {
    const text =
      i % 2 === 0
        ? Array.from({ length: rand() % 12 }, () => pieces[rand() % pieces.length]).join('')
        : Buffer.from(Array.from({ length: rand() % 40 }, () => rand() % 256)).toString('latin1');
    const view = decoder.decode(frame(text));
    assert.ok(view && typeof view.summary === 'string');
  }
});

test('SignalR: detected by its first messages (the handshake request), not by an ordinary JSON message', () => {
  const early = (text: string) => [{ direction: 'sent' as const, kind: 'text' as const, payload: Buffer.from(text) }];
  assert.equal(
    detectProtocol(PROTOCOLS, { url: 'ws://h/hub' }, early(`{"protocol":"json","version":1}${RS}`))?.protocol,
    signalr,
  );
  assert.equal(detectProtocol(PROTOCOLS, { url: 'ws://h/hub' }, early('{"protocol":"json","version":1}')), undefined);
  const e = signalr.endpoint('https://example.com/chathub?x=1');
  assert.ok(!('error' in e));
  assert.equal(e.url, 'wss://example.com/chathub?x=1');
  assert.equal(e.protocols, undefined);
  assert.deepEqual(signalr.endpoint('ftp://x/hub'), {
    error: 'A SignalR hub URL starts with ws://, wss://, http:// or https://; this one starts with ftp:.',
  });
});

test('SignalR: what the real @microsoft/signalr client sends decodes, record by record', async () => {
  const hub = await startHub();
  const connection = new signalR.HubConnectionBuilder()
    .withUrl(hub.url.replace('ws:', 'http:'), {
      skipNegotiation: true,
      transport: signalR.HttpTransportType.WebSockets,
    })
    .configureLogging(signalR.LogLevel.None)
    .build();
  try {
    await connection.start();
    assert.equal(await connection.invoke('Add', 2, 3), 5);
    await connection.send('Echo', { text: 'hi' });
    const items: number[] = [];
    await new Promise<void>((resolve, reject) =>
      connection
        .stream('Counter', 2)
        .subscribe({ next: (n: number) => items.push(n), complete: resolve, error: reject }),
    );
    assert.deepEqual(items, [0, 1]);
    await connection.stop();
    await waitFor(() => hub.frames.length === 6, 2000, 'the Close record the client sends on stop()');
    const views = hub.frames.map((f) => decode(f, 'sent'));
    for (const v of views) assert.equal(v.problem, undefined, v.summary);
    assert.deepEqual(
      views.map((v) => v.summary),
      [
        'HandshakeRequest json v1',
        'Ping',
        'Invocation Add #0 [2,3]',
        'Invocation Echo [{"text":"hi"}]',
        'StreamInvocation Counter #1 [2]',
        'Close',
      ],
    );
    assert.equal(views[0].handshake, true);
    assert.equal(views[1].keepalive, true);
    assert.deepEqual(views[2].link, { key: 'signalr:sent:0', role: 'request' });
  } finally {
    await connection.stop().catch(() => undefined);
    await hub.close();
  }
});
