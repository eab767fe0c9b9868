import { DECODE_FULLY } from '../../decode';

const QUOTE = 0x22;
const BACKSLASH = 0x5c;

/**
 * Socket.IO's `event`, `namespace` and `ackId` read straight from an Engine.IO message's bytes
 * (`42/chat,7["name",…]`), for filters over many rows. Anything unusual (an escape in the name, a
 * binary frame, a packet cut short) is left to the full decode.
 */
export function socketIoQuickField(
  field: string,
  kind: 'text' | 'binary',
  b: Buffer,
  start: number,
  end: number,
): unknown {
  if (field !== 'event' && field !== 'namespace' && field !== 'ackId') return DECODE_FULLY;
  if (kind !== 'text') return DECODE_FULLY;
  // Not an Engine.IO message ("4"): an open packet, a ping…: none of these fields.
  if (end - start < 2 || b[start] !== 0x34) return b[start] >= 0x30 && b[start] <= 0x36 ? undefined : DECODE_FULLY;
  const type = b[start + 1] - 0x30;
  if (type < 0 || type > 6) return DECODE_FULLY;
  let i = start + 2;
  if (type === 5 || type === 6) {
    // Binary packets: the attachment count and "-".
    while (i < end && b[i] >= 0x30 && b[i] <= 0x39) i++;
    if (b[i] !== 0x2d) return DECODE_FULLY;
    i++;
  }
  let namespace = '/';
  if (b[i] === 0x2f) {
    const comma = b.indexOf(0x2c, i);
    const stop = comma < 0 || comma >= end ? end : comma;
    if (comma < 0 || comma >= end) {
      // A namespace and nothing else (a CONNECT or DISCONNECT of it).
      namespace = b.toString('utf8', i, stop);
      i = end;
    } else {
      namespace = b.toString('utf8', i, comma);
      i = comma + 1;
    }
  }
  if (field === 'namespace') return namespace;
  const idStart = i;
  while (i < end && b[i] >= 0x30 && b[i] <= 0x39) i++;
  if (field === 'ackId') {
    if (i === idStart) return undefined;
    if (i - idStart > 15) return DECODE_FULLY;
    return Number(b.toString('latin1', idStart, i));
  }
  // The event: packets other than EVENT and BINARY_EVENT have none.
  if (type !== 2 && type !== 5) return undefined;
  if (b[i] !== 0x5b) return DECODE_FULLY;
  i++;
  while (i < end && (b[i] === 0x20 || b[i] === 0x0a || b[i] === 0x0d || b[i] === 0x09)) i++;
  if (b[i] !== QUOTE) return DECODE_FULLY;
  const nameStart = i + 1;
  let ascii = true;
  for (let j = nameStart; j < end; j++) {
    const c = b[j];
    if (c === BACKSLASH) return DECODE_FULLY;
    if (c === QUOTE) return b.toString(ascii ? 'latin1' : 'utf8', nameStart, j);
    if (c >= 0x80) ascii = false;
  }
  return DECODE_FULLY;
}
