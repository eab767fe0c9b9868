/**
 * The message-decoder seam: a decoder (a protocol over WebSocket, or a payload codec) turns one
 * stored message into a structured view. Views are made lazily, when something asks (a visible row,
 * the detail pane, the filter, a comparison), and cached; the ingest path never decodes.
 */

/** A message as the store keeps it. */
export interface StoredMessage {
  /** Position in the store: the cache key. */
  index: number;
  direction: 'sent' | 'received';
  kind: 'text' | 'binary';
  payload: Buffer;
}

/** What a decoder made of a message. */
export interface DecodedMessage {
  /** The decoder's id ("json", "utf8", later "socket.io", "msgpack", …). */
  decoder: string;
  /** What the message is, for a person: "JSON", "UTF-8 text in a binary frame", "Socket.IO event". */
  label: string;
  /** A JSON-compatible structure (integers past 2^53 as strings): the detail tree, filter fields and comparisons read it. */
  value: unknown;
  /** One line for the message list. */
  summary: string;
  /** A protocol keepalive (Engine.IO ping/pong, a heart-beat): the list may fold these away. */
  keepalive?: boolean;
  /** The message is not valid for the decoder's protocol: what is wrong, and where. `value` has what could be read. */
  problem?: string;
  /**
   * Part of the protocol's own handshake (Engine.IO open, `connection_init`/`connection_ack`, STOMP
   * CONNECT/CONNECTED, MQTT CONNECT/CONNACK, the SignalR handshake): replay and the mock server do
   * these themselves instead of repeating the recorded ones.
   */
  handshake?: boolean;
  /**
   * The list's protocol columns: the message's type as the protocol spells it ("event", "next",
   * "MESSAGE", "PUBLISH"), its subject (event name, topic, destination, hub target, operation
   * name) and its id (ack id, operation id, packet id, invocation id).
   */
  columns?: DecodedColumns;
  /**
   * Ties a reply to its request (an ack to its emit, `next`/`complete` to their `subscribe`, a
   * PUBACK to its PUBLISH, a RECEIPT to the frame that asked for it): a `reply` belongs to the latest
   * earlier `request` with the same key. The key holds whatever makes it unique (namespace, who
   * asked): `ack:/chat:sent:3`.
   */
  link?: { key: string; role: 'request' | 'reply' };
  /**
   * Where each field of `value` lies in the payload, for the hex pane's highlight (Protobuf): the
   * field's path as `formatPath` of src/core/jsonPath.ts prints it (`$.user.name`, `$.items[0]`)
   * and its bytes `[start, end)`. A path may have several ranges (a repeated field's occurrences).
   */
  ranges?: FieldRange[];
}

/** A field's bytes in a payload: `payload.subarray(start, end)`. */
export interface FieldRange {
  path: string;
  start: number;
  end: number;
}

export interface DecodedColumns {
  type: string;
  subject?: string;
  id?: string;
}

export interface MessageDecoder {
  readonly id: string;
  readonly label: string;
  /** A cheap look at the first bytes (a magic number, a prefix): true when decoding is worth trying. */
  sniff(message: StoredMessage): boolean;
  /** The view, or undefined when the payload is not this decoder's. May throw; the pipeline catches it. */
  decode(message: StoredMessage, context?: DecodeContext): DecodedMessage | undefined;
  /** Forgets what the decoder remembered of earlier rows (the store was cleared, or the view made anew). */
  reset?(): void;
  /**
   * A cheap test without decoding (a length and a byte or two) that `bytes[start, end)` is one of the
   * protocol's keepalives: the list folds them away over every row, so it must cost next to nothing.
   */
  readonly isKeepalive?: KeepaliveTest;
  /**
   * A top-level field of the view read straight from the bytes, without decoding (Socket.IO's event
   * name is the first string after `42[`), so a filter over a million rows stays fast: the value,
   * undefined when the message has no such field, or DECODE_FULLY when it cannot tell cheaply.
   */
  readonly quickField?: QuickField;
}

/** The stored message at a row (undefined past the ends, or for a row that is not a message). */
export type RowReader = (index: number) => StoredMessage | undefined;

/** What a decoder may know beside the message. */
export interface DecodeContext {
  /** The connection's earlier rows, for a protocol whose messages may span frames (MQTT). */
  rows?: RowReader;
  /**
   * True when 'auto' tries the decoder after its sniff (not the user's choice): a payload that is not
   * surely this decoder's should then give undefined rather than a view with a `problem`, so the next
   * decoder may read it. Decoders that always know may ignore it.
   */
  trial?: boolean;
  /**
   * The connection's payload codecs (MessagePack, CBOR, Protobuf, compression), for a protocol
   * whose messages carry a payload of their own (an MQTT PUBLISH, a Socket.IO binary attachment):
   * its view, or undefined when none reads it (or only as text or JSON, which the protocol shows).
   */
  payload?: (bytes: Buffer, direction: 'sent' | 'received') => DecodedMessage | undefined;
}

/** What `quickField` answers when only a full decode can tell. */
export const DECODE_FULLY: unique symbol = Symbol('decode fully');

export type QuickField = (field: string, kind: 'text' | 'binary', bytes: Buffer, start: number, end: number) => unknown;

/** `MessageDecoder.isKeepalive`, bound to the decoder in use. */
export type KeepaliveTest = (kind: 'text' | 'binary', bytes: Buffer, start: number, end: number) => boolean;

/** `auto`: the first decoder that sniffs and decodes; `raw`: none; otherwise a decoder's id, which always wins. */
export type DecoderChoice = 'auto' | 'raw' | (string & {});

const DEFAULT_CACHE_ENTRIES = 1024;
/** Larger payloads are not decoded (their raw view stays, bounded as the detail pane bounds it). */
export const MAX_DECODE_BYTES = 16 * 1024 * 1024;

/**
 * The decoders of one connection, in order of preference, with the user's choice and a bounded
 * cache of views by store index (least recently used dropped first).
 */
export class DecoderPipeline {
  private readonly cache = new Map<number, DecodedMessage | null>();
  private current: DecoderChoice = 'auto';
  /** Decodes done (cache misses), for tests and the bench: ingest must leave it at 0. */
  decodes = 0;

  constructor(
    readonly decoders: readonly MessageDecoder[],
    private readonly cacheEntries = DEFAULT_CACHE_ENTRIES,
    /** The connection's rows, for decoders that read earlier ones. */
    private readonly rows?: RowReader,
    /** The payload codecs, for protocols' own payloads (DecodeContext.payload). */
    private readonly payload?: DecodeContext['payload'],
  ) {
    for (const d of decoders) d.reset?.();
  }

  get choice(): DecoderChoice {
    return this.current;
  }

  /** Changes the choice; views made with the old one are forgotten. */
  set choice(choice: DecoderChoice) {
    if (choice === this.current) return;
    this.current = choice;
    this.cache.clear();
    for (const d of this.decoders) d.reset?.();
  }

  /** The view of `message` by the current choice, or undefined (raw, or no decoder applies). */
  decode(message: StoredMessage): DecodedMessage | undefined {
    const hit = this.cache.get(message.index);
    if (hit !== undefined) {
      // Refresh its place in the least-recently-used order.
      this.cache.delete(message.index);
      this.cache.set(message.index, hit);
      return hit ?? undefined;
    }
    const view = this.make(message);
    this.cache.set(message.index, view ?? null);
    if (this.cache.size > this.cacheEntries) this.cache.delete(this.cache.keys().next().value as number);
    return view;
  }

  /** The view of `message` without the cache (a search over many rows must not push the visible ones out). */
  decodeFresh(message: StoredMessage): DecodedMessage | undefined {
    return this.cache.get(message.index) ?? this.make(message);
  }

  /** The ids of every decoder that can decode `message` (offered beside the one in use). Not cached. */
  candidates(message: StoredMessage): string[] {
    return this.decoders
      .filter((d) => d.sniff(message) && tryDecode(d, message, this.context(true)) !== undefined)
      .map((d) => d.id);
  }

  /** The keepalive test of the decoder in use (the chosen one, or the first that has one under 'auto'). */
  keepaliveTest(): KeepaliveTest | undefined {
    if (this.current === 'raw') return undefined;
    const d =
      this.current === 'auto'
        ? this.decoders.find((x) => x.isKeepalive)
        : this.decoders.find((x) => x.id === this.current);
    return d?.isKeepalive;
  }

  /** The quick field reader of the decoder in use, as `keepaliveTest` picks it. */
  quickFieldReader(): QuickField | undefined {
    if (this.current === 'raw') return undefined;
    const d =
      this.current === 'auto'
        ? this.decoders.find((x) => x.quickField)
        : this.decoders.find((x) => x.id === this.current);
    return d?.quickField;
  }

  private context(trial: boolean): DecodeContext {
    return { rows: this.rows, trial, payload: this.payload };
  }

  /** Forgets every view (the store was cleared or replaced). */
  clear(): void {
    this.cache.clear();
    for (const d of this.decoders) d.reset?.();
  }

  private make(message: StoredMessage): DecodedMessage | undefined {
    if (this.current === 'raw' || message.payload.length > MAX_DECODE_BYTES) return undefined;
    this.decodes++;
    if (this.current !== 'auto') {
      const chosen = this.decoders.find((d) => d.id === this.current);
      return chosen ? tryDecode(chosen, message, this.context(false)) : undefined;
    }
    for (const d of this.decoders) {
      if (!d.sniff(message)) continue;
      const view = tryDecode(d, message, this.context(true));
      if (view) return view;
    }
    return undefined;
  }
}

/** A decoder that throws on a payload it cannot read has simply not decoded it. */
function tryDecode(d: MessageDecoder, message: StoredMessage, context: DecodeContext): DecodedMessage | undefined {
  try {
    return d.decode(message, context);
  } catch {
    return undefined;
  }
}
