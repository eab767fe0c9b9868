import type { ComposeValues } from '../../shared/compose';
import type { ConnectionState, ProtocolInfo } from '../../shared/protocol';
import {
  BUILTIN_DECODERS,
  DecoderPipeline,
  encodeText,
  payloadDecoders,
  payloadEncoder,
  payloadEncoderOptions,
  payloadOptions,
  type DecodedMessage,
  type MessageDecoder,
  type PayloadChoice,
  type ProtoSchema,
  type StoredMessage,
} from '../decode';
import { Emitter } from '../emitter';
import {
  detectProtocol,
  EARLY_MESSAGES,
  PROTOCOLS,
  type EarlyMessage,
  type OpenedConnection,
  type Protocol,
  type ProtocolSession,
} from '../protocols';
import type { Transport, TransportMessage } from '../transport';

/** Rows looked at, at most, going back from a reply to find its request. */
const LINK_SEARCH_ROWS = 2000;
/** Replies whose request was looked for, remembered (found or not). */
const LINK_CACHE = 4096;

const BY = { url: 'the URL', subprotocol: 'the subprotocol', messages: 'the first messages' } as const;

/**
 * What one inspector knows of the protocol over its WebSocket: the protocol spoken (chosen, or
 * recognised by the negotiated subprotocol when the connection opens) or only decoded (recognised by
 * its first messages, or picked), its session, the decoders in use with the user's choice, and the
 * links from replies to their requests. Decoding stays a view: nothing here changes a stored row.
 */
export class ProtocolView {
  decoders: DecoderPipeline;
  private protocol: Protocol | undefined;
  private speaking: ProtocolSession | undefined;
  private how: string | undefined;
  /** The decoder made for this connection's protocol (it may depend on the negotiated subprotocol). */
  private ownDecoder: MessageDecoder | undefined;
  private choice = 'auto';
  /** What the recipe asked: a protocol's id, 'auto' or 'none'. */
  private wanted = 'auto';
  private early: EarlyMessage[] = [];
  /** Payload codecs (MessagePack, CBOR, Protobuf, compression), tried after the protocol's decoder and before JSON. */
  private codecs: readonly MessageDecoder[] = payloadDecoders('auto', undefined).decoders;
  private payloadChoice: PayloadChoice = 'auto';
  private schema: ProtoSchema | undefined;
  /** Why the payload choice could not be used (no schema, no such type). */
  private payloadProblem: string | undefined;
  /** A protocol's decoder is in use: text frames are decoded too (codecs read binary ones only). */
  decodesText = false;
  private readonly links = new Map<number, { index: number; ms: number } | null>();
  /** Per link key, the latest reply linked and its request: the next reply of the key searches only the rows since. */
  private readonly lastByKey = new Map<string, { reply: number; request: { index: number; time: number } }>();
  private readonly changedEmitter = new Emitter<ProtocolInfo>();
  /** Fires when the protocol or the decoder choice changes. */
  readonly onChanged = this.changedEmitter.event;

  constructor(
    /** The stored message at row `index` and its time, for links. */
    private readonly row: (index: number) => (StoredMessage & { time: number }) | undefined,
  ) {
    this.decoders = new DecoderPipeline([...this.codecs, ...BUILTIN_DECODERS], undefined, row);
  }

  get session(): ProtocolSession | undefined {
    return this.speaking;
  }

  /** A new connection: what `openConnection` made of the recipe. */
  use(opened: OpenedConnection, wanted: string | undefined): void {
    this.speaking?.dispose();
    this.wanted = wanted ?? 'auto';
    this.early = [];
    this.protocol = opened.protocol;
    this.speaking = opened.session;
    this.how = opened.how;
    this.ownDecoder = opened.decoder;
    this.rebuild();
  }

  /** The connection opened: a subprotocol the server chose may name the protocol (its session then speaks it). */
  opened(state: ConnectionState, transport: Transport): string | undefined {
    if (state.phase !== 'open' || this.protocol || this.wanted !== 'auto' || !state.protocol) return undefined;
    const found = detectProtocol(PROTOCOLS, { url: state.url, subprotocol: state.protocol });
    if (!found) return undefined;
    this.protocol = found.protocol;
    this.how = `recognised by the subprotocol ${state.protocol}`;
    this.ownDecoder = found.protocol.decoder({ url: state.url, subprotocol: state.protocol });
    const endpoint = found.protocol.endpoint(state.url);
    this.speaking = found.protocol.attach(transport, 'error' in endpoint ? {} : endpoint.settings);
    this.rebuild();
    return speakingSentence(found.protocol, this.how);
  }

  /** Each message while the first few may still name a protocol (decoded only, as nothing chose it). */
  heard(message: TransportMessage): string | undefined {
    if (this.protocol || this.wanted !== 'auto' || this.early.length >= EARLY_MESSAGES) return undefined;
    if (message.kind !== 'text' && message.kind !== 'binary') return undefined;
    this.early.push({ direction: message.direction, kind: message.kind, payload: message.payload });
    const found = detectProtocol(PROTOCOLS, {}, this.early);
    if (!found) return undefined;
    this.protocol = found.protocol;
    this.how = `recognised by ${BY[found.by]}`;
    this.ownDecoder = found.protocol.decoder();
    this.rebuild();
    return `Decoding as ${found.protocol.label} (${this.how}). Its client part is not spoken; choose it with # @protocol ${found.protocol.id} or the setting websocketInspector.protocols to have keepalives answered.`;
  }

  /** The payload codecs this connection decodes with, as they are (benches; the host uses usePayloads). */
  setCodecs(codecs: readonly MessageDecoder[]): void {
    this.codecs = codecs;
    this.rebuild();
  }

  /** The workspace's Protobuf schema (undefined: none) and/or the payload choice (a recipe's, the picker's). */
  usePayloads(setup: { schema?: ProtoSchema; choice?: PayloadChoice }): void {
    if ('schema' in setup) this.schema = setup.schema;
    if (setup.choice !== undefined) this.payloadChoice = setup.choice;
    const made = payloadDecoders(this.payloadChoice, this.schema);
    this.codecs = made.decoders;
    this.payloadProblem = made.problem;
    this.rebuild();
  }

  /**
   * The payload decoders, beside the one that read `message` (`used`), that read it too (whole, no
   * problem): the detail pane offers them. Only for binary payloads; bounded by their size limits.
   */
  alternatives(message: StoredMessage, used: string | undefined): Array<{ id: string; label: string }> {
    const out: Array<{ id: string; label: string }> = [];
    for (const d of payloadDecoders('auto', undefined).decoders) {
      if (d.id === used || !d.sniff(message)) continue;
      try {
        const v = d.decode(message, { trial: true });
        if (v && !v.problem) out.push({ id: d.id, label: d.label });
      } catch {
        // Not readable by it.
      }
    }
    return out;
  }

  /** The composer's JSON text encoded by the encoder `id` (msgpack, cbor, protobuf:<type>); throws a sentence. */
  encode(id: string, text: string): Buffer {
    return encodeText(payloadEncoder(id, this.schema), text);
  }

  get payloads(): PayloadChoice {
    return this.payloadChoice;
  }

  /** The picker: 'auto' (as recognised), 'raw' (no decoding) or a protocol's id (decode with it). */
  choose(choice: string): void {
    if (choice !== 'auto' && choice !== 'raw' && !PROTOCOLS.some((p) => p.id === choice)) return;
    this.choice = choice;
    this.rebuild();
  }

  info(): ProtocolInfo {
    const p = this.protocol;
    const choices = [
      { id: 'auto', label: 'As recognised' },
      { id: 'raw', label: 'Raw (no decoding)' },
    ];
    for (const x of PROTOCOLS) choices.push({ id: x.id, label: x.label });
    return {
      ...(p ? { id: p.id, label: p.label, how: this.how } : {}),
      speaking: !!this.speaking,
      actions: this.speaking && p?.actions ? [...p.actions] : [],
      choice: this.choice,
      choices,
      payloads: {
        choice: this.payloadChoice,
        choices: payloadOptions(this.schema, this.payloadChoice),
        encoders: payloadEncoderOptions(this.schema),
        ...(this.payloadProblem ? { problem: this.payloadProblem } : {}),
      },
    };
  }

  /** Runs a compose action through the session; rejects with a sentence when nothing speaks a protocol. */
  compose(action: string, values: ComposeValues): Promise<string | undefined> {
    const session = this.speaking;
    if (!session?.compose)
      return Promise.reject(new Error('No protocol is spoken on this connection, so there is nothing to compose.'));
    return session.compose(action, values);
  }

  /** For a reply row (an ack, a `complete`): its request's row and the time between them. */
  replyTo(index: number, view: DecodedMessage): { index: number; ms: number } | undefined {
    if (view.link?.role !== 'reply') return undefined;
    const known = this.links.get(index);
    if (known !== undefined) return known ?? undefined;
    const key = view.link.key;
    const reply = this.row(index);
    // An earlier reply with the same key already searched back from there: look only at the rows since.
    const before = this.lastByKey.get(key);
    const earlier = before && before.reply < index ? before : undefined;
    const stop = Math.max(earlier ? earlier.reply : -1, index - LINK_SEARCH_ROWS - 1);
    let request: { index: number; time: number } | null = null;
    for (let i = index - 1; i > stop && reply; i--) {
      const m = this.row(i);
      if (!m) continue;
      // Not through the cache: a search must not push the visible rows' views out.
      const v = this.decoders.decodeFresh(m);
      if (v?.link?.key === key && v.link.role === 'request') {
        request = { index: i, time: m.time };
        break;
      }
    }
    if (!request && earlier && index - earlier.request.index <= LINK_SEARCH_ROWS) request = earlier.request;
    const found = request && reply ? { index: request.index, ms: reply.time - request.time } : null;
    if (request) this.lastByKey.set(key, { reply: index, request });
    if (this.lastByKey.size > LINK_CACHE) this.lastByKey.delete(this.lastByKey.keys().next().value as string);
    this.links.set(index, found);
    if (this.links.size > LINK_CACHE) this.links.delete(this.links.keys().next().value as number);
    return found ?? undefined;
  }

  /** The store was cleared: row numbers start again. */
  clear(): void {
    this.decoders.clear();
    this.links.clear();
    this.lastByKey.clear();
  }

  dispose(): void {
    this.speaking?.dispose();
    this.speaking = undefined;
    this.changedEmitter.dispose();
  }

  private rebuild(): void {
    const picked = PROTOCOLS.find((p) => p.id === this.choice);
    const protocol = this.choice === 'auto' ? this.protocol : picked;
    const decoder = protocol && ((protocol === this.protocol && this.ownDecoder) || protocol.decoder());
    this.decodesText = !!decoder && this.choice !== 'raw';
    // A protocol's own payloads (an MQTT PUBLISH's) are read by the codecs, not by JSON or text (it shows those).
    const codecs = new DecoderPipeline(this.codecs);
    const payload = (bytes: Buffer, direction: 'sent' | 'received') => {
      const v = codecs.decodeFresh({ index: -1, direction, kind: 'binary', payload: bytes });
      return v && !v.problem ? v : undefined;
    };
    this.decoders = new DecoderPipeline(
      [...(decoder ? [decoder] : []), ...this.codecs, ...BUILTIN_DECODERS],
      undefined,
      this.row,
      payload,
    );
    if (this.choice === 'raw') this.decoders.choice = 'raw';
    this.links.clear();
    this.lastByKey.clear();
    this.changedEmitter.fire(this.info());
  }
}

/** What the list says when a protocol is taken on: spoken (with a client part), or a decoded view only. */
export function speakingSentence(protocol: Protocol, how: string | undefined): string {
  return protocol.actions?.length
    ? `Speaking ${protocol.label} (${how}): its keepalives are answered and its messages decoded.`
    : `Decoding as ${protocol.label} (${how}): a view of its messages only; the client sends nothing of its own.`;
}
