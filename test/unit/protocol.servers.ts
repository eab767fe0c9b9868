import { execFileSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { createServer, type Server } from 'node:https';
import { createServer as createNetServer, type AddressInfo, type Socket } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { TLSSocket } from 'node:tls';
import { WebSocketServer } from 'ws';

// Servers and frame builders shared by the protocol*.test.ts files.

/**
 * A raw TCP server on 127.0.0.1 that answers each connection with `answer`; `close()` drops everyone.
 * With `allowHalfOpen`, a client's FIN does not end the server's side: the socket stays up until the test ends it.
 */
export async function startRawServer(
  answer: (socket: Socket, request: string) => void | Promise<void>,
  options: { allowHalfOpen?: boolean } = {},
): Promise<{ port: number; close(): Promise<void> }> {
  const sockets = new Set<Socket>();
  const server = createNetServer({ allowHalfOpen: options.allowHalfOpen ?? false }, (socket) => {
    sockets.add(socket);
    socket.on('close', () => sockets.delete(socket));
    socket.on('error', () => undefined);
    let head = '';
    const onData = (chunk: Buffer) => {
      head += chunk.toString('latin1');
      if (!head.includes('\r\n\r\n')) return;
      socket.removeListener('data', onData);
      // An answer that fails drops the client, which the test then sees as a close.
      Promise.resolve(answer(socket, head)).catch(() => socket.destroy());
    };
    socket.on('data', onData);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', () => resolve()));
  return {
    port: (server.address() as AddressInfo).port,
    close: () =>
      new Promise<void>((resolve) => {
        for (const s of sockets) s.destroy();
        server.close(() => resolve());
      }),
  };
}

/** The Sec-WebSocket-Key line of a raw request. */
export function keyOf(request: string): string {
  return /sec-websocket-key:\s*(\S+)/i.exec(request)?.[1] ?? '';
}

/** The Sec-WebSocket-Accept for a key (RFC 6455 §4.2.2). */
export function acceptFor(key: string): string {
  return createHash('sha1')
    .update(key + '258EAFA5-E914-47DA-95CA-C5AB0DC85B11')
    .digest('base64');
}

/** Completes the upgrade of a raw request (no extensions, no subprotocol). */
export function answerUpgrade(socket: Socket, request: string): void {
  socket.write(
    `HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\nConnection: Upgrade\r\nSec-WebSocket-Accept: ${acceptFor(keyOf(request))}\r\n\r\n`,
  );
}

/**
 * Completes the upgrade with extra header lines (e.g. `Sec-WebSocket-Extensions: permessage-deflate`);
 * `accept` replaces the correct Sec-WebSocket-Accept.
 */
export function answerUpgradeWith(
  socket: Socket,
  request: string,
  extraLines: string[],
  accept = acceptFor(keyOf(request)),
): void {
  const lines = [
    'HTTP/1.1 101 Switching Protocols',
    'Upgrade: websocket',
    'Connection: Upgrade',
    `Sec-WebSocket-Accept: ${accept}`,
    ...extraLines,
  ];
  socket.write(`${lines.join('\r\n')}\r\n\r\n`);
}

/** A frame the client sent, unmasked. */
export interface ClientFrame {
  fin: boolean;
  opcode: number;
  masked: boolean;
  payload: Buffer;
}

/**
 * Reads the frames a client sends on an upgraded raw socket (call it after the request head was read).
 * `frames` grows as they arrive; `closeCode()` is the code of the client's close frame, once one came.
 */
export function readClientFrames(socket: Socket): { frames: ClientFrame[]; closeCode(): number | undefined } {
  const frames: ClientFrame[] = [];
  let buffered: Buffer = Buffer.alloc(0);
  socket.on('data', (chunk: Buffer) => {
    buffered = buffered.length ? Buffer.concat([buffered, chunk]) : chunk;
    for (;;) {
      if (buffered.length < 2) return;
      const masked = (buffered[1] & 0x80) !== 0;
      let length = buffered[1] & 0x7f;
      let at = 2;
      if (length === 126) {
        if (buffered.length < 4) return;
        length = buffered.readUInt16BE(2);
        at = 4;
      } else if (length === 127) {
        if (buffered.length < 10) return;
        length = Number(buffered.readBigUInt64BE(2));
        at = 10;
      }
      const maskAt = at;
      if (masked) at += 4;
      if (buffered.length < at + length) return;
      const payload = Buffer.from(buffered.subarray(at, at + length));
      if (masked) for (let i = 0; i < payload.length; i++) payload[i] ^= buffered[maskAt + (i % 4)];
      frames.push({ fin: (buffered[0] & 0x80) !== 0, opcode: buffered[0] & 0x0f, masked, payload });
      buffered = buffered.subarray(at + length);
    }
  });
  return {
    frames,
    closeCode: () => {
      const close = frames.find((f) => f.opcode === 0x08);
      return close && close.payload.length >= 2 ? close.payload.readUInt16BE(0) : close ? 1005 : undefined;
    },
  };
}

/** One unmasked server frame built by hand: `first` is the whole first byte (FIN | RSV | opcode). */
export function serverFrame(first: number, payload: Buffer): Buffer {
  const n = payload.length;
  const header =
    n < 126 ? Buffer.from([first, n]) : n < 65536 ? Buffer.from([first, 126, n >> 8, n & 0xff]) : Buffer.alloc(10);
  if (n >= 65536) {
    header[0] = first;
    header[1] = 127;
    header.writeBigUInt64BE(BigInt(n), 2);
  }
  return Buffer.concat([header, payload]);
}

/** Certificates made for this run with the openssl command line (no npm package needed). */
export interface Pki {
  dir: string;
  caCert: string;
  /** Signed by the CA for 127.0.0.1 and localhost. */
  server: { key: string; cert: string };
  /** Signed by the CA for another name only. */
  otherHost: { key: string; cert: string };
  /** Signed by nobody. */
  selfSigned: { key: string; cert: string };
  /** A client certificate signed by the CA. */
  client: { key: string; cert: string };
}

export function hasOpenssl(): boolean {
  try {
    execFileSync('openssl', ['version'], { stdio: 'ignore' });
    return true;
  } catch {
    return false;
  }
}

export function makePki(): Pki {
  const dir = mkdtempSync(join(tmpdir(), 'wsi-tls-'));
  const ossl = (...args: string[]) => execFileSync('openssl', args, { cwd: dir, stdio: 'pipe' });
  const ec = ['-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:prime256v1', '-nodes'];
  ossl('req', '-x509', ...ec, '-keyout', 'ca.key', '-out', 'ca.crt', '-days', '2', '-subj', '/CN=WSI Test CA');
  const signed = (name: string, subject: string, ext: string) => {
    writeFileSync(join(dir, `${name}.ext`), ext);
    ossl('req', ...ec, '-keyout', `${name}.key`, '-out', `${name}.csr`, '-subj', subject);
    ossl(
      'x509',
      '-req',
      '-in',
      `${name}.csr`,
      '-CA',
      'ca.crt',
      '-CAkey',
      'ca.key',
      '-CAcreateserial',
      '-out',
      `${name}.crt`,
      '-days',
      '2',
      '-extfile',
      `${name}.ext`,
    );
    return { key: join(dir, `${name}.key`), cert: join(dir, `${name}.crt`) };
  };
  const server = signed('server', '/CN=localhost', 'subjectAltName=DNS:localhost,IP:127.0.0.1\n');
  const otherHost = signed('other', '/CN=other.test', 'subjectAltName=DNS:other.test\n');
  const client = signed('client', '/CN=wsi test client', 'extendedKeyUsage=clientAuth\n');
  ossl(
    'req',
    '-x509',
    ...ec,
    '-keyout',
    'self.key',
    '-out',
    'self.crt',
    '-days',
    '2',
    '-subj',
    '/CN=localhost',
    '-addext',
    'subjectAltName=IP:127.0.0.1',
  );
  return {
    dir,
    caCert: join(dir, 'ca.crt'),
    server,
    otherHost,
    client,
    selfSigned: { key: join(dir, 'self.key'), cert: join(dir, 'self.crt') },
  };
}

/** A wss:// echo server on 127.0.0.1 port 0 with these certificate files. */
export async function startWssServer(
  files: { key: string; cert: string },
  extra: { requestCert?: boolean; ca?: string } = {},
): Promise<{ url: string; server: Server; peers: string[]; close(): Promise<void> }> {
  const server = createServer({
    key: readFileSync(files.key),
    cert: readFileSync(files.cert),
    ...(extra.requestCert ? { requestCert: true, rejectUnauthorized: true, ca: readFileSync(extra.ca!) } : {}),
  });
  server.on('tlsClientError', () => undefined);
  const wss = new WebSocketServer({ server });
  const peers: string[] = [];
  wss.on('connection', (ws, req) => {
    const cert = (req.socket as TLSSocket).getPeerCertificate();
    if (cert?.subject) peers.push(String(cert.subject.CN));
    ws.on('message', (data, isBinary) => ws.send(data as Buffer, { binary: isBinary }));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', () => resolve()));
  const { port } = server.address() as AddressInfo;
  return {
    url: `wss://127.0.0.1:${port}/`,
    server,
    peers,
    close: () =>
      new Promise<void>((resolve) => {
        for (const c of wss.clients) c.terminate();
        wss.close();
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}
