import WebSocket, { type ClientOptions } from 'ws';
import { Relay, type RelayConnection, type RelayOptions } from '../../src/core/relay';
import { waitFor } from './helpers';

/** A relay on 127.0.0.1 port 0 in front of `target`; `close()` stops it. */
export async function startRelay(
  target: string,
  options: Partial<RelayOptions> = {},
): Promise<{ relay: Relay; url: string; close(): Promise<void> }> {
  const relay = new Relay({ listen: 0, target, ...options });
  const port = await relay.start();
  return { relay, url: `ws://127.0.0.1:${port}`, close: () => relay.stop() };
}

/** A real `ws` client that keeps what it receives as text. */
export interface TestClient {
  ws: WebSocket;
  texts: string[];
  closed: Promise<{ code: number; reason: string }>;
}

export function client(url: string, protocols: string[] = [], options: ClientOptions = {}): TestClient {
  const ws = new WebSocket(url, protocols, options);
  const texts: string[] = [];
  ws.on('message', (data: Buffer) => texts.push(data.toString()));
  ws.on('error', () => undefined);
  const closed = new Promise<{ code: number; reason: string }>((resolve) =>
    ws.on('close', (code, reason) => resolve({ code, reason: reason.toString() })),
  );
  return { ws, texts, closed };
}

export function opened(ws: WebSocket): Promise<void> {
  if (ws.readyState === WebSocket.OPEN) return Promise.resolve();
  return new Promise((resolve, reject) => {
    ws.once('open', () => resolve());
    ws.once('error', reject);
  });
}

/** Opens a client through the relay and waits for the relay's connection to it. */
export async function through(
  relay: Relay,
  url: string,
  protocols: string[] = [],
  options: ClientOptions = {},
): Promise<TestClient & { connection: RelayConnection }> {
  const before = relay.connections.length;
  const c = client(url, protocols, options);
  await opened(c.ws);
  await waitFor(() => relay.connections.length > before, 3000, 'the relay connection');
  return { ...c, connection: relay.connections[relay.connections.length - 1] };
}
