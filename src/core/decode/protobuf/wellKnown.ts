/**
 * google.protobuf's well-known types as proto3's JSON mapping shows them: Timestamp as an RFC 3339
 * string ("2024-05-01T12:00:00.250Z"), Duration as "1.500s", the wrappers (Int64Value…) as their
 * bare value, Struct/Value/ListValue as the JSON they hold, FieldMask as "a.b,c". One that does not
 * fit (a Timestamp past year 9999, unknown fields inside) keeps its message form. `fromJsonForm`
 * is the way back, for the encoder: it accepts either form.
 */

const WRAPPERS: Record<string, unknown> = {
  DoubleValue: 0,
  FloatValue: 0,
  Int64Value: '0',
  UInt64Value: '0',
  Int32Value: 0,
  UInt32Value: 0,
  BoolValue: false,
  StringValue: '',
  BytesValue: '',
};

const SPECIAL = new Set([
  'Timestamp',
  'Duration',
  'Struct',
  'Value',
  'ListValue',
  'FieldMask',
  ...Object.keys(WRAPPERS),
]);

/** The short name of a well-known type with a JSON form ("Timestamp"), from a protobufjs full name. */
export function specialName(fullName: string): string | undefined {
  if (!fullName.startsWith('.google.protobuf.')) return undefined;
  const short = fullName.slice(17);
  return SPECIAL.has(short) ? short : undefined;
}

const MIN_SECONDS = -62135596800; // 0001-01-01T00:00:00Z
const MAX_SECONDS = 253402300799; // 9999-12-31T23:59:59Z
const MAX_DURATION = 315576000000;

/** The JSON form of decoded message `m` of well-known type `name`, or `m` itself when it has none. */
export function toJsonForm(name: string, m: Record<string, unknown>): unknown {
  if (m.$unknown !== undefined) return m;
  switch (name) {
    case 'Timestamp': {
      const s = Number(m.seconds ?? 0);
      const nanos = Number(m.nanos ?? 0);
      if (!(s >= MIN_SECONDS && s <= MAX_SECONDS) || !(nanos >= 0 && nanos <= 999_999_999)) return m;
      return `${new Date(s * 1000).toISOString().slice(0, 19)}${fraction(nanos)}Z`;
    }
    case 'Duration': {
      const s = Number(m.seconds ?? 0);
      const nanos = Number(m.nanos ?? 0);
      if (Math.abs(s) > MAX_DURATION || Math.abs(nanos) > 999_999_999 || (s > 0 && nanos < 0) || (s < 0 && nanos > 0)) {
        return m;
      }
      const negative = s < 0 || nanos < 0;
      return `${negative ? '-' : ''}${Math.abs(s)}${fraction(Math.abs(nanos))}s`;
    }
    case 'Struct':
      return m.fields ?? {};
    case 'ListValue':
      return m.values ?? [];
    case 'Value': {
      if ('null_value' in m) return null;
      for (const k of ['number_value', 'string_value', 'bool_value', 'struct_value', 'list_value'])
        if (k in m) return m[k];
      return null;
    }
    case 'FieldMask':
      return ((m.paths as string[] | undefined) ?? []).join(',');
    default:
      return 'value' in m ? m.value : WRAPPERS[name];
  }
}

/** Nanoseconds as proto3 JSON writes them: none, or 3, 6 or 9 digits. */
function fraction(nanos: number): string {
  if (nanos === 0) return '';
  const digits = String(nanos).padStart(9, '0');
  if (nanos % 1_000_000 === 0) return `.${digits.slice(0, 3)}`;
  if (nanos % 1000 === 0) return `.${digits.slice(0, 6)}`;
  return `.${digits}`;
}

/** A JSON form back to the message's fields (an object already in message form passes). Throws a sentence. */
export function fromJsonForm(name: string, json: unknown, where: () => string): unknown {
  const bad = (what: string) => new Error(`${where()} ${what}`);
  switch (name) {
    case 'Timestamp': {
      if (typeof json !== 'string') return json;
      const m = /^(\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d)(?:\.(\d{1,9}))?(Z|[+-]\d\d:\d\d)$/.exec(json);
      const ms = m ? Date.parse(`${m[1]}${m[3]}`) : NaN;
      if (!m || Number.isNaN(ms))
        throw bad(
          `must be an RFC 3339 time like "2024-05-01T12:00:00.250Z" (a google.protobuf.Timestamp); it is "${json}".`,
        );
      return { seconds: String(Math.floor(ms / 1000)), nanos: Number((m[2] ?? '').padEnd(9, '0')) };
    }
    case 'Duration': {
      if (typeof json !== 'string') return json;
      const m = /^(-)?(\d+)(?:\.(\d{1,9}))?s$/.exec(json);
      if (!m) throw bad(`must be a duration like "1.5s" (a google.protobuf.Duration); it is "${json}".`);
      const sign = m[1] ? -1 : 1;
      const nanos = Number((m[3] ?? '').padEnd(9, '0'));
      return { seconds: String(sign * Number(m[2])), nanos: nanos === 0 ? 0 : sign * nanos };
    }
    case 'Struct':
      if (!isObject(json)) throw bad('must be a JSON object (a google.protobuf.Struct).');
      return { fields: json };
    case 'ListValue':
      if (!Array.isArray(json)) throw bad('must be a JSON array (a google.protobuf.ListValue).');
      return { values: json };
    case 'Value':
      if (json === null) return { null_value: 'NULL_VALUE' };
      if (typeof json === 'number') return { number_value: json };
      if (typeof json === 'string') return { string_value: json };
      if (typeof json === 'boolean') return { bool_value: json };
      if (Array.isArray(json)) return { list_value: json };
      return { struct_value: json };
    case 'FieldMask':
      if (typeof json !== 'string') return json;
      return { paths: json === '' ? [] : json.split(',') };
    default:
      return isObject(json) ? json : { value: json };
  }
}

function isObject(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}
