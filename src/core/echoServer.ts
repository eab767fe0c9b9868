import { WebSocketServer, type WebSocket } from 'ws';
import type { AddressInfo } from 'node:net';

/** Options for the local echo server. */
export interface EchoServerOptions {
  /** 0 (the default) picks a free port. */
  port?: number;
  /** Always loopback unless a test says otherwise. */
  host?: string;
}

/**
 * A WebSocket server that sends every text and binary message back as it came,
 * so anyone can try the inspector with nothing else running.
 */
export class EchoServer {
  private constructor(
    private readonly server: WebSocketServer,
    readonly host: string,
    readonly port: number,
  ) {}

  /** Starts listening; rejects with a sentence when the port is taken. */
  static start(options: EchoServerOptions = {}): Promise<EchoServer> {
    const host = options.host ?? '127.0.0.1';
    return new Promise((resolve, reject) => {
      const server = new WebSocketServer({ host, port: options.port ?? 0, maxPayload: 100 * 1024 * 1024 });
      server.once('error', (err: NodeJS.ErrnoException) => {
        server.close();
        reject(
          new Error(
            err.code === 'EADDRINUSE'
              ? `Port ${options.port} on ${host} is already in use. Set websocketInspector.echoServer.port to another port, or 0 for a free one.`
              : `The echo server could not start: ${err.message}`,
          ),
        );
      });
      server.once('listening', () => {
        const { port } = server.address() as AddressInfo;
        server.on('connection', echo);
        resolve(new EchoServer(server, host, port));
      });
    });
  }

  get url(): string {
    return `ws://${this.host}:${this.port}`;
  }

  /** Clients connected now. */
  get clientCount(): number {
    return this.server.clients.size;
  }

  /** Drops every client and stops listening. */
  close(): Promise<void> {
    for (const client of this.server.clients) client.terminate();
    return new Promise((resolve) => this.server.close(() => resolve()));
  }
}

function echo(socket: WebSocket): void {
  socket.on('message', (data, isBinary) => {
    if (socket.readyState === socket.OPEN) socket.send(data as Buffer, { binary: isBinary });
  });
  socket.on('error', () => socket.terminate());
}
