// Over 400 lines: one line-oriented parser of both dialects (JetBrains and httpYac) whose states share one cursor; Prettier's wrapping added the rest.
import { decodeBase64, decodeHex } from './binary';
import { readSettings, type DirectiveSpot } from './directives';
import { durationHint, parseDuration } from './duration';
import {
  BARE_URL,
  COMMENT,
  DIRECTIVE,
  FILE_REFERENCE,
  FILE_VARIABLE,
  HEADER,
  KEYWORD_REQUEST,
  MESSAGE_SEPARATOR,
  OTHER_REQUEST,
  REQUEST_SEPARATOR,
  SCRIPT_OPEN,
  findScriptEnd,
  isBlank,
  requestTarget,
  separatorCommand,
  stripTrailingComment,
} from './lines';
import type {
  Diagnostic,
  DiagnosticCode,
  FileVariable,
  ParsedWsFile,
  Range,
  RequestKeyword,
  Severity,
  WsHeader,
  WsMessage,
  WsRequest,
  WsStep,
} from './types';

/** Largest close reason the protocol allows, in UTF-8 bytes. */
const MAX_CLOSE_REASON_BYTES = 123;

/**
 * Parses a `.ws` file (or WebSocket requests pasted from JetBrains / httpYac `.http` files).
 * Never throws: anything it cannot read becomes a diagnostic, and the rest still parses.
 */
export function parseWsFile(text: string): ParsedWsFile {
  try {
    return new FileParser(String(text ?? '')).parse();
  } catch (err) {
    return {
      requests: [],
      variables: [],
      diagnostics: [
        {
          severity: 'error',
          code: 'internal',
          range: { startLine: 0, startCol: 0, endLine: 0, endCol: 0 },
          message: `The .ws parser failed unexpectedly (${err instanceof Error ? err.message : String(err)}). Please report this with the file.`,
        },
      ],
    };
  }
}

/** Splits text into lines the way editors count them. */
export function splitLines(text: string): string[] {
  return text.split(/\r\n|\r|\n/);
}

interface ContentLine {
  line: number;
  text: string;
}

class FileParser {
  private readonly lines: string[];
  private readonly requests: WsRequest[] = [];
  private readonly variables: FileVariable[] = [];
  private readonly diagnostics: Diagnostic[] = [];

  constructor(text: string) {
    this.lines = splitLines(text);
  }

  parse(): ParsedWsFile {
    let start = 0;
    for (let i = 1; i <= this.lines.length; i++) {
      if (i === this.lines.length || REQUEST_SEPARATOR.test(this.lines[i])) {
        this.parseRegion(start, i - 1);
        start = i;
      }
    }
    return { requests: this.requests, variables: this.variables, diagnostics: this.diagnostics };
  }

  private report(severity: Severity, code: DiagnosticCode, range: Range, message: string): void {
    this.diagnostics.push({ severity, code, range, message });
  }

  private lineRange(line: number, startCol = 0, endCol = this.lines[line]?.length ?? 0): Range {
    return { startLine: line, startCol, endLine: line, endCol: Math.max(endCol, startCol) };
  }

  /** One `###` region: directives, variables, at most one request line, headers, message blocks. */
  private parseRegion(first: number, last: number): void {
    const lines = this.lines;
    let title: string | undefined;
    let i = first;
    if (REQUEST_SEPARATOR.test(lines[first] ?? '')) {
      title = lines[first].replace(/^#+/, '').trim() || undefined;
      i++;
    }
    const spots: DirectiveSpot[] = [];
    for (; i <= last; i++) {
      const line = lines[i];
      if (isBlank(line)) continue;
      if (SCRIPT_OPEN.test(line.trim())) {
        i = this.skipScript(i, last);
        continue;
      }
      const directive = DIRECTIVE.exec(line);
      if (directive) {
        const nameCol = directive[1].length;
        const value = directive[3].trim();
        const valueCol = value ? line.indexOf(value, nameCol + 1 + directive[2].length) : line.length;
        spots.push({ directive: { name: directive[2], value, line: i }, nameCol, valueCol, lineLength: line.length });
        continue;
      }
      if (COMMENT.test(line)) continue;
      const variable = FILE_VARIABLE.exec(line);
      if (variable) {
        this.variables.push({ name: variable[1], value: variable[2].trim(), line: i, range: this.lineRange(i) });
        continue;
      }
      if (KEYWORD_REQUEST.test(line) || BARE_URL.test(line)) {
        this.parseRequest(i, last, first, title, spots);
        return;
      }
      if (OTHER_REQUEST.test(line)) {
        const method = line.split(/\s/)[0];
        this.report(
          'warning',
          'http-request',
          this.lineRange(i, 0, method.length),
          `This is a ${method} request, not a WebSocket request, so it is skipped. Start the line with WEBSOCKET (or WS) and a ws:// or wss:// URL to run it here.`,
        );
        return;
      }
      this.report(
        'error',
        'missing-request-line',
        this.lineRange(i),
        `This content has no request line above it. Put "WEBSOCKET ws://host/path" (or just the ws:// URL) before the headers and messages${title ? ` of "${title}"` : ''}.`,
      );
      return;
    }
    // A region with only comments, directives or variables is a preamble, not a request.
  }

  private skipScript(at: number, last: number): number {
    const end = findScriptEnd(this.lines, at, last);
    const endLine = end ?? last;
    this.report(
      'warning',
      'ignored-script',
      { startLine: at, startCol: 0, endLine, endCol: this.lines[endLine].length },
      end === undefined
        ? 'This script block is never closed, so everything below it in this request is skipped. Close it with "}}" (httpYac) or "%}" (JetBrains).'
        : 'Script blocks (httpYac {{ … }}, JetBrains {% … %}) are not run by WebSocket Inspector; this one is skipped. Use === wait-for-server, === wait and === close to script the exchange.',
    );
    return endLine;
  }

  private parseRequest(
    at: number,
    last: number,
    regionStart: number,
    title: string | undefined,
    spots: DirectiveSpot[],
  ): void {
    const lines = this.lines;
    const line = lines[at];
    let keyword: RequestKeyword = 'none';
    let url: string;
    let urlCol: number;
    const kw = KEYWORD_REQUEST.exec(line);
    if (kw) {
      keyword = kw[1] as RequestKeyword;
      url = requestTarget(kw[2]);
      urlCol = url ? line.indexOf(url, kw[1].length) : line.length;
    } else {
      url = BARE_URL.exec(line)![1];
      urlCol = line.indexOf(url);
    }
    const urlRange = this.lineRange(at, urlCol, urlCol + url.length);
    this.checkUrl(url, keyword, urlRange, line);

    const headers: WsHeader[] = [];
    const steps: WsStep[] = [];
    let i = at + 1;
    // Headers: up to the first blank line, a `===`, or content that is plainly a message.
    for (; i <= last; i++) {
      const text = lines[i];
      if (isBlank(text)) {
        i++;
        break;
      }
      if (SCRIPT_OPEN.test(text.trim())) {
        i = this.skipScript(i, last);
        continue;
      }
      if (MESSAGE_SEPARATOR.test(text)) break;
      if (COMMENT.test(text)) continue;
      if (headers.length === 0 && /^\s+[/?&]\S*\s*$/.test(text)) {
        // JetBrains lets a long URL continue on indented lines: "    /path", "    ?q=1", "    &r=2".
        url += text.trim();
        continue;
      }
      const header = HEADER.exec(text);
      if (header) {
        // JetBrains' own example annotates a header with a trailing "// comment"; it is not part of the value.
        headers.push({ name: header[1], value: stripTrailingComment(header[2]), line: i });
        continue;
      }
      if (text.includes(':') && !/^\s*[{["<\d-]/.test(text)) {
        this.report(
          'error',
          'malformed-header',
          this.lineRange(i),
          `"${text.trim()}" is not a valid header: a header is "Name: value" and the name may not contain spaces or brackets. Fix the name, or leave a blank line above this line if it is the first message.`,
        );
        continue;
      }
      break;
    }
    this.parseBody(i, last, steps);

    const directives = spots.map((s) => s.directive);
    const settings = readSettings(spots, this.diagnostics);
    const nameDirective = directives.find((d) => d.name === 'name' && d.value);
    let end = last;
    while (end > at && isBlank(lines[end])) end--;
    const start = REQUEST_SEPARATOR.test(lines[regionStart] ?? '') ? regionStart : (spots[0]?.directive.line ?? at);
    this.requests.push({
      index: this.requests.length,
      name: nameDirective?.value ?? title ?? (url || `#${this.requests.length + 1}`),
      named: Boolean(nameDirective || title),
      range: { startLine: start, endLine: end },
      keyword,
      url,
      urlRange,
      headers,
      directives,
      settings,
      steps,
    });
  }

  private checkUrl(url: string, keyword: RequestKeyword, range: Range, line: string): void {
    if (!url) {
      this.report(
        'error',
        'bad-url',
        this.lineRange(range.startLine, 0, line.length),
        `${keyword} needs a URL after it, e.g. "${keyword} ws://127.0.0.1:8080/path".`,
      );
      return;
    }
    if (url.startsWith('{{')) return; // The scheme comes from a variable; checked when it resolves.
    const scheme = /^([A-Za-z][A-Za-z0-9+.-]*):\/\//.exec(url)?.[1].toLowerCase();
    if (scheme === undefined || scheme === 'ws' || scheme === 'wss') return; // No scheme: the keyword supplies one.
    const schemeRange = { ...range, endCol: range.startCol + scheme.length };
    if (scheme === 'http' || scheme === 'https') {
      const fixed = scheme === 'http' ? 'ws' : 'wss';
      this.report(
        'error',
        'bad-url-scheme',
        schemeRange,
        `WebSocket URLs start with ws:// or wss://, and this one is ${scheme}://. Change it to ${fixed}://${url.slice(scheme.length + 3)}.`,
      );
      return;
    }
    this.report(
      'error',
      'bad-url-scheme',
      schemeRange,
      `"${scheme}://" is not a WebSocket scheme. Use ws:// (plain) or wss:// (TLS).`,
    );
  }

  /** Message blocks separated by `===` lines, and the waits, delays and close between them. */
  private parseBody(from: number, last: number, steps: WsStep[]): void {
    const lines = this.lines;
    let block: ContentLine[] = [];
    let binary: { mode: 'hex' | 'base64'; line: number } | undefined;
    let closedAt: number | undefined;
    let warnedAfterClose = false;

    const push = (step: WsStep) => {
      if (closedAt !== undefined && !warnedAfterClose) {
        warnedAfterClose = true;
        this.report(
          'warning',
          'after-close',
          this.lineRange(step.lines.startLine),
          `This comes after "=== close" on line ${closedAt + 1}, so it is never sent. Move it above the close or remove it.`,
        );
      }
      if (step.type === 'close') closedAt = step.lines.startLine;
      steps.push(step);
    };

    const flush = () => {
      const content = trimBlock(block);
      block = [];
      const pending = binary;
      binary = undefined;
      if (content.length === 0) {
        if (pending) {
          this.report(
            'error',
            'empty-binary-block',
            this.lineRange(pending.line),
            `"=== binary${pending.mode === 'base64' ? ' base64' : ''}" has no data below it. Put the ${pending.mode === 'hex' ? 'hex bytes' : 'base64'} on the next lines.`,
          );
        }
        return;
      }
      const span = { startLine: content[0].line, endLine: content[content.length - 1].line };
      const message = pending ? this.binaryMessage(pending.mode, content) : this.textOrFile(content);
      push({ type: 'send', message, lines: span });
    };

    for (let i = from; i <= last; i++) {
      const text = lines[i];
      if (SCRIPT_OPEN.test(text.trim())) {
        flush();
        i = this.skipScript(i, last);
        continue;
      }
      const sep = MESSAGE_SEPARATOR.exec(text);
      if (!sep) {
        // JetBrains: a line starting with # or // (indent allowed) is a comment, in a body too.
        // A message line that must begin so comes from a file (`< ./msg.txt`).
        if (!COMMENT.test(text)) block.push({ line: i, text });
        continue;
      }
      const hadBinary = binary;
      flush();
      const command = separatorCommand(sep[1]);
      const span = { startLine: i, endLine: i };
      if (!command) continue;
      if (/^wait-for-server$/i.test(command)) {
        const prev = steps[steps.length - 1];
        if (prev?.type === 'wait-for-server' && !hadBinary) {
          prev.count++;
          prev.lines.endLine = i;
        } else push({ type: 'wait-for-server', count: 1, lines: span });
        continue;
      }
      const wait = /^wait(?:\s+(.*))?$/i.exec(command);
      if (wait) {
        const arg = (wait[1] ?? '').trim();
        const ms = parseDuration(arg);
        if (ms === undefined) {
          const col = arg ? text.indexOf(arg, 3) : 0;
          this.report(
            'error',
            'bad-duration',
            this.lineRange(i, col, arg ? col + arg.length : text.length),
            durationHint(arg, '"=== wait"'),
          );
        } else push({ type: 'wait', ms, lines: span });
        continue;
      }
      const bin = /^binary(?:\s+(\S+))?$/i.exec(command);
      if (bin) {
        const mode = (bin[1] ?? 'hex').toLowerCase();
        if (mode === 'hex' || mode === 'base64') binary = { mode, line: i };
        else
          this.report(
            'error',
            'unknown-separator',
            this.lineRange(i),
            `"=== binary ${bin[1]}" is not a binary format. Write "=== binary hex" or "=== binary base64".`,
          );
        continue;
      }
      const close = /^close(?:\s+(\S+))?(?:\s+(.*))?$/i.exec(command);
      if (close) {
        this.closeStep(i, text, close[1], (close[2] ?? '').trim(), push);
        continue;
      }
      this.report(
        'error',
        'unknown-separator',
        this.lineRange(i),
        `"=== ${command}" is not something a .ws script can do. After === write nothing, wait-for-server, wait 500ms, binary [hex|base64] or close [code] [reason].`,
      );
    }
    flush();
  }

  private closeStep(
    i: number,
    text: string,
    codeText: string | undefined,
    reason: string,
    push: (s: WsStep) => void,
  ): void {
    const span = { startLine: i, endLine: i };
    let code = 1000;
    if (codeText !== undefined) {
      const col = text.indexOf(codeText, text.indexOf('close') + 5);
      const range = this.lineRange(i, col, col + codeText.length);
      if (!/^\d+$/.test(codeText)) {
        this.report(
          'error',
          'bad-close-code',
          range,
          `"${codeText}" is not a close code. Write a number such as 1000 (normal) or 4000-4999 (your application's own), then the reason.`,
        );
        return;
      }
      code = Number(codeText);
      if (!isSendableCloseCode(code)) {
        this.report(
          'error',
          'bad-close-code',
          range,
          `Close code ${code} cannot be sent by a client. Use 1000 (normal), 1001-1003 or 1007-1014, or 3000-4999 for your own codes.`,
        );
        return;
      }
    }
    if (Buffer.byteLength(reason, 'utf8') > MAX_CLOSE_REASON_BYTES) {
      const col = text.indexOf(reason);
      this.report(
        'error',
        'bad-close-reason',
        this.lineRange(i, col, col + reason.length),
        `The close reason is ${Buffer.byteLength(reason, 'utf8')} bytes; the protocol allows at most ${MAX_CLOSE_REASON_BYTES}. Shorten it.`,
      );
      return;
    }
    push({ type: 'close', code, reason, lines: span });
  }

  private binaryMessage(mode: 'hex' | 'base64', content: ContentLine[]): WsMessage {
    // `=== binary` above `< ./file` forces a binary frame of the file's bytes.
    const ref = content.length === 1 ? FILE_REFERENCE.exec(content[0].text.trim()) : null;
    if (ref && ref[1] === undefined) return { kind: 'file', path: ref[3], as: 'binary' };
    const source = content.map((c) => c.text).join('\n');
    // With variables inside, the bytes are only known at send time; check them then.
    if (!source.includes('{{')) {
      const result = mode === 'hex' ? decodeHex(source) : decodeBase64(source);
      if (!result.ok) {
        const { error } = result;
        const at = content[error.line];
        this.report(
          'error',
          mode === 'hex' ? 'bad-hex' : 'bad-base64',
          this.lineRange(at.line, error.col, error.col + error.length),
          error.message.replace(/ \(line \d+ of the block, column \d+\)/, ''),
        );
      }
    }
    return { kind: mode, source };
  }

  private textOrFile(content: ContentLine[]): WsMessage {
    if (content.length === 1) {
      const ref = FILE_REFERENCE.exec(content[0].text.trim());
      if (ref) {
        const text = ref[1] !== undefined;
        // `<`: text when the file is valid UTF-8, else binary (decided at send time); `<@`: text.
        return { kind: 'file', path: ref[3], as: text ? 'text' : 'auto', ...(ref[2] ? { encoding: ref[2] } : {}) };
      }
    }
    const body = content.map((c) => c.text).join('\n');
    return { kind: 'text', text: body, json: looksLikeJson(body) };
  }
}

/** Drops blank and comment lines at both ends of a block; lines inside stay as written. */
function trimBlock(block: ContentLine[]): ContentLine[] {
  let s = 0;
  let e = block.length - 1;
  const skip = (t: string) => isBlank(t) || COMMENT.test(t);
  while (s <= e && skip(block[s].text)) s++;
  while (e >= s && skip(block[e].text)) e--;
  return block.slice(s, e + 1);
}

function looksLikeJson(text: string): boolean {
  const t = text.trim();
  if (!/^[[{]/.test(t)) return false;
  const open = t.indexOf('{{');
  if (open >= 0 && t.indexOf('}}', open) > 0) return true; // JSON with variables: judged by its shape.
  try {
    JSON.parse(t);
    return true;
  } catch {
    return false;
  }
}

/** Codes a client may put in a close frame (RFC 6455 §7.4, as `ws` enforces them). */
export function isSendableCloseCode(code: number): boolean {
  return (
    (code >= 1000 && code <= 1014 && code !== 1004 && code !== 1005 && code !== 1006) || (code >= 3000 && code <= 4999)
  );
}
