import {
  DIRECTIONS,
  MAX_VIEWPORT_ROWS,
  ROW_KINDS as KINDS,
  type Direction,
  type FilterQuery,
  type FromWebview,
  type RowKind,
} from '../shared/protocol';
import type { ComposeValues } from '../shared/compose';

/** Longest filter text or JSON condition accepted. */
const MAX_FILTER_TEXT = 4096;

/** Largest text the composer may send in one message through the webview channel. */
const MAX_SEND_TEXT = 64 * 1024 * 1024;

/**
 * Checks a message from the webview before anything uses it: the webview is untrusted input.
 * Returns the typed message, or undefined for anything of the wrong shape.
 */
export function parseFromWebview(raw: unknown): FromWebview | undefined {
  if (typeof raw !== 'object' || raw === null) return undefined;
  const m = raw as Record<string, unknown>;
  switch (m.type) {
    case 'ready':
      return isInt(m.protocolVersion) ? { type: 'ready', protocolVersion: m.protocolVersion } : undefined;
    case 'viewport':
      if (!isInt(m.start) || !isInt(m.count) || typeof m.follow !== 'boolean' || m.start < 0 || m.count < 0)
        return undefined;
      return { type: 'viewport', start: m.start, count: Math.min(m.count, MAX_VIEWPORT_ROWS), follow: m.follow };
    case 'sendText':
      if (!isInt(m.id) || typeof m.text !== 'string' || m.text.length > MAX_SEND_TEXT) return undefined;
      return { type: 'sendText', id: m.id, text: m.text };
    case 'sendEncoded':
      if (
        !isInt(m.id) ||
        typeof m.encoder !== 'string' ||
        m.encoder.length > 300 ||
        typeof m.text !== 'string' ||
        m.text.length > MAX_SEND_TEXT ||
        typeof m.dryRun !== 'boolean'
      )
        return undefined;
      return { type: 'sendEncoded', id: m.id, encoder: m.encoder, text: m.text, dryRun: m.dryRun };
    case 'sendBinary':
      if (
        !isInt(m.id) ||
        (m.encoding !== 'hex' && m.encoding !== 'base64') ||
        typeof m.data !== 'string' ||
        m.data.length > MAX_SEND_TEXT
      )
        return undefined;
      return { type: 'sendBinary', id: m.id, encoding: m.encoding, data: m.data };
    case 'sendFile':
      return isInt(m.id) ? { type: 'sendFile', id: m.id } : undefined;
    case 'clear':
      return { type: 'clear' };
    case 'replay':
      return { type: 'replay' };
    case 'setFilter': {
      if (m.query === null) return { type: 'setFilter', query: null };
      const query = parseFilterQuery(m.query);
      return query ? { type: 'setFilter', query } : undefined;
    }
    case 'getDetail':
      return isInt(m.id) && isInt(m.position) && m.position >= 0
        ? { type: 'getDetail', id: m.id, position: m.position }
        : undefined;
    case 'openInEditor':
      return isInt(m.index) && m.index >= 0 ? { type: 'openInEditor', index: m.index } : undefined;
    case 'copy':
      return typeof m.text === 'string' && m.text.length <= MAX_SEND_TEXT ? { type: 'copy', text: m.text } : undefined;
    case 'ping':
      return isInt(m.id) && typeof m.payload === 'string' && Buffer.byteLength(m.payload) <= 125
        ? { type: 'ping', id: m.id, payload: m.payload }
        : undefined;
    case 'closeWith':
      if (!isInt(m.id) || !isInt(m.code) || typeof m.reason !== 'string' || Buffer.byteLength(m.reason) > 123)
        return undefined;
      return { type: 'closeWith', id: m.id, code: m.code, reason: m.reason };
    case 'getStats':
      return isInt(m.id) ? { type: 'getStats', id: m.id } : undefined;
    case 'revealTime':
      return isInt(m.id) && typeof m.time === 'number' && Number.isFinite(m.time)
        ? { type: 'revealTime', id: m.id, time: m.time }
        : undefined;
    case 'setListMode':
      return m.mode === 'messages' || m.mode === 'frames' ? { type: 'setListMode', mode: m.mode } : undefined;
    case 'disconnect':
      return { type: 'disconnect' };
    case 'reconnect':
      return { type: 'reconnect' };
    case 'compose': {
      const values = parseComposeValues(m.values);
      if (!isInt(m.id) || typeof m.action !== 'string' || m.action.length > 64 || !values) return undefined;
      return { type: 'compose', id: m.id, action: m.action, values };
    }
    case 'setPayloads':
      return typeof m.choice === 'string' && m.choice.length <= 300
        ? { type: 'setPayloads', choice: m.choice }
        : undefined;
    case 'setDecoder':
      return typeof m.choice === 'string' && m.choice.length <= 64
        ? { type: 'setDecoder', choice: m.choice }
        : undefined;
    default:
      return undefined;
  }
}

function parseFilterQuery(raw: unknown): FilterQuery | undefined {
  if (typeof raw !== 'object' || raw === null) return undefined;
  const q = raw as Record<string, unknown>;
  const query: FilterQuery = {};
  if (q.text !== undefined) {
    if (typeof q.text !== 'string' || q.text.length > MAX_FILTER_TEXT) return undefined;
    query.text = q.text;
  }
  if (q.mode !== undefined) {
    if (q.mode !== 'substring' && q.mode !== 'regex') return undefined;
    query.mode = q.mode;
  }
  if (q.caseSensitive !== undefined) {
    if (typeof q.caseSensitive !== 'boolean') return undefined;
    query.caseSensitive = q.caseSensitive;
  }
  if (q.directions !== undefined) {
    if (
      !Array.isArray(q.directions) ||
      !Array.from(q.directions).every((d: unknown) => DIRECTIONS.includes(d as Direction))
    )
      return undefined;
    query.directions = Array.from(q.directions);
  }
  if (q.kinds !== undefined) {
    if (!Array.isArray(q.kinds) || !Array.from(q.kinds).every((k: unknown) => KINDS.includes(k as RowKind)))
      return undefined;
    query.kinds = Array.from(q.kinds);
  }
  if (q.json !== undefined) {
    if (typeof q.json !== 'string' || q.json.length > MAX_FILTER_TEXT) return undefined;
    query.json = q.json;
  }
  if (q.hideKeepalives !== undefined) {
    if (typeof q.hideKeepalives !== 'boolean') return undefined;
    query.hideKeepalives = q.hideKeepalives;
  }
  return query;
}

/** A compose form's values: at most 32 fields, text or flags, text within the send limit. */
function parseComposeValues(raw: unknown): ComposeValues | undefined {
  if (typeof raw !== 'object' || raw === null || Array.isArray(raw)) return undefined;
  const entries = Object.entries(raw as Record<string, unknown>);
  if (entries.length > 32) return undefined;
  const values: ComposeValues = {};
  for (const [k, v] of entries) {
    if (k.length > 64 || (typeof v !== 'boolean' && (typeof v !== 'string' || v.length > MAX_SEND_TEXT)))
      return undefined;
    values[k] = v;
  }
  return values;
}

function isInt(v: unknown): v is number {
  return typeof v === 'number' && Number.isSafeInteger(v);
}
