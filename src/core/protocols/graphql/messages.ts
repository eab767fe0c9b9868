/**
 * GraphQL over WebSocket, both dialects, one JSON message at a time:
 * - `graphql-transport-ws` (the `graphql-ws` library; github.com/enisdenjo/graphql-ws PROTOCOL.md):
 *   connection_init / connection_ack, ping / pong (either side; a ping is answered), subscribe,
 *   next, error, complete (either side).
 * - `graphql-ws`, the legacy subprotocol of subscriptions-transport-ws: connection_init,
 *   connection_ack, connection_error, ka (server keepalive), start, data, error, complete, stop,
 *   connection_terminate.
 * Our own small reader (the messages are JSON objects with a `type`), not graphql-ws'
 * `parseMessage`: that one throws a sentence without the dialect's other half, and the legacy
 * dialect has no parser of its own on npm worth a runtime dependency.
 */

export type Dialect = 'graphql-transport-ws' | 'graphql-ws';

export const DIALECTS: readonly Dialect[] = ['graphql-transport-ws', 'graphql-ws'];

/** Message types by dialect, with the fields each needs. */
const TYPES: Record<Dialect, Record<string, { id: boolean; payload: 'none' | 'optional' | 'object' | 'array' }>> = {
  'graphql-transport-ws': {
    connection_init: { id: false, payload: 'optional' },
    connection_ack: { id: false, payload: 'optional' },
    ping: { id: false, payload: 'optional' },
    pong: { id: false, payload: 'optional' },
    subscribe: { id: true, payload: 'object' },
    next: { id: true, payload: 'object' },
    error: { id: true, payload: 'array' },
    complete: { id: true, payload: 'none' },
  },
  'graphql-ws': {
    connection_init: { id: false, payload: 'optional' },
    connection_ack: { id: false, payload: 'optional' },
    connection_error: { id: false, payload: 'optional' },
    connection_terminate: { id: false, payload: 'none' },
    ka: { id: false, payload: 'none' },
    start: { id: true, payload: 'object' },
    data: { id: true, payload: 'object' },
    // subscriptions-transport-ws answers a message it cannot place (an unknown type) with an error without an id.
    error: { id: false, payload: 'optional' },
    complete: { id: true, payload: 'none' },
    stop: { id: true, payload: 'none' },
  },
};

/** Keepalive messages, folded by the list. */
export const KEEPALIVE_TYPES: Record<Dialect, readonly string[]> = {
  'graphql-transport-ws': ['ping', 'pong'],
  'graphql-ws': ['ka'],
};

export interface GraphqlMessage {
  type: string;
  id?: string;
  payload?: unknown;
}

export interface GraphqlProblem {
  problem: string;
  /** What could be read (the type, the id), for the view. */
  partial: Partial<GraphqlMessage>;
}

/** One message of `dialect` from a text frame; a problem names the field at fault. */
export function parseGraphqlMessage(text: string, dialect: Dialect): GraphqlMessage | GraphqlProblem {
  let v: unknown;
  try {
    v = JSON.parse(text);
  } catch (err) {
    return { problem: `The message is not valid JSON (${(err as Error).message}).`, partial: {} };
  }
  if (typeof v !== 'object' || v === null || Array.isArray(v))
    return { problem: 'A GraphQL over WebSocket message is a JSON object with a "type".', partial: {} };
  const o = v as Record<string, unknown>;
  if (typeof o.type !== 'string') return { problem: 'The message has no "type" string.', partial: {} };
  const partial: Partial<GraphqlMessage> = { type: o.type };
  if (typeof o.id === 'string') partial.id = o.id;
  const spec = TYPES[dialect][o.type];
  if (!spec) {
    const known = Object.keys(TYPES[dialect]).join(', ');
    return { problem: `"${o.type}" is not a ${dialect} message type (${known}).`, partial };
  }
  if (spec.id && (typeof o.id !== 'string' || o.id === ''))
    return { problem: `A "${o.type}" message needs an "id" string.`, partial };
  const p = o.payload;
  const payloadProblem =
    spec.payload === 'object' && !isRecord(p)
      ? `A "${o.type}" message needs a "payload" object.`
      : spec.payload === 'array' && !Array.isArray(p)
        ? `A "${o.type}" payload is an array of GraphQL errors.`
        : spec.payload === 'none' && p !== undefined && p !== null
          ? `A "${o.type}" message has no "payload".`
          : undefined;
  if (payloadProblem) return { problem: payloadProblem, partial: { ...partial, payload: p } };
  if ((o.type === 'subscribe' || o.type === 'start') && typeof (p as Record<string, unknown>).query !== 'string')
    return { problem: `A "${o.type}" payload needs a "query" string.`, partial: { ...partial, payload: p } };
  const out: GraphqlMessage = { type: o.type };
  if (typeof o.id === 'string') out.id = o.id;
  // A type without a payload may still carry `"payload":null` (subscriptions-transport-ws' complete): none.
  if (p !== undefined && !(spec.payload === 'none' && p === null)) out.payload = p;
  return out;
}

export const isGraphqlProblem = (x: object): x is GraphqlProblem => 'problem' in x;

/** What a close code of 4400–4499 (and the neighbours the dialects use) means. */
const CLOSE_NAMES: Record<number, string> = {
  4004: 'Bad response',
  4005: 'Internal client error',
  4400: 'Bad request',
  4401: 'Unauthorized',
  4403: 'Forbidden',
  4406: 'Subprotocol not acceptable',
  4408: 'Connection initialisation timeout',
  4409: 'Subscriber already exists',
  4429: 'Too many initialisation requests',
  4499: 'Terminated',
  4500: 'Internal server error',
  4504: 'Connection acknowledgement timeout',
};

/** "4401 Unauthorized", or undefined for a code GraphQL over WebSocket does not name. */
export function graphqlCloseName(code: number): string | undefined {
  const name = CLOSE_NAMES[code];
  return name ? `${code} ${name}` : code >= 4400 && code <= 4499 ? `${code} (a GraphQL client error)` : undefined;
}

function isRecord(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}
