import type {
  ConnectionHealth,
  ConnectionState,
  ConnectionStats,
  PanelSource,
  RecordingInfo,
  ScriptStatus,
} from '../src/shared/protocol';
import { el, formatBytes, icon } from './dom';

const PHASE_LABEL: Record<ConnectionState['phase'], string> = {
  idle: 'Not connected',
  connecting: 'Connecting…',
  open: 'Open',
  closed: 'Closed',
  error: 'Failed',
};
const PHASE_ICON: Record<ConnectionState['phase'], string> = {
  idle: 'circle-outline',
  connecting: 'loading',
  open: 'pass-filled',
  closed: 'circle-slash',
  error: 'error',
};

/** The header bar: connection state, URL, counters, and the Disconnect / Reconnect buttons. */
export class Header {
  readonly element: HTMLElement;
  private readonly badge: HTMLElement;
  private readonly badgeText: HTMLElement;
  private readonly badgeIcon: HTMLElement;
  private readonly url: HTMLElement;
  /** The URL in two parts: the start ellipsizes, the end stays, so the middle is what goes. */
  private readonly urlStart: HTMLElement;
  private readonly urlEnd: HTMLElement;
  private fullUrl = '';
  private readonly source: HTMLElement;
  private readonly stats: HTMLElement;
  private readonly message: HTMLElement;
  private readonly script: HTMLElement;
  private readonly uptime: HTMLElement;
  private readonly health: HTMLElement;
  private readonly disconnectButton: HTMLElement;
  /** Samples for the rates: [time, sent, received], about one a second. */
  private samples: Array<[number, number, number]> = [];
  private openSince: number | undefined;
  private last: ConnectionStats | undefined;
  private readonly reconnectButton: HTMLElement;

  private readonly replayButton: HTMLElement;
  private phase: ConnectionState['phase'] = 'idle';

  constructor(actions: {
    disconnect: () => void;
    reconnect: () => void;
    replay: () => void;
    copy: (text: string) => void;
  }) {
    this.element = el('header', 'header');
    this.badge = el('span', 'state');
    this.badge.id = 'state';
    this.badge.setAttribute('role', 'status');
    this.badgeIcon = el('span');
    this.badgeText = el('span', 'state-text');
    this.badge.append(this.badgeIcon, this.badgeText);
    this.url = el('span', 'url');
    this.url.id = 'url';
    this.urlStart = el('span', 'url-start');
    this.urlEnd = el('span', 'url-end');
    this.url.append(this.urlStart, this.urlEnd);
    const copyUrl = document.createElement('vscode-toolbar-button');
    copyUrl.id = 'copy-url';
    copyUrl.className = 'copy-url';
    copyUrl.setAttribute('icon', 'copy');
    copyUrl.setAttribute('label', 'Copy the URL');
    copyUrl.title = 'Copy the URL';
    copyUrl.addEventListener('click', () => actions.copy(this.fullUrl));
    this.source = el('span', 'source');
    this.stats = el('span', 'stats');
    this.stats.id = 'stats';
    this.uptime = el('span', 'uptime');
    this.uptime.id = 'uptime';
    this.health = el('span', 'health');
    this.health.id = 'health';
    window.setInterval(() => this.tick(), 1000);
    this.disconnectButton = button('disconnect', 'Disconnect', 'debug-disconnect', actions.disconnect);
    this.reconnectButton = button('reconnect', 'Reconnect', 'refresh', actions.reconnect);
    this.replayButton = button('replay', 'Replay…', 'debug-rerun', actions.replay);
    this.replayButton.hidden = true;
    // A narrow panel shows the buttons' icons only (the CSS hides their labels at the same width).
    const narrow = window.matchMedia('(max-width: 719px)');
    const compact = () => {
      for (const b of [this.replayButton, this.disconnectButton, this.reconnectButton])
        b.toggleAttribute('icon-only', narrow.matches);
    };
    compact();
    narrow.addEventListener('change', compact);
    const actionsBar = el('span', 'actions');
    actionsBar.append(this.replayButton, this.disconnectButton, this.reconnectButton);
    // The counters and where the panel came from; on a narrow panel they take a line of their own.
    const meta = el('span', 'header-meta');
    meta.append(this.source, this.uptime, this.health, this.stats);
    const top = el('div', 'header-top');
    top.append(this.badge, this.url, copyUrl, meta, actionsBar);
    this.message = el('div', 'state-message');
    this.message.id = 'state-message';
    this.message.setAttribute('role', 'alert');
    this.script = el('div', 'script-status');
    this.script.id = 'script';
    this.script.setAttribute('role', 'status');
    this.script.hidden = true;
    this.element.append(top, this.message, this.script);
    this.setState({ phase: 'idle' });
  }

  /** A line of its own under the state (the protocol picker). */
  addLine(line: HTMLElement): void {
    this.element.insertBefore(line, this.script);
  }

  setUrl(url: string, source?: PanelSource): void {
    this.fullUrl = url;
    // The last characters (the end of the path, the query) always show; the start gives way first.
    const cut = url.length > 32 ? url.length - 24 : url.length;
    this.urlStart.textContent = url.slice(0, cut);
    this.urlEnd.textContent = url.slice(cut);
    this.url.title = url;
    this.source.textContent = source ? `from ${source.label}` : '';
    this.source.title = source ? [this.source.textContent, source.detail].filter(Boolean).join('\n') : '';
  }

  /** Round-trip time of the last ping, or a warning when pongs stopped coming. */
  setHealth(health: ConnectionHealth | undefined): void {
    this.health.textContent = !health
      ? ''
      : !health.healthy
        ? '⚠ no pong'
        : health.lastRttMs !== undefined
          ? `RTT ${health.lastRttMs < 10 ? health.lastRttMs.toFixed(1) : Math.round(health.lastRttMs)} ms`
          : '';
    this.health.title = health?.message ?? 'Round-trip time of the last ping';
    this.health.dataset.healthy = String(health?.healthy ?? true);
  }

  /** A recorded session: offer Replay and say where it came from. */
  setRecording(recording: RecordingInfo | undefined): void {
    this.replayButton.hidden = !recording;
    if (recording) {
      this.source.textContent = `recording: ${recording.label}`;
      this.source.title = this.source.textContent;
    }
  }

  /** The line that says which `.ws` script step runs, waits, or failed. */
  setScript(script: ScriptStatus | undefined): void {
    this.script.hidden = !script;
    if (!script) return;
    this.script.dataset.status = script.status;
    const step =
      script.current < 0
        ? 'handshake'
        : `step ${script.current + 1} of ${script.steps.length}: ${script.steps[script.current] ?? ''}`;
    const text: Record<ScriptStatus['status'], string> = {
      running: `▶ ${script.name}: ${step}`,
      waiting: `⏳ ${script.name}: ${step}`,
      done:
        script.current >= script.steps.length - 1
          ? `✓ ${script.name}: all ${script.steps.length} steps done`
          : `▶ ${script.name}: ${step} done`,
      // Only a connection that is open stays open: a failed handshake never opened one.
      failed: `✗ ${script.name}: ${step} failed. ${script.reason ?? ''}${this.phase === 'open' && script.current >= 0 ? ' The connection stays open for manual work.' : ''}`,
    };
    this.script.textContent = text[script.status];
  }

  setState(state: ConnectionState): void {
    this.phase = state.phase;
    this.badge.dataset.phase = state.phase;
    this.badgeText.textContent = PHASE_LABEL[state.phase];
    this.badgeIcon.replaceChildren(icon(PHASE_ICON[state.phase]));
    if (state.phase === 'connecting') this.badgeIcon.firstElementChild?.classList.add('codicon-modifier-spin');
    const message =
      state.phase === 'error' || state.phase === 'closed'
        ? state.message
        : state.phase === 'open' && (state.protocol || state.extensions)
          ? [state.protocol && `Subprotocol: ${state.protocol}`, state.extensions && `Extensions: ${state.extensions}`]
              .filter(Boolean)
              .join(' · ')
          : '';
    this.message.textContent = message;
    this.message.dataset.kind = state.phase;
    const open = state.phase === 'open';
    this.openSince = open ? state.since : undefined;
    this.tick();
    toggle(this.disconnectButton, open || state.phase === 'connecting');
    toggle(this.reconnectButton, !open && state.phase !== 'connecting');
  }

  setStats(stats: ConnectionStats): void {
    this.last = stats;
    const now = Date.now();
    const newest = this.samples[this.samples.length - 1];
    if (!newest || now - newest[0] >= 250) this.samples.push([now, stats.sentMessages, stats.receivedMessages]);
    while (this.samples.length > 2 && now - this.samples[0][0] > 2000) this.samples.shift();
    this.render();
  }

  /** Messages per second in each direction over the last second or two. */
  private rates(): [number, number] {
    const s = this.samples;
    if (s.length < 2 || !this.last) return [0, 0];
    const [t0, sent0, received0] = s[0];
    const seconds = Math.max(0.25, (Date.now() - t0) / 1000);
    return [(this.last.sentMessages - sent0) / seconds, (this.last.receivedMessages - received0) / seconds];
  }

  private tick(): void {
    this.uptime.textContent = this.openSince ? `up ${formatDuration(Date.now() - this.openSince)}` : '';
    if (this.last) this.setStats(this.last);
  }

  private render(): void {
    const stats = this.last;
    if (!stats) return;
    const [sentRate, receivedRate] = this.rates();
    this.stats.textContent =
      `↑ ${stats.sentMessages.toLocaleString()} (${formatBytes(stats.sentBytes)}) ${rate(sentRate)}  ` +
      `↓ ${stats.receivedMessages.toLocaleString()} (${formatBytes(stats.receivedBytes)}) ${rate(receivedRate)}`;
    this.stats.title =
      `${stats.total.toLocaleString()} rows stored` +
      (stats.cleared ? `, ${stats.cleared.toLocaleString()} cleared` : '');
  }
}

function rate(perSecond: number): string {
  return perSecond >= 0.5 ? `${Math.round(perSecond).toLocaleString()}/s` : '';
}

function formatDuration(ms: number): string {
  const total = Math.floor(ms / 1000);
  const h = Math.floor(total / 3600);
  const m = Math.floor((total % 3600) / 60);
  const s = total % 60;
  return h ? `${h}h ${m}m` : m ? `${m}m ${s}s` : `${s}s`;
}

function button(id: string, label: string, codicon: string, onClick: () => void): HTMLElement {
  const b = document.createElement('vscode-button');
  b.id = id;
  b.setAttribute('icon', codicon);
  b.setAttribute('secondary', '');
  // On a narrow panel only the icon shows; the name stays for hover and screen readers.
  b.title = label;
  b.setAttribute('aria-label', label);
  b.append(el('span', 'button-label', label));
  b.addEventListener('click', onClick);
  return b;
}

function toggle(element: HTMLElement, enabled: boolean): void {
  element.toggleAttribute('disabled', !enabled);
}
