import assert from 'node:assert/strict';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import type { RowSummary, Snapshot, ToWebview } from '../../src/shared/protocol';
import { openWebview, type WebviewHarness } from './harness';

/** Screenshots of each width, for a person to look at. */
const SHOTS = mkdtempSync(join(tmpdir(), 'wsi-layout-'));
const LONG_URL =
  'wss://stream.very-long-subdomain.example-exchange.com:9443/api/v3/market-data/stream/level2?symbols=BTC-USD,ETH-USD,SOL-USD&token=abcdef&end=TAIL';

function rows(n: number): RowSummary[] {
  return Array.from({ length: n }, (_, i) => ({
    index: i,
    time: 1_700_000_000_000 + i * 10,
    direction: i % 2 ? 'received' : 'sent',
    kind: 'text',
    size: 40,
    preview: `{"type":"trade","n":${i}}`,
  }));
}

/** A recorded session from a `.ws` run with a long request name, as the host sends it. */
function recordingSnapshot(): ToWebview {
  const snapshot: Snapshot = {
    url: LONG_URL,
    state: {
      phase: 'closed',
      url: LONG_URL,
      code: 1000,
      reason: '',
      byClient: true,
      message: 'Recorded 1/1/2026: 12 messages, read-only.',
    },
    stats: {
      total: 12,
      sentMessages: 123456,
      receivedMessages: 9876543,
      sentBytes: 12_345_678,
      receivedBytes: 987_654_321,
      cleared: 0,
    },
    source: { label: 'market data: subscribe to every level-2 book and wait for the snapshot', detail: 'requests.ws' },
    recording: {
      label: 'stream.very-long-subdomain.example-exchange.com 2026-01-01 12:00:00',
      startedAt: '2026-01-01T12:00:00Z',
      messages: 12,
    },
    script: {
      name: 'market data: subscribe to every level-2 book and wait',
      steps: ['send text (line 4)'],
      current: 0,
      status: 'running',
    },
    rows: rows(12),
    rowsStart: 0,
    length: 12,
    listMode: 'messages',
  };
  return { type: 'snapshot', snapshot };
}

/** Every element of the header and toolbar whose box leaves the panel, and what scrolls sideways. */
async function overflow(view: WebviewHarness): Promise<string[]> {
  return view.page.evaluate(() => {
    const width = document.documentElement.clientWidth;
    const problems: string[] = [];
    for (const e of document.querySelectorAll<HTMLElement>('.header *, .toolbar *')) {
      const r = e.getBoundingClientRect();
      if (!r.width || !r.height) continue;
      if (r.left < -0.5 || r.right > width + 0.5)
        problems.push(
          `${e.id || e.className || e.tagName} at ${Math.round(r.left)}–${Math.round(r.right)} of ${width}`,
        );
    }
    for (const s of ['html', 'body', '#app', '.header', '.header-top', '.toolbar']) {
      const e = document.querySelector<HTMLElement>(s);
      if (e && e.scrollWidth > e.clientWidth)
        problems.push(`${s} scrolls sideways: ${e.scrollWidth} > ${e.clientWidth}`);
      if (e && e.scrollLeft) problems.push(`${s} is scrolled ${e.scrollLeft} px to the side`);
    }
    if (window.scrollX) problems.push(`the page is scrolled ${window.scrollX} px to the side`);
    return problems;
  });
}

describe('inspector layout at panel widths from 500 px up (header, URL, buttons, filter)', () => {
  let view: WebviewHarness;
  const copied: string[] = [];

  before(async () => {
    view = await openWebview((m) => {
      const message = m as { type?: string; text?: string };
      if (message.type === 'copy' && message.text) copied.push(message.text);
    });
    await view.toWebview(recordingSnapshot());
    await view.page.waitForSelector('#replay:not([hidden])');
  });
  after(async () => {
    assert.deepEqual(view?.pageErrors ?? [], [], 'no uncaught errors in the webview');
    assert.deepEqual(view?.cspViolations ?? [], [], 'no CSP violations');
    await view?.close();
  });

  for (const width of [500, 800, 1200, 1920]) {
    test(`${width} px: nothing leaves the panel, the URL keeps its start and end, Replay… does not scroll the page`, async () => {
      const { page } = view;
      await page.setViewportSize({ width, height: 600 });
      await page.evaluate(() => new Promise((r) => requestAnimationFrame(() => requestAnimationFrame(r))));
      await page.screenshot({ path: join(SHOTS, `header-${width}.png`) });
      assert.deepEqual(await overflow(view), [], `at ${width} px`);
      // The URL: its full text on hover, its start and its end both visible (ellipsized in the middle).
      assert.equal(await page.getAttribute('#url', 'title'), LONG_URL);
      const url = await page.evaluate(() => {
        const box = (s: string) => document.querySelector(s)?.getBoundingClientRect();
        const start = box('#url .url-start');
        const end = box('#url .url-end');
        return { start: start?.width ?? 0, end: end?.width ?? 0, whole: box('#url')?.width ?? 0 };
      });
      assert.ok(url.start > 40, `the URL's start shows (${url.start} px)`);
      assert.ok(url.end > 40, `the URL's end shows (${url.end} px)`);
      for (const id of ['#replay', '#disconnect', '#reconnect', '#copy-url']) {
        assert.equal(await page.isVisible(id), true, `${id} is shown`);
        const box = await page.locator(id).boundingBox();
        assert.ok(box && box.x >= 0 && box.x + box.width <= width, `${id} inside the panel at ${width} px`);
      }
      await page.click('#replay');
      assert.deepEqual(await overflow(view), [], `after Replay… at ${width} px`);
      await page.click('#copy-url');
      assert.equal(copied.at(-1), LONG_URL, 'the copy action copies the whole URL');
    });
  }

  test('a live .ws run with a long request name keeps the URL readable at 500 and 1200 px', async () => {
    const { page } = view;
    const live = recordingSnapshot() as Extract<ToWebview, { type: 'snapshot' }>;
    const snapshot: Snapshot = {
      ...live.snapshot,
      recording: undefined,
      state: { phase: 'open', url: LONG_URL, protocol: '', extensions: '', since: Date.now() },
    };
    await view.toWebview({ type: 'snapshot', snapshot });
    await page.waitForSelector('#replay', { state: 'hidden' });
    for (const width of [500, 1200]) {
      await page.setViewportSize({ width, height: 600 });
      await page.evaluate(() => new Promise((r) => requestAnimationFrame(() => requestAnimationFrame(r))));
      await page.screenshot({ path: join(SHOTS, `ws-run-${width}.png`) });
      assert.deepEqual(await overflow(view), [], `at ${width} px`);
      const widths = await page.evaluate(() =>
        ['#url .url-start', '#url .url-end'].map((s) => document.querySelector(s)?.getBoundingClientRect().width ?? 0),
      );
      assert.ok(
        widths.every((w) => w > 40),
        `the URL's start and end show at ${width} px: ${widths.join(', ')}`,
      );
      assert.match((await page.textContent('.source')) ?? '', /^from market data: subscribe/);
    }
  });

  test('the filter placeholders are never cut off', async () => {
    const { page } = view;
    for (const width of [500, 800, 900, 1000, 1200, 1920]) {
      await page.setViewportSize({ width, height: 600 });
      await page.evaluate(() => new Promise((r) => requestAnimationFrame(() => requestAnimationFrame(r))));
      const cut = await page.evaluate(() => {
        const out: string[] = [];
        const ctx = document.createElement('canvas').getContext('2d') as CanvasRenderingContext2D;
        for (const input of document.querySelectorAll<HTMLInputElement>('.filter-input')) {
          const style = getComputedStyle(input);
          ctx.font = style.font;
          const text = ctx.measureText(input.placeholder).width;
          const room = input.clientWidth - parseFloat(style.paddingLeft) - parseFloat(style.paddingRight);
          if (text > room + 0.5)
            out.push(`${input.id}: "${input.placeholder}" needs ${Math.ceil(text)} px, has ${room}`);
        }
        return out;
      });
      assert.deepEqual(cut, [], `at ${width} px`);
    }
  });

  after(() => console.log(`layout screenshots in ${SHOTS}`));
});
