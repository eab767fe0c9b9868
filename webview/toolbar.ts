import { el } from './dom';

/** Time column: wall clock, or seconds since the connection opened. */
export type TimeMode = 'wall' | 'relative';

/** Columns of the message list that can be hidden. */
export const COLUMNS = [
  ['index', '#'],
  ['time', 'Time'],
  ['dir', 'Direction'],
  ['kind', 'Kind'],
  ['size', 'Size'],
  ['ptype', 'Protocol type'],
  ['subject', 'Event / topic'],
  ['pid', 'Protocol id'],
] as const;
export type Column = (typeof COLUMNS)[number][0];

/** What the main area shows. */
export type View = 'messages' | 'frames' | 'handshake' | 'stats';

export interface ToolbarActions {
  /** The user picked another view. */
  view(view: View): void;
  clear(): void;
  pause(paused: boolean): void;
  timeMode(mode: TimeMode): void;
  /** The set of hidden columns changed. */
  columns(hidden: Column[]): void;
}

/** The bar above the list: pause the view, clear, and the time column's mode. */
export class Toolbar {
  readonly element: HTMLElement;
  /** The left part, where the filter bar sits. */
  readonly start: HTMLElement;
  private readonly pauseButton: HTMLButtonElement;
  private readonly timeButton: HTMLButtonElement;
  private paused = false;
  private mode: TimeMode = 'wall';

  constructor(private readonly actions: ToolbarActions) {
    this.element = el('div', 'toolbar');
    this.views = el('div', 'view-switch');
    this.views.setAttribute('role', 'tablist');
    for (const [id, label, title] of [
      ['messages', 'Messages', 'Messages and events'],
      ['frames', 'Frames', 'Every frame header seen on the wire: opcode, FIN, RSV, mask, lengths'],
      ['handshake', 'Handshake', 'The upgrade request and answer, timings, TLS, bytes on the wire'],
      ['stats', 'Stats', 'Messages and bytes per second, round trips of pings, message sizes'],
    ] as const) {
      const b = el('button', 'tool view-tab', label);
      b.id = `view-${id}`;
      b.title = title;
      b.setAttribute('role', 'tab');
      b.addEventListener('click', () => this.setView(id));
      this.views.append(b);
    }
    this.start = el('div', 'toolbar-start');
    this.pauseButton = toggle('pause', 'Pause view', 'Stop updating the list; messages are still recorded', () =>
      this.setPaused(!this.paused),
    );
    this.timeButton = toggle('time-mode', 'Wall clock', 'Show times as wall clock or relative to the connection', () =>
      this.setTimeMode(this.mode === 'wall' ? 'relative' : 'wall'),
    );
    const clear = toggle('clear', 'Clear', 'Drop every message from the view and from memory', () => actions.clear());
    clear.removeAttribute('aria-pressed');
    const columnsButton = toggle('columns', 'Columns', 'Choose the columns of the list', () => {
      this.menu.hidden = !this.menu.hidden;
      columnsButton.setAttribute('aria-expanded', String(!this.menu.hidden));
    });
    columnsButton.removeAttribute('aria-pressed');
    columnsButton.setAttribute('aria-haspopup', 'true');
    this.menu = el('div', 'columns-menu');
    this.menu.id = 'columns-menu';
    this.menu.hidden = true;
    for (const [id, label] of COLUMNS) {
      const row = el('label');
      const box = el('input');
      box.type = 'checkbox';
      box.checked = true;
      box.dataset.column = id;
      box.addEventListener('change', () => this.actions.columns(this.hiddenColumns()));
      row.append(box, document.createTextNode(` ${label}`));
      this.menu.append(row);
    }
    // The menu closes with Escape or a click anywhere else.
    document.addEventListener('click', (e) => {
      if (!this.menu.hidden && !this.menu.contains(e.target as Node) && e.target !== columnsButton)
        this.menu.hidden = true;
    });
    this.menu.addEventListener('keydown', (e) => {
      if (e.key === 'Escape') {
        this.menu.hidden = true;
        columnsButton.focus();
      }
    });
    const end = el('div', 'toolbar-end');
    end.append(columnsButton, this.timeButton, this.pauseButton, clear, this.menu);
    this.element.append(this.views, this.start, end);
    this.setView('messages', false);
  }

  private readonly views: HTMLElement;
  private current: View = 'messages';

  get view(): View {
    return this.current;
  }

  /** Shows `view` as chosen and tells the listener (unless restoring). */
  setView(view: View, notify = true): void {
    this.current = view;
    for (const b of this.views.children) b.setAttribute('aria-selected', String(b.id === `view-${view}`));
    if (notify) this.actions.view(view);
  }

  private readonly menu: HTMLElement;

  /** Columns whose box is unticked. */
  hiddenColumns(): Column[] {
    return [...this.menu.querySelectorAll<HTMLInputElement>('input[data-column]')]
      .filter((b) => !b.checked)
      .map((b) => b.dataset.column as Column);
  }

  /** Unticks the given columns (restoring saved state) and applies them. */
  setHiddenColumns(hidden: readonly string[]): void {
    for (const box of this.menu.querySelectorAll<HTMLInputElement>('input[data-column]'))
      box.checked = !hidden.includes(box.dataset.column ?? '');
    this.actions.columns(this.hiddenColumns());
  }

  get isPaused(): boolean {
    return this.paused;
  }

  setPaused(paused: boolean): void {
    this.paused = paused;
    this.pauseButton.setAttribute('aria-pressed', String(paused));
    this.pauseButton.textContent = paused ? 'Resume view' : 'Pause view';
    this.actions.pause(paused);
  }

  setTimeMode(mode: TimeMode): void {
    this.mode = mode;
    this.timeButton.textContent = mode === 'wall' ? 'Wall clock' : 'Since connect';
    this.timeButton.setAttribute('aria-pressed', String(mode === 'relative'));
    this.actions.timeMode(mode);
  }
}

function toggle(id: string, label: string, title: string, onClick: () => void): HTMLButtonElement {
  const b = el('button', 'tool', label);
  b.id = id;
  b.title = title;
  b.setAttribute('aria-pressed', 'false');
  b.addEventListener('click', onClick);
  return b;
}
