import type { DecodedMessage, MessageDecoder } from '../../decode';
import { isGraphqlProblem, KEEPALIVE_TYPES, parseGraphqlMessage, type Dialect } from './messages';

const SUMMARY_CHARS = 200;

const LABELS: Record<string, string> = {
  'graphql-ws': 'GraphQL (legacy graphql-ws)',
  'graphql-transport-ws': 'GraphQL (graphql-transport-ws)',
  graphql: 'GraphQL over WebSocket',
};

/**
 * The view of one GraphQL over WebSocket message: `{ type, id?, payload?, keepalive? }`, and for
 * a subscribe / start its `operationName`, `query` and `variables` at the top for the list and the
 * filter (`type == "next" && id == "1"`). A message that is not valid for the dialect gets a view
 * with `problem`; pings, pongs and `ka` are marked `keepalive`.
 */
export function graphqlDecoder(known?: Dialect): MessageDecoder {
  const id = known ?? 'graphql';
  return {
    id,
    label: LABELS[id],
    sniff: (m) => m.kind === 'text' && m.payload[0] === 0x7b,
    decode: (m): DecodedMessage => {
      const text = m.payload.toString('utf8');
      // Dialect not known yet: graphql-transport-ws, or the legacy one where only it reads the message.
      let dialect: Dialect = known ?? 'graphql-transport-ws';
      let parsed = parseGraphqlMessage(text, dialect);
      if (!known && isGraphqlProblem(parsed)) {
        const legacy = parseGraphqlMessage(text, 'graphql-ws');
        if (!isGraphqlProblem(legacy)) [parsed, dialect] = [legacy, 'graphql-ws'];
      }
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
      // A result with GraphQL errors (a field that failed, legacy validation errors) says so first.
      const errors = (parsed.type === 'next' || parsed.type === 'data') && resultErrors(parsed.payload);
      if (errors) detail = ` errors: ${errors}${detail}`;
      const summary = `${parsed.type}${parsed.id !== undefined ? ` #${parsed.id}` : ''}${detail}`;
      const opId = parsed.id === undefined ? undefined : String(parsed.id);
      const subject = typeof value.operationName === 'string' ? value.operationName : undefined;
      return {
        decoder: id,
        label: `GraphQL ${parsed.type}${errors ? ' (with errors)' : ''}`,
        value,
        summary: line(summary),
        ...(keepalive ? { keepalive } : {}),
        ...(HANDSHAKE.has(parsed.type) ? { handshake: true } : {}),
        columns: { type: parsed.type, ...(subject ? { subject } : {}), ...(opId !== undefined ? { id: opId } : {}) },
        // Operation ids are the client's: every message of an operation belongs to its subscribe.
        ...(opId !== undefined
          ? { link: { key: `op:${opId}`, role: REQUESTS.has(parsed.type) ? 'request' : 'reply' } as const }
          : {}),
      };
    },
    isKeepalive: (kind, b, start, end) =>
      kind === 'text' &&
      end - start <= 80 &&
      b[start] === 0x7b &&
      KEEPALIVE_TEXT.test(b.toString('latin1', start, end)),
  };
}

const HANDSHAKE = new Set(['connection_init', 'connection_ack']);
const REQUESTS = new Set(['subscribe', 'start']);
const KEEPALIVE_TEXT = /"type"\s*:\s*"(?:ping|pong|ka)"/;

/** The messages of an execution result's non-empty `errors` array, or undefined. */
function resultErrors(payload: unknown): string | undefined {
  const errors = isRecord(payload) ? payload.errors : undefined;
  if (!Array.isArray(errors) || errors.length === 0) return undefined;
  return errors.map((e) => (isRecord(e) && typeof e.message === 'string' ? e.message : JSON.stringify(e))).join('; ');
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
