import type { ComposeAction, ComposeValues } from '../../shared/compose';
import type { ConnectionHealth } from '../../shared/protocol';
import type { MessageDecoder } from '../decode';
import type { Subscription } from '../emitter';
import {
  createTransport,
  type Transport,
  type TransportMessage,
  type TransportNote,
  type TransportOptions,
} from '../transport';

/**
 * The protocol seam: a protocol people run over WebSocket (Socket.IO, later GraphQL, STOMP, MQTT,
 * SignalR). Each one is a `Protocol`, with three parts the rest of the inspector uses separately:
 *
 * 1. Setting up: `endpoint(input)` maps what the user typed (`http://host:3000/admin`) to the
 *    WebSocket URL and subprotocols to open, plus the settings its session needs (the namespace).
 * 2. Recognising: `detect` says how a connection is known to speak it: a negotiated subprotocol
 *    (`graphql-transport-ws`, `mqtt`, `v12.stomp`), the URL (`/socket.io/?EIO=4`), or its first
 *    messages (an Engine.IO open packet `0{"sid":…}`).
 * 3. Acting and viewing: `attach(transport)` starts a `ProtocolSession`, the client's part where
 *    the protocol needs one (the handshake after open, keepalive answers, composing its messages);
 *    `decoder()` gives the `MessageDecoder` that turns each stored frame into a view.
 *
 * A session only listens and sends: the transport's frames still go to the store raw and
 * unchanged, the session's own sends included (a pong it answers is a frame like any other), and
 * it makes no copy of what it hears. What a session says goes out as notes and health, in the
 * protocol's own words ("The Socket.IO server refused namespace /admin: Not authorized").
 * A session follows the transport's reconnects: each new open redoes the protocol handshake.
 */

/** What is known about a connection when a protocol is picked or a decoder is made. */
export interface ConnectionFacts {
  /** The WebSocket URL opened (or recorded). */
  url?: string;
  /** The subprotocol the server chose (empty or absent when none). */
  subprotocol?: string;
}

/** A message as detection sees it: the first few of a connection, either way. */
export type EarlyMessage = Pick<TransportMessage, 'direction' | 'kind' | 'payload'>;

/** How a connection is recognised as speaking a protocol. */
export interface ProtocolDetection {
  /** Subprotocols that mean this protocol when the server chose one of them. */
  subprotocols: readonly string[];
  /** True when the URL alone says so (`/socket.io/?EIO=4&transport=websocket`). */
  url(url: URL): boolean;
  /** True when the first messages say so (checked on up to `EARLY_MESSAGES`, cheap: a prefix). */
  messages(first: readonly EarlyMessage[]): boolean;
}

/** Messages `detectProtocol` looks at, at most. */
export const EARLY_MESSAGES = 4;

/** Where to connect for what the user typed, and what the session needs to know. */
export interface Endpoint<Settings> {
  /** The WebSocket URL to open (`ws:` or `wss:`). */
  url: string;
  /** Subprotocols to offer, where the protocol has them. */
  protocols?: string[];
  /** The session's settings, with what the URL said filled in (the namespace, the Engine.IO revision). */
  settings: Settings;
  /** Runs before each open (SignalR's negotiate request): the URL to open that time (the transport's `prepare`). */
  prepare?: TransportOptions['prepare'];
}

export interface Protocol<Settings = unknown, Session extends ProtocolSession = ProtocolSession> {
  /** Stable id, also the decoder's id and what a `.ws` `# @protocol` names: "socket.io", "graphql-transport-ws". */
  readonly id: string;
  /** For people: "Socket.IO". */
  readonly label: string;
  readonly detect: ProtocolDetection;
  /** Maps a user's URL to the WebSocket endpoint; a sentence when it cannot be this protocol's. */
  endpoint(input: string, settings?: Partial<Settings>): Endpoint<Settings> | { error: string };
  /** The decoder for this connection's frames (a protocol revision may change the framing). */
  decoder(facts?: ConnectionFacts): MessageDecoder;
  /** Starts the client's part on `transport` (before or after `connect()`: it acts on each open). */
  attach(transport: Transport, settings: Settings): Session;
  /** What the composer offers (each run by the session's `compose`); none when the protocol is view-only. */
  readonly actions?: readonly ComposeAction[];
  /**
   * The server's part of the protocol for one client of the mock server: the greeting on connect
   * (an Engine.IO open with a new sid) and answers to the handshake and keepalives
   * (`connection_ack`, CONNECTED, CONNACK, pongs), so a recording plays against a real client.
   */
  serve?(facts: ConnectionFacts): ProtocolServerPeer;
  /** What replay and the mock server need beyond the decoded views (src/core/sessions/protocolPlay.ts). */
  readonly replay?: ProtocolReplay<Settings>;
}

/**
 * How a recording of this protocol plays again. Both parts are optional: without them a replay
 * redoes the handshake with the default settings and sends recorded ids unchanged.
 */
export interface ProtocolReplay<Settings = unknown> {
  /**
   * The session's settings that make its own handshake say what the recorded one said: the recorded
   * client handshake messages in (Socket.IO's CONNECT: namespace and auth; GraphQL's connection_init payload).
   */
  settings?(handshake: readonly EarlyMessage[]): Partial<Settings>;
  /**
   * An id one side chose that the other side's answer carries (a Socket.IO emit's ack id and its
   * ACK): `asks` for the message that chose it, `answers` for the reply; `key` pairs them (the
   * namespace), and `withId` is the same message carrying another id. Undefined for other messages.
   */
  ids?: (message: EarlyMessage) => ReplyId | undefined;
  /**
   * A recorded client handshake message as a `.ws` protocol action that redoes it (Socket.IO's
   * CONNECT of another namespace: `connect /admin` with its auth as the body); undefined when the
   * session's own handshake does it.
   */
  wsAction?: (message: EarlyMessage) => { line: string; body?: string } | undefined;
  /**
   * For a protocol whose messages do not align with frames (MQTT): a splitter fed one direction's
   * frames in order (`undefined` at the end) that gives back its messages completed so far, one per
   * packet. Replay counts, waits for and compares those, so a broker that cuts packets into frames
   * differently from the recorded one still matches.
   */
  units?: () => (frame: EarlyMessage | undefined) => EarlyMessage[];
}

export interface ReplyId {
  role: 'asks' | 'answers';
  key: string;
  id: string;
  withId(id: string): Buffer;
}

/** A frame a protocol's server part sends. */
export interface OutgoingFrame {
  kind: 'text' | 'binary';
  payload: Buffer;
}

/** The protocol's server side for one mock-server client. */
export interface ProtocolServerPeer {
  /** The subprotocol to accept from those the client offered, when the protocol has one. */
  subprotocol?(offered: readonly string[]): string | undefined;
  /** Sent as soon as the client connects, before anything recorded (an Engine.IO open packet). */
  greet(): OutgoingFrame[];
  /**
   * The protocol's own answer to a client message (CONNECT → CONNECTED, a ping → its pong), or
   * undefined when the message is not the protocol's to answer (the recording's script answers it).
   */
  answer(message: EarlyMessage): OutgoingFrame[] | undefined;
  /**
   * Starts what the server sends by itself (Engine.IO 4's pings every pingInterval) through `send`;
   * called once after the greeting went out.
   */
  start?(send: (frames: OutgoingFrame[]) => void): void;
  /** Stops its timers (a server-side heartbeat). */
  dispose?(): void;
}

/** Where a protocol session is in its life, per connection. */
export type ProtocolPhase =
  /** The transport is not open yet (or again). */
  | 'waiting'
  /** Open, the protocol handshake under way. */
  | 'handshaking'
  /** The handshake is done: messages can be composed. */
  | 'ready'
  /** The protocol session ended (the server closed it, refused it, or the transport closed). */
  | 'closed';

/** The client side of a protocol on one transport. Protocol sessions add their composing methods. */
export interface ProtocolSession {
  /** The protocol's id. */
  readonly protocol: string;
  readonly phase: ProtocolPhase;
  /** The protocol's keepalive, as the transport's health is for WebSocket pings. */
  readonly health: ConnectionHealth;
  readonly onPhase: (listener: (phase: ProtocolPhase) => void) => Subscription;
  /** Sentences about the protocol's life, in its own words (the consumer decides how to show them). */
  readonly onNote: (listener: (note: TransportNote) => void) => Subscription;
  readonly onHealth: (listener: (health: ConnectionHealth) => void) => Subscription;
  /** Resolves when the handshake of the current (or next) connection is done; rejects with a sentence. */
  ready(): Promise<void>;
  /**
   * Runs one of the protocol's `actions` with the user's values; resolves with a sentence for the
   * list ("Acknowledged after 12 ms: [\"ok\"]"), or undefined; rejects with a sentence that says
   * which field is wrong or why the protocol cannot do it now.
   */
  compose?(action: string, values: ComposeValues): Promise<string | undefined>;
  /** Ends the protocol session politely (its goodbye message where it has one), then closes the transport. */
  close(): void;
  /** Stops listening and every timer; the transport is left as it is (its owner disposes it). */
  dispose(): void;
}

/** How a protocol was recognised, for the panel's "decoded as … (by …)". */
export interface Detected {
  protocol: Protocol;
  by: 'subprotocol' | 'url' | 'messages';
}

/**
 * The protocol a connection speaks, or undefined: by the negotiated subprotocol first, then the
 * URL, then the first messages. A user's choice (a `.ws` directive, a setting) goes before this.
 */
export function detectProtocol(
  protocols: readonly Protocol[],
  facts: ConnectionFacts,
  first: readonly EarlyMessage[] = [],
): Detected | undefined {
  if (facts.subprotocol) {
    const p = protocols.find((x) => x.detect.subprotocols.includes(facts.subprotocol as string));
    if (p) return { protocol: p, by: 'subprotocol' };
  }
  const url = parseUrl(facts.url);
  if (url) {
    const p = protocols.find((x) => x.detect.url(url));
    if (p) return { protocol: p, by: 'url' };
  }
  const early = first.slice(0, EARLY_MESSAGES);
  if (early.length > 0) {
    const p = protocols.find((x) => x.detect.messages(early));
    if (p) return { protocol: p, by: 'messages' };
  }
  return undefined;
}

function parseUrl(url: string | undefined): URL | undefined {
  if (!url) return undefined;
  try {
    return new URL(url);
  } catch {
    return undefined;
  }
}

/**
 * Everything a connection needs to speak `protocol` from what the user typed: the transport
 * (not yet connected; `options.protocols` is replaced by the protocol's when it has some), the
 * session attached to it, and the decoder for its frames. A sentence when the URL cannot be the protocol's.
 */
export function openWith<Settings, Session extends ProtocolSession>(
  protocol: Protocol<Settings, Session>,
  input: string,
  options: Omit<TransportOptions, 'url'>,
  settings: Partial<Settings> = {},
): { transport: Transport; session: Session; decoder: MessageDecoder } | { error: string } {
  const e = protocol.endpoint(input, settings);
  if ('error' in e) return e;
  const transport = createTransport({
    ...options,
    url: e.url,
    ...(e.protocols ? { protocols: e.protocols } : {}),
    ...(e.prepare ? { prepare: e.prepare } : {}),
  });
  return { transport, session: protocol.attach(transport, e.settings), decoder: protocol.decoder({ url: e.url }) };
}
