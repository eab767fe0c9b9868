import type { ComposeAction } from '../../shared/compose';
import { FilterError } from '../filterError';
import { parseJsonConditions } from '../filterAll';
import { actionValues, actionWords } from './actionLine';
import { decodeBase64, decodeHex } from './binary';
import { durationHint, parseDuration } from './duration';
import { COMMENT, FILE_REFERENCE, MESSAGE_SEPARATOR, SCRIPT_OPEN, isBlank, separatorCommand } from './lines';
import { parseExpectation } from './expect';
import { ScriptBlockParser } from './scriptBlocks';
import type { WsMessage, WsStep } from './types';

/** Largest close reason the protocol allows, in UTF-8 bytes. */
const MAX_CLOSE_REASON_BYTES = 123;

export interface ContentLine {
  line: number;
  text: string;
}

/**
 * The part of the `.ws` parser below a request's headers: message blocks, waits, delays and the
 * close, with the diagnostics they raise. `FileParser` (parse.ts) reads regions and request lines.
 */
export abstract class BodyParser extends ScriptBlockParser {
  /** Message blocks separated by `===` lines, and the waits, delays and close between them. */
  /** `first`: an action the first block is the body of (JetBrains' GRAPHQL request: the operation, then its variables). */
  protected parseBody(
    from: number,
    last: number,
    steps: WsStep[],
    actions: readonly ComposeAction[] = [],
    first?: ComposeAction,
  ): void {
    const lines = this.lines;
    let block: ContentLine[] = [];
    let binary: { mode: 'hex' | 'base64'; line: number } | undefined;
    /** A protocol action whose body is the block below its `===` line. */
    let action: { step: Extract<WsStep, { type: 'action' }>; def: ComposeAction; jetbrains?: boolean } | undefined =
      first && {
        step: { type: 'action', action: first.id, values: {}, lines: { startLine: from, endLine: from } },
        def: first,
        jetbrains: true,
      };
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
      const acting = action;
      action = undefined;
      if (acting) return this.actionBody(acting.step, acting.def, content, push, acting.jetbrains);
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
        i = this.readScript(i, last, false);
        continue;
      }
      const sep = MESSAGE_SEPARATOR.exec(text);
      if (!sep && this.externalScript(i, text, 'response')) {
        flush();
        continue;
      }
      if (!sep && /^\s*\?\?(\s|$)/.test(text)) {
        this.readAssertion(i, text);
        continue;
      }
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
      const waitFor = /^wait-for\s+(.+)$/i.exec(command);
      if (waitFor) {
        this.waitForStep(i, text, waitFor[1].trim(), push);
        continue;
      }
      const expect = /^expect(?:\s+(.*))?$/i.exec(command);
      if (expect) {
        const parsed = parseExpectation(expect[1] ?? '');
        if ('error' in parsed) {
          const col = expect[1] ? text.indexOf(expect[1]) : 0;
          this.report('error', 'bad-expect', this.lineRange(i, col), parsed.error);
        } else push({ type: 'expect', expect: parsed, lines: span });
        continue;
      }
      const word = /^([A-Za-z][\w-]*)(?:\s+(.*))?$/.exec(command);
      const def = word && actions.find((a) => a.id === word[1].toLowerCase());
      if (def) {
        const step = this.actionStep(i, text, def, word[2] ?? '');
        if (step) action = { step, def };
        continue;
      }
      const offered = actions.length
        ? `, or one of the protocol's actions: ${actions.map((a) => a.id).join(', ')}`
        : '';
      this.report(
        'error',
        'unknown-separator',
        this.lineRange(i),
        `"=== ${command}" is not something a .ws script can do. After === write nothing, wait-for-server, wait-for <condition>, expect <check>, wait 500ms, binary [hex|base64] or close [code] [reason]${offered}.`,
      );
    }
    flush();
  }

  /** `=== emit chat ack`: the action's values from the line's words, or a diagnostic. */
  private actionStep(
    i: number,
    text: string,
    def: ComposeAction,
    args: string,
  ): Extract<WsStep, { type: 'action' }> | undefined {
    const words = actionWords(args);
    const argCol = args ? text.lastIndexOf(args) : text.length;
    if (!Array.isArray(words)) {
      this.report('error', 'bad-action', this.lineRange(i, argCol + words.at), `"=== ${def.id}": ${words.error}.`);
      return undefined;
    }
    const read = actionValues(def, words);
    if ('error' in read) {
      this.report('error', 'bad-action', this.lineRange(i, argCol), read.error);
      return undefined;
    }
    return { type: 'action', action: def.id, values: read.values, lines: { startLine: i, endLine: i } };
  }

  /** The block below an action's line fills its body field (an action without one takes no block). */
  private actionBody(
    step: Extract<WsStep, { type: 'action' }>,
    def: ComposeAction,
    content: ContentLine[],
    push: (s: WsStep) => void,
    jetbrains = false,
  ): void {
    const body = def.fields.find((f) => f.body);
    // JetBrains writes the variables as a JSON object below the operation, after a blank line.
    if (jetbrains) {
      let blank = content.length - 1;
      while (blank > 0 && !isBlank(content[blank].text)) blank--;
      const tail = blank > 0 ? content.slice(blank + 1) : [];
      if (tail.length && /^\s*\{/.test(tail[0].text) && def.fields.some((f) => f.name === 'variables')) {
        step.values.variables = tail.map((c) => c.text).join('\n');
        content = trimBlock(content.slice(0, blank));
      }
      if (content.length) step.lines.startLine = content[0].line;
    }
    if (content.length > 0) {
      if (!body) {
        this.report(
          'error',
          'bad-action',
          { startLine: content[0].line, startCol: 0, endLine: content[content.length - 1].line, endCol: 0 },
          `"=== ${def.id}" takes no message below it. Put a "===" line above this text to send it as a message of its own.`,
        );
        return;
      }
      step.values[body.name] = content.map((c) => c.text).join('\n');
      step.lines.endLine = content[content.length - 1].line;
    }
    if (body?.required && !step.values[body.name])
      this.report(
        'error',
        'bad-action',
        this.lineRange(step.lines.startLine),
        `"=== ${def.id}" needs its ${body.label.toLowerCase()} on the lines below it.`,
      );
    else push(step);
  }

  /** `=== wait-for type == "next"`: the condition is checked now, with the filter's own grammar and sentences. */
  private waitForStep(i: number, text: string, condition: string, push: (s: WsStep) => void): void {
    try {
      parseJsonConditions(condition);
    } catch (err) {
      const col = text.indexOf(condition);
      const why = err instanceof FilterError ? err.message : String(err);
      this.report('error', 'bad-condition', this.lineRange(i, col, col + condition.length), why);
      return;
    }
    push({ type: 'wait-for', condition, lines: { startLine: i, endLine: i } });
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
