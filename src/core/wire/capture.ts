import type { Socket } from 'node:net';
import type { RawChunk } from '../framing';

/** Bytes a capture keeps by default, both directions together. */
export const DEFAULT_WIRE_CAPTURE_BYTES = 8 * 1024 * 1024;

/**
 * The TCP byte stream of one WebSocket connection, both directions in wire order: the HTTP
 * upgrade, then every frame as written and read (cleartext, under TLS). Off unless asked for
 * (`wireCapture` in the options). Bounded: it keeps the first `capacity` bytes and then only
 * counts (`truncated`), because a parser needs the stream from its start to find frame borders.
 */
export class WireCapture {
  private list: RawChunk[] = [];
  private kept = 0;
  /** Bytes seen past the capacity, which were not kept. */
  skipped = 0;

  constructor(readonly capacity = DEFAULT_WIRE_CAPTURE_BYTES) {}

  get chunks(): readonly RawChunk[] {
    return this.list;
  }
  get size(): number {
    return this.kept;
  }
  get truncated(): boolean {
    return this.skipped > 0;
  }

  /** Forgets what was kept (each connection attempt starts a new stream). */
  reset(): void {
    this.list = [];
    this.kept = 0;
    this.skipped = 0;
  }

  add(direction: RawChunk['direction'], bytes: Buffer): void {
    if (bytes.length === 0) return;
    const room = this.capacity - this.kept;
    if (room <= 0 || this.skipped > 0) {
      this.skipped += bytes.length;
      return;
    }
    // Copied: the socket may reuse nothing, but callers may; a capture must stay as it was.
    const keep = bytes.length <= room ? bytes : bytes.subarray(0, room);
    this.list.push({ time: Date.now(), direction, bytes: Buffer.from(keep) });
    this.kept += keep.length;
    if (keep.length < bytes.length) this.skipped += bytes.length - keep.length;
  }

  /**
   * Watches a client socket from before its HTTP request is written: a `data` listener placed first
   * for what arrives, a wrapper around `write` for what goes out. The bytes after the response's
   * header in its chunk are not kept there: `ws` puts them back on the socket (`unshift`) and they
   * arrive again. Returns a function that stops watching.
   */
  tap(socket: Socket): () => void {
    let inHeaders = true;
    let headerTail = '';
    const onData = (chunk: Buffer) => {
      if (!inHeaders) return this.add('received', chunk);
      const text = headerTail + chunk.toString('latin1');
      const end = text.indexOf('\r\n\r\n');
      if (end < 0) {
        headerTail = text.slice(-3);
        return this.add('received', chunk);
      }
      inHeaders = false;
      const inChunk = end + 4 - headerTail.length;
      this.add('received', chunk.subarray(0, inChunk));
    };
    socket.prependListener('data', onData);
    // eslint-disable-next-line @typescript-eslint/no-this-alias -- the write wrapper has the socket as `this`
    const capture = this;
    // eslint-disable-next-line @typescript-eslint/unbound-method -- called below with the socket as `this`, and put back
    const write = socket.write;
    socket.write = function tappedWrite(this: Socket, chunk: unknown, ...rest: unknown[]) {
      if (chunk instanceof Uint8Array)
        capture.add('sent', Buffer.from(chunk.buffer, chunk.byteOffset, chunk.byteLength));
      else if (typeof chunk === 'string')
        capture.add('sent', Buffer.from(chunk, typeof rest[0] === 'string' ? (rest[0] as BufferEncoding) : 'utf8'));
      return Reflect.apply(write, this, [chunk, ...rest]) as boolean;
    };
    return () => {
      socket.removeListener('data', onData);
      socket.write = write;
    };
  }
}
