import type { ConnectionFacts, EarlyMessage, OutgoingFrame, ProtocolReplay, ProtocolServerPeer } from '../protocol';
import { DIALECTS, isGraphqlProblem, parseGraphqlMessage, type Dialect } from './messages';
import type { GraphqlSettings } from './session';

/** How often a legacy (subscriptions-transport-ws) mock sends `ka`: its client gives up after 30 s without one. */
export const KA_INTERVAL_MS = 10_000;

function frame(message: Record<string, unknown>): OutgoingFrame {
  return { kind: 'text', payload: Buffer.from(JSON.stringify(message), 'utf8') };
}

/**
 * The server's part of GraphQL over WebSocket for one mock-server client: connection_init answered
 * with connection_ack; graphql-transport-ws' pings with pongs (the client's pongs taken); the legacy
 * dialect's `ka` right after the ack and every `kaIntervalMs`, as subscriptions-transport-ws'
 * server does with its keepAlive. `dialect` undefined: the one the client offers (the recorded one first).
 */
export function graphqlServer(
  facts: ConnectionFacts,
  dialect?: Dialect,
  kaIntervalMs = KA_INTERVAL_MS,
): ProtocolServerPeer {
  let speaking: Dialect = dialect ?? DIALECTS.find((d) => d === facts.subprotocol) ?? 'graphql-transport-ws';
  let send: ((frames: OutgoingFrame[]) => void) | undefined;
  let ka: NodeJS.Timeout | undefined;
  return {
    subprotocol(offered) {
      const wanted = dialect ? [dialect] : [speaking, ...DIALECTS];
      const chosen = wanted.find((d) => offered.includes(d));
      if (chosen) speaking = chosen;
      return chosen;
    },
    greet: () => [],
    start(s) {
      send = s;
    },
    answer(m: EarlyMessage) {
      if (m.direction !== 'sent' || m.kind !== 'text') return undefined;
      const msg = parseGraphqlMessage(m.payload.toString('utf8'), speaking);
      if (isGraphqlProblem(msg)) return undefined;
      switch (msg.type) {
        case 'connection_init':
          if (speaking === 'graphql-transport-ws') return [frame({ type: 'connection_ack' })];
          if (!ka && send && kaIntervalMs > 0) {
            const to = send;
            ka = setInterval(() => to([frame({ type: 'ka' })]), kaIntervalMs);
            ka.unref();
          }
          return [frame({ type: 'connection_ack' }), frame({ type: 'ka' })];
        case 'ping':
          return [frame(msg.payload === undefined ? { type: 'pong' } : { type: 'pong', payload: msg.payload })];
        case 'pong':
          return [];
        default:
          return undefined;
      }
    },
    dispose() {
      clearInterval(ka);
    },
  };
}

/** Messages that start an operation (the client picks its id) and those that carry it afterwards. */
const STARTS = ['subscribe', 'start'];
const CARRIES = ['next', 'data', 'error', 'complete', 'stop'];

/**
 * Replaying GraphQL: the recorded connection_init payload goes again; operation ids are the
 * client's own, so a replay sends them as recorded, and the mock server answers a client that
 * picks other ids (graphql-ws' client uses UUIDs) with its own.
 */
export const graphqlReplay: ProtocolReplay<GraphqlSettings> = {
  ids(m) {
    if (m.kind !== 'text' || m.payload[0] !== 0x7b) return undefined;
    let v: unknown;
    try {
      v = JSON.parse(m.payload.toString('utf8'));
    } catch {
      return undefined;
    }
    if (!isRecord(v) || typeof v.id !== 'string' || typeof v.type !== 'string') return undefined;
    const role = STARTS.includes(v.type) ? 'asks' : CARRIES.includes(v.type) ? 'answers' : undefined;
    if (!role) return undefined;
    const message = v;
    return {
      role,
      key: 'operation',
      id: message.id as string,
      withId: (id) => Buffer.from(JSON.stringify({ ...message, id }), 'utf8'),
    };
  },
  settings(handshake) {
    for (const m of handshake) {
      if (m.direction !== 'sent' || m.kind !== 'text') continue;
      let v: unknown;
      try {
        v = JSON.parse(m.payload.toString('utf8'));
      } catch {
        continue;
      }
      if (!isRecord(v) || v.type !== 'connection_init') continue;
      return isRecord(v.payload) ? { connectionParams: v.payload } : {};
    }
    return {};
  },
};

function isRecord(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}
