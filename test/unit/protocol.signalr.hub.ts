import type { WebSocket } from 'ws';
import { startWsServer } from './helpers';

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
}

export interface Hub {
  url: string;
  /** Every record each client sent, parsed, in order (the handshake first). */
  received: Array<Record<string, unknown>>;
  /** Every raw text frame the clients sent. */
  frames: string[];
  connections: number;
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
  const srv = await startWsServer();
  const timers = new Set<NodeJS.Timeout>();
  let quiet = false;
  const hub: Hub = {
    url: `${srv.url}/chathub`,
    received: [],
    frames: [],
    connections: 0,
    sockets: () => [...srv.server.clients],
    silence: () => {
      quiet = true;
    },
    close: async () => {
      for (const t of timers) clearInterval(t);
      await srv.close();
    },
  };
  srv.server.on('connection', (ws) => {
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
