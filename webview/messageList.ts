import type { RowSummary } from '../src/shared/protocol';
import { el, formatBytes, formatTime, icon } from './dom';
import { setVisibleText } from './invisible';

/** Fixed row height in px; every row is exactly this tall, so positions are arithmetic. */
export const ROW_HEIGHT = 22;
/** Browsers cap element height near 33M px; past this the scrollbar is scaled. */
const MAX_SCROLL_HEIGHT = 8_000_000;

const DIRECTION_ICON: Record<RowSummary['direction'], string> = {
  sent: 'arrow-up',
  received: 'arrow-down',
  event: 'info',
};
const DIRECTION_LABEL: Record<RowSummary['direction'], string> = { sent: 'sent', received: 'received', event: 'event' };

/** The part of the list the host should send rows for. */
export interface Viewport {
  start: number;
  count: number;
  follow: boolean;
}

/**
 * A virtualized list with fixed row height: only the visible rows exist in the DOM, however
 * many rows there are. Rows come from the host page by page; the list asks for the ones it shows.
 */
export class MessageList {
  readonly element: HTMLElement;
  private readonly scroller: HTMLElement;
  private readonly spacer: HTMLElement;
  /** Pinned to the visible area (its height never exceeds it, so it adds no scroll height). */
  private readonly layer: HTMLElement;
  /** Holds the row pool; shifted by the sub-row scroll offset. */
  private readonly inner: HTMLElement;
  private readonly newButton: HTMLButtonElement;
  private readonly pool: HTMLElement[] = [];
  private rows = new Map<number, RowSummary>();
  private total = 0;
  private follow = true;
  private seenTotal = 0;
  private lastViewport: Viewport | undefined;
  private frame = 0;
  /** Set while the list itself moves the scrollbar, so that move is not taken as the user's. */
  private programmaticScroll = false;

  private selected: number | undefined;
  private formatTimeCell: (ms: number) => string = formatTime;

  constructor(
    private readonly onViewport: (viewport: Viewport) => void,
    private readonly onSelect: (index: number | undefined) => void = () => undefined,
  ) {
    this.element = el('div', 'list');
    const head = el('div', 'row head');
    head.setAttribute('role', 'row');
    for (const [cls, text] of [
      ['index', '#'],
      ['time', 'Time'],
      ['dir', ''],
      ['kind', 'Kind'],
      ['size', 'Size'],
      ['ptype', 'Type'],
      ['subject', 'Event / topic'],
      ['pid', 'Id'],
      ['preview', 'Message'],
    ]) {
      const cell = el('span', cls, text);
      cell.setAttribute('role', 'columnheader');
      head.append(cell);
    }
    this.scroller = el('div', 'scroller');
    this.scroller.id = 'list';
    this.scroller.tabIndex = 0;
    this.scroller.setAttribute('role', 'grid');
    this.scroller.setAttribute('aria-label', 'Messages');
    this.spacer = el('div', 'spacer');
    this.layer = el('div', 'layer');
    this.inner = el('div', 'inner');
    this.layer.append(this.inner);
    this.scroller.append(this.spacer, this.layer);
    this.newButton = el('button', 'new-messages');
    this.newButton.id = 'new-messages';
    this.newButton.hidden = true;
    this.newButton.addEventListener('click', () => this.setFollow(true));
    this.element.append(head, this.scroller, this.newButton);

    this.scroller.addEventListener('scroll', () => {
      if (this.programmaticScroll) {
        this.programmaticScroll = false;
      } else {
        const atBottom = this.scroller.scrollTop + this.scroller.clientHeight >= this.scroller.scrollHeight - 2;
        this.follow = atBottom;
      }
      this.schedule();
    });
    this.scroller.addEventListener('keydown', (e) => this.onKey(e));
    this.layer.addEventListener('click', (e) => {
      const row = (e.target as HTMLElement).closest<HTMLElement>('.row');
      if (row?.dataset.index) this.select(Number(row.dataset.index));
    });
    new ResizeObserver(([entry]) => {
      this.viewHeight = entry.contentRect.height;
      this.schedule();
    }).observe(this.scroller);
  }

  /** Whether the list sticks to the newest row. */
  get following(): boolean {
    return this.follow;
  }

  setFollow(follow: boolean): void {
    this.follow = follow;
    this.schedule();
  }

  /** New list length and, when the host sent them, the rows of the window starting at list position `rowsStart`. */
  update(total: number, rows: RowSummary[] | undefined, rowsStart = 0): void {
    this.total = total;
    if (rows) {
      this.rows = new Map(rows.map((r, i) => [rowsStart + i, r]));
    }
    if (this.follow) this.seenTotal = total;
    this.schedule();
  }

  /** Wall-clock times, or times relative to `origin` (ms since the epoch). */
  setTimeOrigin(origin: number | undefined): void {
    this.formatTimeCell = origin === undefined ? formatTime : (ms) => `+${((ms - origin) / 1000).toFixed(3)} s`;
    this.schedule();
    // Cells are refilled on the next render.
  }

  /** Shows the protocol's columns (type, event or topic, id) when a protocol decodes the rows. */
  setProtocolColumns(on: boolean): void {
    this.element.classList.toggle('protocol', on);
  }

  /** Hides these columns (and shows the others). */
  setHiddenColumns(hidden: readonly string[]): void {
    for (const c of ['index', 'time', 'dir', 'kind', 'size', 'ptype', 'subject', 'pid'])
      this.element.classList.toggle(`hide-${c}`, hidden.includes(c));
  }

  /** Scrolls so that list position `position` is the first row, leaving follow mode. */
  scrollToRow(position: number): void {
    this.follow = false;
    this.reveal(Math.max(0, Math.min(position, this.total - 1)));
    this.schedule();
  }

  focus(): void {
    this.scroller.focus();
  }

  /** The selected row, if any. */
  get selection(): number | undefined {
    return this.selected;
  }

  /** Selects a row (undefined clears), scrolls it into view, and tells the listener. */
  select(index: number | undefined): void {
    if (index !== undefined) index = Math.max(0, Math.min(this.total - 1, index));
    if (index !== undefined && index < 0) index = undefined;
    this.selected = index;
    if (index !== undefined) this.reveal(index);
    this.onSelect(index);
    this.schedule();
  }

  /** Scrolls so that `index` is visible; leaves follow mode unless it is the last row. */
  private reveal(index: number): void {
    const visible = this.visibleCount() - 1;
    const { first } = this.firstVisible(visible + 1);
    if (index >= first && index < first + visible) return;
    this.follow = index >= this.total - 1;
    const target = index < first ? index : index - visible + 1;
    const realHeight = this.total * ROW_HEIGHT;
    if (realHeight <= MAX_SCROLL_HEIGHT) {
      this.scroller.scrollTop = target * ROW_HEIGHT;
    } else {
      const maxTop = Math.max(1, MAX_SCROLL_HEIGHT - this.scroller.clientHeight);
      const maxFirst = Math.max(1, this.total - visible);
      this.scroller.scrollTop = (target / maxFirst) * maxTop;
    }
  }

  /** Forget every row (a new snapshot follows). */
  reset(): void {
    this.rows.clear();
    this.total = 0;
    this.seenTotal = 0;
    this.schedule();
  }

  private schedule(): void {
    if (this.frame) return;
    this.frame = requestAnimationFrame(() => {
      this.frame = 0;
      this.render();
    });
  }

  /** The scroller's height, kept by the ResizeObserver so rendering never forces a layout to read it. */
  private viewHeight = 0;

  private visibleCount(): number {
    return Math.max(1, Math.ceil(this.viewHeight / ROW_HEIGHT) + 1);
  }

  /** Height of the scrollable content, capped so that a million rows still scroll. */
  private contentHeight(): number {
    return Math.min(this.total * ROW_HEIGHT, MAX_SCROLL_HEIGHT);
  }

  /** First visible row for the current scroll position, scaled when the content is capped. */
  private firstVisible(visible: number): { first: number; offset: number } {
    const top = this.scroller.scrollTop;
    const realHeight = this.total * ROW_HEIGHT;
    if (realHeight <= MAX_SCROLL_HEIGHT) {
      return { first: Math.floor(top / ROW_HEIGHT), offset: -(top % ROW_HEIGHT) };
    }
    const maxTop = Math.max(1, MAX_SCROLL_HEIGHT - this.viewHeight);
    const maxFirst = Math.max(0, this.total - visible + 1);
    return { first: Math.round((Math.min(top, maxTop) / maxTop) * maxFirst), offset: 0 };
  }

  private render(): void {
    const visible = this.visibleCount();
    const height = this.contentHeight();
    if (this.spacer.style.height !== `${height}px`) this.spacer.style.height = `${height}px`;
    if (this.follow) {
      const bottom = Math.max(0, height - this.viewHeight);
      if (Math.abs(this.scroller.scrollTop - bottom) > 1) {
        this.programmaticScroll = true;
        this.scroller.scrollTop = bottom;
      }
    }
    const visibleStart = this.firstVisible(visible);
    const { offset } = visibleStart;
    const first = Math.max(0, Math.min(visibleStart.first, Math.max(0, this.total - visible + 1)));
    const count = Math.min(visible, this.total - first);

    const viewport: Viewport = { start: first, count: Math.max(visible, 1), follow: this.follow };
    const last = this.lastViewport;
    // While following, the host sends the tail on its own: the start moving with it is no news.
    const moved = last && !(viewport.follow && last.follow) && last.start !== viewport.start;
    if (!last || moved || last.count !== viewport.count || last.follow !== viewport.follow) {
      this.lastViewport = viewport;
      this.onViewport(viewport);
    }

    while (this.pool.length < visible) this.pool.push(this.makeRow());
    this.layer.style.height = `${Math.min(this.viewHeight, height)}px`;
    this.layer.style.transform = `translateY(${this.scroller.scrollTop}px)`;
    this.inner.style.transform = `translateY(${offset}px)`;
    for (let slot = 0; slot < this.pool.length; slot++) {
      const node = this.pool[slot];
      if (slot >= count) {
        if (!node.hidden) {
          node.hidden = true;
          // A spare row keeps no trace of the message it showed last.
          delete node.dataset.index;
          delete node.dataset.direction;
          delete node.dataset.kind;
        }
        continue;
      }
      node.hidden = false;
      this.fill(node, first + slot, this.rows.get(first + slot));
    }

    const unseen = this.total - this.seenTotal;
    this.newButton.hidden = this.follow || unseen <= 0;
    if (!this.newButton.hidden) this.newButton.textContent = `${unseen.toLocaleString()} new ↓`;
  }

  private makeRow(): HTMLElement {
    const row = el('div', 'row');
    row.setAttribute('role', 'row');
    row.append(
      el('span', 'index'),
      el('span', 'time'),
      el('span', 'dir'),
      el('span', 'kind'),
      el('span', 'size'),
      el('span', 'ptype'),
      el('span', 'subject'),
      el('span', 'pid'),
      el('span', 'preview'),
    );
    this.inner.append(row);
    return row;
  }

  private fill(node: HTMLElement, position: number, row: RowSummary | undefined): void {
    const [indexCell, timeCell, dirCell, kindCell, sizeCell, typeCell, subjectCell, idCell, previewCell] =
      node.children as unknown as HTMLElement[];
    // The # column is the row's number in the whole connection, also while filtered.
    indexCell.textContent = row ? String(row.index + 1) : '';
    node.dataset.index = String(position);
    const selected = position === this.selected;
    node.classList.toggle('selected', selected);
    node.setAttribute('aria-selected', String(selected));
    if (!row) {
      node.dataset.direction = '';
      node.dataset.kind = '';
      timeCell.textContent = '';
      // The cached icon goes with the cell's content, or the next row of that direction draws none.
      dirCell.replaceChildren();
      delete dirCell.dataset.icon;
      kindCell.textContent = '';
      sizeCell.textContent = '';
      typeCell.textContent = subjectCell.textContent = idCell.textContent = '';
      previewCell.textContent = '…';
      return;
    }
    node.dataset.direction = row.direction;
    node.dataset.kind = row.kind;
    node.setAttribute(
      'aria-label',
      `${DIRECTION_LABEL[row.direction]} ${row.kind}, ${row.size} bytes: ${(row.decodedLine ?? row.preview).slice(0, 80)}`,
    );
    timeCell.textContent = this.formatTimeCell(row.time);
    if (dirCell.dataset.icon !== row.direction) {
      dirCell.dataset.icon = row.direction;
      dirCell.replaceChildren(icon(DIRECTION_ICON[row.direction]));
      dirCell.title = DIRECTION_LABEL[row.direction];
    }
    kindCell.textContent = row.kind;
    sizeCell.textContent = formatBytes(row.size);
    typeCell.textContent = row.columns?.type ?? '';
    subjectCell.textContent = row.columns?.subject ?? '';
    idCell.textContent = row.columns?.id ?? '';
    node.classList.toggle('keepalive', !!row.keepalive);
    // A reply (an ack, a `complete`) names its request's row and the time between them.
    const reply = row.replyTo ? `↩ #${row.replyTo.index + 1} after ${formatMs(row.replyTo.ms)} · ` : '';
    // Payload text goes in as text, never as markup; a decoder's line (JSON in a binary frame) wins over hex.
    // Bidi controls and invisible characters show as marks (the detail pane's Raw tab has the text as it is).
    setVisibleText(previewCell, reply + (row.decodedLine ?? row.preview));
    previewCell.classList.toggle('decoded', row.decodedLine !== undefined);
  }

  private onKey(e: KeyboardEvent): void {
    const page = Math.max(1, this.visibleCount() - 1) * ROW_HEIGHT;
    const visible = this.visibleCount();
    const moves: Record<string, () => void> = {
      End: () => {
        this.setFollow(true);
        if (this.selected !== undefined) this.select(this.total - 1);
      },
      Home: () => {
        this.follow = false;
        this.scrollTo(0);
        if (this.selected !== undefined) this.select(0);
      },
      PageDown: () => this.scrollTo(this.scroller.scrollTop + page),
      PageUp: () => this.scrollTo(this.scroller.scrollTop - page),
      ArrowDown: () => this.select(this.selected === undefined ? this.firstVisible(visible).first : this.selected + 1),
      ArrowUp: () => this.select(this.selected === undefined ? this.firstVisible(visible).first : this.selected - 1),
      Escape: () => this.select(undefined),
    };
    const move = moves[e.key];
    if (!move) return;
    e.preventDefault();
    move();
  }

  private scrollTo(top: number): void {
    this.scroller.scrollTop = Math.max(0, top);
  }
}

function formatMs(ms: number): string {
  return ms < 1000 ? `${Math.round(ms)} ms` : `${(ms / 1000).toFixed(2)} s`;
}
