import { el } from './dom';

/** Time column: wall clock, or seconds since the connection opened. */
export type TimeMode = 'wall' | 'relative';

export interface ToolbarActions {
  clear(): void;
  pause(paused: boolean): void;
  timeMode(mode: TimeMode): void;
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
    this.start = el('div', 'toolbar-start');
    this.pauseButton = toggle('pause', 'Pause view', 'Stop updating the list; messages are still recorded', () => this.setPaused(!this.paused));
    this.timeButton = toggle('time-mode', 'Wall clock', 'Show times as wall clock or relative to the connection', () =>
      this.setTimeMode(this.mode === 'wall' ? 'relative' : 'wall'),
    );
    const clear = toggle('clear', 'Clear', 'Drop every message from the view and from memory', () => actions.clear());
    clear.removeAttribute('aria-pressed');
    const end = el('div', 'toolbar-end');
    end.append(this.timeButton, this.pauseButton, clear);
    this.element.append(this.start, end);
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
