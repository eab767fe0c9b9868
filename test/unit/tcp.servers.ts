import { createServer, type AddressInfo, type Server, type Socket } from 'node:net';
import { createServer as createTlsServer } from 'node:tls';
import { readFileSync } from 'node:fs';

/** A listening raw server on 127.0.0.1 port 0, and a close that drops its clients. */
export interface RawServer {
  port: number;
  url: string;
  sockets: Set<Socket>;
  close(): Promise<void>;
}

async function listen(server: Server, scheme: 'tcp' | 'tls'): Promise<RawServer> {
  const sockets = new Set<Socket>();
  server.on(scheme === 'tls' ? 'secureConnection' : 'connection', (s: Socket) => {
    sockets.add(s);
    s.on('close', () => sockets.delete(s));
    s.on('error', () => undefined);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', () => resolve()));
  const { port } = server.address() as AddressInfo;
  return {
    port,
    url: `${scheme}://127.0.0.1:${port}`,
    sockets,
    close: () =>
      new Promise<void>((resolve) => {
        for (const s of sockets) s.destroy();
        server.close(() => resolve());
      }),
  };
}

/** A plain TCP server; `onSocket` gets each client. */
export function startTcpServer(onSocket: (s: Socket) => void): Promise<RawServer> {
  const server = createServer(onSocket);
  return listen(server, 'tcp');
}

/** A TLS server with the given key and certificate files. */
export function startTlsServer(
  files: { key: string; cert: string },
  onSocket: (s: Socket) => void,
): Promise<RawServer> {
  const server = createTlsServer({ key: readFileSync(files.key), cert: readFileSync(files.cert) }, onSocket);
  server.on('tlsClientError', () => undefined);
  return listen(server, 'tls');
}

/** A Redis-like line protocol: `PING` → `+PONG`, `ECHO x` → `$n\r\nx`, `SET`/`QUIT` → `+OK`, else `-ERR`. */
export function redisLike(socket: Socket): void {
  let buffered = '';
  socket.on('data', (chunk: Buffer) => {
    buffered += chunk.toString('utf8');
    let at: number;
    while ((at = buffered.indexOf('\r\n')) >= 0) {
      const line = buffered.slice(0, at);
      buffered = buffered.slice(at + 2);
      const [command, ...rest] = line.split(' ');
      const arg = rest.join(' ');
      switch (command.toUpperCase()) {
        case 'PING':
          socket.write('+PONG\r\n');
          break;
        case 'ECHO':
          socket.write(`$${Buffer.byteLength(arg)}\r\n${arg}\r\n`);
          break;
        case 'SET':
          socket.write('+OK\r\n');
          break;
        case 'QUIT':
          socket.end('+OK\r\n');
          break;
        default:
          socket.write(`-ERR unknown command '${command}'\r\n`);
      }
    }
  });
  socket.on('end', () => socket.end());
}
