import assert from 'node:assert/strict';
import { test } from 'node:test';
import { Client, type IFrame } from '@stomp/stompjs';
import { WebSocket } from 'ws';
import { encodeFrame, parseStomp, stomp, stompServerPeer, type ProtocolServerPeer } from '../../src/core/protocols';
import { waitFor } from './helpers';
import { startWs, stompClient } from './protocol.stomp.servers';

// The mock server's STOMP part (Protocol.serve) answering the real @stomp/stompjs Client, and our
// own session, plain and inside SockJS framing. The server here does only what the mock does with
// a peer: pick the subprotocol, send the greeting, send each answer.

async function mockServer() {
  const peers: ProtocolServerPeer[] = [];
  const received: string[] = [];
  const srv = await startWs(
    (ws, req) => {
      const peer = stompServerPeer({ url: `ws://127.0.0.1${req.url ?? ''}`, subprotocol: ws.protocol });
      peers.push(peer);
      for (const f of peer.greet()) ws.send(f.payload.toString('utf8'));
      ws.on('message', (data: Buffer) => {
        received.push(data.toString('utf8'));
        const answer = peer.answer({ direction: 'received', kind: 'text', payload: data });
        for (const f of answer ?? []) ws.send(f.payload.toString('utf8'));
      });
    },
    (offered) => stompServerPeer({}).subprotocol?.([...offered]) ?? false,
  );
  return { ...srv, peers, received };
}

test('mock STOMP peer vs the real @stomp/stompjs Client: CONNECTED (1.2 on v12.stomp), heart-beats taken, DISCONNECT answered with its RECEIPT', async () => {
  const srv = await mockServer();
  let connected: IFrame | undefined;
  let disconnected: IFrame | undefined;
  const client = new Client({
    webSocketFactory: () => new WebSocket(srv.url, ['v12.stomp']),
    heartbeatOutgoing: 50,
    heartbeatIncoming: 0,
    reconnectDelay: 0,
    onConnect: (f) => (connected = f),
    onDisconnect: (f) => (disconnected = f),
  });
  try {
    client.activate();
    await waitFor(() => connected !== undefined, 3000, 'stompjs onConnect');
    assert.equal(connected?.headers.version, '1.2');
    assert.equal(connected?.headers.server, 'wsi-mock');
    assert.equal(connected?.headers['heart-beat'], '0,50');
    await waitFor(() => srv.received.filter((m) => m === '\n').length >= 3, 3000, "stompjs' heart-beats");
    client.publish({ destination: '/queue/x', body: 'hi' });
    await waitFor(() => srv.received.some((m) => m.startsWith('SEND')), 2000, 'the SEND');
    // Not the protocol's to answer: the recording's script answers a SEND.
    const send = srv.received.find((m) => m.startsWith('SEND')) as string;
    assert.equal(srv.peers[0].answer({ direction: 'received', kind: 'text', payload: Buffer.from(send) }), undefined);
    assert.deepEqual(srv.peers[0].answer({ direction: 'received', kind: 'text', payload: Buffer.from('\n') }), []);
    await client.deactivate();
    await waitFor(() => disconnected !== undefined, 3000, 'stompjs onDisconnect (the RECEIPT)');
    assert.match(String(disconnected?.headers['receipt-id']), /^close-/);
  } finally {
    await client.deactivate({ force: true });
    await srv.close();
  }
});

test('mock STOMP peer vs our session: plain and inside SockJS framing (o greeting, a[…] answers); ready, then DISCONNECT, RECEIPT and a normal close', async () => {
  const srv = await mockServer();
  try {
    for (const url of [srv.url, srv.url.replace('/stomp', '/stomp/000/abcd/websocket')]) {
      const c = stompClient(url);
      try {
        await c.t.connect();
        await c.s.ready();
        assert.equal(c.s.settings.sockjs, url !== srv.url);
        assert.equal(c.s.version, '1.2');
        assert.match(
          c.notes[0],
          /^open: Connected with STOMP 1\.2 to wsi-mock \(session session-[0-9a-f]{8}\); heart-beats sent every 10 s, not expected\.$/,
        );
        c.s.close();
        await waitFor(() => c.t.state.phase === 'closed', 3000, 'the close');
        const last = c.received()[c.received().length - 1];
        assert.equal(
          last,
          c.s.settings.sockjs
            ? 'a["RECEIPT\\nreceipt-id:disconnect-1\\n\\n\\u0000"]'
            : 'RECEIPT\nreceipt-id:disconnect-1\n\n\0',
        );
        assert.equal(c.t.state.phase === 'closed' && c.t.state.byClient, true);
      } finally {
        c.dispose();
      }
    }
  } finally {
    await srv.close();
  }
});

test('mock STOMP peer: the version both speak, capped by the subprotocol; 1.0 without accept-version; an ERROR when there is none', () => {
  const answer = (peer: ProtocolServerPeer, text: string) =>
    peer.answer({ direction: 'received', kind: 'text', payload: Buffer.from(text) })?.map((f) => f.payload.toString());
  const v11 = stompServerPeer({});
  assert.equal(v11.subprotocol?.(['v10.stomp', 'v11.stomp']), 'v11.stomp');
  assert.match(
    String(answer(v11, 'CONNECT\naccept-version:1.0,1.1,1.2\nheart-beat:0,0\n\n\0')),
    /^CONNECTED\nversion:1\.1\nheart-beat:0,0\n/,
  );
  const old = stompServerPeer({});
  assert.match(String(answer(old, 'CONNECT\nlogin:a\n\n\0')), /^CONNECTED\nversion:1\.0\n/);
  assert.deepEqual(answer(stompServerPeer({}), 'STOMP\naccept-version:2.0\n\n\0'), [
    'ERROR\nversion:1.0,1.1,1.2\nmessage:Unsupported version\ncontent-type:text/plain\ncontent-length:43\n\nSupported protocol versions are 1.0,1.1,1.2\0',
  ]);
  assert.equal(answer(stompServerPeer({}), 'not stomp'), undefined);
  assert.deepEqual(answer(stompServerPeer({}), 'DISCONNECT\n\n\0'), []);
  const sockjs = stompServerPeer({ url: 'ws://h/stomp/001/x/websocket' });
  assert.deepEqual(
    sockjs.greet().map((f) => f.payload.toString()),
    ['o'],
  );
  assert.equal(sockjs.subprotocol?.(['v12.stomp']), undefined);
  assert.deepEqual(answer(sockjs, '["\\n"]'), []);
  assert.equal(answer(sockjs, 'CONNECT\n\n\0'), undefined);
  assert.deepEqual(stomp.serve?.({}).greet(), []);
});

/**
 * A small STOMP server of our own (stomp-broker-js answers no RECEIPT but DISCONNECT's and speaks
 * only 1.1): CONNECTED in `version`, a RECEIPT for every frame that asks, and on SUBSCRIBE one
 * MESSAGE with an `ack` header, as STOMP 1.2 servers send for client ack modes.
 */
async function receiptServer(version: '1.0' | '1.2') {
  const received: string[] = [];
  const srv = await startWs((ws) => {
    ws.on('message', (data: Buffer) => {
      const text = data.toString('utf8');
      received.push(text);
      for (const f of parseStomp(data).frames) {
        if (f.command === 'CONNECT') ws.send(encodeFrame('CONNECTED', [['version', version]]));
        if (f.command === 'SUBSCRIBE')
          ws.send(
            encodeFrame(
              'MESSAGE',
              [
                ['subscription', f.headers.id],
                ['message-id', 'm1'],
                ['ack', 'ack-9'],
                ['destination', f.headers.destination],
              ],
              'x',
              version,
            ),
          );
        if (f.headers.receipt !== undefined)
          ws.send(encodeFrame('RECEIPT', [['receipt-id', f.headers.receipt]], '', version));
      }
    });
  });
  return { ...srv, received };
}

test("STOMP compose with a RECEIPT asked: confirmed with the time it took; STOMP 1.2 ACK uses the MESSAGE's ack header; STOMP 1.0 has no NACK", async () => {
  const v12 = await receiptServer('1.2');
  const c = stompClient(v12.url);
  try {
    await c.t.connect();
    await c.s.ready();
    assert.match(
      String(await c.s.compose('subscribe', { destination: '/q', ack: 'client', receipt: true })),
      /^Subscribed to \/q as sub-1 \(ack client\); RECEIPT subscribe-1 after \d+ ms\.$/,
    );
    await waitFor(() => c.received().some((r) => r.startsWith('MESSAGE')), 2000, 'the MESSAGE');
    assert.match(
      String(await c.s.compose('send', { destination: '/q', headers: '{"a:b":"c\\nd"}', body: 'hi', receipt: true })),
      /^Sent 2 bytes to \/q; RECEIPT send-2 after \d+ ms\.$/,
    );
    assert.equal(c.sent()[2], 'SEND\ndestination:/q\na\\cb:c\\nd\nreceipt:send-2\ncontent-length:2\n\nhi\0');
    await c.s.compose('ack', { id: 'm1' });
    await c.s.compose('nack', { id: 'other' });
    assert.deepEqual(c.sent().slice(3), ['ACK\nid:ack-9\n\n\0', 'NACK\nid:other\n\n\0']);
    assert.match(
      String(await c.s.compose('unsubscribe', { receipt: true })),
      /^Unsubscribed sub-1; RECEIPT unsubscribe-3 after \d+ ms\.$/,
    );
    await assert.rejects(
      c.s.compose('publish', {}),
      (e: Error) => e.message === 'STOMP has no "publish" action; it has subscribe, unsubscribe, send, ack, nack.',
    );
  } finally {
    c.dispose();
    await v12.close();
  }
  const v10 = await receiptServer('1.0');
  const old = stompClient(v10.url);
  try {
    await old.t.connect();
    await old.s.ready();
    await assert.rejects(
      old.s.compose('nack', { id: 'm1' }),
      (e: Error) => e.message === 'STOMP 1.0 has no NACK (the server speaks 1.0).',
    );
    await old.s.compose('ack', { id: 'm1' });
    await assert.rejects(
      old.s.compose('send', { destination: '/q', headers: '{"x":"a\\nb"}' }),
      (e: Error) =>
        e.message === 'The header "x"\'s value "a\\nb" has a line break, which a SEND frame cannot carry in STOMP 1.0.',
    );
    assert.equal(old.sent()[1], 'ACK\nmessage-id:m1\n\n\0');
  } finally {
    old.dispose();
    await v10.close();
  }
});
