import type { Direction, FilterQuery, FilterStatus, RowKind } from '../src/shared/protocol';
import { el } from './dom';

/**
 * Keystrokes within this long go as one change (a paste, a held key); otherwise each one is sent at
 * once: the host starts its pass right away and the next keystroke replaces it, so results show while typing.
 */
const COALESCE_MS = 0;

const DIRECTIONS: Array<[Direction | '', string]> = [
  ['', 'All directions'],
  ['sent', 'Sent'],
  ['received', 'Received'],
  ['event', 'Events'],
];
const KINDS: Array<[RowKind | '', string]> = [
  ['', 'All kinds'],
  ['text', 'Text'],
  ['binary', 'Binary'],
  ['ping', 'Ping'],
  ['pong', 'Pong'],
  ['close', 'Close'],
  ['open', 'Open'],
  ['error', 'Error'],
  ['info', 'Info'],
];

/**
 * The filter bar: text (plain or regular expression, case toggle), direction, kind, and a JSON
 * field condition. The host does the filtering; this bar only says what and shows "M of N".
 */
export class FilterBar {
  readonly element: HTMLElement;
  private readonly text: HTMLInputElement;
  private readonly json: HTMLInputElement;
  private readonly regex: HTMLButtonElement;
  private readonly caseSensitive: HTMLButtonElement;
  /** Pressed: the protocol's keepalives are folded away (shown only when a protocol has them). */
  private readonly keepalives: HTMLButtonElement;
  private readonly direction: HTMLSelectElement;
  private readonly kind: HTMLSelectElement;
  private readonly status: HTMLElement;
  private readonly error: HTMLElement;
  private timer = 0;

  constructor(private readonly apply: (query: FilterQuery | null) => void) {
    this.element = el('div', 'filter-bar');
    this.element.setAttribute('role', 'search');
    this.text = input('filter-text', 'Filter messages (press / to focus)', 'Text to find');
    this.regex = toggle('filter-regex', '.*', 'Use a regular expression');
    this.caseSensitive = toggle('filter-case', 'Aa', 'Match case');
    this.direction = select('filter-direction', 'Direction', DIRECTIONS);
    this.kind = select('filter-kind', 'Kind', KINDS);
    this.json = input('filter-json', 'JSON field, e.g. type == "trade"', 'JSON field condition');
    this.json.classList.add('filter-json');
    this.keepalives = toggle(
      'filter-keepalives',
      'Hide keepalives',
      'Hide the protocol keepalives (pings, heart-beats)',
    );
    this.keepalives.setAttribute('aria-pressed', 'true');
    this.keepalives.hidden = true;
    this.status = el('span', 'filter-status');
    this.status.id = 'filter-status';
    this.status.setAttribute('aria-live', 'polite');
    this.error = el('div', 'filter-error');
    this.error.id = 'filter-error';
    this.error.setAttribute('role', 'alert');
    const line = el('div', 'filter-line');
    line.append(
      this.text,
      this.caseSensitive,
      this.regex,
      this.direction,
      this.kind,
      this.json,
      this.keepalives,
      this.status,
    );
    this.element.append(line, this.error);
    for (const field of [this.text, this.json]) field.addEventListener('input', () => this.changed());
    for (const field of [this.direction, this.kind]) field.addEventListener('change', () => this.changed(0));
    for (const button of [this.regex, this.caseSensitive, this.keepalives]) {
      button.addEventListener('click', () => {
        button.setAttribute('aria-pressed', String(button.getAttribute('aria-pressed') !== 'true'));
        this.changed(0);
      });
    }
    this.text.addEventListener('keydown', (e) => {
      if (e.key === 'Escape' && this.text.value) {
        e.stopPropagation();
        this.text.value = '';
        this.changed(0);
      }
    });
  }

  focus(): void {
    this.text.focus();
    this.text.select();
  }

  /** The query as the fields say now (null when nothing is set). */
  query(): FilterQuery | null {
    const query: FilterQuery = {};
    if (this.text.value) {
      query.text = this.text.value;
      query.mode = pressed(this.regex) ? 'regex' : 'substring';
      query.caseSensitive = pressed(this.caseSensitive);
    }
    if (this.direction.value) query.directions = [this.direction.value as Direction];
    if (this.kind.value) query.kinds = [this.kind.value as RowKind];
    if (this.json.value.trim()) query.json = this.json.value;
    if (!this.keepalives.hidden) query.hideKeepalives = pressed(this.keepalives);
    return Object.keys(query).length ? query : null;
  }

  /** A protocol with keepalives decodes the rows: offer folding them (on by default). Returns true when the query changed. */
  setKeepalives(offered: boolean): boolean {
    if (this.keepalives.hidden === !offered) return false;
    this.keepalives.hidden = !offered;
    return true;
  }

  /** Puts a saved query back into the fields (without applying it). */
  restore(query: FilterQuery | null | undefined): void {
    if (!query) return;
    this.text.value = query.text ?? '';
    this.regex.setAttribute('aria-pressed', String(query.mode === 'regex'));
    this.caseSensitive.setAttribute('aria-pressed', String(!!query.caseSensitive));
    this.direction.value = query.directions?.[0] ?? '';
    this.kind.value = query.kinds?.[0] ?? '';
    this.json.value = query.json ?? '';
    if (query.hideKeepalives === false) this.keepalives.setAttribute('aria-pressed', 'false');
  }

  /** "M of N", or the reason the filter stopped. */
  setStatus(status: FilterStatus | undefined, total: number, noun = 'messages'): void {
    this.error.textContent = status?.error ?? '';
    this.element.classList.toggle('invalid', !!status?.error);
    if (!status) {
      this.status.textContent = `${total.toLocaleString()} ${noun}`;
      return;
    }
    const hidden = status.keepalivesHidden ? ` · ${status.keepalivesHidden.toLocaleString()} keepalives hidden` : '';
    const onlyFolding = !this.text.value && !this.json.value.trim() && !this.direction.value && !this.kind.value;
    const shown = onlyFolding
      ? `${status.matched.toLocaleString()} ${noun}`
      : `${status.matched.toLocaleString()} of ${total.toLocaleString()}`;
    this.status.textContent = `${shown}${hidden}${status.running ? ' …' : ''}`;
  }

  private changed(delay = COALESCE_MS): void {
    clearTimeout(this.timer);
    this.timer = window.setTimeout(() => this.apply(this.query()), delay);
  }
}

function input(id: string, placeholder: string, label: string): HTMLInputElement {
  const i = el('input', 'filter-input');
  i.id = id;
  i.type = 'text';
  i.spellcheck = false;
  i.placeholder = placeholder;
  i.setAttribute('aria-label', label);
  return i;
}

function toggle(id: string, text: string, label: string): HTMLButtonElement {
  const b = el('button', 'tool filter-toggle', text);
  b.id = id;
  b.title = label;
  b.setAttribute('aria-label', label);
  b.setAttribute('aria-pressed', 'false');
  return b;
}

function select(id: string, label: string, options: Array<[string, string]>): HTMLSelectElement {
  const s = el('select', 'composer-mode filter-select');
  s.id = id;
  s.setAttribute('aria-label', label);
  for (const [value, text] of options) {
    const o = el('option', undefined, text);
    o.value = value;
    s.append(o);
  }
  return s;
}

function pressed(button: HTMLElement): boolean {
  return button.getAttribute('aria-pressed') === 'true';
}
