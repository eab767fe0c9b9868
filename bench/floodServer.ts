/**
 * A WebSocket server that is never the bottleneck: it does the HTTP upgrade itself on a raw
 * `net` server and writes pre-built, unmasked frames straight to the socket in large writes.
 * Every connection gets the same flood: `count` messages of `size` bytes, numbered from 0,
 * then a normal close. Run it in a child process (`bench.js serve …`) so it has its own event loop.
 */
import { createHash } from 'node:crypto';
import { createServer, type AddressInfo, type Server, type Socket } from 'node:net';
import { once } from 'node:events';
import { MessageTemplate } from './messages';

export interface FloodOptions {
  /** Payload bytes per message. */
  size: number;
  /** Messages per connection. */
  count: number;
  /** Messages a second; 0 means as fast as the socket takes them. */
  rate: number;
  binary: boolean;
  /** Speak Socket.IO's part: an Engine.IO open packet and a namespace CONNECT first, then `42["tick",{…}]` events. */
  socketIo?: boolean;
}

const GUID = '258EAFA5-E914-47DA-95CA-C5AB0DC85B11';
/** Roughly how many bytes each socket write carries. */
const WRITE_BYTES = 1 << 20;
/** A close frame with status 1000, unmasked as a server sends it. */
const CLOSE_FRAME = Buffer.from([0x88, 0x02, 0x03, 0xe8]);

export interface FloodServer {
  port: number;
  close(): Promise<void>;
}

/** Starts the server on 127.0.0.1, port 0. */
export async function startFloodServer(options: FloodOptions): Promise<FloodServer> {
  const sockets = new Set<Socket>();
  const server: Server = createServer((socket) => {
    sockets.add(socket);
    socket.on('close', () => sockets.delete(socket));
    socket.on('error', () => undefined);
    socket.setNoDelay(true);
    serve(socket, options).catch(() => socket.destroy());
  });
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  return {
    port: (server.address() as AddressInfo).port,
    close: async () => {
      for (const s of sockets) s.destroy();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}

async function serve(socket: Socket, options: FloodOptions): Promise<void> {
  const key = await readUpgradeKey(socket);
  const accept = createHash('sha1')
    .update(key + GUID)
    .digest('base64');
  socket.write(
    `HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\nConnection: Upgrade\r\nSec-WebSocket-Accept: ${accept}\r\n\r\n`,
  );
  // Whatever the client sends after its close reply ends the conversation.
  let closing = false;
  socket.on('data', () => {
    if (closing) socket.end();
  });

  const template = new MessageTemplate(options.size, options.binary, options.socketIo);
  if (options.socketIo) {
    // A ping interval longer than any flood: the client's pongs are not what is measured.
    for (const text of [
      '0{"sid":"bench","upgrades":[],"pingInterval":600000,"pingTimeout":600000,"maxPayload":1000000}',
      '40{"sid":"bench-ns"}',
    ]) {
      const bytes = Buffer.from(text);
      socket.write(Buffer.concat([frameHeader(bytes.length, false), bytes]));
    }
  }
  const header = frameHeader(options.size, options.binary);
  const frameSize = header.length + options.size;
  const perWrite = Math.max(1, Math.floor(WRITE_BYTES / frameSize));
  // Two blocks, filled alternately: a block is reused only after its write has drained.
  const blocks = [buildBlock(header, template, perWrite), buildBlock(header, template, perWrite)];
  const started = Date.now();
  let seq = 0;
  let turn = 0;
  while (seq < options.count && !socket.destroyed) {
    let n = Math.min(perWrite, options.count - seq);
    if (options.rate > 0) {
      const due = Math.floor(((Date.now() - started) / 1000) * options.rate) - seq;
      if (due <= 0) {
        await new Promise((r) => setTimeout(r, 5));
        continue;
      }
      n = Math.min(n, due);
    }
    const block = blocks[turn];
    turn ^= 1;
    for (let i = 0; i < n; i++) template.stamp(seq + i, block, i * frameSize + header.length);
    seq += n;
    // Copy-free write of a view; wait for the drain so the block is free to refill.
    if (!socket.write(block.subarray(0, n * frameSize))) await once(socket, 'drain');
    else await new Promise<void>((r) => setImmediate(r));
  }
  closing = true;
  socket.write(CLOSE_FRAME);
  setTimeout(() => socket.destroy(), 10_000).unref();
}

function buildBlock(header: Buffer, template: MessageTemplate, count: number): Buffer {
  const frameSize = header.length + template.size;
  const block = Buffer.allocUnsafe(frameSize * count);
  for (let i = 0; i < count; i++) {
    header.copy(block, i * frameSize);
    template.write(0, block, i * frameSize + header.length);
  }
  return block;
}

/** FIN + opcode and the length, no mask: a server frame. */
export function frameHeader(size: number, binary: boolean): Buffer {
  const opcode = 0x80 | (binary ? 0x02 : 0x01);
  if (size < 126) return Buffer.from([opcode, size]);
  if (size < 65536) return Buffer.from([opcode, 126, size >> 8, size & 0xff]);
  const h = Buffer.alloc(10);
  h[0] = opcode;
  h[1] = 127;
  h.writeBigUInt64BE(BigInt(size), 2);
  return h;
}

function readUpgradeKey(socket: Socket): Promise<string> {
  return new Promise((resolve, reject) => {
    let head = '';
    const onData = (chunk: Buffer) => {
      head += chunk.toString('latin1');
      const end = head.indexOf('\r\n\r\n');
      if (end < 0) {
        if (head.length > 16384) reject(new Error('Upgrade request too large'));
        return;
      }
      socket.off('data', onData);
      const key = /^sec-websocket-key:\s*(\S+)/im.exec(head.slice(0, end));
      if (!key) {
        socket.end('HTTP/1.1 400 Bad Request\r\n\r\n');
        reject(new Error('No Sec-WebSocket-Key'));
        return;
      }
      resolve(key[1]);
    };
    socket.on('data', onData);
  });
}

/** `bench.js serve --size 100 --count 1000000 [--rate N] [--binary]`: prints `{"port":…}` and serves until killed. */
export async function serveFromCommandLine(args: string[]): Promise<void> {
  const value = (name: string, fallback: number) => {
    const i = args.indexOf(name);
    return i >= 0 ? Number(args[i + 1]) : fallback;
  };
  const server = await startFloodServer({
    size: value('--size', 100),
    count: value('--count', 100_000),
    rate: value('--rate', 0),
    binary: args.includes('--binary'),
    socketIo: args.includes('--socket-io'),
  });
  process.stdout.write(JSON.stringify({ port: server.port }) + '\n');
  process.stdin.resume();
  process.stdin.on('end', () => void server.close().then(() => process.exit(0)));
}
