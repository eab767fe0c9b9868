import type { EngineTiming } from './heartbeat';
import type { EioVersion } from './packets';

/** What a Socket.IO session is set up with, and what it hands out. */

export interface SocketIoSettings {
  /** The namespace to connect on each open. Default `/`. */
  namespace: string;
  eio: EioVersion;
  /** The CONNECT payload (v3+); in v2 it goes as the namespace's query, which the server reads as `auth`. */
  auth?: Record<string, unknown>;
  /** More namespaces to connect on each open, after `namespace` (a replay's later CONNECTs). */
  namespaces?: ReadonlyArray<{ namespace: string; auth?: Record<string, unknown> }>;
  /** How long an emit waits for its ack. Default 10 s. */
  ackTimeoutMs?: number;
  /** How long, after the WebSocket opens, the open packet and the namespace's CONNECT may take. Default 10 s. */
  connectTimeoutMs?: number;
}

/** The Engine.IO open packet. */
export interface EngineOpen extends EngineTiming {
  sid: string;
  upgrades: string[];
  maxPayload?: number;
}

/** An event the server emitted; `args` hold Buffers where binary attachments were. */
export interface SocketIoEvent {
  time: number;
  namespace: string;
  event: string;
  args: unknown[];
  /** Present when the server waits for an ack: answer it with `session.answer(event, …args)`. */
  ackId?: number;
}

export interface AckResult {
  namespace: string;
  ackId: number;
  args: unknown[];
  /** From the emit's send to the ack's arrival. */
  latencyMs: number;
}
