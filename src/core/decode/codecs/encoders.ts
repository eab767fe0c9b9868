/**
 * The composer's JSON sent as MessagePack or CBOR, by the libraries' own encoders: integers as
 * integers (the smallest that holds them), other numbers as 64-bit floats, strings as strings (a
 * string of digits stays a string: "123" is text, 123 an integer), objects as maps, null as nil/null.
 * `encodeText` reads the composer's text, says where it is not JSON, and keeps integers past 2^53
 * exact (as BigInt: 64-bit integers in MessagePack, 64-bit or bignums in CBOR).
 */
import { encode as encodeMsgpackValue } from '@msgpack/msgpack';
import { Encoder as CborEncoder } from 'cbor-x';
import { parseTree, type Node } from 'jsonc-parser';
import { formatPath } from '../../jsonPath';
import { jsonError } from '../../wsfile/env';
import type { PayloadEncoder } from '../encoder';
import { setKey } from './common';

/** Deepest nesting encoded (@msgpack/msgpack's own limit is 100). */
const MAX_ENCODE_DEPTH = 100;
const INT64_MIN = -(2n ** 63n);
const UINT64_MAX = 2n ** 64n - 1n;

/** Throws a sentence naming the field when `json` cannot be encoded; `fits` says whether a BigInt fits. */
function check(json: unknown, codec: string, fits: (n: bigint) => boolean): void {
  const walk = (v: unknown, path: (string | number)[]): void => {
    if (path.length > MAX_ENCODE_DEPTH)
      throw new Error(
        `${formatPath(path)} is nested deeper than ${MAX_ENCODE_DEPTH} levels; ${codec} is encoded up to that depth.`,
      );
    if (typeof v === 'bigint') {
      if (!fits(v))
        throw new Error(
          `${formatPath(path)}: ${v} does not fit in ${codec}'s 64-bit integers; send it as a string ("${v}").`,
        );
    } else if (typeof v === 'number') {
      if (!Number.isFinite(v)) throw new Error(`${formatPath(path)}: ${v} is not a JSON number; send it as a string.`);
    } else if (Array.isArray(v)) v.forEach((x, i) => walk(x, [...path, i]));
    else if (v !== null && typeof v === 'object') for (const [k, x] of Object.entries(v)) walk(x, [...path, k]);
    else if (v !== null && typeof v !== 'string' && typeof v !== 'boolean')
      throw new Error(`${formatPath(path)}: a ${typeof v} is not JSON, so ${codec} cannot carry it.`);
  };
  walk(json, []);
}

export const msgpackEncoder: PayloadEncoder = {
  id: 'msgpack',
  label: 'MessagePack',
  encode(json) {
    check(json, 'MessagePack', (n) => n >= INT64_MIN && n <= UINT64_MAX);
    const bytes = encodeMsgpackValue(json, { useBigInt64: true });
    return Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  },
};

// Plain maps with the smallest length header; no records, no typed-array tags, floats as 64 bits.
const cbor = new CborEncoder({ useRecords: false, mapsAsObjects: true, variableMapSize: true, tagUint8Array: false });

export const cborEncoder: PayloadEncoder = {
  id: 'cbor',
  label: 'CBOR',
  encode(json) {
    // Any integer fits: past 64 bits it is a bignum (tags 2 and 3).
    check(json, 'CBOR', () => true);
    return Buffer.from(cbor.encode(json));
  },
};

export const PAYLOAD_ENCODERS: readonly PayloadEncoder[] = [msgpackEncoder, cborEncoder];

/**
 * The composer's text encoded by `encoder`: a sentence with the line and column when it is not JSON
 * (comments and trailing commas are not JSON either), or the encoder's own sentence.
 */
export function encodeText(encoder: PayloadEncoder, text: string): Buffer {
  const body = text.replace(/^\uFEFF/, '');
  try {
    JSON.parse(body);
  } catch (err) {
    const { line, col, what } = jsonError(body, (err as Error).message);
    throw new Error(`The message is not JSON at line ${line + 1}, column ${col + 1}: ${what}.`, { cause: err });
  }
  return encoder.encode(exactValue(parseTree(body, [], { disallowComments: true })!, body));
}

/** The value of a parsed tree, with integers past 2^53 as BigInt (JSON.parse would round them). */
function exactValue(node: Node, text: string): unknown {
  switch (node.type) {
    case 'object': {
      const obj: Record<string, unknown> = {};
      for (const p of node.children ?? [])
        setKey(obj, p.children![0].value as string, exactValue(p.children![1], text));
      return obj;
    }
    case 'array':
      return (node.children ?? []).map((c) => exactValue(c, text));
    case 'number': {
      const raw = text.slice(node.offset, node.offset + node.length);
      return /^-?\d+$/.test(raw) && !Number.isSafeInteger(node.value) ? BigInt(raw) : node.value;
    }
    default:
      return node.value;
  }
}
