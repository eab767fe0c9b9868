import { checkPayloadChoice, protobufChoice } from '../decode';
import { protocolIds } from './open';

/**
 * The protocol a URL pattern setting names for `url` (`{"ws://localhost:8080/stomp*": "stomp"}`):
 * the first pattern that matches the whole URL, `*` standing for any run of characters. Patterns
 * are matched in the order written; a value that is no protocol's id is skipped (the caller says so).
 */
export function protocolForUrl(url: string, patterns: Record<string, unknown>): string | undefined {
  for (const [pattern, id] of Object.entries(patterns)) {
    if (typeof id !== 'string' || !protocolIds().includes(id)) continue;
    if (globToRegExp(pattern).test(url)) return id;
  }
  return undefined;
}

/** The pattern's entries whose value is no protocol's id, for a warning. */
export function unknownProtocolPatterns(patterns: Record<string, unknown>): string[] {
  return Object.entries(patterns)
    .filter(([, id]) => typeof id !== 'string' || !protocolIds().includes(id))
    .map(([p, id]) => `${p} → ${JSON.stringify(id)}`);
}

function globToRegExp(pattern: string): RegExp {
  const body = pattern
    .split('*')
    .map((part) => part.replace(/[.+?^${}()|[\]\\]/g, '\\$&'))
    .join('.*');
  return new RegExp(`^${body}$`, 'i');
}

/**
 * The payload choice a URL pattern setting names for `url` (websocketInspector.decoders:
 * `{"ws://localhost:9000/feed*": "protobuf:market.Tick"}`, or per direction
 * `{"ws://…": {"protobuf": {"sent": "api.Request", "received": "api.Reply"}}}`), as protocolForUrl
 * matches; values that name no decoder are skipped.
 */
export function payloadsForUrl(url: string, patterns: Record<string, unknown>): string | undefined {
  for (const [pattern, value] of Object.entries(patterns)) {
    const choice = payloadSetting(value);
    if (choice && globToRegExp(pattern).test(url)) return choice;
  }
  return undefined;
}

function payloadSetting(value: unknown): string | undefined {
  if (typeof value === 'string') return checkPayloadChoice(value) ? undefined : value;
  const types = (value as { protobuf?: unknown } | null)?.protobuf as
    { sent?: unknown; received?: unknown } | undefined;
  if (!types || typeof types !== 'object') return undefined;
  const sent = typeof types.sent === 'string' ? types.sent : undefined;
  const received = typeof types.received === 'string' ? types.received : undefined;
  return sent || received ? protobufChoice({ sent, received }) : undefined;
}
