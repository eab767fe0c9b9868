import assert from 'node:assert/strict';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, beforeEach, describe, test } from 'node:test';
import type { HandshakeInfo, RowDetail, RowSummary, Snapshot, ToWebview } from '../../src/shared/protocol';
import { openWebview, type WebviewHarness } from './harness';

/** Screenshots for a person to look at. */
const SHOTS = mkdtempSync(join(tmpdir(), 'wsi-defects-'));
const URL = 'ws://127.0.0.1:9/defects';

function row(index: number, preview: string, direction: RowSummary['direction'] = 'sent'): RowSummary {
  return { index, time: 1_700_000_000_000 + index, direction, kind: 'text', size: preview.length, preview };
}

function snapshot(patch: Partial<Snapshot> = {}): ToWebview {
  const rows = patch.rows ?? [];
  return {
    type: 'snapshot',
    snapshot: {
      url: URL,
      state: { phase: 'open', url: URL, protocol: '', extensions: '', since: Date.now() },
      stats: { total: rows.length, sentMessages: 0, receivedMessages: 0, sentBytes: 0, receivedBytes: 0, cleared: 0 },
      rows,
      rowsStart: 0,
      length: rows.length,
      listMode: 'messages',
      ...patch,
    },
  };
}

function tick(length: number, rows?: RowSummary[], rowsStart?: number): ToWebview {
  return {
    type: 'tick',
    stats: { total: length, sentMessages: length, receivedMessages: 0, sentBytes: 0, receivedBytes: 0, cleared: 0 },
    length,
    listMode: 'messages',
    ...(rows ? { rows, rowsStart } : {}),
  };
}

/** Polls the page until `check` holds (a bound of 5 s). */
async function until(view: WebviewHarness, what: string, check: () => Promise<boolean>): Promise<void> {
  const deadline = Date.now() + 5000;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error(`The webview did not show ${what}`);
    await view.page.waitForTimeout(25);
  }
}

const frames = (view: WebviewHarness) =>
  view.page.evaluate(() => new Promise((r) => requestAnimationFrame(() => requestAnimationFrame(r))));

describe('inspector webview: the defects a person saw (issue 14)', () => {
  let view: WebviewHarness;
  /** What `getDetail` answers, by row index. */
  const details = new Map<number, RowDetail>();

  before(async () => {
    view = await openWebview((m) => {
      const message = m as { type?: string; id?: number; position?: number };
      if (message.type !== 'getDetail' || message.id === undefined) return;
      const detail = details.get(message.position ?? -1);
      // Answered as the host would (the page asks only once it is open, so `view` is set by then).
      void view.toWebview({ type: 'response', id: message.id, ok: !!detail, result: detail, error: 'no such row' });
    });
  });
  beforeEach(async () => {
    await view.page.setViewportSize({ width: 1000, height: 600 });
  });
  after(async () => {
    assert.deepEqual(view?.pageErrors ?? [], [], 'no uncaught errors in the webview');
    assert.deepEqual(view?.cspViolations ?? [], [], 'no CSP violations');
    await view?.close();
    console.log(`defect screenshots in ${SHOTS}`);
  });

  test('a recycled row keeps its direction arrow after it showed a placeholder', async () => {
    const { page } = view;
    await view.toWebview(snapshot({ rows: Array.from({ length: 30 }, (_, i) => row(i, `m${i}`)) }));
    await until(view, 'the rows', async () => (await page.textContent('.inner .row:not([hidden]) .preview')) !== '…');
    // Many rows arrive; the tail is not here yet, so the rows show placeholders…
    await view.toWebview(tick(1000));
    await until(view, 'placeholders', async () =>
      (await page.locator('.inner .row:not([hidden]) .preview').allTextContents()).every((t) => t === '…'),
    );
    // …then the tail comes, every row sent as before.
    await view.toWebview(
      tick(
        1000,
        Array.from({ length: 100 }, (_, i) => row(900 + i, `n${900 + i}`)),
        900,
      ),
    );
    await until(view, 'the tail', async () =>
      (await page.locator('.inner .row:not([hidden]) .preview').allTextContents()).every((t) => t.startsWith('n')),
    );
    const missing = await page.$$eval('.inner .row:not([hidden])', (els) =>
      els.filter((e) => !e.querySelector('.dir .codicon-arrow-up')).map((e) => (e as HTMLElement).dataset.index),
    );
    assert.deepEqual(missing, [], 'every sent row shows its arrow');
  });

  test('the JSON tree has no blank line under a long entry', async () => {
    const { page } = view;
    const value: Record<string, string> = {};
    // Lengths a few characters apart, so that some line ends where the hidden buttons would wrap.
    for (let i = 0; i < 40; i++) value[`key${i}`] = 'word '.repeat(20 + (i % 20)) + 'x'.repeat(i % 5);
    const text = JSON.stringify(value);
    details.set(0, { ...row(0, text.slice(0, 200)), text, truncated: false });
    await view.toWebview(snapshot({ rows: [row(0, text.slice(0, 200))] }));
    await page.click('.inner .row[data-index="0"]');
    await page.waitForSelector('#detail .json-tree .json-node.leaf');
    const gaps = await page.$$eval('#detail .json-node.leaf', (leaves) =>
      leaves
        .map((leaf) => {
          const text = [...leaf.querySelectorAll('.json-key, .json-colon, .json-value')];
          const bottom = Math.max(...text.flatMap((t) => [...t.getClientRects()].map((r) => r.bottom)));
          return Math.round(leaf.getBoundingClientRect().bottom - bottom);
        })
        .filter((gap) => gap > 3),
    );
    assert.deepEqual(gaps, [], 'no leaf is taller than its text');
    await page.screenshot({ path: join(SHOTS, 'json-tree.png') });
    await page.keyboard.press('Escape');
  });

  test('the Handshake tab hides the filter bar and its count; the list tabs show them', async () => {
    const { page } = view;
    await view.toWebview(snapshot({ rows: [row(0, 'a')] }));
    await page.click('#view-handshake');
    await until(view, 'the handshake', async () => page.isVisible('#handshake'));
    assert.equal(await page.isVisible('.filter-bar'), false);
    assert.equal(await page.isVisible('#filter-status'), false);
    await page.click('#view-messages');
    await until(view, 'the filter', async () => page.isVisible('#filter-status'));
  });

  test('a read-only recording shows no composer; a replay that opens brings it back', async () => {
    const { page } = view;
    await view.toWebview(
      snapshot({
        rows: [row(0, 'recorded')],
        state: { phase: 'closed', url: URL, code: 1000, reason: '', byClient: true, message: 'Recorded: read-only.' },
        recording: { label: 'a recording', startedAt: '2026-01-01T00:00:00Z', messages: 1 },
      }),
    );
    await until(view, 'Replay', async () => page.isVisible('#replay'));
    assert.equal(await page.isVisible('.composer'), false, 'no empty, disabled composer');
    await page.screenshot({ path: join(SHOTS, 'recording.png') });
    await view.toWebview({ type: 'state', state: { phase: 'open', url: URL, protocol: '', extensions: '', since: 1 } });
    await until(view, 'the composer', async () => page.isVisible('.composer'));
  });

  test('a .ws run whose handshake failed does not say the connection stays open', async () => {
    const { page } = view;
    const failed = (current: number): ToWebview => ({
      type: 'script',
      script: {
        name: 'bad',
        steps: ['send text (line 3)'],
        current,
        status: 'failed',
        reason: 'The server did not accept the subprotocol "x y".',
      },
    });
    await view.toWebview(snapshot({ state: { phase: 'error', url: URL, message: 'refused' } }));
    await view.toWebview(failed(-1));
    await until(view, 'the script line', async () => /failed/.test((await page.textContent('#script')) ?? ''));
    assert.doesNotMatch((await page.textContent('#script')) ?? '', /stays open/);
    // A step that failed on an open connection still says so.
    await view.toWebview({ type: 'state', state: { phase: 'open', url: URL, protocol: '', extensions: '', since: 1 } });
    await view.toWebview(failed(0));
    await until(view, 'stays open', async () => /stays open/.test((await page.textContent('#script')) ?? ''));
  });

  test('bidi controls and invisible characters are visible marks in the list, detail and handshake; raw a click away', async () => {
    const { page } = view;
    const hostile = '\u202egnp.exe';
    const zw = 'pay\u200bpal\u2066x\u2069';
    details.set(0, { ...row(0, hostile), text: hostile, truncated: false });
    details.set(1, { ...row(1, zw), text: zw, truncated: false });
    const handshake: HandshakeInfo = {
      url: URL,
      finalUrl: URL,
      protocol: '',
      extensions: [],
      redirects: [],
      timings: { start: 0 },
      ok: true,
      request: { requestLine: 'GET /defects HTTP/1.1', headers: [{ name: 'Host', value: '127.0.0.1:9' }] },
      response: {
        statusLine: 'HTTP/1.1 101 Switching Protocols',
        status: 101,
        statusText: 'Switching Protocols',
        headers: [{ name: 'X-File', value: hostile }],
      },
    };
    await view.toWebview(snapshot({ rows: [row(0, hostile, 'received'), row(1, zw, 'received')], handshake }));
    await until(view, 'the rows', async () => (await page.locator('.inner .row:not([hidden]) .preview').count()) === 2);
    const previews = await page.locator('.inner .row:not([hidden]) .preview').allTextContents();
    assert.deepEqual(previews, ['⟨RLO⟩gnp.exe', 'pay⟨ZWSP⟩pal⟨LRI⟩x⟨PDI⟩']);
    assert.equal(
      await page.getAttribute('.inner .row[data-index="0"] .preview .invisible-mark', 'title'),
      'U+202E RIGHT-TO-LEFT OVERRIDE',
    );
    // The detail pane: marks in Text, the raw text one click away.
    await page.click('.inner .row[data-index="0"]');
    await until(view, 'the detail', async () => (await page.textContent('#detail .detail-body')) === '⟨RLO⟩gnp.exe');
    await page.screenshot({ path: join(SHOTS, 'bidi-detail.png') });
    await page.click('#detail .detail-tab[data-view="raw"]');
    assert.equal(await page.textContent('#detail .detail-body pre'), hostile);
    await page.keyboard.press('Escape');
    // The handshake: marks in the headers, raw a click away.
    await page.click('#view-handshake');
    await until(view, 'the handshake', async () => /X-File/.test((await page.textContent('#handshake')) ?? ''));
    assert.match((await page.textContent('#handshake')) ?? '', /X-File: ⟨RLO⟩gnp\.exe/);
    await page.screenshot({ path: join(SHOTS, 'bidi-handshake.png') });
    await page.click('#handshake-raw');
    await until(view, 'the raw header', async () =>
      ((await page.textContent('#handshake')) ?? '').includes(`X-File: ${hostile}`),
    );
    await page.click('#view-messages');
    await frames(view);
  });
});
