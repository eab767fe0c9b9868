// Over 400 lines: the one host⇄webview protocol, every message its own documented type, kept in one file so both unions read at a glance.
import type { ComposeAction, ComposeValues } from './compose';
/**
 * The typed messages between the extension host and the inspector webview.
 * Types only: this file is imported by both sides and must stay free of `vscode`, node and the DOM.
 */

/** Bumped when a message changes shape; the webview sends it in `ready`. */
export const PROTOCOL_VERSION = 4;

/** Where a row came from: the client sent it, the server sent it, or the inspector noted an event. */
export type Direction = 'sent' | 'received' | 'event';

/** Every direction, in the order the frame store codes them. */
export const DIRECTIONS: readonly Direction[] = ['sent', 'received', 'event'];

/** What a row is. Messages are `text` and `binary`; the rest are control frames and events. */
export type RowKind = 'text' | 'binary' | 'ping' | 'pong' | 'close' | 'open' | 'error' | 'info';

/** Every row kind, in the order the frame store codes them. */
export const ROW_KINDS: readonly RowKind[] = ['text', 'binary', 'ping', 'pong', 'close', 'open', 'error', 'info'];

/** The life of one connection, as the header bar shows it. */
export type ConnectionState =
  | { phase: 'idle' }
  | { phase: 'connecting'; url: string }
  | { phase: 'open'; url: string; protocol: string; extensions: string; since: number }
  | { phase: 'closed'; url: string; code: number; reason: string; byClient: boolean; message: string }
  | { phase: 'error'; url: string; message: string };

/** One line of the message list, as much as the list needs to draw it. */
export interface RowSummary {
  /** Position in the store, 0-based; stable until Clear, which starts the count again. */
  index: number;
  /** Milliseconds since the epoch. */
  time: number;
  direction: Direction;
  kind: RowKind;
  /** Payload size in bytes. */
  size: number;
  /** The start of the payload as one line of text (binary as hex), at most ~200 characters. */
  preview: string;
  /** A decoder's one line for this message (JSON or text in a binary frame, a protocol's message), shown instead of `preview`. */
  decodedLine?: string;
  /** The protocol's columns: its message type, subject (event, topic, destination) and id. */
  columns?: { type: string; subject?: string; id?: string };
  /** A protocol keepalive (Engine.IO ping, heart-beat, PINGREQ). */
  keepalive?: boolean;
  /** For a reply (an ack, a `complete`, a PUBACK): the row of its request and the time between them. */
  replyTo?: { index: number; ms: number };
}

/** What the panel knows of the protocol it decodes with, for the header and the picker. */
export interface ProtocolInfo {
  /** The protocol spoken or decoded ("socket.io"), or undefined for plain WebSocket. */
  id?: string;
  label?: string;
  /** How it was chosen: "chosen", "recognised by the subprotocol graphql-transport-ws". */
  how?: string;
  /** True when the client's part is spoken (handshake, keepalives, composing); false: decoded only. */
  speaking: boolean;
  /** What the composer offers for it (empty when decoded only). */
  actions: ComposeAction[];
  /** The decoder choice: 'auto', 'raw' or a protocol id. */
  choice: string;
  /** What the picker offers. */
  choices: Array<{ id: string; label: string }>;
  /** How payloads are read (MessagePack, CBOR, Protobuf, compression): the choice, the options, and why it cannot be used. */
  payloads: {
    choice: string;
    choices: Array<{ id: string; label: string }>;
    problem?: string;
    /** What the composer can encode JSON as (MessagePack, CBOR, each Protobuf type). */
    encoders: Array<{ id: string; label: string }>;
  };
}

/** A decoder's view of one message, made when the detail pane asks (the decoder seam). */
export interface DecodedView {
  /** The decoder's id: "json", "utf8", or a protocol's or codec's. */
  decoder: string;
  /** What the message is, for a person: "JSON in a binary frame". */
  label: string;
  /** A JSON-compatible structure, shown as a tree. */
  value: unknown;
  /** What is wrong with the payload for this decoder, when something is. */
  problem?: string;
  /** Other payload decoders that read this message too (ids of `ProtocolInfo.payloads.choices`): offered in the pane. */
  alternatives?: Array<{ id: string; label: string }>;
  /** Where each field's bytes lie in the payload (Protobuf), by path (`$.price`): the hex view highlights them. */
  ranges?: Array<{ path: string; start: number; end: number }>;
}

/** Counters for the header bar. */
export interface ConnectionStats {
  total: number;
  sentMessages: number;
  receivedMessages: number;
  sentBytes: number;
  receivedBytes: number;
  /** Rows dropped by Clear so far. */
  cleared: number;
}

/** Where the panel's connection came from, shown under the URL. */
export interface PanelSource {
  label: string;
  detail?: string;
}

/** What the filter bar keeps. Every part that is set must match; an empty query keeps all. */
export interface FilterQuery {
  /** Text to find in the payload; '' or absent: no text condition. */
  text?: string;
  /** `text` is a plain substring (default) or a JavaScript regular expression. */
  mode?: 'substring' | 'regex';
  /** Default false: letters match either case. */
  caseSensitive?: boolean;
  /** Keep only these directions; absent or empty: all. */
  directions?: readonly Direction[];
  /** Keep only these kinds; absent or empty: all. */
  kinds?: readonly RowKind[];
  /** A JSON field condition such as `type == "trade"` or `price > 100`; rows that are not JSON never match it. */
  json?: string;
  /** Hide the protocol's keepalives (Engine.IO pings, heart-beats); counted in FilterStatus. */
  hideKeepalives?: boolean;
}

/** The filter's progress, shown as "M of N". */
export interface FilterStatus {
  /** Rows that match so far. */
  matched: number;
  /** True while the filter is still looking at stored rows. */
  running: boolean;
  /** Why the filter stopped (a bad expression, a regex that ran too long). */
  error?: string;
  /** Keepalives hidden so far, with `hideKeepalives`. */
  keepalivesHidden?: number;
}

/** Where a `.ws` script is, for the line under the header. */
export interface ScriptStatus {
  /** The request's name. */
  name: string;
  /** One label per step, e.g. "send text (line 12)". */
  steps: string[];
  /** The step the status is about; -1 is the handshake. */
  current: number;
  status: 'running' | 'waiting' | 'done' | 'failed';
  /** Why it failed, as a sentence. */
  reason?: string;
}

/** A recorded session shown in the panel. */
export interface RecordingInfo {
  /** Where it came from: a history entry, a `.wslog` file, a HAR import. */
  label: string;
  /** The file it was read from, when there is one (a reload reopens it). */
  file?: string;
  startedAt: string;
  messages: number;
}

/** Everything the webview needs to draw itself from nothing. */
export interface Snapshot {
  url: string;
  state: ConnectionState;
  stats: ConnectionStats;
  source?: PanelSource;
  /** The rows of the viewport the webview last asked for (the tail when it follows). */
  rows: RowSummary[];
  /** List position of `rows[0]`: the row index, or the match position while a filter is on. */
  rowsStart: number;
  /** Rows the list has, as in TickMessage.length. */
  length: number;
  /** Present while a filter is on. */
  filter?: FilterStatus;
  /** The last `.ws` script run in this panel, if any. */
  script?: ScriptStatus;
  /** Present when the panel shows a recorded session. */
  recording?: RecordingInfo;
  /** Where the live connection is being recorded (a reload shows those messages again). */
  recordedTo?: string;
  protocol?: ProtocolInfo;
  /** What the list shows: messages and events, or the frame headers seen on the wire. */
  listMode: ListMode;
  /** The opening handshake of the current connection, once it started. */
  handshake?: HandshakeInfo;
  /** Bytes on the wire against payload bytes, per direction. */
  wire?: FrameLogStats;
  health?: ConnectionHealth;
}

/** What the list shows. */
export type ListMode = 'messages' | 'frames';

/** The full body of one row, for the detail pane (`getDetail`'s result). */
export interface RowDetail extends RowSummary {
  /** The payload as text, for every kind but binary (invalid UTF-8 shows as U+FFFD). */
  text?: string;
  /** The payload bytes, for binary rows: a standalone ArrayBuffer, never a Node Buffer. */
  bytes?: ArrayBuffer;
  /** True when the body is larger than `DETAIL_LIMIT` and only its start is here. */
  truncated: boolean;
  /** A decoder's view, when one applies and it is not the plain JSON text the pane reads itself. */
  decoded?: DecodedView;
}

/** Bytes of a body the detail pane receives; larger bodies open in an editor tab. */
export const DETAIL_LIMIT = 1024 * 1024;

// ───────────────────────── host → webview ─────────────────────────

/** The complete state; the answer to `ready` and after anything that invalidates the view. */
export interface SnapshotMessage {
  type: 'snapshot';
  snapshot: Snapshot;
}
/** The connection changed phase. */
export interface StateMessage {
  type: 'state';
  state: ConnectionState;
}
/** A batched update (at most ~60 a second): new counts, and the viewport's rows if they changed. */
export interface TickMessage {
  type: 'tick';
  stats: ConnectionStats;
  rows?: RowSummary[];
  /** List position of `rows[0]`, present with `rows`. */
  rowsStart?: number;
  /** Rows the list has: frame headers kept in frames mode, else the matches while a filter is on, else every row. */
  length: number;
  /** What the list showed when this tick was made. */
  listMode: ListMode;
  /** Present while a filter is on (in messages mode). */
  filter?: FilterStatus;
  wire?: FrameLogStats;
}

/** A `.ws` script moved on (a step started, waits, finished or failed). */
export interface ScriptMessage {
  type: 'script';
  script: ScriptStatus;
}
/** The opening handshake moved on (request sent, answer received, failed). */
export interface HandshakeMessage {
  type: 'handshake';
  handshake: HandshakeInfo;
}
/** Pings and pongs changed what is known of the connection's health. */
export interface HealthMessage {
  type: 'health';
  health: ConnectionHealth;
}
/** Where this panel's messages are recorded on disk, so a reload can bring them back. */
export interface RecordedToMessage {
  type: 'recordedTo';
  file: string | undefined;
}
/** The panel now shows another source (a `.ws` request connected again with new settings). */
export interface SourceMessage {
  type: 'source';
  url: string;
  source?: PanelSource;
}
/** Request `id` waits on the user (a file dialog is open): no time bound while `waitingForUser`, the usual one after. */
export interface RequestProgressMessage {
  type: 'requestProgress';
  id: number;
  waitingForUser: boolean;
}
/** The reply to a request, exactly one per request id. */
export interface ResponseMessage {
  type: 'response';
  id: number;
  ok: boolean;
  /** Present when `ok` is false: a sentence for the user. */
  error?: string;
  result?: unknown;
}

/** The protocol the panel speaks or decodes with changed (chosen, recognised, picked). */
export interface ProtocolMessage {
  type: 'protocol';
  protocol: ProtocolInfo;
}

export type ToWebview =
  | ProtocolMessage
  | SnapshotMessage
  | StateMessage
  | TickMessage
  | ScriptMessage
  | SourceMessage
  | RecordedToMessage
  | HandshakeMessage
  | HealthMessage
  | RequestProgressMessage
  | ResponseMessage;

// ───────────────────────── webview → host ─────────────────────────

/** The webview has loaded and listens; the host answers with a snapshot. */
export interface ReadyMessage {
  type: 'ready';
  protocolVersion: number;
}
/** The rows the list shows now; `follow` means "keep me on the newest rows". */
export interface ViewportMessage {
  type: 'viewport';
  start: number;
  count: number;
  follow: boolean;
}
/** Send a text message on the connection (request: answered by a response). */
export interface SendTextMessage {
  type: 'sendText';
  id: number;
  text: string;
}
/** Send a binary message written as hex or base64 (request: an error reply says where the input is wrong). */
export interface SendBinaryMessage {
  type: 'sendBinary';
  id: number;
  encoding: 'hex' | 'base64';
  data: string;
}
/**
 * The composer's JSON encoded as MessagePack, CBOR or a Protobuf type (`encoder`: an id of
 * `ProtocolInfo.payloads.encoders`) and sent as one binary message; with `dryRun`, only encoded
 * (the composer shows the size as you type). Request: the response's result is the byte count.
 */
export interface SendEncodedMessage {
  type: 'sendEncoded';
  id: number;
  encoder: string;
  text: string;
  dryRun: boolean;
}
/** Ask the user for a file and send its bytes as one binary message (request). */
export interface SendFileMessage {
  type: 'sendFile';
  id: number;
}
/** Show only the rows that match (null: show all). */
export interface SetFilterMessage {
  type: 'setFilter';
  query: FilterQuery | null;
}
/** Replay the recorded session shown in the panel (the host asks how). */
export interface ReplayMessage {
  type: 'replay';
}
/** Drop every stored row from view and memory; counters keep their totals. */
export interface ClearMessage {
  type: 'clear';
}
/** Fetch the full body of the row at a list position, the match position while a filter is on (request: answered with a `RowDetail`). */
export interface GetDetailMessage {
  type: 'getDetail';
  id: number;
  position: number;
}
/** Open one row's whole body in a read-only editor tab. */
export interface OpenInEditorMessage {
  type: 'openInEditor';
  index: number;
}
/** Put text on the system clipboard. */
export interface CopyMessage {
  type: 'copy';
  text: string;
}
/** Send a ping with this payload (request: answered with the round-trip time in ms). */
export interface PingMessage {
  type: 'ping';
  id: number;
  payload: string;
}
/** Close with this code and reason (request: an error reply when the code cannot be sent). */
export interface CloseWithMessage {
  type: 'closeWith';
  id: number;
  code: number;
  reason: string;
}
/** Show messages, or the frame headers seen on the wire. */
export interface SetListModeMessage {
  type: 'setListMode';
  mode: ListMode;
}
/** Close the connection normally. */
export interface DisconnectMessage {
  type: 'disconnect';
}
/** Open a new connection to the same URL. */
export interface ReconnectMessage {
  type: 'reconnect';
}

/** Run one of the protocol's compose actions (Socket.IO emit, GraphQL subscribe); the result is a sentence. */
export interface ComposeMessage {
  type: 'compose';
  id: number;
  action: string;
  values: ComposeValues;
}
/** Decode with another protocol's decoder, or none ('raw'), or as recognised ('auto'). */
export interface SetDecoderMessage {
  type: 'setDecoder';
  choice: string;
}

/** Read payloads with another codec or Protobuf type, none ('raw'), or as recognised ('auto'). */
export interface SetPayloadsMessage {
  type: 'setPayloads';
  choice: string;
}

/** The Stats tab's pictures: rates over time, round trips, sizes (request: answered with `StatsSnapshot`). */
export interface GetStatsMessage {
  type: 'getStats';
  id: number;
}
/** Where the list is at a time (request: answered with the list position of the first row at or after it, or null). */
export interface RevealTimeMessage {
  type: 'revealTime';
  id: number;
  /** Milliseconds since the epoch. */
  time: number;
}

/** One direction's data messages per time bucket. */
export interface RateSeries {
  messages: number[];
  bytes: number[];
}

/** What the Stats tab draws, made from the stored rows' times and sizes (never per message as they arrive). */
export interface StatsSnapshot {
  /** Start of the first bucket, ms since the epoch; undefined before any message. */
  start?: number;
  /** Length of a bucket in ms (1 s, growing with the session so there are at most ~300). */
  bucketMs: number;
  sent: RateSeries;
  received: RateSeries;
  /** Round trips of answered pings: when, and how long. */
  rtt: { time: number; ms: number }[];
  /** Message sizes: `bounds[i]` is the largest size counted in bucket i (the last has no bound: -1). */
  sizes: { bounds: number[]; sent: number[]; received: number[] };
}

export type FromWebview =
  | GetStatsMessage
  | RevealTimeMessage
  | ComposeMessage
  | SetPayloadsMessage
  | SendEncodedMessage
  | SetDecoderMessage
  | ReadyMessage
  | ViewportMessage
  | SendTextMessage
  | SendBinaryMessage
  | SendFileMessage
  | ClearMessage
  | ReplayMessage
  | SetFilterMessage
  | GetDetailMessage
  | OpenInEditorMessage
  | CopyMessage
  | PingMessage
  | CloseWithMessage
  | SetListModeMessage
  | DisconnectMessage
  | ReconnectMessage;

/** Most rows one viewport request may ask for; a larger count is clamped by the host. */
export const MAX_VIEWPORT_ROWS = 500;

/** Compile-time exhaustiveness for switches over the unions above. */
export function assertNever(value: never): never {
  throw new Error(`Unexpected message: ${JSON.stringify(value)}`);
}

// ───────────────────────── protocol depth: handshake, frames, health ─────────────────────────

/** One HTTP header as it went over the wire (name in its original case, in order). */
export interface HeaderLine {
  name: string;
  value: string;
}

/** One parameter-carrying extension, e.g. `permessage-deflate; client_max_window_bits=15`. */
export interface NegotiatedExtension {
  name: string;
  /** Parameter name → value; `true` for a parameter without a value. */
  params: Record<string, string | true>;
}

/** One answer of the server that pointed elsewhere (3xx with Location). */
export interface RedirectHop {
  /** The URL that was asked. */
  url: string;
  status: number;
  statusText: string;
  /** The Location header, resolved against `url`. */
  location: string;
  /** True when the connection went on to `location` (option `followRedirects`). */
  followed: boolean;
}

/** Milliseconds of each phase, from the socket's own events; absent when the phase did not happen (an IP address needs no DNS). */
export interface HandshakeTimings {
  /** Milliseconds since the epoch when the (last) request started. */
  start: number;
  dnsMs?: number;
  tcpMs?: number;
  tlsMs?: number;
  /** From the request being on the wire (after TCP/TLS) to the server's answer. */
  upgradeMs?: number;
  /** From `start` to the server's answer. */
  totalMs?: number;
}

/** One certificate of the server's chain, leaf first. */
export interface CertificateInfo {
  /** e.g. "CN=example.com, O=Example". */
  subject: string;
  issuer: string;
  /** As OpenSSL prints them, e.g. "Jan  1 00:00:00 2026 GMT". */
  validFrom: string;
  validTo: string;
  /** Subject alternative names, e.g. ["DNS:example.com", "IP Address:127.0.0.1"]. */
  subjectAltNames: string[];
  /** SHA-256 fingerprint, colon-separated hex. */
  fingerprint256: string;
  serialNumber: string;
  selfSigned: boolean;
}

/** The TLS session of a wss:// connection. */
export interface TlsInfo {
  /** "TLSv1.3", "TLSv1.2", … */
  version: string;
  /** OpenSSL/IANA cipher name, e.g. "TLS_AES_256_GCM_SHA384". */
  cipher: string;
  /** Negotiated ALPN protocol; absent when none. */
  alpn?: string;
  /** Server name sent in SNI; absent for IP addresses. */
  servername?: string;
  /** True when the chain verified against the trusted CAs. */
  authorized: boolean;
  /** Why it did not verify (only with verification off). */
  authorizationError?: string;
  /** Leaf first, then its issuers as the server sent them. */
  certificates: CertificateInfo[];
}

/** The HTTP upgrade request exactly as sent. */
export interface HandshakeRequest {
  /** e.g. "GET /chat?room=1 HTTP/1.1". */
  requestLine: string;
  headers: HeaderLine[];
}

/** The server's answer to the upgrade request. */
export interface HandshakeResponse {
  /** e.g. "HTTP/1.1 101 Switching Protocols". */
  statusLine: string;
  status: number;
  statusText: string;
  headers: HeaderLine[];
  /** The body of a refusal (not 101), at most 64 KiB as UTF-8. */
  body?: string;
}

/** Everything about the opening handshake of one connection attempt, as plain data. */
export interface HandshakeInfo {
  /** The URL asked first. */
  url: string;
  /** The URL that answered (differs after followed redirects). */
  finalUrl: string;
  /** The proxy the connection went through, without credentials. */
  proxy?: string;
  request?: HandshakeRequest;
  response?: HandshakeResponse;
  /** Sec-WebSocket-Key sent, and the Sec-WebSocket-Accept expected from it (RFC 6455 §4.2.2). */
  key?: string;
  expectedAccept?: string;
  /** True when the server's Sec-WebSocket-Accept matches `expectedAccept`. */
  acceptValid?: boolean;
  /** Subprotocol the server chose ('' when none). */
  protocol: string;
  /** Extensions the server accepted, with parameters. */
  extensions: NegotiatedExtension[];
  redirects: RedirectHop[];
  timings: HandshakeTimings;
  /** Present for wss:// once TLS is up. */
  tls?: TlsInfo;
  /** Where the TCP connection went, e.g. "127.0.0.1:8080". */
  remoteAddress?: string;
  /** True once the server answered 101 and the connection opened. */
  ok: boolean;
  /** The sentence for a failed handshake. */
  error?: string;
}

/** One WebSocket frame header seen on the wire (payloads are never kept here). */
export interface FrameHeaderRecord {
  /** Position in the connection's frame log, 0-based. */
  index: number;
  /** Milliseconds since the epoch of the chunk the header arrived in (or was written in). */
  time: number;
  direction: 'sent' | 'received';
  /** 0 continuation, 1 text, 2 binary, 8 close, 9 ping, 10 pong. */
  opcode: number;
  /** "continuation", "text", "binary", "close", "ping", "pong", or "reserved-0x3"… */
  opcodeName: string;
  fin: boolean;
  /** RSV1 is set on the first frame of a permessage-deflate compressed message. */
  rsv1: boolean;
  rsv2: boolean;
  rsv3: boolean;
  masked: boolean;
  /** Payload bytes on the wire (compressed size when compressed). */
  payloadLength: number;
  /** 2 to 14 bytes. */
  headerLength: number;
}

/** Byte and frame counts of one direction. */
export interface FrameDirectionStats {
  frames: number;
  /** Ping, pong and close frames. */
  controlFrames: number;
  /** Complete data messages (data frames with FIN). */
  messages: number;
  /** Messages whose first frame had RSV1 (compressed). */
  compressedMessages: number;
  /** Header plus payload bytes of every frame: what crossed the socket. */
  wireBytes: number;
  headerBytes: number;
  /** Payload bytes of data frames (text, binary, continuation) as on the wire. */
  dataPayloadBytes: number;
  /** Application bytes of the messages after decompression, as the program sent or received them. */
  messageBytes: number;
  /** dataPayloadBytes ÷ messageBytes: below 1 when permessage-deflate saved bytes; null before any message. */
  compressionRatio: number | null;
}

/** Totals of a connection's frame log. */
export interface FrameLogStats {
  sent: FrameDirectionStats;
  received: FrameDirectionStats;
  /** Frame headers recorded in all (including those no longer kept). */
  recorded: number;
  /** Oldest frame index still kept (older ones were dropped to stay within the capacity). */
  firstKept: number;
}

/** Liveness of an open connection from pings and pongs. */
export interface ConnectionHealth {
  /** False when a ping got no pong in time; true again when a pong arrives. */
  healthy: boolean;
  /** Round-trip time of the last answered ping, in ms. */
  lastRttMs?: number;
  /** Milliseconds since the epoch of the last pong received. */
  lastPongAt?: number;
  /** Pings in a row that got no pong in time. */
  missedPongs: number;
  /** Why it is unhealthy, as a sentence. */
  message?: string;
}
