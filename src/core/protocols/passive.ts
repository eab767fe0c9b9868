import type { ConnectionHealth, ConnectionState } from '../../shared/protocol';
import { Emitter, type Subscription } from '../emitter';
import type { Transport, TransportNote } from '../transport';
import type { Endpoint, ProtocolPhase, ProtocolSession } from './protocol';

/**
 * The session of a view-only protocol (Action Cable, WAMP): no handshake of its own, nothing
 * composed, nothing answered. Its phase follows the transport (open is ready), its health is
 * always good (the transport's own pings say more), and close() closes the transport.
 */
export function passiveSession(protocol: string, transport: Transport): ProtocolSession {
  const phases = new Emitter<ProtocolPhase>();
  const notes = new Emitter<TransportNote>();
  const healths = new Emitter<ConnectionHealth>();
  const health: ConnectionHealth = { healthy: true, missedPongs: 0 };
  let phase: ProtocolPhase = 'waiting';
  let waiters: Array<{ resolve(): void; reject(err: Error): void }> = [];
  const follow = (s: ConnectionState): void => {
    const next: ProtocolPhase =
      s.phase === 'open' ? 'ready' : s.phase === 'closed' || s.phase === 'error' ? 'closed' : 'waiting';
    if (s.phase === 'closed' || s.phase === 'error') for (const w of waiters.splice(0)) w.reject(new Error(s.message));
    if (next === 'ready') for (const w of waiters.splice(0)) w.resolve();
    if (next === phase) return;
    phase = next;
    phases.fire(next);
  };
  const subscription: Subscription = transport.onState(follow);
  follow(transport.state);
  return {
    protocol,
    get phase() {
      return phase;
    },
    health,
    onPhase: phases.event,
    onNote: notes.event,
    onHealth: healths.event,
    ready: () =>
      phase === 'ready' ? Promise.resolve() : new Promise<void>((resolve, reject) => waiters.push({ resolve, reject })),
    close: () => transport.close(1000),
    dispose: () => {
      subscription.dispose();
      for (const w of waiters.splice(0)) w.reject(new Error(`The ${protocol} view was disposed.`));
      waiters = [];
      phases.dispose();
      notes.dispose();
      healths.dispose();
    },
  };
}

/** A view-only protocol's endpoint: ws(s) as given, http(s) as ws(s) on the same path (as Action Cable's client does), offering `protocols`. */
export function viewEndpoint(
  input: string,
  label: string,
  example: string,
  protocols: string[],
): Endpoint<Record<string, never>> | { error: string } {
  let url: URL;
  try {
    url = new URL(input.trim());
  } catch {
    return { error: `"${input}" is not a URL. ${label} URL looks like ${example}.` };
  }
  const ws = { 'http:': 'ws:', 'https:': 'wss:', 'ws:': 'ws:', 'wss:': 'wss:' }[url.protocol.toLowerCase()];
  if (!ws)
    return {
      error: `${label} URL starts with ws://, wss://, http:// or https://; this one starts with ${url.protocol}.`,
    };
  url.protocol = ws;
  return { url: url.href, protocols: [...protocols], settings: {} };
}
