import type { RowReader, StoredMessage } from '../../decode';
import type { EarlyMessage } from '../protocol';
import { PACKET_TYPES } from './packets';

/**
 * MQTT over WebSocket does not align packets with frames ("The receiver MUST NOT assume that MQTT
 * Control Packets are aligned on WebSocket frame boundaries", MQTT 3.1.1 §6 and 5.0 §6): aedes
 * over `ws`' createWebSocketStream writes a packet's header and payload as frames of their own.
 * For the view, each frame's packets are read with the bytes an earlier frame of the same
 * direction left unfinished; those carries are remembered per row, so a window or a filter going
 * forward reads each frame once. Only the framing (type byte, remaining length) is walked here.
 */

/** Rows looked back, at most, for the frame before one. */
const BACK_ROWS = 2000;
/** A packet longer than this is not assembled (its frames stay pieces with a note). */
export const MAX_ASSEMBLED = 16 * 1024 * 1024;
/** Carries remembered (least recently made dropped first). */
const REMEMBERED = 4096;

/** Bytes of a packet begun in earlier frames and not finished yet, and the row where it began. */
export interface Carry {
  bytes: Buffer;
  from: number;
}

export const NO_CARRY: Carry = { bytes: Buffer.alloc(0), from: -1 };

export class FrameCarry {
  private readonly after = new Map<number, Carry>();

  /** The store changed under the rows (cleared, replaced): forget every carry. */
  reset(): void {
    this.after.clear();
  }

  /** What the frames before `m` in its direction left unfinished. */
  before(m: StoredMessage, rows: RowReader): Carry {
    const chain: StoredMessage[] = [];
    let carry = NO_CARRY;
    for (let i = m.index - 1, looked = 0; i >= 0 && looked < BACK_ROWS; i--, looked++) {
      const r = rows(i);
      // Notes and events are no messages; the walk is bounded by BACK_ROWS.
      if (!r || r.direction !== m.direction || r.kind !== 'binary') continue;
      const known = this.after.get(i);
      if (known) {
        carry = known;
        break;
      }
      chain.push(r);
    }
    for (let k = chain.length - 1; k >= 0; k--) carry = this.remember(chain[k], carry);
    return carry;
  }

  /** What `m` leaves unfinished, given what came before it; remembered for the frame after it. */
  remember(m: StoredMessage, before: Carry): Carry {
    const c = leftover(before, m);
    this.after.set(m.index, c);
    if (this.after.size > REMEMBERED) this.after.delete(this.after.keys().next().value as number);
    return c;
  }
}

/** The carry before `m` joined to its payload: the bytes its packets are read from. */
export function joined(carry: Carry, m: StoredMessage): Buffer {
  return carry.bytes.length ? Buffer.concat([carry.bytes, m.payload]) : m.payload;
}

/** The unfinished packet at the end of `before` + `m`'s payload, or none (also when the bytes are not MQTT). */
function leftover(before: Carry, m: StoredMessage): Carry {
  const b = joined(before, m);
  let offset = 0;
  while (offset < b.length) {
    if (!PACKET_TYPES[b[offset] >> 4]) return NO_CARRY;
    let length = 0;
    let at = offset + 1;
    for (let i = 0; ; i++) {
      if (i === 4) return NO_CARRY;
      if (at >= b.length) return cut(before, m, b, offset);
      length += (b[at] & 0x7f) * 128 ** i;
      if ((b[at++] & 0x80) === 0) break;
    }
    if (at + length > b.length) return at + length - offset > MAX_ASSEMBLED ? NO_CARRY : cut(before, m, b, offset);
    offset = at + length;
  }
  return NO_CARRY;
}

function cut(before: Carry, m: StoredMessage, b: Buffer, offset: number): Carry {
  // A copy: the carry must not keep the store's chunk (or a joined buffer) alive.
  return { bytes: Buffer.from(b.subarray(offset)), from: offset < before.bytes.length ? before.from : m.index };
}

/**
 * One direction's frames as MQTT packets, for replay and compare (which count and compare the
 * protocol's messages, not how a broker cut them into frames): fed frames in order, it gives
 * back each packet once complete; `undefined` at the end gives what is left unfinished. Bytes that
 * are not MQTT (an unknown type, a length past 4 bytes or MAX_ASSEMBLED) go out as they are, and
 * text frames pass through: nothing is dropped.
 */
export function packetSplitter(): (frame: EarlyMessage | undefined) => EarlyMessage[] {
  let rest = Buffer.alloc(0);
  let direction: EarlyMessage['direction'] = 'received';
  return (frame) => {
    const out: EarlyMessage[] = [];
    const unit = (payload: Buffer) => out.push({ direction, kind: 'binary', payload: Buffer.from(payload) });
    if (!frame || frame.kind !== 'binary') {
      if (rest.length) unit(rest);
      rest = Buffer.alloc(0);
      if (frame) out.push(frame);
      return out;
    }
    direction = frame.direction;
    const b = rest.length ? Buffer.concat([rest, frame.payload]) : frame.payload;
    let offset = 0;
    while (offset < b.length) {
      const size = packetSize(b, offset);
      if (size === 'short') break;
      const end = size === 'bad' ? b.length : offset + size;
      unit(b.subarray(offset, end));
      offset = end;
    }
    rest = Buffer.from(b.subarray(offset));
    return out;
  };
}

/** The whole size of the packet at `offset`, 'short' when more bytes are needed, 'bad' when it is not MQTT. */
function packetSize(b: Buffer, offset: number): number | 'short' | 'bad' {
  if (!PACKET_TYPES[b[offset] >> 4]) return 'bad';
  let length = 0;
  let at = offset + 1;
  for (let i = 0; ; i++) {
    if (i === 4) return 'bad';
    if (at >= b.length) return 'short';
    length += (b[at] & 0x7f) * 128 ** i;
    if ((b[at++] & 0x80) === 0) break;
  }
  if (at + length - offset > MAX_ASSEMBLED) return 'bad';
  return at + length > b.length ? 'short' : at + length - offset;
}
