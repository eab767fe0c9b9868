import { isUtf8 } from 'node:buffer';

/**
 * A recording's JSON lines packed into large buffers as they come, so recording a message makes no
 * string of its own and little for the garbage collector: a text message's UTF-8 bytes are copied
 * (escaped where JSON needs it) straight between its line's head and tail.
 */
export class LineBatch {
  private out: Buffer;
  private used = 0;
  private sealed: Buffer[] = [];
  private sealedBytes = 0;

  constructor(private readonly size: number) {
    this.out = Buffer.allocUnsafe(size);
  }

  /** Bytes held. */
  get bytes(): number {
    return this.sealedBytes + this.used;
  }

  /** A line of JSON text; the newline is added. */
  line(text: string): void {
    this.ensure(text.length * 3 + 1);
    this.used += this.out.write(text, this.used, 'utf8');
    this.out[this.used++] = 0x0a;
  }

  /**
   * A text message's line, as JSON.stringify writes the event `{type, t, dir, kind: 'text', text}`:
   * the payload's bytes copied as the string's content, escaped as JSON.stringify escapes them, in
   * one pass. False, and nothing added, when the bytes are not UTF-8 (or `t` is not a whole
   * number): the caller makes the string then.
   */
  textMessage(t: number, dir: 'sent' | 'received', payload: Buffer): boolean {
    if (!Number.isSafeInteger(t)) return false;
    const middle = dir === 'sent' ? SENT_TEXT : RECEIVED_TEXT;
    // Room for the worst case (every byte a \u00xx escape); a safe integer has at most 16 digits and a sign.
    this.ensure(HEAD.length + 17 + middle.length + payload.length * 6 + 3);
    const out = this.out;
    const start = this.used;
    // TypedArray.set: Buffer.copy makes a view of its own for every small copy.
    out.set(HEAD, start);
    let at = writeInteger(out, start + HEAD.length, t);
    out.set(middle, at);
    at += middle.length;
    const written = writeEscaped(out, at, payload);
    if (written < 0) return false;
    at = written;
    out[at++] = 0x22;
    out[at++] = 0x7d;
    out[at++] = 0x0a;
    this.used = at;
    return true;
  }

  /** Everything so far, as buffers to write in order; the batch starts empty. */
  take(): Buffer[] {
    if (this.used > 0) {
      // A small tail is copied and the buffer reused; a full one is handed over whole.
      if (this.used < this.size / 4) this.sealed.push(Buffer.from(this.out.subarray(0, this.used)));
      else {
        this.sealed.push(this.out.subarray(0, this.used));
        this.out = Buffer.allocUnsafe(this.size);
      }
      this.sealedBytes += this.used;
      this.used = 0;
    }
    const out = this.sealed;
    this.sealed = [];
    this.sealedBytes = 0;
    return out;
  }

  private ensure(n: number): void {
    if (this.used + n <= this.out.length) return;
    if (this.used > 0) {
      this.sealed.push(this.out.subarray(0, this.used));
      this.sealedBytes += this.used;
      this.used = 0;
    }
    this.out = Buffer.allocUnsafe(Math.max(this.size, n));
  }
}

const HEAD = Buffer.from('{"type":"message","t":', 'latin1');
const SENT_TEXT = Buffer.from(',"dir":"sent","kind":"text","text":"', 'latin1');
const RECEIVED_TEXT = Buffer.from(',"dir":"received","kind":"text","text":"', 'latin1');

/** Writes the decimal digits of a safe integer at `at`; the offset after them. */
function writeInteger(out: Buffer, at: number, n: number): number {
  if (n < 0) {
    out[at++] = 0x2d;
    n = -n;
  }
  const start = at;
  do {
    out[at++] = 0x30 + (n % 10);
    n = Math.floor(n / 10);
  } while (n > 0);
  out.subarray(start, at).reverse();
  return at;
}

/** JSON.stringify's two-character escapes of control characters (\b \t \n \f \r, by their letter); the others are \u00xx. */
const SHORT = new Uint8Array(32);
SHORT[0x08] = 0x62;
SHORT[0x09] = 0x74;
SHORT[0x0a] = 0x6e;
SHORT[0x0c] = 0x66;
SHORT[0x0d] = 0x72;
/** Bytes escaping adds, per byte value: 1 for `"`, `\` and the short escapes, 5 for \u00xx. */
const EXTRA = new Uint8Array(256);
for (let b = 0; b < 0x20; b++) EXTRA[b] = SHORT[b] ? 1 : 5;
EXTRA[0x22] = 1;
EXTRA[0x5c] = 1;
const HEX = Buffer.from('0123456789abcdef', 'latin1');

/** Writes `bytes` escaped for a JSON string at `at`: the offset after them, or -1 when they are not UTF-8. */
function writeEscaped(out: Buffer, at: number, bytes: Buffer): number {
  let high = 0;
  for (let i = 0; i < bytes.length; i++) {
    const b = bytes[i];
    const e = EXTRA[b];
    high |= b;
    if (e === 0) out[at++] = b;
    else if (e === 1) {
      out[at++] = 0x5c;
      out[at++] = b < 0x20 ? SHORT[b] : b;
    } else {
      out[at++] = 0x5c;
      out[at++] = 0x75;
      out[at++] = 0x30;
      out[at++] = 0x30;
      out[at++] = HEX[b >> 4];
      out[at++] = HEX[b & 15];
    }
  }
  return high >= 0x80 && !isUtf8(bytes) ? -1 : at;
}
