import { eventPayload, firstConnection, sessionMessages, type Session, type SessionMessage } from './format';
import { maskUrl } from '../mask';
import { expectLineFor } from '../scripts/discover';
import { early, isProtocolOwn, recordingProtocol, viewOf } from './protocolPlay';
import { HANDSHAKE_HEADERS, isRedacted, protocolsFromHeaders, SECRET_HEADERS } from './redact';

/** Base64 characters per line in `=== binary base64` blocks. */
const BASE64_LINE = 76;

/**
 * The recording as a `.ws` request (docs/WSFILE.md): the request line, the headers that can be
 * sent again (no redacted values, none the client sets itself), and the sent messages as a
 * script, with `=== wait-for-server` where the original got answers before the next message
 * and `=== binary base64` for binary. A text message the `.ws` syntax cannot carry exactly
 * gets a `# Note:` comment above it. A recording that spoke a protocol gets `# @protocol`: the
 * run's session does the handshake and keepalives, so those recorded frames are left out (a
 * handshake message the protocol can write as an action, such as a Socket.IO namespace's
 * CONNECT, becomes that action).
 */
export function exportAsWsFile(session: Session, name?: string, options: WsExportOptions = {}): string {
  const { header } = session;
  const out: string[] = [];
  out.push(`### ${oneLine(name ?? `Recorded ${header.startedAt}`)}`);
  const requestHeaders = header.options.headers ?? header.handshake?.request?.headers ?? {};
  const protocols = header.options.protocols ?? protocolsFromHeaders(requestHeaders) ?? [];
  const recorded = recordingProtocol(session);
  if (recorded) out.push(`# @protocol ${recorded.protocol.id}`);
  if (protocols.length) out.push(`# @subprotocol ${protocols.join(', ')}`);
  if (header.options.perMessageDeflate === false) out.push('# @deflate off');
  const dropped: string[] = [];
  const headerLines: string[] = [];
  for (const [n, value] of Object.entries(requestHeaders)) {
    if (n.startsWith(':') || HANDSHAKE_HEADERS.has(n.toLowerCase())) continue;
    // Credential headers stay out even when the recording kept them: a .ws file is shared.
    if (isRedacted(value) || SECRET_HEADERS.has(n.toLowerCase())) dropped.push(n);
    else headerLines.push(`${n}: ${oneLine(value)}`);
  }
  if (dropped.length) out.push(`# Redacted in the recording, add them again: ${dropped.join(', ')}`);
  out.push(`WEBSOCKET ${maskUrl(header.url)}`, ...headerLines, '');

  let answersPending = 0;
  let first = true;
  // As a test, each server answer is an `=== expect` line (binary ones a wait): replay-compare as a test.
  const expecting = options.asTest !== undefined;
  let afterText = false;
  let clientClose: { code: number; reason: string } | undefined;
  for (const e of firstConnection(session)) {
    if (e.type === 'close' && e.byClient) clientClose = { code: e.code, reason: e.reason };
    if (e.type !== 'message') continue;
    const view = recorded && viewOf(recorded.decoder, early(e));
    if (recorded && isProtocolOwn(view)) {
      const action = e.dir === 'sent' && view?.handshake ? recorded.protocol.replay?.wsAction?.(early(e)) : undefined;
      if (action) {
        out.push(...Array.from({ length: answersPending }, () => '=== wait-for-server'));
        answersPending = 0;
        first = false;
        out.push(`=== ${action.line}`, ...(action.body !== undefined ? [action.body] : []));
        afterText = action.body !== undefined;
      }
      continue;
    }
    if (e.dir === 'received') {
      if (!expecting) answersPending++;
      else {
        out.push(expectLineFor(e, options.asTest?.ignore) ?? '=== wait-for-server');
        afterText = false;
      }
      continue;
    }
    out.push(...Array.from({ length: answersPending }, () => '=== wait-for-server'));
    if (answersPending) afterText = false;
    if (!first && afterText && e.kind === 'text') out.push('===');
    answersPending = 0;
    first = false;
    out.push(...messageBlock(e));
    afterText = e.kind === 'text';
  }
  if (!first && answersPending) out.push(...Array.from({ length: answersPending }, () => '=== wait-for-server'));
  if (clientClose && (clientClose.code === 1000 || (clientClose.code >= 3000 && clientClose.code <= 4999))) {
    out.push(`=== close ${clientClose.code}${clientClose.reason ? ` ${oneLine(clientClose.reason)}` : ''}`);
  }
  return `${out.join('\n')}\n`;
}

/** How a recording is written as a `.ws` file. */
export interface WsExportOptions {
  /** Write each server answer as an `=== expect` line (JSON without the `ignore` paths), so the file tests the server. */
  asTest?: { ignore?: string[] };
}

function messageBlock(m: SessionMessage): string[] {
  if (m.kind === 'binary') {
    const b64 = eventPayload(m).toString('base64');
    const lines = ['=== binary base64'];
    for (let i = 0; i < b64.length; i += BASE64_LINE) lines.push(b64.slice(i, i + BASE64_LINE));
    if (!b64.length) lines.push('# (an empty binary message cannot be written in a .ws file)');
    return lines;
  }
  const text = m.text ?? '';
  const problems = textProblems(text);
  const notes = problems.length
    ? [`# Note: this message ${problems.join('; ')}, so it may not be sent exactly as recorded.`]
    : [];
  return [...notes, ...text.split('\n')];
}

/** Why a text message would not be sent back exactly as written in a `.ws` block. */
function textProblems(text: string): string[] {
  const problems: string[] = [];
  const lines = text.split('\n');
  if (!text.trim()) problems.push('is empty or blank');
  if (text.includes('{{')) problems.push('contains {{…}}, which is read as a variable');
  if (lines.some((l) => l.startsWith('===') || l.startsWith('###')))
    problems.push('has a line starting with === or ###');
  const edge = (l: string | undefined) => l !== undefined && (!l.trim() || /^\s*(#|\/\/)/.test(l));
  if (text.trim() && (edge(lines[0]) || edge(lines[lines.length - 1])))
    problems.push('starts or ends with a blank or comment line, which is dropped');
  // Whole-line comments are dropped anywhere in a block (JetBrains' rule), not only at its edges.
  if (lines.slice(1, -1).some((l) => /^\s*(#|\/\/)/.test(l)))
    problems.push('has a line starting with # or //, which is read as a comment');
  if (text.includes('\r')) problems.push('contains carriage returns');
  return problems;
}

function oneLine(s: string): string {
  return s.replace(/[\r\n]+/g, ' ');
}

/** One JSON line per text or binary message: `{"t","dir","kind","text"|"base64"}`. */
export function exportMessagesJsonl(session: Session): string {
  return sessionMessages(session)
    .map(
      (m) =>
        `${JSON.stringify({ t: m.t, dir: m.dir, kind: m.kind, ...(m.kind === 'text' ? { text: m.text ?? '' } : { base64: m.base64 ?? '' }) })}\n`,
    )
    .join('');
}
