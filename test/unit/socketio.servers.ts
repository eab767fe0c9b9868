import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { Server, type ServerOptions } from 'socket.io';
import { openWith, socketIo, type SocketIoSession, type SocketIoSetup } from '../../src/core/protocols';
import type { Transport, TransportMessage, TransportOptions } from '../../src/core/transport';

/** A real Socket.IO server (v4) on 127.0.0.1 and a free port; `close()` drops every client and stops it. */
export async function startSocketIo(options: Partial<ServerOptions> = {}): Promise<{
  io: Server;
  url: string;
  close(): Promise<void>;
}> {
  const http = createServer();
  const io = new Server(http, options);
  await new Promise<void>((resolve) => http.listen(0, '127.0.0.1', () => resolve()));
  const { port } = http.address() as AddressInfo;
  return {
    io,
    url: `http://127.0.0.1:${port}`,
    close: () =>
      new Promise<void>((resolve) => {
        http.closeAllConnections();
        void io.close(() => resolve());
      }),
  };
}

/** A transport and a Socket.IO session on it for a user's URL, with every message and note kept. */
export function socketIoClient(
  input: string,
  setup: Partial<SocketIoSetup> = {},
  transport: Partial<TransportOptions> = {},
): { t: Transport; s: SocketIoSession; messages: TransportMessage[]; notes: string[]; dispose(): void } {
  const opened = openWith(socketIo, input, { handshakeTimeout: 3000, ...transport }, setup);
  if ('error' in opened) throw new Error(opened.error);
  const { transport: t, session: s } = opened;
  const messages: TransportMessage[] = [];
  const notes: string[] = [];
  t.onMessage((m) => messages.push(m));
  t.onNote((n) => notes.push(`${n.level}: ${n.text}`));
  s.onNote((n) => notes.push(`${n.level}: ${n.text}`));
  return {
    t,
    s,
    messages,
    notes,
    dispose: () => {
      s.dispose();
      t.dispose();
    },
  };
}

/** The text frames one way, as strings. */
export function texts(messages: readonly TransportMessage[], direction: 'sent' | 'received'): string[] {
  return messages.filter((m) => m.direction === direction && m.kind === 'text').map((m) => m.payload.toString());
}
