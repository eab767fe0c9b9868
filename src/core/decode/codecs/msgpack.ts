/**
 * MessagePack (https://github.com/msgpack/msgpack/blob/master/spec.md) read straight into a
 * JSON-compatible value, in one pass, with the byte offset of whatever fails:
 * - nil → null; integers → numbers, past 2^53 (64-bit) exact decimal strings; NaN/±Infinity → "NaN"/"Infinity";
 * - str → string; bin → base64 string;
 * - map → object; a key that is not a string becomes its JSON text (`1` → "1", `[1,2]` → "[1,2]"), the later of equal keys wins;
 * - the timestamp extension (type -1; 4, 8 or 12 bytes) → an ISO-8601 string, with 3, 6 or 9 fraction
 *   digits when it has any ("2024-05-01T12:00:00.123456789Z"); one outside Date's range →
 *   `{ "$ext": -1, "seconds": <integer, a decimal string past 2^53>, "nanoseconds": n }`;
 * - any other extension → `{ "$ext": <type>, "data": "<base64>" }`.
 * Declared lengths are checked against the bytes that remain before anything is allocated; nesting
 * stops at MAX_DEPTH. The whole payload must be one value: bytes after it are a problem.
 *
 * Detection ('auto'): a binary frame whose first byte opens a map or an array (fixmap, fixarray,
 * map16/32, array16/32); a bare scalar is decoded only when MessagePack is chosen (every byte below
 * 0x80 is a MessagePack integer, so any text would pass). Bytes 0x80–0x9f also open CBOR arrays:
 * a map with only string keys that reads to the end is MessagePack; otherwise CBOR takes the payload
 * when it reads to the end as CBOR; otherwise MessagePack when it reads to the end. A broken payload
 * shows its problem under 'auto' only when it is surely MessagePack (a map whose first pair reads
 * whole with a name for a key, `isName` in common.ts, and not whole CBOR); otherwise the next decoder gets it.
 */
import type { DecodedMessage, MessageDecoder } from '../decoder';
import { cborReadsWhole } from './cbor';
import { summarize } from './common';
import { readMsgpack, type MsgpackRead } from './msgpackRead';
import { msgpackQuickField } from './msgpackQuick';

export { MAX_DEPTH, readMsgpack, type MsgpackRead } from './msgpackRead';

/** First bytes 'auto' tries: a map or an array. */
export function opensMsgpackContainer(c: number): boolean {
  return (c >= 0x80 && c <= 0x9f) || (c >= 0xdc && c <= 0xdf);
}

function view(r: MsgpackRead): DecodedMessage {
  return {
    decoder: 'msgpack',
    label: 'MessagePack',
    value: r.value,
    summary: summarize(r.value),
    ...(r.problem ? { problem: r.problem } : {}),
  };
}

/** The view of `payload`; under 'auto' (`trial`) undefined unless it is MessagePack by the rule above. */
export function decodeMsgpack(payload: Buffer, trial = false): DecodedMessage | undefined {
  const r = readMsgpack(payload);
  if (!trial || r.stringKeyedMap) return view(r);
  // Bytes 0x80–0x9f open CBOR arrays too: whole CBOR wins over anything but a string-keyed map.
  if (payload[0] <= 0x9f && cborReadsWhole(payload)) return undefined;
  return !r.problem || r.surely ? view(r) : undefined;
}

export const msgpackDecoder: MessageDecoder = {
  id: 'msgpack',
  label: 'MessagePack',
  sniff: (m) => m.kind === 'binary' && m.payload.length > 0 && opensMsgpackContainer(m.payload[0]),
  decode: (m, context) => decodeMsgpack(m.payload, context?.trial),
  quickField: msgpackQuickField,
};
