/**
 * The Stats tab in real Chromium with the real bundle: it asks the host for a snapshot while open
 * (and stops when closed), draws the rate, round-trip and size charts on canvases in the theme's
 * chart colours, says the numbers in text beside them, and a click on a rate chart asks where the
 * list is at that time and shows the list there, the row selected.
 */
import assert from 'node:assert/strict';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import type { RowSummary, StatsSnapshot, ToWebview } from '../../src/shared/protocol';
import { openWebview, type WebviewHarness } from './harness';

const SHOTS = mkdtempSync(join(tmpdir(), 'wsi-stats-'));
const URL = 'ws://127.0.0.1:9/stats';
const T0 = new Date(2026, 0, 1, 12, 0, 0).getTime();

const STATS: StatsSnapshot = {
  start: T0,
  bucketMs: 1000,
  sent: { messages: [1, 0, 2, 0, 0, 1], bytes: [10, 0, 20, 0, 0, 10] },
  received: { messages: [10, 500, 12_000, 800, 40, 3], bytes: [1000, 50_000, 1_200_000, 80_000, 4000, 300] },
  rtt: [
    { time: T0 + 1000, ms: 2.5 },
    { time: T0 + 3000, ms: 40 },
    { time: T0 + 5000, ms: 3 },
  ],
  sizes: {
    bounds: [16, 64, 256, 1024, 4096, 16_384, 65_536, 262_144, 1_048_576, -1],
    sent: [4, 0, 0, 0, 0, 0, 0, 0, 0, 0],
    received: [0, 13_353, 0, 0, 0, 0, 0, 0, 0, 0],
  },
};

function rows(n: number): RowSummary[] {
  return Array.from({ length: n }, (_, i) => ({
    index: i,
    time: T0 + i * 10,
    direction: i % 2 ? 'received' : 'sent',
    kind: 'text',
    size: 10,
    preview: `m${i}`,
  }));
}

describe('inspector webview: the Stats tab', () => {
  let view: WebviewHarness;
  const asked: { type: string; time?: number }[] = [];

  before(async () => {
    view = await openWebview((m) => {
      const message = m as { type?: string; id?: number; time?: number };
      if (message.id === undefined) return;
      if (message.type === 'getStats') {
        asked.push({ type: 'getStats' });
        void view.toWebview({ type: 'response', id: message.id, ok: true, result: STATS });
      } else if (message.type === 'revealTime') {
        asked.push({ type: 'revealTime', time: message.time });
        void view.toWebview({ type: 'response', id: message.id, ok: true, result: 40 });
      }
    });
  });
  after(async () => {
    assert.deepEqual(view?.pageErrors ?? [], [], 'no uncaught errors in the webview');
    assert.deepEqual(view?.cspViolations ?? [], [], 'no CSP violations');
    await view?.close();
    console.log(`stats screenshots in ${SHOTS}`);
  });

  test('draws the charts from the host’s snapshot, with the numbers in text; a click shows the list there', async () => {
    const { page } = view;
    const all = rows(100);
    const snapshot: ToWebview = {
      type: 'snapshot',
      snapshot: {
        url: URL,
        state: { phase: 'open', url: URL, protocol: '', extensions: '', since: T0 },
        stats: { total: 100, sentMessages: 50, receivedMessages: 50, sentBytes: 500, receivedBytes: 500, cleared: 0 },
        rows: all.slice(40, 100),
        rowsStart: 40,
        length: 100,
        listMode: 'messages',
      },
    };
    await view.toWebview(snapshot);
    assert.equal(asked.length, 0, 'nothing asked while the tab is closed');
    await page.click('#view-stats');
    await page.locator('#stats-messages .stats-summary', { hasText: 'Peak 12,000 received messages' }).waitFor();
    assert.equal(await page.isHidden('.list'), true, 'the list is hidden');
    assert.equal(await page.isHidden('#filter-text'), true, 'the filter is hidden');
    const summary = (id: string) => page.textContent(`#${id} .stats-summary`);
    assert.match((await summary('stats-messages')) ?? '', /at 12:00:02\.000; latest 1 sent and 3 received a second/);
    assert.match((await summary('stats-bytes')) ?? '', /Peak 1\.1 MB received bytes a second/);
    assert.match((await summary('stats-rtt')) ?? '', /^3 round trips: median 3\.0 ms, most 40 ms, last 3\.0 ms/);
    assert.match(
      (await summary('stats-sizes')) ?? '',
      /4 sent and 13,353 received messages by size: ≤16 B: 4, ≤64 B: 13,353/,
    );

    // Drawn: the received series' colour is on the canvas (the theme's --vscode-charts-green).
    const drawn = await page.evaluate(() => {
      const canvas = document.querySelector<HTMLCanvasElement>('#stats-messages canvas')!;
      const data = canvas.getContext('2d')!.getImageData(0, 0, canvas.width, canvas.height).data;
      let painted = 0;
      for (let i = 3; i < data.length; i += 4) if (data[i] > 0) painted++;
      return { painted, width: canvas.width, css: canvas.clientWidth };
    });
    assert.ok(drawn.painted > 200, `pixels painted: ${drawn.painted}`);
    assert.equal(drawn.width, drawn.css, 'drawn at its laid-out width');
    await page.screenshot({ path: join(SHOTS, 'stats.png') });

    // Refreshed while open.
    const before = asked.length;
    await until(() => asked.filter((a) => a.type === 'getStats').length > before);

    // A click at the third second's bucket asks for that time and shows the list there.
    const box = (await page.locator('#stats-messages canvas').boundingBox())!;
    await page.mouse.click(box.x + (box.width * 2.5) / 6, box.y + box.height / 2);
    await until(() => asked.some((a) => a.type === 'revealTime'));
    assert.equal(asked.find((a) => a.type === 'revealTime')?.time, T0 + 2000);
    await page.locator('.list:not([hidden])').waitFor();
    assert.equal(await page.getAttribute('#view-messages', 'aria-selected'), 'true');
    await page.locator('.inner .row.selected[data-index="40"]').waitFor();

    // Closed: no more questions.
    const n = asked.length;
    await page.waitForTimeout(1300);
    assert.equal(asked.length, n, 'the closed tab asks nothing');
  });

  async function until(check: () => boolean | Promise<boolean>): Promise<void> {
    const deadline = Date.now() + 5000;
    while (!(await check())) {
      if (Date.now() > deadline) throw new Error('timed out');
      await view.page.waitForTimeout(25);
    }
  }
});
