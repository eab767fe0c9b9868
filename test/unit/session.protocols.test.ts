// Over 400 lines: one recording per protocol journey (record, replay, compare, export, mock) against the real servers, sharing their setup.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { InspectorModel } from '../../src/core/inspector/model';
import { socketIo, socketIoDecoder, type SocketIoSession } from '../../src/core/protocols';
import { compareAnswers } from '../../src/core/sessions/compare';
import { serializeSession, sessionMessages, type Session } from '../../src/core/sessions/format';
import { importHar } from '../../src/core/sessions/har';
import { decodeWith, early, isProtocolOwn, recordingProtocol, viewOf } from '../../src/core/sessions/protocolPlay';
import { replaySession } from '../../src/core/sessions/replay';
import { exportAsWsFile } from '../../src/core/sessions/exportWs';
import { parseWsFile } from '../../src/core/wsfile/parse';
import { runWsRequest } from '../../src/core/wsfile/run';
import { createTransport } from '../../src/core/transport';
import { startGraphqlWsServer, startLegacyServer } from './protocol.graphql.servers';
import { chatServer, recordChat, recordCount, recordSession, tempDir } from './session.protocols.servers';
import { socketIoClient } from './socketio.servers';
import { waitFor } from './helpers';

const CLI = join(__dirname, '..', '..', 'src', 'cli.js');

/** The row index of the first recorded message whose text starts with `prefix`. */
function rowOf(model: InspectorModel, prefix: string): number {
  for (let i = 0; i < model.store.length; i++) {
    const row = model.store.get(i);
    if (row && row.kind === 'text' && row.payload.toString().startsWith(prefix)) return i;
  }
  throw new Error(`no row starting with ${prefix}`);
}

/** The server messages that are the application's (no handshake, no keepalive). */
function appMessages(session: Session) {
  const decoder = socketIoDecoder(4);
  return sessionMessages(session, 'received').filter((m) => !isProtocolOwn(viewOf(decoder, early(m))));
}

test('a recording notes its protocol; the viewer decodes with it; older recordings are recognised by URL or subprotocol', async () => {
  const dir = tempDir();
  const io = await chatServer();
  const gql = await startGraphqlWsServer();
  const models: InspectorModel[] = [];
  try {
    const chat = await recordChat(io.url, dir);
    assert.equal(chat.header.protocol, 'socket.io');
    const model = new InspectorModel({ url: chat.header.url, handshakeTimeout: 3000 });
    models.push(model);
    model.loadRecording(chat, 'chat');
    assert.equal(model.decoded(rowOf(model, '42'))?.decoder, 'socket.io');
    assert.equal(model.decoded(rowOf(model, '0{'))?.handshake, true);
    // A replay shown in the recording's panel keeps decoding with it.
    model.adopt(createTransport({ url: chat.header.url, handshakeTimeout: 3000 }), 'Replay');
    assert.equal(model.decoded(rowOf(model, '42'))?.decoder, 'socket.io');
    delete chat.header.protocol;
    assert.equal(recordingProtocol(chat)?.how, 'url');

    const count = await recordCount(gql.url, dir, 'graphql');
    assert.equal(count.header.protocol, 'graphql');
    assert.equal(recordingProtocol(count)?.decoder.id, 'graphql-transport-ws');
    // A ws:// URL says nothing; the loaded recording decodes by its protocol all the same.
    delete count.header.protocol;
    assert.deepEqual(
      { how: recordingProtocol(count)?.how, id: recordingProtocol(count)?.protocol.id },
      { how: 'subprotocol', id: 'graphql-transport-ws' },
    );
    const viewer = new InspectorModel({ url: count.header.url, handshakeTimeout: 3000 });
    models.push(viewer);
    viewer.loadRecording(count, 'count');
    const next = viewer.decoded(rowOf(viewer, '{"id":"1","type":"next"'));
    assert.equal(next?.decoder, 'graphql-transport-ws');
    assert.equal(viewer.decoded(rowOf(viewer, '{"type":"connection_ack"'))?.handshake, true);
  } finally {
    for (const m of models) m.dispose();
    await io.close();
    await gql.close();
    rmSync(dir, { recursive: true, force: true });
  }
});

test('replaying a Socket.IO recording: the live session does the handshake and pings, the ack answers the live id, compare reads decoded payloads', async () => {
  const dir = tempDir();
  const first = await chatServer();
  const live = await chatServer(30);
  // Another client takes ack id 0 of the live server's namespace: the replay's question gets id 1.
  const other = socketIoClient(live.url);
  let asked = false;
  other.s.onEvent((e) => (asked ||= e.event === 'question'));
  try {
    const recording = await recordChat(first.url, dir);
    assert.ok(recording.events.some((e) => e.type === 'message' && e.dir === 'sent' && e.text === '3'));
    await other.t.connect();
    await waitFor(() => asked, 3000, 'the other client asked');
    const frames: string[] = [];
    const replay = replaySession(recording, {
      url: `${live.url.replace('http:', 'ws:')}/socket.io/?EIO=4&transport=websocket`,
      timing: { speed: 1e6 },
      waitForAnswers: true,
      onEvent: (e) => {
        if (e.type === 'message' && e.message.direction === 'sent') frames.push(e.message.payload.toString());
      },
    });
    const result = await replay.result;
    assert.equal(result.ok, true, result.error);
    assert.equal(result.protocol, 'socket.io');
    // The server's ack callback for id 1 got the recorded answer: the ack went with the live id.
    assert.deepEqual(live.answers, ['alice']);
    assert.deepEqual(live.chats, [{ text: 'hi' }]);
    assert.ok(frames.includes('431["alice"]'), frames.join(' '));
    // One CONNECT (the session's), no recorded pong replayed: every 3 answers a live ping.
    assert.equal(frames.filter((f) => f.startsWith('40')).length, 1);
    assert.ok(!frames.includes('430["alice"]'));
    // Recorded and live: question, hello, the chat's ack; the open packet and pings are left out.
    assert.deepEqual(
      result.live.map((m) => (m.text ?? '').slice(0, 3)),
      ['421', '42[', '430'],
    );
    const strict = compareAnswers(result.recorded, result.live, { decode: result.decode });
    assert.equal(strict.equal, false);
    assert.deepEqual(
      strict.differences.map((d) => (d.diff?.type === 'json' ? d.diff.differences.map((x) => x.path) : d.diff)),
      [['$.args[0].time']],
    );
    const loose = compareAnswers(result.recorded, result.live, {
      decode: result.decode,
      ignore: ['$.args[0].time'],
    });
    assert.equal(loose.equal, true, JSON.stringify(loose.differences));
  } finally {
    other.dispose();
    await first.close();
    await live.close();
    rmSync(dir, { recursive: true, force: true });
  }
});

test('a recording on namespace /admin replays there with its auth; an Engine.IO 3 one with the client’s own pings', async () => {
  const dir = tempDir();
  const first = await chatServer();
  const live = await chatServer(30);
  try {
    const admin = await recordChat(`${first.url}/admin`, dir);
    // The recorded CONNECT carried an auth payload, as an app's would.
    for (const e of admin.events)
      if (e.type === 'message' && e.text === '40/admin,') e.text = '40/admin,{"token":"t-1"}';
    const wsUrl = `${live.url.replace('http:', 'ws:')}/socket.io/?EIO=4&transport=websocket`;
    const result = await replaySession(admin, { url: wsUrl, timing: { speed: 1e6 }, waitForAnswers: true }).result;
    assert.equal(result.ok, true, result.error);
    assert.deepEqual(live.auths, [{ namespace: '/admin', auth: { token: 't-1' } }]);
    assert.deepEqual(live.answers, ['alice']);

    const v2 = await recordChat(first.url, dir, 3);
    const sent: string[] = [];
    const again = await replaySession(v2, {
      url: wsUrl.replace('EIO=4', 'EIO=3'),
      timing: { speed: 1e6 },
      waitForAnswers: true,
      onEvent: (e) =>
        e.type === 'message' &&
        e.message.direction === 'sent' &&
        e.message.kind === 'text' &&
        sent.push(e.message.payload.toString()),
    }).result;
    assert.equal(again.ok, true, again.error);
    assert.deepEqual(live.answers, ['alice', 'alice']);
    // v2 connects / by itself: no CONNECT sent; the recorded pings were not replayed (the session pings on its timer).
    assert.deepEqual(
      sent.filter((f) => f !== '2'),
      ['430["alice"]', '420["chat",{"text":"hi"}]', '41'],
    );
  } finally {
    await first.close();
    await live.close();
    rmSync(dir, { recursive: true, force: true });
  }
});

test('a recording that spoke in two namespaces replays in both, each connected before its messages', async () => {
  const dir = tempDir();
  const first = await chatServer();
  const live = await chatServer();
  try {
    const loaded = await recordSession<SocketIoSession>(first.url, dir, 'socket.io', async (s) => {
      await s.connect('/admin', { token: 't-2' });
      await s.emitWithAck('chat', [{ text: 'root' }]);
      await s.emitWithAck('chat', [{ text: 'admin' }], '/admin');
    });
    const result = await replaySession(loaded, { url: live.url, timing: { speed: 1e6 }, waitForAnswers: true }).result;
    assert.equal(result.ok, true, result.error);
    assert.deepEqual(live.chats, [{ text: 'root' }, { text: 'admin' }]);
    assert.deepEqual(
      live.auths.map((a) => a.namespace),
      ['/', '/admin'],
    );
    assert.deepEqual(live.auths[1].auth, { token: 't-2' });

    // Exported as a .ws file, it speaks Socket.IO: the namespace as an action, no recorded handshake or pongs.
    const ws = exportAsWsFile(loaded, 'Two namespaces');
    assert.match(ws, /^# @protocol socket\.io$/m);
    assert.match(ws, /^=== connect \/admin\n\{"token":"t-2"\}$/m);
    assert.doesNotMatch(ws, /^(40|3|2)$/m);
    const parsed = parseWsFile(ws);
    assert.deepEqual(parsed.diagnostics, []);
    const run = await runWsRequest({
      request: {
        ...parsed.requests[0],
        url: `${live.url.replace('http:', 'ws:')}/socket.io/?EIO=4&transport=websocket`,
      },
      variables: { fileVariables: parsed.variables, allowProcessEnv: false },
      baseDir: dir,
      waitTimeoutMs: 3000,
    });
    try {
      assert.equal(run.ok, true, run.error);
      await waitFor(() => live.chats.length === 4, 3000, 'the .ws run’s two chats');
      assert.deepEqual(live.chats.slice(2), [{ text: 'root' }, { text: 'admin' }]);
    } finally {
      run.connection?.dispose();
    }
  } finally {
    await first.close();
    await live.close();
    rmSync(dir, { recursive: true, force: true });
  }
});

test('two Socket.IO recordings compare by decoded payloads, ignore paths inside the view', async () => {
  const dir = tempDir();
  const a = await chatServer();
  const b = await chatServer();
  try {
    const one = await recordChat(a.url, dir);
    const two = await recordChat(b.url, dir);
    const decode = decodeWith(socketIoDecoder(4), socketIo.replay?.ids);
    const plain = compareAnswers(appMessages(one), appMessages(two));
    // Without the decoder the text frames differ as text: the time inside is not reachable.
    assert.equal(plain.equal, false);
    assert.equal(plain.differences[0].diff?.type, 'text');
    const decoded = compareAnswers(appMessages(one), appMessages(two), { decode, ignore: ['$.args[0].time'] });
    assert.equal(decoded.equal, true, JSON.stringify(decoded.differences));
    const event = compareAnswers(appMessages(one), appMessages(two), { decode, ignore: ['$.event', '$.args'] });
    assert.equal(event.equal, true);
  } finally {
    await a.close();
    await b.close();
    rmSync(dir, { recursive: true, force: true });
  }
});

test('GraphQL replays redo connection_init with the recorded payload, once, in both dialects', async () => {
  const dir = tempDir();
  for (const [start, protocol] of [
    [startGraphqlWsServer, 'graphql-transport-ws'],
    [startLegacyServer, 'graphql-ws'],
  ] as const) {
    const first = await start();
    const live = await start();
    try {
      const recording = await recordCount(first.url, dir, protocol);
      // The recording's connection_init carried a token (as an app's would).
      for (const e of recording.events)
        if (e.type === 'message' && e.text?.includes('connection_init'))
          e.text = JSON.stringify({ type: 'connection_init', payload: { token: 't-1' } });
      const result = await replaySession(recording, { url: live.url, timing: { speed: 1e6 }, waitForAnswers: true })
        .result;
      assert.equal(result.ok, true, result.error);
      assert.deepEqual(live.inits, [{ token: 't-1' }], protocol);
      const comparison = compareAnswers(result.recorded, result.live, { decode: result.decode });
      assert.equal(comparison.equal, true, `${protocol}: ${JSON.stringify(comparison.differences)}`);
      assert.ok(result.recorded.length >= 3, protocol);
    } finally {
      await first.close();
      await live.close();
    }
  }
  rmSync(dir, { recursive: true, force: true });
});

/** A Chrome DevTools HAR of a Socket.IO page: the polling requests before the upgrade, then the WebSocket. */
function socketIoHar(host: string): string {
  const t0 = 1_700_000_000;
  const poll = (t: number, body: string) => ({
    startedDateTime: new Date(t * 1000).toISOString(),
    _resourceType: 'xhr',
    request: { method: 'GET', url: `http://${host}/socket.io/?EIO=4&transport=polling&t=Ox1`, headers: [] },
    response: { status: 200, headers: [], content: { size: body.length, text: body, mimeType: 'text/plain' } },
  });
  const ws = {
    startedDateTime: new Date((t0 + 0.2) * 1000).toISOString(),
    _resourceType: 'websocket',
    request: {
      method: 'GET',
      url: `ws://${host}/socket.io/?EIO=4&transport=websocket&sid=oldSid123`,
      headers: [{ name: 'Sec-WebSocket-Version', value: '13' }],
    },
    response: { status: 101, statusText: 'Switching Protocols', headers: [{ name: 'Upgrade', value: 'websocket' }] },
    _webSocketMessages: [
      { type: 'send', time: t0 + 0.21, opcode: 1, data: '2probe' },
      { type: 'receive', time: t0 + 0.22, opcode: 1, data: '3probe' },
      { type: 'send', time: t0 + 0.23, opcode: 1, data: '5' },
      { type: 'receive', time: t0 + 0.3, opcode: 1, data: '2' },
      { type: 'send', time: t0 + 0.31, opcode: 1, data: '3' },
      { type: 'send', time: t0 + 0.4, opcode: 1, data: '42["chat",{"text":"from the page"}]' },
      { type: 'send', time: t0 + 0.5, opcode: 1, data: '421["chat",{"text":"with ack"}]' },
      { type: 'receive', time: t0 + 0.52, opcode: 1, data: '431[{"ok":true,"time":1}]' },
    ],
  };
  const entries = [
    poll(t0, '0{"sid":"oldSid123","upgrades":["websocket"],"pingInterval":25000,"pingTimeout":20000}'),
    poll(t0 + 0.1, '40{"sid":"nsSid"}'),
    ws,
  ];
  return JSON.stringify({ log: { version: '1.2', creator: { name: 'WebInspector', version: '537.36' }, entries } });
}

test('a HAR of a Socket.IO app imports as socket.io (the websocket entry, not the polling ones), decodes and replays', async () => {
  const io = await chatServer();
  const models: InspectorModel[] = [];
  try {
    const host = io.url.replace('http://', '');
    const imported = importHar(socketIoHar(host));
    assert.ok(!('error' in imported));
    if ('error' in imported) return;
    assert.equal(imported.entries.length, 1);
    const session = imported.entries[0].session;
    assert.equal(session.header.protocol, 'socket.io');
    const model = new InspectorModel({ url: session.header.url, handshakeTimeout: 3000 });
    models.push(model);
    model.loadRecording(session, 'har');
    assert.equal(model.decoded(rowOf(model, '42'))?.summary, 'EVENT "chat" [{"text":"from the page"}]');
    assert.equal(model.decoded(rowOf(model, '2probe'))?.keepalive, true);
    // The recorded sid is the polling session's: the replay opens a new Engine.IO session without it.
    const result = await replaySession(session, { timing: { speed: 1e6 }, waitForAnswers: true }).result;
    assert.equal(result.ok, true, result.error);
    assert.deepEqual(io.chats, [{ text: 'from the page' }, { text: 'with ack' }]);
    assert.equal(result.sent, 2);
    const graphqlHar = JSON.stringify({
      log: {
        entries: [
          {
            _resourceType: 'websocket',
            request: { url: 'wss://api.example/graphql', headers: [] },
            response: { status: 101, headers: [{ name: 'Sec-WebSocket-Protocol', value: 'graphql-transport-ws' }] },
            _webSocketMessages: [
              { type: 'send', time: 1, opcode: 1, data: '{"type":"connection_init"}' },
              { type: 'receive', time: 1.1, opcode: 1, data: '{"type":"connection_ack"}' },
            ],
          },
        ],
      },
    });
    const gql = importHar(graphqlHar);
    assert.equal('error' in gql ? gql.error : gql.entries[0].session.header.protocol, 'graphql-transport-ws');
  } finally {
    for (const m of models) m.dispose();
    await io.close();
  }
});

test('wsi replay --compare speaks Socket.IO against a real socket.io server', async () => {
  const dir = tempDir();
  const first = await chatServer();
  const live = await chatServer(30);
  try {
    const recording = await recordChat(first.url, dir);
    const file = join(dir, 'chat.wslog');
    writeFileSync(file, serializeSession(recording));
    const url = `${live.url.replace('http:', 'ws:')}/socket.io/?EIO=4&transport=websocket`;
    const run = (args: string[]) =>
      new Promise<{ code: number; stdout: string }>((resolve) =>
        execFile(process.execPath, [CLI, 'replay', file, '--url', url, '--speed', '100', ...args], (err, stdout) =>
          resolve({ code: err ? Number(err.code) : 0, stdout }),
        ),
      );
    const loose = await run(['--compare', '--ignore', '$.args[0].time']);
    assert.equal(loose.code, 0, loose.stdout);
    assert.match(loose.stdout, /3 matched, 0 mismatched, 0 missing, 0 extra/);
    assert.deepEqual(live.answers, ['alice']);
    const strict = await run(['--compare']);
    assert.equal(strict.code, 1, strict.stdout);
    assert.match(strict.stdout, /\$\.args\[0\]\.time/);
    const raw = await run(['--protocol', 'nonsense']);
    assert.equal(raw.code, 2);
  } finally {
    await first.close();
    await live.close();
    rmSync(dir, { recursive: true, force: true });
  }
});
