import type { ComposeAction, ComposeValues } from '../src/shared/compose';
import { el } from './dom';
import { ProtocolForm } from './protocolForm';

/** How the composer's text is sent: as a frame, or as a protocol's action (`proto:emit`). */
export type ComposerMode =
  'text' | 'json' | 'hex' | 'base64' | 'file' | 'ping' | 'close' | `proto:${string}` | `encode:${string}`;

const MODES: Array<[ComposerMode, string]> = [
  ['text', 'Text'],
  ['json', 'JSON'],
  ['hex', 'Binary (hex)'],
  ['base64', 'Binary (base64)'],
  ['file', 'File…'],
  ['ping', 'Ping'],
  ['close', 'Close frame'],
];
const PLACEHOLDERS: Record<string, string> = {
  text: 'Message to send (Ctrl+Enter or ⌘+Enter; ↑ and ↓ walk the history)',
  json: 'JSON to send; checked before sending (Ctrl+Enter or ⌘+Enter)',
  hex: 'Bytes as hex, e.g. 01 02 ff or 0x1f 0x8b',
  base64: 'Bytes as base64, e.g. AQL/',
  file: 'Press Send to pick a file; its bytes go as one binary message',
  ping: 'Ping payload (optional, at most 125 bytes); the round-trip time shows below',
  close: 'Close code and reason, e.g. 1000 bye or 4001 session expired',
};
/** How long typing pauses before the encoded size is worked out again. */
const PREVIEW_DELAY_MS = 250;
/** Sent messages remembered for ↑/↓. */
const HISTORY_LIMIT = 50;

/** What the composer asks the host to do. */
export interface ComposerActions {
  sendText(text: string): Promise<void>;
  sendBinary(encoding: 'hex' | 'base64', data: string): Promise<void>;
  sendFile(): Promise<void>;
  /** Resolves with the round-trip time in ms. */
  ping(payload: string): Promise<number>;
  closeWith(code: number, reason: string): Promise<void>;
  /** Encodes JSON with an encoder (msgpack, cbor, protobuf:<type>) and sends it, or only encodes it (`dryRun`): the size. */
  sendEncoded(encoder: string, text: string, dryRun: boolean): Promise<number>;
  /** Runs a protocol action; resolves with its sentence. */
  compose(action: string, values: ComposeValues): Promise<string | undefined>;
  /** Keeps the draft, mode and history across reloads. */
  save(state: { draft: string; mode: ComposerMode; history: string[] }): void;
}

type TextArea = HTMLElement & { value: string; wrappedElement?: HTMLTextAreaElement };

/** The message composer: text, JSON, hex, base64 or a file; history; Ctrl/Cmd+Enter to send. */
export class Composer {
  readonly element: HTMLElement;
  private readonly input: TextArea;
  private readonly modeSelect: HTMLSelectElement;
  private readonly formatButton: HTMLElement;
  private readonly sendButton: HTMLElement;
  private readonly error: HTMLElement;
  private readonly note: HTMLElement;
  private readonly form = new ProtocolForm();
  private protocolActions: ComposeAction[] = [];
  private protocolGroup: HTMLOptGroupElement | undefined;
  private encoders: Array<{ id: string; label: string }> = [];
  private encoderGroup: HTMLOptGroupElement | undefined;
  private previewTimer: ReturnType<typeof setTimeout> | undefined;
  private enabled = false;
  private mode: ComposerMode = 'text';
  private history: string[] = [];
  /** Position while browsing history; history.length means "the draft". */
  private cursor = 0;
  private draft = '';

  constructor(private readonly actions: ComposerActions) {
    this.element = el('div', 'composer');
    this.modeSelect = el('select', 'composer-mode');
    this.modeSelect.id = 'composer-mode';
    this.modeSelect.setAttribute('aria-label', 'Message kind');
    for (const [value, label] of MODES) {
      const option = el('option', undefined, label);
      option.value = value;
      this.modeSelect.append(option);
    }
    this.modeSelect.addEventListener('change', () => this.setMode(this.modeSelect.value as ComposerMode));

    this.input = document.createElement('vscode-textarea');
    this.input.id = 'composer';
    this.input.setAttribute('label', 'Message to send');
    this.input.setAttribute('rows', '3');
    this.input.setAttribute('resize', 'vertical');
    this.input.addEventListener('keydown', (e: KeyboardEvent) => this.onKey(e));
    this.input.addEventListener('input', () => {
      this.error.textContent = '';
      this.cursor = this.history.length;
      this.persist();
      this.previewSoon();
    });

    this.formatButton = document.createElement('vscode-button');
    this.formatButton.id = 'format-json';
    this.formatButton.setAttribute('secondary', '');
    this.formatButton.textContent = 'Format';
    this.formatButton.title = 'Check and pretty-print the JSON';
    this.formatButton.addEventListener('click', () => this.formatJson());

    this.sendButton = document.createElement('vscode-button');
    this.sendButton.id = 'send';
    this.sendButton.setAttribute('icon', 'send');
    this.sendButton.textContent = 'Send';
    this.sendButton.addEventListener('click', () => void this.submit());

    this.note = el('div', 'composer-note');
    this.note.id = 'composer-note';
    this.note.setAttribute('role', 'status');
    this.error = el('div', 'composer-error');
    this.error.id = 'composer-error';
    this.error.setAttribute('role', 'alert');
    const side = el('div', 'composer-side');
    side.append(this.modeSelect, this.formatButton, this.sendButton);
    const row = el('div', 'composer-row');
    row.append(this.input, side);
    this.element.append(this.form.element, row, this.error, this.note);
    this.setMode('text');
    this.setEnabled(false);
  }

  /** Restores what `save` kept. */
  restore(state: { draft?: string; mode?: string; history?: unknown }): void {
    if (Array.isArray(state.history))
      this.history = state.history.filter((h): h is string => typeof h === 'string').slice(-HISTORY_LIMIT);
    this.cursor = this.history.length;
    if (MODES.some(([m]) => m === state.mode)) this.setMode(state.mode as ComposerMode);
    else if (typeof state.mode === 'string' && (state.mode.startsWith('proto:') || state.mode.startsWith('encode:')))
      this.wantedMode = state.mode as ComposerMode;
    if (typeof state.draft === 'string') this.input.value = state.draft;
  }

  /** Sending is possible only while the connection is open. */
  setEnabled(enabled: boolean): void {
    this.enabled = enabled;
    this.sendButton.toggleAttribute('disabled', !enabled);
  }

  /** The protocol's actions join the kinds of message (a mode kept from before a reload comes back). */
  setProtocol(label: string | undefined, actions: ComposeAction[]): void {
    this.protocolActions = actions;
    this.protocolGroup?.remove();
    this.protocolGroup = undefined;
    if (actions.length > 0) {
      const group = el('optgroup');
      group.label = label ?? 'Protocol';
      for (const a of actions) {
        const option = el('option', undefined, a.label);
        option.value = `proto:${a.id}`;
        if (a.description) option.title = a.description;
        group.append(option);
      }
      this.modeSelect.append(group);
      this.protocolGroup = group;
    }
    const wanted = this.wantedMode ?? this.mode;
    if (wanted.startsWith('proto:') && actions.some((a) => `proto:${a.id}` === wanted)) this.setMode(wanted);
    else if (this.mode.startsWith('proto:')) this.setMode('text');
  }

  /** The encoders offered ("Encode JSON as"): MessagePack, CBOR, the schema's Protobuf types. */
  setEncoders(encoders: Array<{ id: string; label: string }>): void {
    if (JSON.stringify(encoders) === JSON.stringify(this.encoders)) return;
    this.encoders = encoders;
    this.encoderGroup?.remove();
    const group = el('optgroup');
    group.label = 'Encode JSON as';
    for (const e of encoders) {
      const option = el('option', undefined, e.label);
      option.value = `encode:${e.id}`;
      option.title = `Write JSON; it is sent as one binary message encoded as ${e.label}`;
      group.append(option);
    }
    this.modeSelect.append(group);
    this.encoderGroup = group;
    const wanted = this.wantedMode ?? this.mode;
    if (wanted.startsWith('encode:') && encoders.some((e) => `encode:${e.id}` === wanted)) this.setMode(wanted);
    else if (this.mode.startsWith('encode:')) this.setMode('json');
  }

  private wantedMode: ComposerMode | undefined;

  private get encoder(): { id: string; label: string } | undefined {
    return this.mode.startsWith('encode:') ? this.encoders.find((e) => `encode:${e.id}` === this.mode) : undefined;
  }

  /** In an encoding mode, the size the JSON encodes to (or why it does not), shortly after typing stops. */
  private previewSoon(): void {
    clearTimeout(this.previewTimer);
    const encoder = this.encoder;
    if (!encoder) return;
    this.previewTimer = setTimeout(() => {
      const text = this.input.value;
      if (!text.trim()) {
        this.note.textContent = '';
        return;
      }
      this.actions.sendEncoded(encoder.id, text, true).then(
        (size) => {
          if (this.encoder === encoder && this.input.value === text)
            this.note.textContent = `${encoder.label}: ${size} bytes when sent.`;
        },
        (err: Error) => {
          if (this.encoder === encoder && this.input.value === text) this.note.textContent = err.message;
        },
      );
    }, PREVIEW_DELAY_MS);
  }

  private setMode(mode: ComposerMode): void {
    this.mode = mode;
    this.modeSelect.value = mode;
    const action = mode.startsWith('proto:') ? this.protocolActions.find((a) => `proto:${a.id}` === mode) : undefined;
    if (action || this.encoder) this.wantedMode = undefined;
    this.form.show(action);
    const body = this.form.body;
    this.input.setAttribute(
      'placeholder',
      action
        ? body
          ? `${body.label}: ${body.placeholder ?? ''}`
          : `${action.label} has no body; press Send`
        : this.encoder
          ? `JSON to send as ${this.encoder.label}; its size shows below as you type (Ctrl+Enter or ⌘+Enter)`
          : PLACEHOLDERS[mode],
    );
    this.input.toggleAttribute('disabled', mode === 'file' || (!!action && !body));
    this.note.textContent = '';
    this.formatButton.hidden = mode !== 'json' && !this.encoder;
    this.error.textContent = '';
    this.persist();
    this.previewSoon();
  }

  private onKey(e: KeyboardEvent): void {
    if (e.key === 'Enter' && (e.ctrlKey || e.metaKey)) {
      e.preventDefault();
      void this.submit();
      return;
    }
    // ↑ on the first line and ↓ on the last line walk the history, as in a shell.
    const area = this.input.wrappedElement;
    const caret = area?.selectionStart ?? 0;
    const value = this.input.value;
    const onFirstLine = !value.slice(0, caret).includes('\n');
    const onLastLine = !value.slice(area?.selectionEnd ?? caret).includes('\n');
    if (e.key === 'ArrowUp' && !e.shiftKey && onFirstLine && this.cursor > 0) {
      e.preventDefault();
      if (this.cursor === this.history.length) this.draft = value;
      this.recall(this.cursor - 1);
    } else if (e.key === 'ArrowDown' && !e.shiftKey && onLastLine && this.cursor < this.history.length) {
      e.preventDefault();
      this.recall(this.cursor + 1);
    }
  }

  private recall(position: number): void {
    this.cursor = position;
    this.input.value = position === this.history.length ? this.draft : this.history[position];
    this.persist();
  }

  private formatJson(): void {
    const parsed = this.parseJson();
    if (parsed.ok) this.input.value = JSON.stringify(parsed.value, null, 2);
  }

  private parseJson(): { ok: true; value: unknown } | { ok: false } {
    try {
      return { ok: true, value: JSON.parse(this.input.value) };
    } catch (err) {
      this.error.textContent = `Not valid JSON: ${(err as Error).message}. Nothing was sent.`;
      return { ok: false };
    }
  }

  private async submit(): Promise<void> {
    const text = this.input.value;
    this.error.textContent = '';
    this.note.textContent = '';
    if (!this.enabled) {
      this.error.textContent = 'Not connected. Reconnect, then send.';
      return;
    }
    try {
      const action = this.form.current;
      if (action && this.mode === `proto:${action.id}`) {
        const sentence = await this.actions.compose(action.id, this.form.values(text));
        this.note.textContent = sentence ?? `${action.label}: sent.`;
        this.remember(text);
        return;
      }
      const encoder = this.encoder;
      if (encoder) {
        const size = await this.actions.sendEncoded(encoder.id, text, false);
        this.note.textContent = `Sent ${size} bytes of ${encoder.label}.`;
        this.remember(text);
        return;
      }
      switch (this.mode) {
        case 'json':
          if (!this.parseJson().ok) return;
          await this.actions.sendText(text);
          break;
        case 'hex':
        case 'base64':
          await this.actions.sendBinary(this.mode, text);
          break;
        case 'file':
          await this.actions.sendFile();
          return;
        case 'ping': {
          if (new TextEncoder().encode(text).length > 125) {
            this.error.textContent = 'A ping payload can be at most 125 bytes. Nothing was sent.';
            return;
          }
          const rtt = await this.actions.ping(text);
          this.note.textContent = `Pong after ${rtt < 10 ? rtt.toFixed(1) : Math.round(rtt)} ms.`;
          return;
        }
        case 'close': {
          const match = /^\s*(\d{4})(?:\s+([\s\S]*))?$/.exec(text);
          if (!match) {
            this.error.textContent = 'Write a close code and an optional reason, e.g. "1000 bye". Nothing was sent.';
            return;
          }
          await this.actions.closeWith(Number(match[1]), (match[2] ?? '').trim());
          return;
        }
        default:
          await this.actions.sendText(text);
      }
      this.remember(text);
    } catch (err) {
      this.error.textContent = (err as Error).message;
    }
  }

  private remember(text: string): void {
    if (text && this.history[this.history.length - 1] !== text) this.history.push(text);
    if (this.history.length > HISTORY_LIMIT) this.history.splice(0, this.history.length - HISTORY_LIMIT);
    this.cursor = this.history.length;
    this.persist();
  }

  private persist(): void {
    this.actions.save({ draft: this.input.value, mode: this.mode, history: this.history });
  }
}
