import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { WebSocketServer, type WebSocket } from 'ws';

/**
 * A tiny SignalR hub on `ws` (there is no SignalR server for Node): the JSON hub protocol as
 * HubProtocol.md gives it, read with its own split on 0x1E, so the code under test is checked
 * against an independent reading. Hub methods: Add(a, b) → a + b; Fail() → a Completion error;
 * Echo(x) (sent) → the server invokes "Echoed" on the client; Counter(n) streams 0…n-1;
 * Forever() streams until cancelled; Bye(error?) → a Close record; Ask() → the server invokes
 * "Question" on the client expecting a result (a client result).
 */
export interface HubOptions {
  /** The server pings this often (ms); none when absent. */
  pingMs?: number;
  /** Refuse the handshake with this error. */
  refuse?: string;
  /** Never answer the handshake. */
  mute?: boolean;
  /**
   * Serve POST {hub}/negotiate (TransportProtocols.md) and refuse a WebSocket without a token it
   * issued (each once); 'redirect': the first negotiate sends the client to /otherhub with an
   * access token that the second negotiate and the WebSocket must carry as a Bearer header.
   */
  negotiate?: true | 'redirect';
}

export interface Hub {
  url: string;
  /** Every record each client sent, parsed, in order (the handshake first). */
  received: Array<Record<string, unknown>>;
  /** Every raw text frame the clients sent. */
  frames: string[];
  connections: number;
  /** Each negotiate request: its path and query, and its Authorization header. */
  negotiations: Array<{ url: string; authorization?: string }>;
  /** The URL (path and query) of each WebSocket upgrade that was accepted. */
  upgrades: string[];
  /** The open server-side sockets (to drop them). */
  sockets(): WebSocket[];
  /** Stops the server's pings (a server that went quiet). */
  silence(): void;
  close(): Promise<void>;
}

const RS = '\u001e';
const write = (ws: WebSocket, ...messages: Array<Record<string, unknown>>) =>
  ws.send(messages.map((m) => JSON.stringify(m) + RS).join(''));

export async function startHub(options: HubOptions = {}): Promise<Hub> {
  const tokens = new Set<string>();
  let issued = 0;
  const negotiate = (req: IncomingMessage, res: ServerResponse) => {
    const url = new URL(req.url ?? '/', 'http://127.0.0.1');
    if (!options.negotiate || req.method !== 'POST' || !url.pathname.endsWith('/negotiate')) {
      res.writeHead(404).end('Not Found');
      return;
    }
    hub.negotiations.push({ url: req.url ?? '', authorization: req.headers.authorization });
    if (options.negotiate === 'redirect' && url.pathname === '/chathub/negotiate') {
      res.writeHead(200, { 'content-type': 'application/json' });
      res.end(
        JSON.stringify({
          url: `${hub.url.replace('ws:', 'http:').replace('/chathub', '/otherhub')}`,
          accessToken: 'at-1',
        }),
      );
      return;
    }
    if (options.negotiate === 'redirect' && req.headers.authorization !== 'Bearer at-1') {
      res.writeHead(401).end();
      return;
    }
    const token = `tok-${++issued}`;
    tokens.add(token);
    res.writeHead(200, { 'content-type': 'application/json' });
    res.end(
      JSON.stringify({
        negotiateVersion: 1,
        connectionId: `conn-${issued}`,
        connectionToken: token,
        availableTransports: [
          { transport: 'WebSockets', transferFormats: ['Text', 'Binary'] },
          { transport: 'LongPolling', transferFormats: ['Text', 'Binary'] },
        ],
      }),
    );
  };
  const http = createServer(negotiate);
  const server = new WebSocketServer({
    server: http,
    verifyClient: (info: { req: IncomingMessage }) => {
      if (!options.negotiate) return true;
      const id = new URL(info.req.url ?? '/', 'http://127.0.0.1').searchParams.get('id') ?? '';
      if (!tokens.delete(id)) return false;
      return options.negotiate !== 'redirect' || info.req.headers.authorization === 'Bearer at-1';
    },
  });
  server.on('headers', (_h, req) => hub.upgrades.push(req.url ?? ''));
  await new Promise<void>((resolve) => http.listen(0, '127.0.0.1', () => resolve()));
  const { port } = http.address() as AddressInfo;
  const timers = new Set<NodeJS.Timeout>();
  let quiet = false;
  const hub: Hub = {
    url: `ws://127.0.0.1:${port}/chathub`,
    received: [],
    frames: [],
    connections: 0,
    negotiations: [],
    upgrades: [],
    sockets: () => [...server.clients],
    silence: () => {
      quiet = true;
    },
    close: async () => {
      for (const t of timers) clearInterval(t);
      for (const c of server.clients) c.terminate();
      await new Promise<void>((resolve) => server.close(() => resolve()));
      await new Promise<void>((resolve) => http.close(() => resolve()));
    },
  };
  server.on('connection', (ws) => {
    hub.connections++;
    let handshaken = false;
    const streams = new Map<string, NodeJS.Timeout>();
    ws.on('message', (data) => {
      const text = data.toString();
      hub.frames.push(text);
      for (const part of text.split(RS).slice(0, -1)) {
        const m = JSON.parse(part) as Record<string, unknown>;
        hub.received.push(m);
        if (!handshaken) {
          handshaken = true;
          if (options.mute) return;
          if (options.refuse) {
            write(ws, { error: options.refuse });
            ws.close(1000);
            return;
          }
          // The response and a first message in one frame, as a hub may batch them.
          write(ws, {}, { type: 6 });
          if (options.pingMs) {
            const t = setInterval(() => quiet || write(ws, { type: 6 }), options.pingMs);
            timers.add(t);
            ws.on('close', () => (clearInterval(t), timers.delete(t)));
          }
          continue;
        }
        answer(ws, m, streams, timers);
      }
    });
    ws.on('close', () => {
      for (const t of streams.values()) clearInterval(t);
    });
  });
  return hub;
}

function answer(
  ws: WebSocket,
  m: Record<string, unknown>,
  streams: Map<string, NodeJS.Timeout>,
  timers: Set<NodeJS.Timeout>,
): void {
  const id = m.invocationId as string | undefined;
  const args = (m.arguments ?? []) as unknown[];
  if (m.type === 1) {
    if (m.target === 'Add') write(ws, { type: 3, invocationId: id, result: (args[0] as number) + (args[1] as number) });
    if (m.target === 'Fail')
      write(ws, { type: 3, invocationId: id, error: "An unexpected error occurred invoking 'Fail' on the server." });
    if (m.target === 'Echo') write(ws, { type: 1, target: 'Echoed', arguments: args });
    if (m.target === 'Bye') write(ws, args[0] ? { type: 7, error: args[0], allowReconnect: true } : { type: 7 });
    if (m.target === 'Ask') write(ws, { type: 1, invocationId: 's1', target: 'Question', arguments: ['?'] });
  }
  if (m.type === 4 && m.target === 'Counter') {
    const n = args[0] as number;
    write(ws, ...Array.from({ length: n }, (_, i) => ({ type: 2, invocationId: id, item: i })), {
      type: 3,
      invocationId: id,
    });
  }
  if (m.type === 4 && m.target === 'Forever') {
    let i = 0;
    const t = setInterval(() => write(ws, { type: 2, invocationId: id, item: i++ }), 10);
    streams.set(id as string, t);
    timers.add(t);
  }
  if (m.type === 5) {
    clearInterval(streams.get(id as string));
    streams.delete(id as string);
  }
}
