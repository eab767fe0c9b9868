import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  openConnection,
  type GraphqlSession,
  type ProtocolSession,
  type SocketIoSession,
} from '../../src/core/protocols';
import type { Session } from '../../src/core/sessions/format';
import { loadSession } from '../../src/core/sessions/load';
import { SessionRecorder } from '../../src/core/sessions/recorder';
import type { Transport, TransportMessage } from '../../src/core/transport';
import type { Socket } from 'socket.io';
import { waitFor } from './helpers';
import { startSocketIo } from './socketio.servers';

// Recorded sessions that speak a protocol: a Socket.IO chat server and recordings made through
// openConnection and the recorder, as the panel makes them.

export function tempDir(): string {
  return mkdtempSync(join(tmpdir(), 'wsi-psess-'));
}

/**
 * A socket.io server that, on each connection, asks "name?" with an ack (server-initiated, so the
 * server picks the ack id), then emits `hello` with the answer; `chat` is acked with a time.
 */
export async function chatServer(pingInterval = 40) {
  const s = await startSocketIo({ pingInterval, pingTimeout: 3000, allowEIO3: true });
  const answers: unknown[] = [];
  const chats: unknown[] = [];
  const auths: Array<{ namespace: string; auth: unknown }> = [];
  const onConnection = (socket: Socket) => {
    auths.push({ namespace: socket.nsp.name, auth: socket.handshake.auth });
    socket.on('chat', (msg: unknown, ack?: (v: unknown) => void) => {
      chats.push(msg);
      ack?.({ ok: true, echo: msg, time: Date.now() });
    });
    socket
      .timeout(3000)
      .emitWithAck('question', 'name?')
      .then(
        (a: unknown) => {
          answers.push(a);
          socket.emit('hello', a);
        },
        () => undefined,
      );
  };
  s.io.on('connection', onConnection);
  s.io.of('/admin').on('connection', onConnection);
  return { ...s, answers, chats, auths };
}

/** Records one Socket.IO conversation with `url` (http://…): answers the question, chats, sees some pings. */
export async function recordChat(url: string, dir: string, eio: 3 | 4 = 4): Promise<Session> {
  const file = join(dir, `chat-${Date.now()}-${Math.random()}.wslog`);
  const input = eio === 3 ? `${url.replace('http:', 'ws:')}/socket.io/?EIO=3&transport=websocket` : url;
  const opened = openConnection({ url: input, handshakeTimeout: 3000, protocol: 'socket.io' });
  const s = opened.session as SocketIoSession;
  const recorder = await SessionRecorder.forConnection(file, opened.transport, { protocol: opened.protocol?.id });
  const messages: TransportMessage[] = [];
  opened.transport.onMessage((m) => messages.push(m));
  let hello = false;
  s.onEvent((e) => {
    if (e.event === 'question') void s.answer(e, 'alice');
    if (e.event === 'hello') hello = true;
  });
  try {
    await opened.transport.connect();
    await s.ready();
    await waitFor(() => hello, 3000, 'hello');
    await s.emitWithAck('chat', [{ text: 'hi' }]);
    // A few Engine.IO pings (v4: the server's; v3: ours) and their pongs are in the recording.
    const ping = eio === 4 ? 'received' : 'sent';
    await waitFor(
      () => messages.filter((m) => m.direction === ping && m.payload.toString() === '2').length >= 2,
      3000,
      'two pings',
    );
    s.close();
    await waitFor(() => opened.transport.state.phase === 'closed', 3000, 'closed');
  } finally {
    s.dispose();
    opened.transport.dispose();
    await recorder.close();
  }
  const loaded = await loadSession(file);
  if ('error' in loaded) throw new Error(loaded.error);
  return loaded;
}

/**
 * Records one connection to `url` speaking `protocol` into `dir`: `act` gets the session once
 * connected and ready; then the session closes, and the recording is loaded back.
 */
export async function recordSession<S extends ProtocolSession>(
  url: string,
  dir: string,
  protocol: string,
  act: (session: S, transport: Transport) => Promise<void>,
): Promise<Session> {
  const file = join(dir, `${protocol}-${Date.now()}-${Math.random()}.wslog`);
  const opened = openConnection({ url, handshakeTimeout: 3000, protocol });
  const s = opened.session as S;
  const recorder = await SessionRecorder.forConnection(file, opened.transport, { protocol: opened.protocol?.id });
  try {
    await opened.transport.connect();
    await s.ready();
    await act(s, opened.transport);
    s.close();
    await waitFor(() => opened.transport.state.phase === 'closed', 3000, 'closed');
  } finally {
    s.dispose();
    opened.transport.dispose();
    await recorder.close();
  }
  const loaded = await loadSession(file);
  if ('error' in loaded) throw new Error(loaded.error);
  return loaded;
}

/** Records a GraphQL subscription (count to 2) with the real server at `url`, in `dialect`. */
export async function recordCount(url: string, dir: string, protocol: string): Promise<Session> {
  const file = join(dir, `gql-${Date.now()}-${Math.random()}.wslog`);
  const opened = openConnection({ url, handshakeTimeout: 3000, protocol });
  const s = opened.session as GraphqlSession;
  const recorder = await SessionRecorder.forConnection(file, opened.transport, { protocol: opened.protocol?.id });
  try {
    await opened.transport.connect();
    await s.ready();
    const op = s.subscribe({ query: 'subscription { count(to: 2) }' });
    await op.done;
    opened.transport.close(1000);
    await waitFor(() => opened.transport.state.phase === 'closed', 3000, 'closed');
  } finally {
    s.dispose();
    opened.transport.dispose();
    await recorder.close();
  }
  const loaded = await loadSession(file);
  if ('error' in loaded) throw new Error(loaded.error);
  return loaded;
}

/** The text of each message one way. */
export function texts(session: Session, dir: 'sent' | 'received'): string[] {
  return session.events.flatMap((e) => (e.type === 'message' && e.dir === dir ? [e.text ?? ''] : []));
}

export { startSocketIo };
