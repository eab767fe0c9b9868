import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { WebSocketServer } from 'ws';
import type { Transport } from '../../src/core/transport';

/** A `ws` server on 127.0.0.1 and a free port; `close()` drops clients and stops it. */
export async function startWsServer(options: ConstructorParameters<typeof WebSocketServer>[0] = {}): Promise<{
  server: WebSocketServer;
  url: string;
  close(): Promise<void>;
}> {
  const server = new WebSocketServer({ host: '127.0.0.1', port: 0, ...options });
  await new Promise<void>((resolve) => server.once('listening', () => resolve()));
  const { port } = server.address() as AddressInfo;
  return {
    server,
    url: `ws://127.0.0.1:${port}`,
    close: () =>
      new Promise<void>((resolve) => {
        for (const c of server.clients) c.terminate();
        server.close(() => resolve());
      }),
  };
}

/** A plain HTTP server on 127.0.0.1 answering every request with `handler`. */
export async function startHttpServer(
  handler: Parameters<typeof createServer>[1],
): Promise<{ server: Server; port: number; close(): Promise<void> }> {
  const server = createServer(handler);
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', () => resolve()));
  const { port } = server.address() as AddressInfo;
  return {
    server,
    port,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

/** A port that was free a moment ago and has nothing listening on it now. */
export async function closedPort(): Promise<number> {
  const s = await startHttpServer(() => undefined);
  await s.close();
  return s.port;
}

/** Polls `check` every 10 ms until it returns true; fails after `timeoutMs`. */
export async function waitFor(check: () => boolean, timeoutMs = 3000, what = 'condition'): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!check()) {
    if (Date.now() > deadline) throw new Error(`Timed out after ${timeoutMs} ms waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 10));
  }
}

/** A transport's messages and notes in one list, in the order they fired, as the inspector's rows are. */
export interface Row {
  time: number;
  direction: 'sent' | 'received' | 'event';
  kind: string;
  payload: Buffer;
}

/** Pushes every message and note of `t` to `rows` (notes as `event` rows whose kind is their level). */
export function collectRows(t: Transport, rows: Row[]): Row[] {
  t.onMessage((m) => rows.push(m));
  t.onNote((n) => rows.push({ time: n.time, direction: 'event', kind: n.level, payload: Buffer.from(n.text) }));
  return rows;
}
