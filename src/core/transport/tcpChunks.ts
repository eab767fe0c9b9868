import type { RawChunk } from '../framing';

export const DEFAULT_CHUNK_LOG_BYTES = 64 * 1024 * 1024;

/**
 * The raw chunks of a TCP/TLS connection, both directions in wire order, for `reframe`. Bounded
 * by bytes: past `capacity` the oldest chunks go (`dropped` counts them), so a long capture stays small.
 */
export class ChunkLog {
  private list: RawChunk[] = [];
  private head = 0;
  private bytes = 0;
  dropped = 0;

  constructor(readonly capacity: number) {}

  add(chunk: RawChunk): void {
    if (this.capacity <= 0) return;
    this.list.push(chunk);
    this.bytes += chunk.bytes.length;
    while (this.bytes > this.capacity && this.head < this.list.length) {
      this.bytes -= this.list[this.head++].bytes.length;
      this.dropped++;
    }
    // Compacts now and then, so the array does not grow with dropped slots.
    if (this.head > 1024 && this.head * 2 > this.list.length) {
      this.list = this.list.slice(this.head);
      this.head = 0;
    }
  }

  /** The chunks kept, oldest first. */
  all(): RawChunk[] {
    return this.list.slice(this.head);
  }

  get size(): number {
    return this.bytes;
  }
}
