import type { RowDetail } from '../src/shared/protocol';
import { hexDump } from '../src/shared/hexDump';
import { el, formatBytes, formatTime, icon } from './dom';
import { jsonTree } from './jsonTree';
import { hasInvisible, setVisibleText } from './invisible';

/** Bytes a hex dump shows in the pane; the rest is a click away in an editor tab. */
const HEX_LIMIT = 64 * 1024;
/** Characters of text the pane shows. */
const TEXT_LIMIT = 256 * 1024;

type View = 'decoded' | 'tree' | 'text' | 'raw' | 'hex' | 'base64' | 'utf8';

export interface DetailActions {
  copy(text: string): void;
  openInEditor(index: number): void;
  /** Read payloads with another decoder (the Payloads picker's choice). */
  readPayloadsAs(choice: string): void;
  close(): void;
}

/** The detail pane: the selected message in full, as a JSON tree, text, or a hex dump. */
export class DetailPane {
  readonly element: HTMLElement;
  private readonly title: HTMLElement;
  private readonly tabs: HTMLElement;
  private readonly body: HTMLElement;
  private readonly note: HTMLElement;
  /** What decoded the body, in plain words (the note below it warns of what was left out). */
  private readonly decodedNote: HTMLElement;
  private detail: RowDetail | undefined;
  private json: unknown;
  private isJson = false;
  private view: View = 'text';
  /** Bytes of the field last asked for from the decoded tree, marked in the hex dump. */
  private marked: { start: number; end: number } | undefined;
  /** The tab the user last chose for each sort of body; a new selection opens on it. */
  private readonly preferred: Partial<Record<'json' | 'text' | 'binary' | 'decoded', View>> = {};

  constructor(private readonly actions: DetailActions) {
    this.element = el('section', 'detail');
    this.element.id = 'detail';
    this.element.hidden = true;
    this.element.setAttribute('aria-label', 'Message detail');
    const bar = el('div', 'detail-bar');
    this.title = el('span', 'detail-title');
    this.tabs = el('span', 'detail-tabs');
    this.tabs.setAttribute('role', 'tablist');
    const tools = el('span', 'detail-tools');
    tools.append(
      toolButton('detail-copy', 'copy', 'Copy the body', () => this.copyBody()),
      toolButton(
        'detail-open',
        'go-to-file',
        'Open in an editor tab',
        () => this.detail && this.actions.openInEditor(this.detail.index),
      ),
      toolButton('detail-close', 'close', 'Close the detail pane', () => this.actions.close()),
    );
    bar.append(this.title, this.tabs, tools);
    this.decodedNote = el('div', 'detail-decoded');
    this.note = el('div', 'detail-note');
    this.body = el('div', 'detail-body');
    this.body.tabIndex = 0;
    this.element.append(bar, this.decodedNote, this.note, this.body);
    this.element.addEventListener('keydown', (e) => {
      if (e.key === 'Escape') {
        e.preventDefault();
        this.actions.close();
      }
    });
  }

  get index(): number | undefined {
    return this.detail?.index;
  }

  showLoading(): void {
    this.element.hidden = false;
    this.title.textContent = 'Loading…';
    this.note.textContent = '';
    this.body.replaceChildren(el('div', 'detail-loading', 'Loading…'));
  }

  showError(message: string): void {
    this.body.replaceChildren(el('div', 'detail-error', message));
  }

  show(detail: RowDetail): void {
    this.detail = detail;
    this.marked = undefined;
    this.element.hidden = false;
    this.title.textContent = `#${detail.index + 1} · ${detail.direction} · ${detail.kind} · ${formatBytes(detail.size)} · ${formatTime(detail.time)}`;
    this.isJson = false;
    if (detail.text !== undefined && !detail.truncated) {
      const t = detail.text.trimStart();
      if (t.startsWith('{') || t.startsWith('[')) {
        try {
          this.json = JSON.parse(detail.text);
          this.isJson = true;
        } catch {
          // Not JSON after all: shown as text.
        }
      }
    }
    // Text with bidi controls or invisible characters shows them as marks; Raw is the text as it is.
    const raw: View[] = detail.text !== undefined && hasInvisible(detail.text) ? ['raw'] : [];
    const plain: View[] = detail.bytes
      ? ['hex', 'base64', 'utf8']
      : this.isJson
        ? ['tree', 'text', ...raw, 'hex']
        : ['text', ...raw, 'hex'];
    // A decoder's view comes first, the raw ones stay a click away.
    const views: View[] = detail.decoded ? ['decoded', ...plain] : plain;
    const sort = detail.decoded ? 'decoded' : detail.bytes ? 'binary' : this.isJson ? 'json' : 'text';
    this.view = this.preferred[sort] ?? views[0];
    this.tabs.replaceChildren(
      ...views.map((v) => {
        const b = el('button', 'detail-tab', LABELS[v]);
        b.dataset.view = v;
        b.setAttribute('role', 'tab');
        b.setAttribute('aria-selected', String(v === this.view));
        b.addEventListener('click', () => {
          this.view = v;
          this.marked = undefined;
          this.preferred[sort] = v;
          this.render();
          for (const t of this.tabs.children)
            t.setAttribute('aria-selected', String((t as HTMLElement).dataset.view === v));
        });
        return b;
      }),
    );
    this.decodedNote.textContent = detail.decoded ? `Decoded as ${detail.decoded.label}.` : '';
    const others = detail.decoded?.alternatives ?? [];
    if (others.length) {
      this.decodedNote.append(' Also readable as: ');
      others.forEach((o, i) => {
        const b = el('button', 'json-action detail-alternative', o.label);
        b.dataset.choice = o.id;
        b.title = `Read payloads as ${o.label} (the Payloads picker's choice for this URL)`;
        b.addEventListener('click', () => this.actions.readPayloadsAs(o.id));
        this.decodedNote.append(...(i ? [' · '] : []), b);
      });
    }
    this.note.textContent = [
      detail.decoded?.problem ?? '',
      detail.truncated
        ? `Showing the first ${formatBytes(detail.bytes?.byteLength ?? detail.text?.length ?? 0)} of ${formatBytes(detail.size)}. Open it in an editor tab for the whole body.`
        : '',
    ]
      .filter(Boolean)
      .join(' ');
    this.render();
  }

  hide(): void {
    this.detail = undefined;
    this.element.hidden = true;
    this.body.replaceChildren();
  }

  private render(): void {
    const d = this.detail;
    if (!d) return;
    const bytes = d.bytes ? new Uint8Array(d.bytes) : new TextEncoder().encode(d.text ?? '');
    let content: HTMLElement;
    switch (this.view) {
      case 'decoded': {
        const value = d.decoded?.value;
        const ranges = rangesByPath(d.decoded?.ranges);
        content =
          value !== null && typeof value === 'object'
            ? jsonTree(value, {
                copy: (t) => this.actions.copy(t),
                bytesOf: (path) => ranges.get(path),
                showBytes: (range) => this.showBytes(range),
              })
            : pre('detail-text', clip(typeof value === 'string' ? value : JSON.stringify(value)));
        break;
      }
      case 'tree':
        content = jsonTree(this.json, { copy: (t) => this.actions.copy(t) });
        break;
      case 'hex':
        content = this.marked ? markedHex(bytes, this.marked) : pre('detail-hex', hexDump(bytes, HEX_LIMIT));
        break;
      case 'base64':
        content = pre('detail-text', toBase64(bytes.subarray(0, TEXT_LIMIT)));
        break;
      case 'utf8':
        content = visiblePre(new TextDecoder('utf-8').decode(bytes.subarray(0, TEXT_LIMIT)));
        break;
      case 'raw':
        content = pre('detail-text detail-raw', clip(d.text ?? ''));
        break;
      default:
        content = visiblePre(this.isJson ? JSON.stringify(this.json, null, 2) : clip(d.text ?? ''));
    }
    this.body.replaceChildren(content);
  }

  /** Opens the Hex tab with `range` marked, scrolled to it. */
  private showBytes(range: { start: number; end: number }): void {
    this.marked = range;
    this.view = 'hex';
    for (const t of this.tabs.children)
      t.setAttribute('aria-selected', String((t as HTMLElement).dataset.view === 'hex'));
    this.render();
    this.body.querySelector('mark')?.scrollIntoView({ block: 'center' });
  }

  private copyBody(): void {
    const d = this.detail;
    if (!d) return;
    this.actions.copy(d.bytes ? toBase64(new Uint8Array(d.bytes)) : (d.text ?? ''));
  }
}

const LABELS: Record<View, string> = {
  decoded: 'Decoded',
  tree: 'Tree',
  text: 'Text',
  hex: 'Hex',
  base64: 'Base64',
  utf8: 'UTF-8',
  raw: 'Raw',
};

/** The ranges by path, written as the tree writes paths (`$.a["b c"]`, where formatPath writes `$.a['b c']`). */
function rangesByPath(
  ranges: Array<{ path: string; start: number; end: number }> | undefined,
): Map<string, { start: number; end: number }> {
  const out = new Map<string, { start: number; end: number }>();
  for (const r of ranges ?? []) {
    const path = r.path.replace(
      /\['((?:[^'\\]|\\.)*)'\]/g,
      (_, k: string) => `[${JSON.stringify(k.replace(/\\(.)/g, '$1'))}]`,
    );
    // A repeated field's occurrences: the first to the last.
    const known = out.get(path);
    out.set(path, known ? { start: Math.min(known.start, r.start), end: Math.max(known.end, r.end) } : r);
  }
  return out;
}

/** The hex dump of the lines around `range`, its bytes (and their ASCII) marked. */
function markedHex(bytes: Uint8Array, range: { start: number; end: number }): HTMLElement {
  const out = el('pre', 'detail-hex');
  const first = Math.max(0, Math.floor(range.start / 16) * 16 - 16 * 8);
  const last = Math.min(bytes.length, Math.ceil(range.end / 16) * 16 + 16 * 8);
  if (first > 0) out.append(`… ${first} bytes before\n`);
  for (let offset = first; offset < last; offset += 16) {
    out.append(`${offset.toString(16).padStart(8, '0')}  `);
    const ascii: Array<[string, boolean]> = [];
    for (let i = 0; i < 16; i++) {
      if (i === 8) out.append(' ');
      const at = offset + i;
      if (at >= bytes.length) {
        out.append('   ');
        continue;
      }
      const b = bytes[at];
      const inside = at >= range.start && at < range.end;
      const hex = b.toString(16).padStart(2, '0');
      if (inside) out.append(el('mark', 'hex-mark', hex), ' ');
      else out.append(`${hex} `);
      ascii.push([b >= 0x20 && b < 0x7f ? String.fromCharCode(b) : '.', inside]);
    }
    out.append(' |');
    for (const [c, inside] of ascii) out.append(inside ? el('mark', 'hex-mark', c) : c);
    out.append('|\n');
  }
  if (last < bytes.length) out.append(`… ${bytes.length - last} more bytes`);
  return out;
}

function pre(className: string, text: string): HTMLElement {
  const p = el('pre', className);
  p.textContent = text;
  return p;
}

/** Text with its invisible characters shown as marks. */
function visiblePre(text: string): HTMLElement {
  const p = el('pre', 'detail-text');
  setVisibleText(p, text);
  return p;
}

function clip(text: string): string {
  return text.length > TEXT_LIMIT
    ? text.slice(0, TEXT_LIMIT) + `\n… ${text.length - TEXT_LIMIT} more characters (open in an editor tab)`
    : text;
}

function toBase64(bytes: Uint8Array): string {
  let binary = '';
  for (let i = 0; i < bytes.length; i += 0x8000) binary += String.fromCharCode(...bytes.subarray(i, i + 0x8000));
  return btoa(binary);
}

function toolButton(id: string, codicon: string, label: string, onClick: () => void): HTMLElement {
  const b = document.createElement('vscode-toolbar-button');
  b.id = id;
  b.setAttribute('icon', codicon);
  b.setAttribute('label', label);
  b.title = label;
  b.addEventListener('click', onClick);
  if (!customElements.get('vscode-toolbar-button')) b.append(icon(codicon));
  return b;
}
