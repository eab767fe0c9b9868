import type { ConnectionHealth, ConnectionState, HandshakeInfo } from '../../shared/protocol';
import type { Subscription } from '../emitter';
import type { FrameLog } from '../frameSniffer';
import type { TcpSettings } from './tcp';
import type { WebSocketOptions } from './websocket';

/**
 * The transport seam: "something that carries messages and reports its lifecycle". The store,
 * the recorder, `.ws` runs, replays and the UI see only this interface; `createTransport` picks
 * the implementation from the URL. The plain data it reports (state, handshake, health) are the
 * types in `src/shared`, which every layer shares; what it carries is typed here.
 */

/** Which way a message went, seen from the inspector. */
export type Side = 'sent' | 'received';

/** What crossed the transport. A transport without control frames only carries `text` and `binary`. */
export type MessageKind = 'text' | 'binary' | 'ping' | 'pong' | 'close';

/** A message or control frame that crossed the transport. */
export interface TransportMessage {
  /** Milliseconds since the epoch. */
  time: number;
  direction: Side;
  kind: MessageKind;
  payload: Buffer;
  /** Through a relay: milliseconds the message spent in it (arrival to forwarding, holds and delays included). */
  relayMs?: number;
}

/** A sentence about the transport's life: it opened, something failed, or something worth knowing. */
export interface TransportNote {
  time: number;
  level: 'open' | 'error' | 'info';
  text: string;
}

/**
 * How to open a transport: the URL's scheme says which: WebSocket (`ws:`, `wss:`, `http:`, `https:`) or
 * raw TCP/TLS (`tcp:`, `tls:`, which read the TLS fields, `handshakeTimeout` as the connect timeout, `maxPayload`,
 * `sendTimeoutMs` and the `TcpSettings`).
 */
export type TransportOptions = WebSocketOptions & TcpSettings;

export interface Transport {
  readonly options: TransportOptions;
  /** The current phase; every change also fires `onState`. */
  readonly state: ConnectionState;
  /** The last opening handshake (each reconnect attempt has its own); undefined before the first. */
  readonly handshake: HandshakeInfo | undefined;
  /** Liveness from heartbeats (always healthy where the transport has none). */
  readonly health: ConnectionHealth;
  /** After a close the user started: whether the other side answered it (undefined before, or when it cannot tell). */
  readonly closeAnswered: boolean | undefined;
  /** The wire: every frame header in both directions, with byte counts. */
  readonly frames: FrameLog;

  readonly onState: (listener: (state: ConnectionState) => void) => Subscription;
  /** Every message and control frame, sent or received, in wire order. */
  readonly onMessage: (listener: (message: TransportMessage) => void) => Subscription;
  /** Sentences about the transport's life (never a UI row kind: the consumer decides how to show them). */
  readonly onNote: (listener: (note: TransportNote) => void) => Subscription;
  readonly onHandshake: (listener: (info: HandshakeInfo) => void) => Subscription;
  readonly onHealth: (listener: (health: ConnectionHealth) => void) => Subscription;

  /** Opens; resolves when open, rejects with a sentence when it fails. Never throws synchronously. */
  connect(): Promise<void>;
  /** Resolves once the bytes reached the socket; rejects with a sentence (not open, not delivered, not read in time). */
  sendText(text: string): Promise<void>;
  sendBinary(bytes: Buffer): Promise<void>;
  /** A heartbeat round trip in ms, where the transport has heartbeats (WebSocket ping/pong). */
  ping?(payload?: Buffer | string): Promise<number>;
  pong?(payload?: Buffer | string): Promise<void>;
  /** Starts a normal close (code and reason where the transport has them); `onState` reports the end. */
  close(code?: number, reason?: string): void;
  /** Drops the connection without a close handshake and forgets every listener. */
  dispose(): void;
}

/** One kind of transport: the URL schemes it opens, and how. `createTransport` (index.ts) lists them. */
export interface TransportKind {
  schemes: readonly string[];
  create(options: TransportOptions): Transport;
}
