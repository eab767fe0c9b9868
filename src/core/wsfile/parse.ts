import { PROTOCOL_CHOICES } from '../protocols';
import { readSettings, type DirectiveSpot } from './directives';
import {
  BARE_URL,
  COMMENT,
  DIRECTIVE,
  FILE_VARIABLE,
  HEADER,
  KEYWORD_REQUEST,
  MESSAGE_SEPARATOR,
  OTHER_REQUEST,
  REQUEST_SEPARATOR,
  SCRIPT_OPEN,
  isBlank,
  requestTarget,
  stripTrailingComment,
} from './lines';
import type { FileVariable, ParsedWsFile, Range, RequestKeyword, WsHeader, WsRequest, WsStep } from './types';
import { BodyParser } from './body';
import { parseTcpUrl } from '../transport/tcp';

export { isSendableCloseCode } from './body';

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

class FileParser extends BodyParser {
  private readonly requests: WsRequest[] = [];
  private readonly variables: FileVariable[] = [];

  constructor(text: string) {
    super(splitLines(text));
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
    this.scripts = [];
    this.assertions = [];
    for (; i <= last; i++) {
      const line = lines[i];
      if (isBlank(line)) continue;
      if (SCRIPT_OPEN.test(line.trim())) {
        i = this.readScript(i, last, true);
        continue;
      }
      if (this.externalScript(i, line, 'pre-request')) continue;
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
    // A raw TCP/TLS request has no handshake headers: its messages start on the next line.
    const raw = keyword === 'TCP' || keyword === 'TLS' || /^(tcp|tls):\/\//i.test(url);

    const headers: WsHeader[] = [];
    const steps: WsStep[] = [];
    let i = at + 1;
    // Headers: up to the first blank line, a `===`, or content that is plainly a message.
    for (; i <= last && !raw; i++) {
      const text = lines[i];
      if (isBlank(text)) {
        i++;
        break;
      }
      if (SCRIPT_OPEN.test(text.trim())) {
        i = this.readScript(i, last, false);
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
    const directives = spots.map((s) => s.directive);
    const settings = readSettings(spots, this.diagnostics);
    // JetBrains' GRAPHQL request: GraphQL over WebSocket, its body the operation (and variables) to subscribe to.
    if (keyword === 'GRAPHQL') settings.protocol ??= 'graphql';
    // The protocol's actions are what a `===` line may name besides the built-in commands.
    const protocol = PROTOCOL_CHOICES.find((p) => p.id === settings.protocol);
    this.checkUrl(url, keyword, urlRange, line, !!protocol);
    const first = keyword === 'GRAPHQL' ? protocol?.actions?.find((a) => a.id === 'subscribe') : undefined;
    this.parseBody(i, last, steps, protocol?.actions, first);
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
      ...(this.scripts.length ? { scripts: this.scripts } : {}),
      ...(this.assertions.length ? { assertions: this.assertions } : {}),
    });
    this.scripts = [];
    this.assertions = [];
  }

  /** With a protocol, http(s) URLs are fine: its endpoint maps them (Socket.IO and SockJS clients are given them). */
  private checkUrl(url: string, keyword: RequestKeyword, range: Range, line: string, protocol: boolean): void {
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
    if (keyword === 'TCP' || keyword === 'TLS' || scheme === 'tcp' || scheme === 'tls') {
      const full = scheme ? url : `${keyword.toLowerCase()}://${url}`;
      const target = /\{\{/.test(full) ? { ok: true } : parseTcpUrl(full);
      if (!target.ok && 'error' in target) this.report('error', 'bad-url', range, target.error);
      return;
    }
    if (scheme === undefined || scheme === 'ws' || scheme === 'wss') return; // No scheme: the keyword supplies one.
    const schemeRange = { ...range, endCol: range.startCol + scheme.length };
    if ((scheme === 'http' || scheme === 'https') && protocol) return;
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
}
