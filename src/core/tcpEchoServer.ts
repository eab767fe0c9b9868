import { createServer, type AddressInfo, type Server, type Socket } from 'node:net';
import { createFramer, frameOutgoing, type Framing } from './framing';
import { DEFAULT_MAX_PAYLOAD } from './transport/wsOptions';

/** Options for the local TCP echo server. */
export interface TcpEchoServerOptions {
  /** 0 (the default) picks a free port. */
  port?: number;
  host?: string;
  /** `prefix`: 4-byte big-endian length-prefixed messages (the default); `line`: \n-terminated lines. */
  mode?: 'prefix' | 'line';
}

export const ECHO_PREFIX: Framing = { kind: 'prefix', bytes: 4, endian: 'be', includesPrefix: false, offset: 0 };
export const ECHO_LINE: Framing = { kind: 'delimiter', delimiter: Buffer.from('\n') };

/** A raw TCP server beside the WebSocket echo server: each framed message goes back framed the same way. */
export class TcpEchoServer {
  private readonly sockets = new Set<Socket>();

  private constructor(
    private readonly server: Server,
    readonly host: string,
    readonly port: number,
    readonly mode: 'prefix' | 'line',
  ) {
    server.on('connection', (socket) => this.echo(socket));
  }

  /** Starts listening; rejects with a sentence when the port is taken. */
  static start(options: TcpEchoServerOptions = {}): Promise<TcpEchoServer> {
    const host = options.host ?? '127.0.0.1';
    const mode = options.mode ?? 'prefix';
    return new Promise((resolve, reject) => {
      const server = createServer();
      server.once('error', (err: NodeJS.ErrnoException) => {
        server.close();
        reject(
          new Error(
            err.code === 'EADDRINUSE'
              ? `Port ${options.port} on ${host} is already in use. Choose another port for the TCP echo server, or 0 for a free one.`
              : `The TCP echo server could not start: ${err.message}`,
          ),
        );
      });
      server.listen(options.port ?? 0, host, () => {
        const { port } = server.address() as AddressInfo;
        resolve(new TcpEchoServer(server, host, port, mode));
      });
    });
  }

  get url(): string {
    return `tcp://${this.host}:${this.port}`;
  }

  /** The framing a client needs: prefix=4be or lf. */
  get framing(): Framing {
    return this.mode === 'prefix' ? ECHO_PREFIX : ECHO_LINE;
  }

  get clientCount(): number {
    return this.sockets.size;
  }

  /** Drops every client and stops listening. */
  close(): Promise<void> {
    for (const s of this.sockets) s.destroy();
    return new Promise((resolve) => this.server.close(() => resolve()));
  }

  private echo(socket: Socket): void {
    this.sockets.add(socket);
    socket.setNoDelay(true);
    const framing = this.framing;
    const framer = createFramer(framing, DEFAULT_MAX_PAYLOAD, {
      message: (payload) => {
        if (!socket.writableEnded) socket.write(frameOutgoing(framing, payload));
      },
      fatal: () => socket.destroy(),
    });
    socket.on('data', (chunk: Buffer) => framer.push(chunk));
    socket.on('end', () => socket.end());
    socket.on('error', () => socket.destroy());
    socket.on('close', () => this.sockets.delete(socket));
  }
}
