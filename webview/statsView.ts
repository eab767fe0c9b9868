import type { StatsSnapshot } from '../src/shared/protocol';
import { el, formatBytes, formatTime } from './dom';

/** How often the open tab asks for new numbers. */
const REFRESH_MS = 1000;
const HEIGHT = 120;

interface Chart {
  section: HTMLElement;
  canvas: HTMLCanvasElement;
  summary: HTMLElement;
}

export interface StatsActions {
  /** The numbers, from the host (made from the stored rows). */
  load(): Promise<StatsSnapshot>;
  /** The user clicked a time in a chart: show the list there. */
  reveal(time: number): void;
}

/**
 * The Stats tab: messages and bytes per second in each direction over the session, the round
 * trips of pings over time, and a histogram of message sizes, drawn on canvases from a snapshot
 * the host makes once a second while the tab is open (never per message). Each chart has a text
 * summary beside it, for screen readers and for numbers to copy; clicking a rate chart shows the
 * list at that time.
 */
export class StatsView {
  readonly element: HTMLElement;
  private readonly messages: Chart;
  private readonly bytes: Chart;
  private readonly rtt: Chart;
  private readonly sizes: Chart;
  private timer: ReturnType<typeof setTimeout> | undefined;
  private snapshot: StatsSnapshot | undefined;
  private loading = false;

  constructor(private readonly actions: StatsActions) {
    this.element = el('section', 'stats-view');
    this.element.id = 'stats';
    this.element.hidden = true;
    this.element.setAttribute('aria-label', 'Rates, round trips and message sizes');
    const legend = el('div', 'stats-legend');
    legend.append(el('span', 'legend sent', 'sent'), el('span', 'legend received', 'received'));
    this.messages = this.chart('stats-messages', 'Messages per second', true);
    this.bytes = this.chart('stats-bytes', 'Bytes per second', true);
    this.rtt = this.chart('stats-rtt', 'Round trips of pings', false);
    this.sizes = this.chart('stats-sizes', 'Message sizes', false);
    this.element.append(legend, this.messages.section, this.bytes.section, this.rtt.section, this.sizes.section);
    window.addEventListener('resize', () => this.draw());
  }

  show(visible: boolean): void {
    this.element.hidden = !visible;
    if (this.timer) clearTimeout(this.timer);
    this.timer = undefined;
    if (visible) void this.refresh();
  }

  /** The last snapshot drawn (tests read it). */
  get current(): StatsSnapshot | undefined {
    return this.snapshot;
  }

  private async refresh(): Promise<void> {
    if (this.element.hidden || this.loading) return;
    this.loading = true;
    try {
      this.snapshot = await this.actions.load();
      this.draw();
    } catch {
      // The host went away (reload); the next refresh tries again.
    } finally {
      this.loading = false;
      if (!this.element.hidden) this.timer = setTimeout(() => void this.refresh(), REFRESH_MS);
    }
  }

  private chart(id: string, title: string, clickable: boolean): Chart {
    const section = el('div', 'stats-chart');
    section.id = id;
    const canvas = el('canvas');
    canvas.height = HEIGHT;
    canvas.setAttribute('role', 'img');
    canvas.setAttribute('aria-label', title);
    // Plain text, not a live region: it changes every second while the tab is open.
    const summary = el('p', 'stats-summary');
    section.append(el('h3', undefined, title), canvas, summary);
    if (clickable) {
      canvas.title = 'Click to show the list at that time';
      canvas.addEventListener('click', (e) => {
        const s = this.snapshot;
        if (s?.start === undefined) return;
        const buckets = Math.max(s.sent.messages.length, s.received.messages.length);
        const x = e.offsetX / canvas.clientWidth;
        this.actions.reveal(s.start + Math.floor(x * buckets) * s.bucketMs);
      });
    }
    return { section, canvas, summary };
  }

  private draw(): void {
    const s = this.snapshot;
    if (!s || this.element.hidden) return;
    const colors = themeColors();
    const per = s.bucketMs / 1000;
    const rate = (v: number[]) => v.map((n) => n / per);
    const every = s.bucketMs === 1000 ? 'each second' : `each ${per} s`;
    const count = (n: number) => Math.round(n).toLocaleString('en-US');
    this.series(this.messages, [rate(s.sent.messages), rate(s.received.messages)], colors, (n) => `${count(n)}/s`);
    this.series(
      this.bytes,
      [rate(s.sent.bytes), rate(s.received.bytes)],
      colors,
      (n) => `${formatBytes(Math.round(n))}/s`,
    );
    this.messages.summary.textContent = rateSentence(
      s,
      'messages',
      (n) => Math.round(n).toLocaleString('en-US'),
      every,
    );
    this.bytes.summary.textContent = rateSentence(s, 'bytes', (n) => `${formatBytes(Math.round(n))}`, every);
    this.drawRtt(s, colors);
    this.drawSizes(s, colors);
  }

  /** Lines of the given series (sent, received), scaled to the largest value, which is written at the top. */
  private series(chart: Chart, lines: number[][], colors: ThemeColors, label: (n: number) => string): void {
    const ctx = prepare(chart.canvas, colors);
    if (!ctx) return;
    const { width, height } = chart.canvas;
    const n = Math.max(1, ...lines.map((l) => l.length));
    const max = Math.max(1, ...lines.flat());
    lines.forEach((line, i) => {
      ctx.strokeStyle = i === 0 ? colors.sent : colors.received;
      ctx.lineWidth = 1.5;
      ctx.beginPath();
      line.forEach((v, k) => {
        const x = ((k + 0.5) / n) * width;
        const y = height - 4 - (v / max) * (height - 8);
        if (k === 0) ctx.moveTo(x, y);
        else ctx.lineTo(x, y);
      });
      ctx.stroke();
    });
    ctx.fillStyle = colors.text;
    ctx.fillText(label(max), 4, 12);
  }

  private drawRtt(s: StatsSnapshot, colors: ThemeColors): void {
    const ctx = prepare(this.rtt.canvas, colors);
    if (!s.rtt.length) {
      this.rtt.summary.textContent = 'No ping answered yet (Ping in the composer, or a ping interval in the settings).';
      return;
    }
    const times = s.rtt.map((r) => r.time);
    const t0 = Math.min(...times);
    const t1 = Math.max(t0 + 1, ...times);
    const max = Math.max(1, ...s.rtt.map((r) => r.ms));
    if (ctx) {
      const { width, height } = this.rtt.canvas;
      ctx.fillStyle = colors.received;
      for (const r of s.rtt)
        ctx.fillRect(((r.time - t0) / (t1 - t0)) * (width - 4), height - 4 - (r.ms / max) * (height - 8), 3, 3);
      ctx.fillStyle = colors.text;
      ctx.fillText(ms(max), 4, 12);
    }
    const sorted = s.rtt.map((r) => r.ms).sort((a, b) => a - b);
    const median = sorted[Math.floor(sorted.length / 2)];
    const last = s.rtt[s.rtt.length - 1];
    this.rtt.summary.textContent = `${s.rtt.length} round trip${s.rtt.length === 1 ? '' : 's'}: median ${ms(median)}, most ${ms(sorted[sorted.length - 1])}, last ${ms(last.ms)} at ${formatTime(last.time)}.`;
  }

  private drawSizes(s: StatsSnapshot, colors: ThemeColors): void {
    const ctx = prepare(this.sizes.canvas, colors);
    const { bounds, sent, received } = s.sizes;
    const max = Math.max(1, ...sent, ...received);
    if (ctx) {
      const { width, height } = this.sizes.canvas;
      const slot = width / bounds.length;
      bounds.forEach((_, i) => {
        const bar = (slot - 6) / 2;
        ctx.fillStyle = colors.sent;
        const hs = (sent[i] / max) * (height - 20);
        ctx.fillRect(i * slot + 2, height - 16 - hs, bar, hs);
        ctx.fillStyle = colors.received;
        const hr = (received[i] / max) * (height - 20);
        ctx.fillRect(i * slot + 2 + bar, height - 16 - hr, bar, hr);
        ctx.fillStyle = colors.text;
        ctx.fillText(sizeLabel(bounds, i), i * slot + 2, height - 3);
      });
    }
    const total = (v: number[]) => v.reduce((a, b) => a + b, 0);
    const parts = bounds
      .map((_, i) => ({ i, n: sent[i] + received[i] }))
      .filter((b) => b.n > 0)
      .map((b) => `${sizeLabel(bounds, b.i)}: ${b.n.toLocaleString('en-US')}`);
    this.sizes.summary.textContent = parts.length
      ? `${total(sent).toLocaleString('en-US')} sent and ${total(received).toLocaleString('en-US')} received messages by size: ${parts.join(', ')}.`
      : 'No messages yet.';
  }
}

interface ThemeColors {
  sent: string;
  received: string;
  text: string;
  grid: string;
}

/** The theme's chart colours (VS Code's variables), read when drawing so a theme change applies. */
function themeColors(): ThemeColors {
  const style = getComputedStyle(document.body);
  const v = (name: string, fallback: string) => style.getPropertyValue(name).trim() || fallback;
  return {
    sent: v('--vscode-charts-blue', '#3794ff'),
    received: v('--vscode-charts-green', '#89d185'),
    text: v('--vscode-descriptionForeground', '#999'),
    grid: v('--vscode-panel-border', '#444'),
  };
}

/** Clears `canvas` at its laid-out width and draws the base line; undefined when it cannot draw. */
function prepare(canvas: HTMLCanvasElement, colors: ThemeColors): CanvasRenderingContext2D | undefined {
  const width = Math.max(100, Math.floor(canvas.clientWidth || 600));
  if (canvas.width !== width) canvas.width = width;
  const ctx = canvas.getContext('2d');
  if (!ctx) return undefined;
  ctx.clearRect(0, 0, canvas.width, canvas.height);
  ctx.strokeStyle = colors.grid;
  ctx.lineWidth = 1;
  ctx.beginPath();
  ctx.moveTo(0, canvas.height - 0.5);
  ctx.lineTo(canvas.width, canvas.height - 0.5);
  ctx.stroke();
  ctx.font = '10px sans-serif';
  return ctx;
}

function ms(v: number): string {
  return `${v < 10 ? v.toFixed(1) : Math.round(v)} ms`;
}

function sizeLabel(bounds: number[], i: number): string {
  const b = bounds[i];
  return b < 0 ? `>${formatBytes(bounds[i - 1])}` : `≤${formatBytes(b)}`;
}

/** "Peak 12,345 received messages a second at 14:03:27; 1,234 sent and 1,230 received in the last second." */
function rateSentence(s: StatsSnapshot, what: string, format: (n: number) => string, every: string): string {
  const per = s.bucketMs / 1000;
  const peak = { n: 0, side: 'received', at: 0 };
  for (const side of ['sent', 'received'] as const)
    s[side][what === 'messages' ? 'messages' : 'bytes'].forEach((v, i) => {
      if (v / per > peak.n) Object.assign(peak, { n: v / per, side, at: i });
    });
  if (s.start === undefined || peak.n === 0) return `No ${what} yet.`;
  const key = what === 'messages' ? 'messages' : 'bytes';
  const last = (v: number[]) => (v.length ? v[v.length - 1] / per : 0);
  return `Peak ${format(peak.n)} ${peak.side} ${what} a second at ${formatTime(s.start + peak.at * s.bucketMs)}; latest ${format(last(s.sent[key]))} sent and ${format(last(s.received[key]))} received a second (counted ${every}).`;
}
