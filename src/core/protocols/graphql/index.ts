import type { EarlyMessage, Endpoint, Protocol } from '../protocol';
import { GRAPHQL_ACTIONS } from './compose';
import { graphqlDecoder } from './decoder';
import { DIALECTS, type Dialect } from './messages';
import { GraphqlSession, type GraphqlSettings } from './session';

export { graphqlDecoder } from './decoder';
export * from './messages';
export * from './session';

/** The types only one dialect has, as they appear on the wire (`"type":"next"`). */
const OWN_TYPES: Record<Dialect, readonly string[]> = {
  'graphql-transport-ws': ['subscribe', 'next', 'ping', 'pong'],
  'graphql-ws': ['start', 'data', 'ka', 'stop', 'connection_terminate', 'connection_error'],
};

function speaks(dialect: Dialect, first: readonly EarlyMessage[]): boolean {
  return first.some(
    (m) =>
      m.kind === 'text' && m.payload[0] === 0x7b && OWN_TYPES[dialect].some((t) => m.payload.includes(`"type":"${t}"`)),
  );
}

/**
 * Both subprotocols, for a server of either kind to choose from. The legacy one first:
 * subscriptions-transport-ws sets no handleProtocols, so `ws` takes the first offered and the server
 * then closes with 1002 unless it is `graphql-ws`; graphql-ws' server picks `graphql-transport-ws`
 * wherever it stands in the list.
 */
export const BOTH_SUBPROTOCOLS: readonly Dialect[] = ['graphql-ws', 'graphql-transport-ws'];

/** The WebSocket URL for an http(s) or ws(s) GraphQL endpoint, offering the dialect's subprotocol (both when none). */
function endpoint(
  dialect: Dialect | undefined,
  input: string,
  settings: Partial<GraphqlSettings>,
): Endpoint<GraphqlSettings> | { error: string } {
  let url: URL;
  try {
    url = new URL(input.trim());
  } catch {
    return { error: `"${input}" is not a URL. A GraphQL endpoint looks like http://localhost:4000/graphql.` };
  }
  const ws = { 'http:': 'ws:', 'https:': 'wss:', 'ws:': 'ws:', 'wss:': 'wss:' }[url.protocol.toLowerCase()];
  if (!ws)
    return {
      error: `A GraphQL endpoint starts with http://, https://, ws:// or wss://; this one starts with ${url.protocol}.`,
    };
  url.protocol = ws;
  if (!dialect) return { url: url.href, protocols: [...BOTH_SUBPROTOCOLS], settings: { ...settings } };
  return { url: url.href, protocols: [dialect], settings: { ...settings, dialect } };
}

function graphqlProtocol(dialect: Dialect, label: string): Protocol<GraphqlSettings, GraphqlSession> {
  return {
    id: dialect,
    label,
    detect: { subprotocols: [dialect], url: () => false, messages: (first) => speaks(dialect, first) },
    endpoint: (input, settings = {}) => endpoint(dialect, input, settings),
    decoder: () => graphqlDecoder(dialect),
    attach: (transport, settings) => new GraphqlSession(transport, { ...settings, dialect }),
    actions: GRAPHQL_ACTIONS,
  };
}

/**
 * GraphQL over WebSocket when the user did not choose a dialect: both subprotocols offered, the
 * session speaks the one the server answered with; the decoder follows the negotiated subprotocol.
 */
export const graphqlAuto: Protocol<GraphqlSettings, GraphqlSession> = {
  id: 'graphql',
  label: 'GraphQL over WebSocket',
  detect: { subprotocols: [], url: () => false, messages: () => false },
  endpoint: (input, settings = {}) => endpoint(settings.dialect, input, settings),
  decoder: (facts) => graphqlDecoder(DIALECTS.find((d) => d === facts?.subprotocol)),
  attach: (transport, settings) => new GraphqlSession(transport, settings),
  actions: GRAPHQL_ACTIONS,
};

/** GraphQL over WebSocket as the `graphql-ws` library speaks it. */
export const graphqlTransportWs = graphqlProtocol('graphql-transport-ws', 'GraphQL (graphql-transport-ws)');
/** The legacy subprotocol of subscriptions-transport-ws (its name is also `graphql-ws`). */
export const graphqlWsLegacy = graphqlProtocol('graphql-ws', 'GraphQL (legacy graphql-ws)');
