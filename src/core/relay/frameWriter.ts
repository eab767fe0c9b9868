import { randomFillSync } from 'node:crypto';
import type { Socket } from 'node:net';
import type WebSocket from 'ws';

const CHUNK = 64 * 1024;

/**
 * Writes relayed data frames straight to a leg's socket, many to one write (the hot path of the
 * relay: `ws.send` costs a frame object and two buffers a message, and writev of thousands of them).
 * Only for a leg without permessage-deflate, where `ws`'s own sender never queues, so frames keep
 * their order with what `ws` writes (pings, pongs, close): `flush()` runs before each of those.
 * Frames toward a server are masked (RFC 6455 §5.3) with keys from the crypto pool, as `ws` does.
 */
export class FrameWriter {
  private chunks: Buffer[] = [];
  private chunk = Buffer.allocUnsafe(CHUNK);
  private used = 0;
  private scheduled = false;
  private pending = 0;
  private readonly masks = Buffer.allocUnsafe(4096);
  private maskAt = 4096;
  private readonly flushLater = () => this.flush();

  constructor(
    private readonly socket: Socket,
    private readonly mask: boolean,
  ) {}

  /** True when `ws` lets the relay write frames of its own on this leg. */
  static usable(ws: WebSocket): boolean {
    const raw = (ws as unknown as { _socket?: Socket })._socket;
    return !!raw && !/permessage-deflate/.test(ws.extensions);
  }

  static socketOf(ws: WebSocket): Socket {
    return (ws as unknown as { _socket: Socket })._socket;
  }

  /** Bytes framed but not yet handed to the socket. */
  get buffered(): number {
    return this.pending;
  }

  write(binary: boolean, payload: Buffer): void {
    const n = payload.length;
    const headerLength = (n < 126 ? 2 : n < 65536 ? 4 : 10) + (this.mask ? 4 : 0);
    const total = headerLength + n;
    if (total > CHUNK) {
      this.flush();
      const frame = Buffer.allocUnsafe(total);
      this.frame(frame, 0, binary, payload);
      this.socket.write(frame);
      return;
    }
    if (this.used + total > CHUNK) this.retire();
    this.frame(this.chunk, this.used, binary, payload);
    this.used += total;
    this.pending += total;
    if (!this.scheduled) {
      this.scheduled = true;
      process.nextTick(this.flushLater);
    }
  }

  /** Hands every framed byte to the socket. */
  flush(): void {
    this.scheduled = false;
    this.retire();
    const chunks = this.chunks;
    this.chunks = [];
    this.pending = 0;
    if (this.socket.destroyed) return;
    if (chunks.length === 1) this.socket.write(chunks[0]);
    else if (chunks.length) this.socket.write(Buffer.concat(chunks));
  }

  private retire(): void {
    if (this.used === 0) return;
    this.chunks.push(this.chunk.subarray(0, this.used));
    this.chunk = Buffer.allocUnsafe(CHUNK);
    this.used = 0;
  }

  private frame(out: Buffer, at: number, binary: boolean, payload: Buffer): void {
    const n = payload.length;
    out[at] = 0x80 | (binary ? 2 : 1);
    const maskBit = this.mask ? 0x80 : 0;
    let p = at + 2;
    if (n < 126) out[at + 1] = maskBit | n;
    else if (n < 65536) {
      out[at + 1] = maskBit | 126;
      out.writeUInt16BE(n, p);
      p += 2;
    } else {
      out[at + 1] = maskBit | 127;
      out.writeUInt32BE(Math.floor(n / 2 ** 32), p);
      out.writeUInt32BE(n >>> 0, p + 4);
      p += 8;
    }
    if (!this.mask) {
      payload.copy(out, p);
      return;
    }
    if (this.maskAt + 4 > this.masks.length) {
      randomFillSync(this.masks);
      this.maskAt = 0;
    }
    const m = this.maskAt;
    this.maskAt += 4;
    const k0 = this.masks[m];
    const k1 = this.masks[m + 1];
    const k2 = this.masks[m + 2];
    const k3 = this.masks[m + 3];
    out[p] = k0;
    out[p + 1] = k1;
    out[p + 2] = k2;
    out[p + 3] = k3;
    p += 4;
    const keys = [k0, k1, k2, k3];
    for (let i = 0; i < n; i++) out[p + i] = payload[i] ^ keys[i & 3];
  }
}
