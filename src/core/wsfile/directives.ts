import type { Diagnostic, RequestSettings, WsDirective } from './types';
import { checkPayloadChoice, protobufChoice, protobufTypes } from '../decode';
import { protocolIds } from '../protocols';
import { parseFraming } from '../framing/spec';
import { subprotocolNameProblem } from '../transport/wsDescribe';
import { durationHint, parseDuration } from './duration';

/** Our directives and what each takes. */
export const KNOWN_DIRECTIVES: Record<string, string> = {
  name: 'names the request',
  subprotocol: 'subprotocols to offer, comma-separated',
  timeout: 'handshake timeout, e.g. 5s',
  ping: 'ping interval, e.g. 30s',
  reconnect: 'reconnect with backoff after an unexpected close',
  insecure: 'do not verify the TLS certificate',
  deflate: '"off" to not offer permessage-deflate',
  protocol: 'the protocol to speak over WebSocket: socket.io, graphql, graphql-transport-ws, graphql-ws, or none',
  protobuf:
    'the Protobuf message type of binary payloads: package.Message, or "sent …" / "received …" for one direction',
  keepStreaming:
    'keep receiving after the last step (httpYac): script handlers listen until the wait timeout passes in silence',
  framing:
    'how a TCP/TLS stream is cut into messages: raw, lf, crlf, nul, delim=<hex>, fixed=N, prefix=<1|2|4|8><be|le>[+incl][@offset]',
  decode: 'how binary payloads are read: auto, raw, msgpack, cbor, gzip, zlib, deflate, brotli, protobuf-raw',
};

/** Other spellings with the same effect, so pasted JetBrains and httpYac files keep working. */
const ALIASES: Record<string, string> = {
  'connection-timeout': 'timeout',
  noRejectUnauthorized: 'insecure',
  'no-reject-unauthorized': 'insecure',
};

/** Directives of JetBrains or httpYac that mean nothing for a WebSocket run; kept, noted, not applied. */
const FOREIGN = new Set([
  'noStreamingLog',
  'no-log',
  'no-cookie-jar',
  'noCookieJar',
  'no-redirect',
  'noRedirect',
  'no-auto-encoding',
  'idle-timeout',
  'note',
  'disabled',
  'ref',
  'forceRef',
  'import',
  'description',
  'title',
  'jwt',
  'loop',
  'save',
  'openWith',
  'extension',
  'verbose',
  'debug',
  'ratelimit',
  'sleep',
  'noLog',
  'injectVariables',
]);

/** Where a directive sits, to put its diagnostics on the right characters. */
export interface DirectiveSpot {
  directive: WsDirective;
  /** Column where the `@` starts and where the value starts. */
  nameCol: number;
  valueCol: number;
  lineLength: number;
}

/** The canonical name for a directive name as written. */
export function canonicalDirective(name: string): string {
  return ALIASES[name] ?? name;
}

/** Turns directives into settings; reports unknown names and values that do not parse. */
export function readSettings(spots: DirectiveSpot[], diagnostics: Diagnostic[]): RequestSettings {
  const settings: RequestSettings = { subprotocols: [], reconnect: false, insecure: false, deflate: true };
  for (const spot of spots) {
    const { directive } = spot;
    const name = canonicalDirective(directive.name);
    const value = directive.value;
    const valueRange = {
      startLine: directive.line,
      startCol: spot.valueCol,
      endLine: directive.line,
      endCol: Math.max(spot.valueCol + 1, spot.lineLength),
    };
    const nameRange = {
      startLine: directive.line,
      startCol: spot.nameCol,
      endLine: directive.line,
      endCol: spot.nameCol + 1 + directive.name.length,
    };
    switch (name) {
      case 'name':
        break;
      case 'subprotocol':
        settings.subprotocols.push(...value.split(/[,\s]+/).filter(Boolean));
        // A name that is not a token: an error at that name (the connection could not offer it).
        for (const m of value.matchAll(/[^,\s]+/g)) {
          const problem = subprotocolNameProblem(m[0]);
          if (!problem) continue;
          const startCol = spot.valueCol + (m.index ?? 0);
          diagnostics.push({
            severity: 'error',
            code: 'bad-directive-value',
            range: { startLine: directive.line, startCol, endLine: directive.line, endCol: startCol + m[0].length },
            message: `@subprotocol: ${problem}.`,
          });
        }
        if (!value)
          diagnostics.push({
            severity: 'warning',
            code: 'bad-directive-value',
            range: nameRange,
            message:
              '@subprotocol has no value. Name the subprotocols to offer, e.g. "# @subprotocol graphql-transport-ws".',
          });
        break;
      case 'timeout':
      case 'ping': {
        const ms = parseDuration(value, 's');
        if (ms === undefined || ms === 0) {
          diagnostics.push({
            severity: 'error',
            code: 'bad-duration',
            range: value ? valueRange : nameRange,
            message: durationHint(value, `@${directive.name}`),
          });
        } else if (name === 'timeout') settings.timeoutMs = ms;
        else settings.pingMs = ms;
        break;
      }
      case 'reconnect':
        settings.reconnect = true;
        break;
      case 'keepStreaming':
        settings.keepStreaming = true;
        break;
      case 'protocol': {
        const known = protocolIds();
        if (known.includes(value.toLowerCase())) settings.protocol = value.toLowerCase();
        else
          diagnostics.push({
            severity: 'error',
            code: 'bad-directive-value',
            range: value ? valueRange : nameRange,
            message: value
              ? `@protocol "${value}" is not a protocol the inspector speaks. Use one of: ${known.join(', ')}.`
              : `@protocol has no value. Name one of: ${known.join(', ')}.`,
          });
        break;
      }
      case 'protobuf': {
        // `# @protobuf pkg.Tick`, `# @protobuf sent pkg.Request`, `# @protobuf received pkg.Reply`.
        const m = /^(?:(sent|received)\s+)?([A-Za-z_][\w.]*)$/.exec(value);
        if (!m) {
          diagnostics.push({
            severity: 'error',
            code: 'bad-directive-value',
            range: value ? valueRange : nameRange,
            message: value
              ? `@protobuf "${value}" is not a message type. Write the full name (package.Message), optionally after "sent" or "received".`
              : '@protobuf has no value. Name the message type: # @protobuf package.Message (or # @protobuf received package.Message).',
          });
          break;
        }
        const types = protobufTypes(settings.payloads ?? '') ?? {};
        if (m[1] === 'sent' || !m[1]) types.sent = m[2];
        if (m[1] === 'received' || !m[1]) types.received = m[2];
        settings.payloads = protobufChoice(types);
        break;
      }
      case 'decode': {
        const choice = value.toLowerCase() === 'none' ? 'raw' : value.toLowerCase();
        const problem = checkPayloadChoice(choice);
        if (problem || choice.startsWith('protobuf:'))
          diagnostics.push({
            severity: 'error',
            code: 'bad-directive-value',
            range: value ? valueRange : nameRange,
            message: value
              ? `@decode "${value}" is not a payload decoder. Use auto, raw, msgpack, cbor, gzip, zlib, deflate, brotli or protobuf-raw; for a Protobuf type, # @protobuf package.Message.`
              : '@decode has no value. Use auto, raw, msgpack, cbor, gzip, zlib, deflate, brotli or protobuf-raw.',
          });
        else settings.payloads = choice;
        break;
      }
      case 'framing': {
        const parsed = parseFraming(value);
        if (parsed.ok) settings.framing = value.trim();
        else
          diagnostics.push({
            severity: 'error',
            code: 'bad-directive-value',
            range: value ? valueRange : nameRange,
            message: `@framing: ${parsed.error}`,
          });
        break;
      }
      case 'insecure':
        settings.insecure = true;
        break;
      case 'deflate':
        if (/^(off|false|no)$/i.test(value)) settings.deflate = false;
        else if (/^(on|true|yes)?$/i.test(value)) settings.deflate = true;
        else
          diagnostics.push({
            severity: 'error',
            code: 'bad-directive-value',
            range: valueRange,
            message: `@deflate takes "on" or "off", not "${value}".`,
          });
        break;
      default:
        if (FOREIGN.has(directive.name)) {
          diagnostics.push({
            severity: 'info',
            code: 'ignored-directive',
            range: nameRange,
            message: `@${directive.name} has no effect on WebSocket requests here; it is kept so the file still works in other clients.`,
          });
        } else {
          diagnostics.push({
            severity: 'warning',
            code: 'unknown-directive',
            range: nameRange,
            message: `Unknown directive @${directive.name}. Known directives: ${Object.keys(KNOWN_DIRECTIVES)
              .map((d) => '@' + d)
              .join(', ')}.`,
          });
        }
    }
  }
  return settings;
}
