import type { ComposeValues } from '../../shared/compose';

/**
 * The shapes the `.ws` parser produces. Plain data only: the host turns them into
 * CodeLens, diagnostics and completion; the runner and the CLI play them.
 * Lines and columns are 0-based; `endLine` is inclusive, `endCol` exclusive.
 */

/** A stretch of the document, in editor coordinates. */
export interface Range {
  startLine: number;
  startCol: number;
  endLine: number;
  endCol: number;
}

/** Whole lines, both ends inclusive. */
export interface LineSpan {
  startLine: number;
  endLine: number;
}

export type Severity = 'error' | 'warning' | 'info';

/** Stable identifiers so the host can offer quick fixes per kind. */
export type DiagnosticCode =
  | 'unknown-directive'
  | 'ignored-directive'
  | 'bad-directive-value'
  | 'bad-url-scheme'
  | 'bad-url'
  | 'malformed-header'
  | 'bad-hex'
  | 'bad-base64'
  | 'bad-duration'
  | 'bad-close-code'
  | 'bad-close-reason'
  | 'missing-request-line'
  | 'http-request'
  | 'unknown-separator'
  | 'bad-action'
  | 'bad-condition'
  | 'empty-binary-block'
  | 'after-close'
  | 'ignored-script'
  | 'script-syntax'
  | 'script-file'
  | 'bad-expect'
  | 'bad-assertion'
  | 'unresolved-variable'
  | 'missing-file'
  | 'env-json'
  | 'internal';

/** A problem found in the file, with a sentence that says what and how to fix it. */
export interface Diagnostic {
  severity: Severity;
  range: Range;
  message: string;
  code: DiagnosticCode;
}

/** How the request line was written. `none` is a bare `ws://…` URL. */
export type RequestKeyword = 'WEBSOCKET' | 'WS' | 'WSS' | 'GRAPHQL' | 'TCP' | 'TLS' | 'none';

export interface WsHeader {
  name: string;
  /** As written, variables unresolved. */
  value: string;
  line: number;
}

/** `# @name value` above a request. Unknown names are kept too (with a warning). */
export interface WsDirective {
  name: string;
  /** The text after the name, trimmed; '' when there is none. */
  value: string;
  line: number;
}

/** `@name = value`: a file variable, visible on the lines below its own. */
export interface FileVariable {
  name: string;
  /** As written, variables unresolved. */
  value: string;
  line: number;
  range: Range;
}

/** What one message block sends. */
export type WsMessage =
  /** Text as written (variables resolved at send time); `json` when it parses as JSON. */
  | { kind: 'text'; text: string; json: boolean }
  /** Hex digits after `=== binary` / `=== binary hex`, sent as one binary frame. */
  | { kind: 'hex'; source: string }
  /** Base64 after `=== binary base64`, sent as one binary frame. */
  | { kind: 'base64'; source: string }
  /**
   * `< path` (`auto`: a text frame when the file is valid UTF-8, else binary), `=== binary` then
   * `< path` (`binary`: always the bytes), or `<@ path` (`text`: text frame, variables resolved).
   */
  | { kind: 'file'; path: string; as: 'auto' | 'binary' | 'text'; encoding?: string };

/** One thing the script does, in order. */
export type WsStep =
  | { type: 'send'; message: WsMessage; lines: LineSpan }
  /** Wait until `count` more server messages have arrived (repeated separators add up). */
  | { type: 'wait-for-server'; count: number; lines: LineSpan }
  /** Pause for `ms` milliseconds. */
  | { type: 'wait'; ms: number; lines: LineSpan }
  /** Close with this code and reason. */
  | { type: 'close'; code: number; reason: string; lines: LineSpan }
  /**
   * One of the protocol's compose actions (`=== emit chat ack` with the arguments below it): the
   * values as written (variables resolved when it runs), the block below in the action's body field.
   */
  | { type: 'action'; action: string; values: ComposeValues; lines: LineSpan }
  /** Wait for a server message whose decoded view (or JSON) meets a filter condition: `=== wait-for event == "chat"`. */
  | { type: 'wait-for'; condition: string; lines: LineSpan }
  /** `=== expect …`: a declarative check of the server's messages (expect.ts); a test result, not a stop. */
  | { type: 'expect'; expect: Expectation; lines: LineSpan };

/** What `=== expect` checks; see docs/WSFILE.md "Expectations". */
export interface Expectation {
  /** The text after `expect`, as written: the test's name. */
  text: string;
  /** `not`: no such message (within the window, or as the next one). */
  not: boolean;
  matcher:
    | { kind: 'json'; value: unknown }
    | { kind: 'regex'; source: string; flags: string }
    | { kind: 'text'; text: string }
    | { kind: 'contains'; text: string }
    | { kind: 'condition'; condition: string }
    | { kind: 'any' };
  /** `within 2s`: any message in that window matches; without it, the next message must. */
  withinMs?: number;
  /** `count N`: N such messages. Default 1. */
  count: number;
}

/** Where a script block runs. */
export type ScriptEvent = 'pre-request' | 'response' | 'streaming' | 'after';

/**
 * A JetBrains `< {% %}` / `> {% %}` / `> ./check.js` handler or an httpYac `{{ }}` /
 * `{{@streaming}}` block, run in the sandbox (src/core/scripts) when the workspace is trusted.
 */
export interface WsScript {
  dialect: 'jetbrains' | 'httpyac';
  event: ScriptEvent;
  /** Inline source; absent for an external file. */
  code?: string;
  /** An external file (`> ./check.js`, `< ./pre.js`), relative to the .ws file's folder. */
  path?: string;
  /** File line of the code's first line (the line after the opener, or the opener's own line for `{% … %}` on one line). */
  codeLine: number;
  /** Column the code starts at on `codeLine`. */
  codeCol: number;
  lines: LineSpan;
}

/** An httpYac `?? field [path] op [value]` assertion line. */
export interface WsAssertion {
  /** status, duration, body, header, js (httpYac's names). */
  field: string;
  /** The header's name, or the expression after `js`, or a JSON path after `body`. */
  path?: string;
  op: string;
  value?: string;
  /** As written after `??`: the test's name. */
  text: string;
  line: number;
}

/** Settings read from the directives, with their defaults filled in where the parser knows them. */
export interface RequestSettings {
  subprotocols: string[];
  /** Handshake timeout in ms, when `@timeout` (or `@connection-timeout`) was given. */
  timeoutMs?: number;
  /** Ping interval in ms, when `@ping` was given. */
  pingMs?: number;
  reconnect: boolean;
  insecure: boolean;
  /** False after `@deflate off`. */
  deflate: boolean;
  /** From `@protocol`: a protocol's id ("socket.io", "graphql", …) or "none". */
  protocol?: string;
  /** httpYac's `@keepStreaming`: after the steps, script handlers keep receiving until the wait timeout of silence. */
  keepStreaming?: boolean;
  /** From `@protobuf` / `@decode`: how binary payloads are read ("protobuf:pkg.Tick", "msgpack"; see decode/payloads.ts). */
  payloads?: string;
  /** From `@framing` (raw TCP/TLS requests): the framing's spelling, e.g. "crlf", "prefix=4be". */
  framing?: string;
}

export interface WsRequest {
  /** 0-based position in the file. */
  index: number;
  /** From `# @name`, else the `###` line, else the URL as written. */
  name: string;
  /** True when the name came from `### …` or `# @name`. */
  named: boolean;
  /** From the `###` line to the last non-blank line before the next one. */
  range: LineSpan;
  keyword: RequestKeyword;
  /** As written, variables unresolved. */
  url: string;
  urlRange: Range;
  headers: WsHeader[];
  directives: WsDirective[];
  settings: RequestSettings;
  steps: WsStep[];
  /** Script blocks in file order (absent or empty when there are none). */
  scripts?: WsScript[];
  /** httpYac `??` assertion lines. */
  assertions?: WsAssertion[];
}

export interface ParsedWsFile {
  requests: WsRequest[];
  variables: FileVariable[];
  diagnostics: Diagnostic[];
}
