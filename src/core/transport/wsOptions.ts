import type { ClientOptions } from 'ws';
import type { HandshakeRecorder } from '../handshake';
import { proxyAgent, type ProxySettings } from '../proxy';
import type { ReconnectPolicy } from '../reconnect';
import type { TlsSettings } from '../tls';

/**
 * How to open a connection. Everything but `url` and `handshakeTimeout` is optional; the
 * defaults are those of a plain `ws` client (deflate offered, no proxy, no redirects, no reconnect).
 * TLS fields (`ca`, `cert`, `key`, `pfx`, `passphrase`, `insecure`, `servername`) and proxy fields
 * (`proxy`, `proxyStrictSSL`, `noProxy`) are documented in tls.ts and proxy.ts.
 */
export interface WebSocketOptions extends TlsSettings, ProxySettings {
  url: string;
  /** Handshake headers sent with the upgrade request. */
  headers?: Record<string, string>;
  /** Subprotocols to offer. */
  protocols?: string[];
  /** Milliseconds for the whole handshake; required because `ws` has no default. */
  handshakeTimeout: number;
  /** Largest message accepted, in bytes (`ws` closes with 1009 above it). Default 100 MiB. */
  maxPayload?: number;
  /** Most fragments one message may arrive in (`ws` closes with 1008 above it). Default 16,384. */
  maxFragments?: number;
  /** Most received chunks `ws` buffers for one message (1008 above it). Default 262,144. */
  maxBufferedChunks?: number;
  /** Offer permessage-deflate. Default true. */
  perMessageDeflate?: boolean;
  /** The Origin header. */
  origin?: string;
  /** Follow 3xx answers to the upgrade (each hop is in `handshake.redirects`). Default false. */
  followRedirects?: boolean;
  /** Most redirects followed. Default 10. */
  maxRedirects?: number;
  /** Send a ping this often while open and measure the round trip. Default: off. */
  pingIntervalMs?: number;
  /** A ping without a pong this long marks the connection unhealthy. Default: the interval, or 10 s. */
  pingTimeoutMs?: number;
  /** Answer the server's pings automatically (as `ws` does). Default true. */
  autoPong?: boolean;
  /** Open again after an unexpected close, with exponential backoff. Default off. */
  reconnect?: boolean | ReconnectPolicy;
  /** Record the header of every frame on the wire in `frames`. Default true. */
  sniffFrames?: boolean;
  /** Frame headers kept before the oldest are dropped. Default 1,048,576. */
  frameLogCapacity?: number;
  /** Capture the connection's TCP byte stream for the wire view (`WebSocketTransport.wire`): true, or the bytes to keep. Default off. */
  wireCapture?: boolean | number;
  /** How long a send may wait for its bytes to reach the socket (a server that stopped reading). Default 30 s. */
  sendTimeoutMs?: number;
  /**
   * Runs before each open, reconnects included (SignalR's negotiate request): gives the URL to open
   * this time and headers to add. Bounded by `handshakeTimeout`; a rejection fails the open with its message.
   */
  prepare?: (options: WebSocketOptions, signal: AbortSignal) => Promise<PreparedOpen>;
}

/** What `prepare` found: the URL to open, headers to add, values in the URL kept out of the handshake view, a note. */
export interface PreparedOpen {
  url: string;
  headers?: Record<string, string>;
  secrets?: string[];
  note?: string;
}

/** After a close, how long to wait for the server to end the TCP connection before dropping it. */
export const CLOSE_TIMEOUT_MS = 5_000;
export const DEFAULT_MAX_PAYLOAD = 100 * 1024 * 1024;
/** `ws`'s own client defaults (8.21.1+), set explicitly so a user's setting and the sentence agree. */
export const DEFAULT_MAX_FRAGMENTS = 16_384;
export const DEFAULT_MAX_BUFFERED_CHUNKS = 262_144;
export const DEFAULT_PING_TIMEOUT_MS = 10_000;
/** Pongs waiting to be written before the server counts as flooding us with pings (`ws`'s maxPendingAutoPongs). */
export const MAX_PENDING_PONGS = 60;
export const DEFAULT_SEND_TIMEOUT_MS = 30_000;

/** The `ws` client options for one attempt: the limits set explicitly, pongs answered by the transport. */
export function clientOptions(
  o: WebSocketOptions,
  tls: ClientOptions,
  recorder: HandshakeRecorder,
  proxy: string | undefined,
): ClientOptions {
  // closeTimeout is a real `ws` option its types leave out: how long to wait for the server to end TCP after a close.
  const options: ClientOptions & { closeTimeout?: number } = {
    ...tls,
    closeTimeout: CLOSE_TIMEOUT_MS,
    headers: o.headers,
    handshakeTimeout: o.handshakeTimeout,
    maxPayload: o.maxPayload ?? DEFAULT_MAX_PAYLOAD,
    maxFragments: o.maxFragments ?? DEFAULT_MAX_FRAGMENTS,
    maxBufferedChunks: o.maxBufferedChunks ?? DEFAULT_MAX_BUFFERED_CHUNKS,
    perMessageDeflate: o.perMessageDeflate ?? true,
    followRedirects: o.followRedirects ?? false,
    maxRedirects: o.maxRedirects ?? 10,
    // Pongs are answered by the transport, so that only those really written are recorded.
    autoPong: false,
    finishRequest: recorder.finishRequest,
  };
  if (o.origin) options.origin = o.origin;
  if (proxy) options.agent = proxyAgent(proxy, o.proxyStrictSSL ?? true);
  return options;
}
