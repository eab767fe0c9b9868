import type {
  ConnectionHealth,
  FrameDirectionStats,
  FrameLogStats,
  HandshakeInfo,
  HeaderLine,
} from '../src/shared/protocol';
import { el, formatBytes } from './dom';
import { hasInvisible, setVisibleText } from './invisible';

/** While rendering: show text raw (else invisible characters are marked), and whether any text had them. */
const shown = { raw: false, invisible: false };

/**
 * The Handshake tab: the upgrade request and the server's answer as they crossed the wire, the
 * Sec-WebSocket-Accept check, what was negotiated, timings, TLS and the certificate chain, and
 * the connection's wire statistics and health. Everything goes in as text.
 */
export class HandshakeView {
  readonly element: HTMLElement;
  private handshake: HandshakeInfo | undefined;
  private wire: FrameLogStats | undefined;
  private health: ConnectionHealth | undefined;
  private frame = 0;
  /** Show header values as they are, bidi controls and invisible characters unmarked. */
  private raw = false;

  constructor() {
    this.element = el('section', 'handshake');
    this.element.id = 'handshake';
    this.element.hidden = true;
    this.element.tabIndex = 0;
    this.element.setAttribute('aria-label', 'Handshake and connection details');
  }

  setHandshake(handshake: HandshakeInfo | undefined): void {
    this.handshake = handshake;
    this.schedule();
  }

  setWire(wire: FrameLogStats | undefined): void {
    this.wire = wire;
    if (!this.element.hidden) this.schedule();
  }

  setHealth(health: ConnectionHealth | undefined): void {
    this.health = health;
    this.schedule();
  }

  show(visible: boolean): void {
    this.element.hidden = !visible;
    if (visible) this.schedule();
  }

  private schedule(): void {
    if (this.frame || this.element.hidden) return;
    this.frame = requestAnimationFrame(() => {
      this.frame = 0;
      this.render();
    });
  }

  private render(): void {
    const h = this.handshake;
    const parts: HTMLElement[] = [];
    shown.raw = this.raw;
    shown.invisible = false;
    if (!h) {
      parts.push(el('p', 'muted', 'No handshake yet: the details appear when the connection starts.'));
    } else {
      if (h.error) parts.push(el('p', 'handshake-error', h.error));
      parts.push(
        section('Request', [
          wireText([h.request?.requestLine ?? `GET ${h.url}`, ...lines(h.request?.headers)].join('\n')),
          kv([
            ['URL', h.url],
            ['Answered by', h.finalUrl !== h.url ? h.finalUrl : undefined],
            ['Remote address', h.remoteAddress],
            ['Proxy', h.proxy],
          ]),
        ]),
      );
      if (h.response) {
        const body = h.response.body ? [el('h4', undefined, 'Body'), wireText(prettyBody(h.response.body))] : [];
        parts.push(
          section('Response', [wireText([h.response.statusLine, ...lines(h.response.headers)].join('\n')), ...body]),
        );
      }
      const accept =
        h.acceptValid === undefined
          ? undefined
          : h.acceptValid
            ? `✓ matches the key (${h.expectedAccept})`
            : `✗ does not match: expected ${h.expectedAccept}`;
      parts.push(
        section('Negotiated', [
          kv([
            ['Sec-WebSocket-Key', h.key],
            ['Sec-WebSocket-Accept', accept],
            ['Subprotocol', h.protocol || 'none'],
            [
              'Extensions',
              h.extensions.length
                ? h.extensions
                    .map((e) =>
                      [e.name, ...Object.entries(e.params).map(([k, v]) => (v === true ? k : `${k}=${v}`))].join('; '),
                    )
                    .join(', ')
                : 'none',
            ],
          ]),
        ]),
      );
      const t = h.timings;
      parts.push(
        section('Timings', [
          kv([
            ['DNS lookup', ms(t.dnsMs)],
            ['TCP connect', ms(t.tcpMs)],
            ['TLS', ms(t.tlsMs)],
            ['Upgrade', ms(t.upgradeMs)],
            ['Total', ms(t.totalMs)],
          ]),
        ]),
      );
      if (h.redirects.length) {
        parts.push(
          section(
            'Redirects',
            h.redirects.map((r) =>
              el(
                'div',
                undefined,
                `${r.status} ${r.statusText}: ${r.url} → ${r.location}${r.followed ? ' (followed)' : ' (not followed)'}`,
              ),
            ),
          ),
        );
      }
      if (h.tls) {
        const tls = h.tls;
        parts.push(
          section('TLS', [
            kv([
              ['Version', tls.version],
              ['Cipher', tls.cipher],
              ['ALPN', tls.alpn ?? 'none'],
              ['Server name (SNI)', tls.servername],
              [
                'Verified',
                tls.authorized
                  ? 'yes'
                  : `no${tls.authorizationError ? `: ${tls.authorizationError}` : ''} (verification was turned off for this connection)`,
              ],
            ]),
            ...tls.certificates.map((c, i) => {
              const table = kv([
                [i === 0 ? 'Certificate' : `Issuer ${i}`, c.subject],
                ['Issued by', c.issuer + (c.selfSigned ? ' (self-signed)' : '')],
                ['Valid', `${c.validFrom} — ${c.validTo}`],
                ['Names', c.subjectAltNames.join(', ') || undefined],
                ['SHA-256', c.fingerprint256],
              ]);
              table.classList.add('certificate');
              return table;
            }),
          ]),
        );
      }
    }
    if (this.wire) parts.push(section('On the wire', [wireTable(this.wire)]));
    if (this.health) {
      const hl = this.health;
      parts.push(
        section('Health', [
          kv([
            ['State', hl.healthy ? 'healthy' : `unhealthy: ${hl.message ?? 'no pong'}`],
            ['Last round trip', ms(hl.lastRttMs)],
            ['Missed pongs', String(hl.missedPongs)],
          ]),
        ]),
      );
    }
    if (shown.invisible) {
      const toggle = el('button', 'tool handshake-raw', this.raw ? 'Mark invisible characters' : 'Show the raw text');
      toggle.id = 'handshake-raw';
      toggle.title =
        'Bidi controls and invisible characters are shown as marks such as ⟨RLO⟩; this shows the text as it is';
      toggle.setAttribute('aria-pressed', String(this.raw));
      toggle.addEventListener('click', () => {
        this.raw = !this.raw;
        this.render();
        this.element.querySelector<HTMLElement>('#handshake-raw')?.focus();
      });
      parts.unshift(toggle);
    }
    this.element.replaceChildren(...parts);
  }
}

function section(title: string, children: HTMLElement[]): HTMLElement {
  const s = el('div', 'hs-section');
  s.append(el('h3', undefined, title), ...children);
  return s;
}

function kv(rows: Array<[string, string | undefined]>): HTMLElement {
  const table = el('table', 'kv');
  for (const [k, v] of rows) {
    if (v === undefined || v === '') continue;
    const tr = el('tr');
    tr.append(el('th', undefined, k), visible(el('td'), v));
    table.append(tr);
  }
  return table;
}

/** Text as it crossed the wire, its invisible characters marked unless the raw text is asked for. */
function wireText(text: string): HTMLElement {
  return visible(el('pre', 'wire-text'), text);
}

function visible(node: HTMLElement, text: string): HTMLElement {
  if (hasInvisible(text)) shown.invisible = true;
  setVisibleText(node, text, shown.raw);
  return node;
}

function lines(headers: HeaderLine[] | undefined): string[] {
  return (headers ?? []).map((h) => `${h.name}: ${h.value}`);
}

function ms(value: number | undefined): string | undefined {
  return value === undefined ? undefined : `${value < 10 ? value.toFixed(1) : Math.round(value)} ms`;
}

function prettyBody(body: string): string {
  try {
    return JSON.stringify(JSON.parse(body), null, 2);
  } catch {
    return body;
  }
}

function wireTable(wire: FrameLogStats): HTMLElement {
  const table = el('table', 'kv wire');
  const head = el('tr');
  head.append(el('th'), el('th', undefined, 'Sent'), el('th', undefined, 'Received'));
  table.append(head);
  const row = (label: string, pick: (d: FrameDirectionStats) => string) => {
    const tr = el('tr');
    tr.append(
      el('th', undefined, label),
      el('td', undefined, pick(wire.sent)),
      el('td', undefined, pick(wire.received)),
    );
    table.append(tr);
  };
  row('Frames', (d) => `${d.frames.toLocaleString()} (${d.controlFrames.toLocaleString()} control)`);
  row(
    'Messages',
    (d) =>
      `${d.messages.toLocaleString()}${d.compressedMessages ? ` (${d.compressedMessages.toLocaleString()} compressed)` : ''}`,
  );
  row('Message bytes', (d) => formatBytes(d.messageBytes));
  row('Wire bytes', (d) => `${formatBytes(d.wireBytes)} (headers ${formatBytes(d.headerBytes)})`);
  row('Overhead', (d) =>
    d.messageBytes ? `${(((d.wireBytes - d.messageBytes) / d.messageBytes) * 100).toFixed(1)} %` : '—',
  );
  row('Compression', (d) =>
    d.compressionRatio === null ? '—' : `${(d.compressionRatio * 100).toFixed(1)} % of the size`,
  );
  return table;
}
