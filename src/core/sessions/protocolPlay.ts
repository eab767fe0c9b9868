import type { DecodedMessage, MessageDecoder } from '../decode';
import {
  detectProtocol,
  PROTOCOL_CHOICES,
  PROTOCOLS,
  type ConnectionFacts,
  type EarlyMessage,
  type OpenedConnection,
  type Protocol,
  type ProtocolSession,
  type ReplyId,
} from '../protocols';
import { eventPayload, firstConnection, type Session, type SessionMessage } from './format';

/**
 * The protocol of a recording, for the viewer, replay, compare and the mock server: the one the
 * header names, or (older recordings, imports) the one its subprotocol or URL says. Recognising by
 * the first messages is left out here: a plain recording must not start to replay differently.
 */
export interface RecordedProtocol {
  protocol: Protocol;
  how: 'recorded' | 'subprotocol' | 'url';
  facts: ConnectionFacts;
  decoder: MessageDecoder;
}

/** The URL and the negotiated subprotocol of a recording. */
export function recordedFacts(session: Session): ConnectionFacts {
  const open = session.events.find((e) => e.type === 'open');
  const subprotocol = session.header.handshake?.protocol || (open?.type === 'open' ? open.protocol : undefined);
  return { url: session.header.url, ...(subprotocol ? { subprotocol } : {}) };
}

/**
 * The recording's protocol, or undefined for plain WebSocket (or a header saying "none").
 * `choice` overrides the header: a protocol's id, 'none', or 'auto' (the default: the recording's).
 */
export function recordingProtocol(session: Session, choice = 'auto'): RecordedProtocol | undefined {
  const facts = recordedFacts(session);
  const id = choice === 'auto' ? session.header.protocol : choice;
  if (id === 'none') return undefined;
  const named = id ? PROTOCOL_CHOICES.find((p) => p.id === id) : undefined;
  let found: Pick<RecordedProtocol, 'protocol' | 'how'> | undefined = named && { protocol: named, how: 'recorded' };
  if (!found) {
    const detected = detectProtocol(PROTOCOLS, facts);
    if (detected && detected.by !== 'messages') found = { protocol: detected.protocol, how: detected.by };
  }
  return found && { ...found, facts, decoder: found.protocol.decoder(facts) };
}

/** How the viewer decodes a recording: its protocol and decoder (for `ProtocolView.use`), none for plain ones. */
export function recordingDecoding(session: Session): Pick<OpenedConnection, 'protocol' | 'decoder' | 'how'> {
  const p = recordingProtocol(session);
  if (!p) return {};
  const how = { recorded: 'as recorded', subprotocol: 'recognised by the subprotocol', url: 'recognised by the URL' };
  return { protocol: p.protocol, decoder: p.decoder, how: how[p.how] };
}

/** A recorded message as the protocol seam sees one. */
export function early(m: SessionMessage): EarlyMessage {
  return { direction: m.dir, kind: m.kind, payload: eventPayload(m) };
}

/** The decoder's view of a message, or undefined (not its, or it threw). */
export function viewOf(decoder: MessageDecoder, m: EarlyMessage): DecodedMessage | undefined {
  const stored = { index: 0, ...m, kind: m.kind as 'text' | 'binary' };
  try {
    return decoder.sniff(stored) ? decoder.decode(stored) : undefined;
  } catch {
    return undefined;
  }
}

/** The protocol's own messages (its handshake and keepalives): replay and the mock server do these themselves. */
export function isProtocolOwn(view: DecodedMessage | undefined): boolean {
  return view !== undefined && (view.handshake === true || view.keepalive === true);
}

/**
 * For `compareAnswers`' `decode`: the protocol's view value of a message. With `ids`, an id the
 * server chose for its own request (a Socket.IO emit's ack id) is not compared: replay maps those.
 */
export function decodeWith(
  decoder: MessageDecoder,
  ids?: (m: EarlyMessage) => ReplyId | undefined,
): (m: SessionMessage) => unknown {
  return (m) => {
    const message = early(m);
    const id = m.dir === 'received' ? ids?.(message) : undefined;
    return viewOf(decoder, id?.role === 'asks' ? { ...message, payload: id.withId('0') } : message)?.value;
  };
}

/** The recorded client handshake messages of the first connection (for `ProtocolReplay.settings`). */
export function recordedHandshake(session: Session, decoder: MessageDecoder): EarlyMessage[] {
  const out: EarlyMessage[] = [];
  for (const e of firstConnection(session)) {
    if (e.type !== 'message' || e.dir !== 'sent') continue;
    const m = early(e);
    if (viewOf(decoder, m)?.handshake) out.push(m);
  }
  return out;
}

/**
 * Ids one side chose that the other side's answer must carry, mapped from the recording to the
 * live connection: paired explicitly (the mock server, when a live message matched a recorded
 * one) or by position (replay: the n-th live `asks` of a key is the n-th recorded one).
 * `answer` gives a recorded answer's bytes with the live id in place of the recorded one.
 */
export class IdMap {
  private readonly recorded = new Map<string, string[]>();
  private readonly liveCount = new Map<string, number>();
  private readonly pairs = new Map<string, Map<string, string>>();

  constructor(readonly ids: ((m: EarlyMessage) => ReplyId | undefined) | undefined) {}

  /** A recorded message of the side that chooses ids, in order. */
  recordedAsk(m: EarlyMessage): void {
    const id = this.asks(m);
    if (!id) return;
    const list = this.recorded.get(id.key) ?? [];
    this.recorded.set(id.key, list);
    list.push(id.id);
  }

  /** A live message of the side that chooses ids: paired with the recorded one at its position. */
  liveAsk(m: EarlyMessage): void {
    const id = this.asks(m);
    if (!id) return;
    const n = this.liveCount.get(id.key) ?? 0;
    this.liveCount.set(id.key, n + 1);
    const recordedId = this.recorded.get(id.key)?.[n];
    if (recordedId !== undefined) this.pair(id.key, recordedId, id.id);
  }

  pair(key: string, recordedId: string, liveId: string): void {
    const map = this.pairs.get(key) ?? new Map<string, string>();
    this.pairs.set(key, map);
    map.set(recordedId, liveId);
  }

  /** The recorded answer's payload for the live connection: the same, or with the live id. */
  answer(m: EarlyMessage): Buffer {
    const id = this.ids?.(m);
    if (!id || id.role !== 'answers') return m.payload;
    const liveId = this.pairs.get(id.key)?.get(id.id);
    return liveId === undefined || liveId === id.id ? m.payload : id.withId(liveId);
  }

  private asks(m: EarlyMessage): ReplyId | undefined {
    const id = this.ids?.(m);
    return id?.role === 'asks' ? id : undefined;
  }
}

/** Waits at most `ms` for the protocol's handshake; a sentence when it failed or took too long. */
export async function protocolReady(session: ProtocolSession, label: string, ms: number): Promise<string | undefined> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<string>((resolve) => {
    timer = setTimeout(() => resolve(`The ${label} handshake did not finish within ${ms / 1000} s.`), ms);
  });
  try {
    return await Promise.race([
      session.ready().then(
        () => undefined,
        (e: Error) => `The ${label} handshake failed: ${e.message}`,
      ),
      timeout,
    ]);
  } finally {
    clearTimeout(timer);
  }
}
