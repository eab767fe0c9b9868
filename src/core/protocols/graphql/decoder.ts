import type { DecodedMessage, MessageDecoder } from '../../decode';
import { isGraphqlProblem, KEEPALIVE_TYPES, parseGraphqlMessage, type Dialect } from './messages';

const SUMMARY_CHARS = 200;

/**
 * The view of one GraphQL over WebSocket message: `{ type, id?, payload?, keepalive? }`, and for
 * a subscribe / start its `operationName`, `query` and `variables` at the top for the list and the
 * filter (`type == "next" && id == "1"`). A message that is not valid for the dialect gets a view
 * with `problem`; pings, pongs and `ka` are marked `keepalive`.
 */
export function graphqlDecoder(dialect: Dialect): MessageDecoder {
  const id = dialect;
  return {
    id,
    label: dialect === 'graphql-ws' ? 'GraphQL (legacy graphql-ws)' : 'GraphQL (graphql-transport-ws)',
    sniff: (m) => m.kind === 'text' && m.payload[0] === 0x7b,
    decode: (m): DecodedMessage => {
      const parsed = parseGraphqlMessage(m.payload.toString('utf8'), dialect);
      if (isGraphqlProblem(parsed)) {
        const value = { ...parsed.partial, problem: parsed.problem };
        return {
          decoder: id,
          label: 'GraphQL (malformed)',
          value,
          summary: line(parsed.problem),
          problem: parsed.problem,
        };
      }
      const keepalive = KEEPALIVE_TYPES[dialect].includes(parsed.type);
      const value: Record<string, unknown> = { ...parsed };
      if (keepalive) value.keepalive = true;
      let detail = parsed.payload === undefined ? '' : ` ${JSON.stringify(parsed.payload)}`;
      if ((parsed.type === 'subscribe' || parsed.type === 'start') && isRecord(parsed.payload)) {
        const p = parsed.payload;
        value.query = p.query;
        if (p.operationName != null) value.operationName = p.operationName;
        if (p.variables != null) value.variables = p.variables;
        const name = typeof p.operationName === 'string' ? p.operationName : firstLine(String(p.query));
        detail = ` ${name}${p.variables != null ? ` ${JSON.stringify(p.variables)}` : ''}`;
      }
      const summary = `${parsed.type}${parsed.id !== undefined ? ` #${parsed.id}` : ''}${detail}`;
      return {
        decoder: id,
        label: `GraphQL ${parsed.type}`,
        value,
        summary: line(summary),
        ...(keepalive ? { keepalive } : {}),
      };
    },
  };
}

function firstLine(query: string): string {
  return query.trim().split('\n')[0].slice(0, 80);
}

function line(s: string): string {
  return s.length > SUMMARY_CHARS ? `${s.slice(0, SUMMARY_CHARS)}…` : s;
}

function isRecord(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}
