/**
 * What one line of a `.ws` file is, decided by its text alone.
 * The parser's state machine (parse.ts) decides what the line means where it stands.
 */

/** `###` starts a request; the rest of the line is its name. */
export const REQUEST_SEPARATOR = /^###/;
/** `# @name value`, `// @name value`, `# @name = value`. */
export const DIRECTIVE = /^(\s*(?:#|\/\/)\s*)@([A-Za-z][\w.-]*)(?:\s*=\s*|\s+|$)(.*)$/;
/** A whole-line comment. */
export const COMMENT = /^\s*(?:#|\/\/)/;
/** `@name = value` (also httpYac's lazy `@name := value`); trim the value. */
export const FILE_VARIABLE = /^@([A-Za-z_][\w.-]*)\s*:?=(.*)$/;
/** `WEBSOCKET url`, `WS url`, `WSS url`, JetBrains' `GRAPHQL url`, raw `TCP host:port` / `TLS host:port`: the keyword alone or followed by whitespace. */
export const KEYWORD_REQUEST = /^(WEBSOCKET|WSS|WS|GRAPHQL|TCP|TLS)(?=\s|$)(.*)$/;
/** A bare URL on its own line. */
export const BARE_URL = /^([A-Za-z][A-Za-z0-9+.-]*:\/\/\S*)\s*$/;
/** An HTTP (or other non-WebSocket) request line from a `.http` file. */
export const OTHER_REQUEST =
  /^(GET|POST|PUT|DELETE|PATCH|HEAD|OPTIONS|CONNECT|TRACE|GRPC|MQTT|SSE|EVENTSOURCE|AMQP|RABBITMQ|KAFKA)\s+\S/;
/** `Name: value`, the name being an RFC 9110 token; trim the value. */
export const HEADER = /^([!#$%&'*+.^_`|~0-9A-Za-z-]+)\s*:(.*)$/;
/** `===` alone or followed by a command; `====` is not a separator. */
export const MESSAGE_SEPARATOR = /^===(?=\s|$)(.*)$/;
/** `< path`, `<@ path`, `<@latin1 path` (apply to trimmed text). */
export const FILE_REFERENCE = /^<(@([\w-]*))?\s+(\S.*)$/;
/** Openers of script blocks that other clients run and we skip: httpYac `{{ … }}`, JetBrains `< {% … %}` / `> {% … %}`. */
export const SCRIPT_OPEN = /^(?:\{\{(@[\w-]+)?\s*$|[<>]\s*\{%)/;

/** Blank or whitespace only. */
export function isBlank(line: string): boolean {
  return line.trim() === '';
}

/** The line that closes a script block opened by `opener`, or undefined if none does before `end`. */
export function findScriptEnd(lines: string[], start: number, end: number): number | undefined {
  const opener = lines[start].trim();
  const jetbrains = /^[<>]\s*\{%/.test(opener);
  if (jetbrains && /%\}\s*$/.test(opener.replace(/^[<>]\s*\{%/, ''))) return start;
  for (let i = start + 1; i <= end; i++) {
    const t = lines[i].trim();
    if (jetbrains ? t.endsWith('%}') : t === '}}') return i;
  }
  return undefined;
}

/** The command after `===`, with a trailing `// comment` removed. */
export function separatorCommand(rest: string): string {
  const trimmed = rest.trim();
  if (trimmed.startsWith('//')) return '';
  return stripTrailingComment(trimmed);
}

/** Drops a ` // comment` (whitespace before the slashes) from the end of a line; `http://` stays. */
export function stripTrailingComment(text: string): string {
  // A single-character look-behind keeps this linear on long runs of spaces.
  const at = /\s\/\/(\s|$)/.exec(text);
  return (at ? text.slice(0, at.index) : text).trim();
}

/** The URL after a request keyword, without a trailing `HTTP/1.1`. */
export function requestTarget(rest: string): string {
  const trimmed = rest.trim();
  const version = /\sHTTP\/\d(\.\d)?$/.exec(trimmed);
  return (version ? trimmed.slice(0, version.index) : trimmed).trim();
}
