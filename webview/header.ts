import type { ConnectionState, ConnectionStats, PanelSource } from '../src/shared/protocol';
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
  private readonly source: HTMLElement;
  private readonly stats: HTMLElement;
  private readonly message: HTMLElement;
  private readonly disconnectButton: HTMLElement;
  private readonly reconnectButton: HTMLElement;

  constructor(actions: { disconnect(): void; reconnect(): void }) {
    this.element = el('header', 'header');
    this.badge = el('span', 'state');
    this.badge.id = 'state';
    this.badge.setAttribute('role', 'status');
    this.badgeIcon = el('span');
    this.badgeText = el('span', 'state-text');
    this.badge.append(this.badgeIcon, this.badgeText);
    this.url = el('span', 'url');
    this.url.id = 'url';
    this.source = el('span', 'source');
    this.stats = el('span', 'stats');
    this.stats.id = 'stats';
    this.disconnectButton = button('disconnect', 'Disconnect', 'debug-disconnect', actions.disconnect);
    this.reconnectButton = button('reconnect', 'Reconnect', 'refresh', actions.reconnect);
    const actionsBar = el('span', 'actions');
    actionsBar.append(this.disconnectButton, this.reconnectButton);
    const top = el('div', 'header-top');
    top.append(this.badge, this.url, this.source, this.stats, actionsBar);
    this.message = el('div', 'state-message');
    this.message.id = 'state-message';
    this.message.setAttribute('role', 'alert');
    this.element.append(top, this.message);
    this.setState({ phase: 'idle' });
  }

  setUrl(url: string, source?: PanelSource): void {
    this.url.textContent = url;
    this.url.title = url;
    this.source.textContent = source ? `from ${source.label}` : '';
    this.source.title = source?.detail ?? '';
  }

  setState(state: ConnectionState): void {
    this.badge.dataset.phase = state.phase;
    this.badgeText.textContent = PHASE_LABEL[state.phase];
    this.badgeIcon.replaceChildren(icon(PHASE_ICON[state.phase]));
    if (state.phase === 'connecting') this.badgeIcon.firstElementChild?.classList.add('codicon-modifier-spin');
    const message =
      state.phase === 'error' || state.phase === 'closed'
        ? state.message
        : state.phase === 'open' && (state.protocol || state.extensions)
          ? [state.protocol && `Subprotocol: ${state.protocol}`, state.extensions && `Extensions: ${state.extensions}`].filter(Boolean).join(' · ')
          : '';
    this.message.textContent = message;
    this.message.dataset.kind = state.phase;
    const open = state.phase === 'open';
    toggle(this.disconnectButton, open || state.phase === 'connecting');
    toggle(this.reconnectButton, !open && state.phase !== 'connecting');
  }

  setStats(stats: ConnectionStats): void {
    this.stats.textContent =
      `↑ ${stats.sentMessages.toLocaleString()} (${formatBytes(stats.sentBytes)})  ` +
      `↓ ${stats.receivedMessages.toLocaleString()} (${formatBytes(stats.receivedBytes)})`;
    this.stats.title = `${stats.total.toLocaleString()} rows in all`;
  }
}

function button(id: string, label: string, codicon: string, onClick: () => void): HTMLElement {
  const b = document.createElement('vscode-button');
  b.id = id;
  b.setAttribute('icon', codicon);
  b.setAttribute('secondary', '');
  b.textContent = label;
  b.addEventListener('click', onClick);
  return b;
}

function toggle(element: HTMLElement, enabled: boolean): void {
  element.toggleAttribute('disabled', !enabled);
}
