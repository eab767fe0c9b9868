import { parseAssertion } from './assertions';
import { findScriptEnd } from './lines';
import type { Diagnostic, DiagnosticCode, Range, ScriptEvent, Severity, WsAssertion, WsScript } from './types';

/**
 * The base of the `.ws` parser: diagnostics, and the script blocks, external handlers and `??`
 * lines a request may hold anywhere (BodyParser in body.ts reads the message blocks).
 */
export abstract class ScriptBlockParser {
  protected readonly diagnostics: Diagnostic[] = [];

  constructor(protected readonly lines: string[]) {}

  protected report(severity: Severity, code: DiagnosticCode, range: Range, message: string): void {
    this.diagnostics.push({ severity, code, range, message });
  }

  protected lineRange(line: number, startCol = 0, endCol = this.lines[line]?.length ?? 0): Range {
    return { startLine: line, startCol, endLine: line, endCol: Math.max(endCol, startCol) };
  }

  /** The scripts and `??` assertions of the request being read (parse.ts takes them with the request). */
  protected scripts: WsScript[] = [];
  protected assertions: WsAssertion[] = [];

  /**
   * A script block from line `at`: JetBrains `< {% … %}` / `> {% … %}`, httpYac `{{ … }}` /
   * `{{@streaming … }}`. `beforeRequest`: above the request line (an httpYac `{{ }}` there runs before
   * it connects). Returns the block's last line.
   */
  protected readScript(at: number, last: number, beforeRequest: boolean): number {
    const end = findScriptEnd(this.lines, at, last);
    const opener = this.lines[at].trim();
    if (end === undefined) {
      this.report(
        'warning',
        'ignored-script',
        { startLine: at, startCol: 0, endLine: last, endCol: this.lines[last].length },
        'This script block is never closed, so everything below it in this request is skipped. Close it with "}}" (httpYac) or "%}" (JetBrains).',
      );
      return last;
    }
    const range = { startLine: at, startCol: 0, endLine: end, endCol: this.lines[end].length };
    const jetbrains = /^[<>]\s*\{%/.test(opener);
    let event: ScriptEvent;
    if (jetbrains) event = opener.startsWith('<') ? 'pre-request' : 'response';
    else {
      const name = /^\{\{(@[\w-]+)?/.exec(opener)?.[1];
      const events: Record<string, ScriptEvent> = {
        '@request': 'pre-request',
        '@streaming': 'streaming',
        '@response': 'after',
        '@after': 'after',
      };
      if (name === undefined) event = beforeRequest ? 'pre-request' : 'after';
      else if (events[name]) event = events[name];
      else {
        this.report(
          'warning',
          'ignored-script',
          range,
          `httpYac's {{${name} … }} script runs at an event WebSocket requests do not have here, so it is skipped. Use {{ }} (before the request line: before it connects; below it: after the exchange) or {{@streaming}}.`,
        );
        return end;
      }
    }
    // The code keeps its place: the opener and closer are blanked, so script line N is file line at + N - 1.
    const code: string[] = [];
    for (let i = at; i <= end; i++) {
      let t = this.lines[i];
      if (i === at) {
        const open = jetbrains ? t.indexOf('{%') + 2 : t.length;
        t = ' '.repeat(open) + t.slice(open);
      }
      if (i === end) {
        const close = jetbrains ? t.lastIndexOf('%}') : i === at ? t.length : t.lastIndexOf('}}');
        t = close >= 0 ? t.slice(0, close) : t;
      }
      code.push(t);
    }
    this.scripts.push({
      dialect: jetbrains ? 'jetbrains' : 'httpyac',
      event,
      code: code.join('\n'),
      codeLine: at,
      codeCol: 0,
      lines: { startLine: at, endLine: end },
    });
    return end;
  }

  /** JetBrains' external handler: `> ./check.js` below the messages, `< ./pre.js` above the request line. */
  protected externalScript(i: number, text: string, event: ScriptEvent): boolean {
    const m = (event === 'response' ? /^>\s+(\S+)\s*$/ : /^<\s+(\S+\.[cm]?js)\s*$/).exec(text.trim());
    if (!m || !(/^\.{0,2}\//.test(m[1]) || /\.[cm]?js$/.test(m[1]))) return false;
    this.scripts.push({
      dialect: 'jetbrains',
      event,
      path: m[1],
      codeLine: 0,
      codeCol: 0,
      lines: { startLine: i, endLine: i },
    });
    return true;
  }

  /** httpYac's `?? field [path] op [value]`. */
  protected readAssertion(i: number, text: string): void {
    const body = text.trim().replace(/^\?\?\s*/, '');
    const parsed = parseAssertion(body);
    const col = this.lines[i].indexOf(body);
    if ('error' in parsed) {
      this.report(parsed.severity, 'bad-assertion', this.lineRange(i, col, col + body.length), parsed.error);
      return;
    }
    this.assertions.push({ ...parsed, text: body, line: i });
  }
}
