// Over 400 lines: the tests share one Chromium page and one session, each building on what the page shows.
import assert from 'node:assert/strict';
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { EchoServer } from '../../src/core/echoServer';
import type { InspectorActions } from '../../src/core/inspector/actions';
import { InspectorSession } from '../../src/core/inspector/session';
import type { Transport } from '../../src/core/transport';
import { parseFromWebview } from '../../src/core/webviewMessages';
import type { RowSummary, ToWebview } from '../../src/shared/protocol';
import { openWebview, ROOT, type WebviewHarness } from './harness';

const OUTPUT = join(ROOT, 'test-results');

async function setComposer(page: WebviewHarness['page'], text: string): Promise<void> {
  await page.evaluate((t) => {
    const c = document.querySelector('#composer') as HTMLElement & { value: string };
    c.value = t;
  }, text);
  await page.locator('#composer').click();
  await page.keyboard.press('Control+Home');
}

async function waitForStats(check: () => boolean): Promise<void> {
  const deadline = Date.now() + 5000;
  while (!check()) {
    if (Date.now() > deadline) throw new Error('Timed out waiting for the session');
    await new Promise((r) => setTimeout(r, 20));
  }
}

async function waitForMessage(view: WebviewHarness, from: number, match: (m: unknown) => boolean): Promise<void> {
  const deadline = Date.now() + 5000;
  while (!view.fromWebview.slice(from).some(match)) {
    if (Date.now() > deadline) throw new Error('The webview did not post the expected message');
    await new Promise((r) => setTimeout(r, 20));
  }
}

describe('inspector webview in Chromium, with the real InspectorSession as its host', () => {
  let echo: EchoServer;
  let session: InspectorSession;
  let view: WebviewHarness;
  /** What the host around the session was asked to do, as the panel would be. */
  const copied: string[] = [];
  const connecting: Transport[] = [];
  const malformed: unknown[] = [];
  const actions: InspectorActions = {
    pickFile: () => Promise.resolve(undefined),
    openInEditor: () => undefined,
    copy: (text) => copied.push(text),
    replay: () => undefined,
    connecting: (connection) => connecting.push(connection),
  };

  before(async () => {
    echo = await EchoServer.start();
    // Messages posted before the page is wired up wait for it, in order, as VS Code's do.
    // The page's messages take the panel's path: checked and routed by `receive`.
    const opened = openWebview((raw) => {
      if (!session.receive(raw)) malformed.push(raw);
    });
    session = new InspectorSession(
      { url: echo.url + '/chat', handshakeTimeout: 2000 },
      (m) => void opened.then((h) => h.toWebview(m)),
      undefined,
      actions,
    );
    view = await opened;
    await session.connect();
  });
  after(async () => {
    assert.deepEqual(view?.pageErrors ?? [], [], 'no uncaught errors in the webview');
    assert.deepEqual(malformed, [], 'the page posts only well-formed messages');
    session?.dispose();
    await view?.close();
    await echo?.close();
  });

  test('shows the open state and URL, sends with Ctrl+Enter, and lists the sent and echoed rows', async () => {
    const { page } = view;
    await page.waitForSelector('#state[data-phase="open"]', { timeout: 5000 });
    assert.equal(await page.textContent('#url'), echo.url + '/chat');
    await page.locator('#composer').click();
    await page.keyboard.type('hello from the webview test');
    await page.keyboard.press('Control+Enter');
    await page.waitForFunction(
      () => document.querySelectorAll('.inner .row:not([hidden]) .preview').length >= 3,
      null,
      { timeout: 5000 },
    );
    const rows = await page.$$eval('.inner .row:not([hidden])', (els) =>
      els.map((e) => ({
        direction: (e as HTMLElement).dataset.direction,
        kind: (e as HTMLElement).dataset.kind,
        preview: e.querySelector('.preview')?.textContent,
      })),
    );
    assert.deepEqual(rows.slice(-2), [
      { direction: 'sent', kind: 'text', preview: 'hello from the webview test' },
      { direction: 'received', kind: 'text', preview: 'hello from the webview test' },
    ]);
    assert.equal(rows[0].kind, 'open');
    assert.match((await page.textContent('#stats')) ?? '', /↑ 1 .*↓ 1 /);
    mkdirSync(OUTPUT, { recursive: true });
    await page.screenshot({ path: join(OUTPUT, 'webview-inspector.png') });
    assert.deepEqual(view.cspViolations, []);
  });

  test('hostile payloads render as text and never execute', async () => {
    const { page } = view;
    const hostile = [
      '<img src=x onerror="window.__pwned=1">',
      '<script>window.__pwned=2</script>',
      '<a href="javascript:window.__pwned=3">click</a>',
      '"><svg onload="window.__pwned=4">',
      'bidi \u202eevil\u202c text',
      '</style><style>body{display:none}</style>',
      '\\3c script\\3e window.__pwned=5 \\3c /script\\3e',
      'NUL \u0000 byte',
    ];
    for (const text of hostile) await session.sendText(text);
    await page.waitForFunction(
      (n) => {
        const previews = [...document.querySelectorAll('.inner .row:not([hidden]) .preview')].map((e) => e.textContent);
        return previews.filter((p) => p?.includes('NUL')).length === 2 && previews.length >= n;
      },
      hostile.length,
      { timeout: 5000 },
    );
    assert.equal(await page.evaluate(() => (window as unknown as { __pwned?: number }).__pwned), undefined);
    assert.equal(await page.locator('.inner img, .inner script, .inner svg, .inner a, .inner style').count(), 0);
    assert.equal(
      await page.evaluate(() => getComputedStyle(document.body).display),
      'block',
      'a payload cannot restyle the page',
    );
    const previews = await page.$$eval('.inner .row[data-direction="received"] .preview', (els) =>
      els.map((e) => e.textContent),
    );
    assert.ok(previews.includes('<img src=x onerror="window.__pwned=1">'));
    assert.ok(previews.includes('NUL · byte'), 'control characters are shown as a dot');
    assert.deepEqual(view.cspViolations, []);
  });

  test('a 10 MB body, a 1 MB single line and invalid UTF-8 render readably and quickly', async () => {
    const { page } = view;
    await page.click('#clear');
    const big = 'x'.repeat(10 * 1024 * 1024);
    const line = 'y'.repeat(1024 * 1024);
    await session.sendText(big);
    await session.sendText(line);
    await session.connection.sendBinary(Buffer.from([0x41, 0xc3, 0x28, 0xff, 0x42]));
    await waitForStats(
      () =>
        session.stats.receivedMessages >= 3 &&
        session.store.summaries(session.store.length - 1, 1)[0]?.kind === 'binary',
    );
    await page.waitForFunction(() => [...document.querySelectorAll('.inner .row:not([hidden])')].length >= 7, null, {
      timeout: 5000,
    });
    const previews = await page.$$eval('.inner .row:not([hidden]) .preview', (els) =>
      els.map((e) => e.textContent ?? ''),
    );
    assert.ok(
      previews.every((p) => p.length <= 201),
      'previews are cut to one short line',
    );
    // The 10 MB row: the pane shows the first megabyte and says so.
    const started = Date.now();
    await page.locator('.inner .row[data-direction="received"]', { hasText: 'xxxx' }).first().click();
    await page.waitForFunction(
      () =>
        /Showing the first 1\.0 MB of 10\.0 MB/.test(document.querySelector('#detail .detail-note')?.textContent ?? ''),
      null,
      { timeout: 10000 },
    );
    assert.ok(Date.now() - started < 5000, `the detail pane took ${Date.now() - started} ms`);
    // Invalid UTF-8 sent as text from a server would be closed by ws (1007); as binary it shows as hex and U+FFFD in the UTF-8 view.
    await page.locator('.inner .row[data-direction="received"][data-kind="binary"]').last().click();
    await page.waitForSelector('#detail .detail-hex', { timeout: 5000 });
    assert.match((await page.textContent('#detail .detail-hex')) ?? '', /41 c3 28 ff 42/);
    await page.click('#detail .detail-tab[data-view="utf8"]');
    assert.equal(await page.textContent('#detail pre'), 'A\ufffd(\ufffdB');
    await page.locator('#list').focus();
    await page.keyboard.press('Escape');
    await page.click('#clear');
    await waitForStats(() => session.store.length === 1);
    await page
      .waitForFunction(
        () => {
          const rows = [...document.querySelectorAll('.inner .row:not([hidden]) .preview')].map((e) => e.textContent);
          return rows.length === 1 && /^Cleared/.test(rows[0] ?? '');
        },
        null,
        { timeout: 5000 },
      )
      .catch(async (err) => {
        await page.screenshot({ path: join(OUTPUT, 'webview-clear-failure.png') });
        throw err;
      });
    assert.deepEqual(view.cspViolations, []);
  });

  test('selecting a row shows its full body: JSON as a tree with copy path, binary as a hex dump', async () => {
    const { page } = view;
    await session.sendText(
      JSON.stringify({ type: 'trade', price: 101.5, tags: ['a', 'b'], 'odd key': { deep: true } }),
    );
    await session.connection.sendBinary(Buffer.from('Hello\x00\x01binary', 'latin1'));
    await page.waitForFunction(
      () => [...document.querySelectorAll('.inner .row[data-direction="received"][data-kind="binary"]')].length === 1,
      null,
      { timeout: 5000 },
    );
    await page.locator('.inner .row[data-direction="received"][data-kind="text"]').last().click();
    await page.waitForSelector('#detail .json-tree', { timeout: 5000 }).catch(async (err) => {
      await page.screenshot({ path: join(OUTPUT, 'webview-detail-failure.png') });
      const trace = await page.evaluate(() => (window as unknown as { __trace: string[] }).__trace.join('\n'));
      throw new Error(`${err.message}; page errors: ${view.pageErrors.join('\n')}\ntrace:\n${trace}`);
    });
    assert.match((await page.textContent('#detail .detail-title')) ?? '', /received · text/);
    const keys = await page.$$eval('#detail .json-key', (els) => els.map((e) => e.textContent));
    assert.deepEqual(keys.slice(0, 4), ['type', 'price', 'tags', 'odd key']);
    await page.screenshot({ path: join(OUTPUT, 'webview-detail.png') });
    const before = view.fromWebview.length;
    const oddKey = page.locator('#detail .json-line', { has: page.locator('.json-key', { hasText: 'odd key' }) });
    await oddKey.hover();
    await oddKey.locator('.json-action', { hasText: 'path' }).click();
    await waitForMessage(view, before, (m) => (m as { type: string }).type === 'copy');
    assert.deepEqual(
      view.fromWebview.slice(before).find((m) => (m as { type: string }).type === 'copy'),
      { type: 'copy', text: '$["odd key"]' },
    );
    assert.equal(copied.at(-1), '$["odd key"]', 'the dispatcher handed the copy to the host');

    await page.locator('#list').focus();
    await page.keyboard.press('ArrowDown');
    await page.keyboard.press('ArrowDown');
    await page.waitForFunction(
      () => /binary/.test(document.querySelector('#detail .detail-title')?.textContent ?? ''),
      null,
      { timeout: 5000 },
    );
    // The pane opens on the tab last chosen for binary bodies; pick Hex.
    await page.click('#detail .detail-tab[data-view="hex"]');
    await page.waitForSelector('#detail .detail-hex', { timeout: 5000 });
    const dump = (await page.textContent('#detail .detail-hex')) ?? '';
    assert.match(dump, /^00000000 {2}48 65 6c 6c 6f 00 01 62 {2}69 6e 61 72 79\s+\|Hello\.\.binary\|/);
    await page.keyboard.press('Escape');
    await page.waitForSelector('#detail', { state: 'hidden', timeout: 5000 });
  });

  test('a decoder view: JSON in a binary frame reads as text in the list and as a tree in the detail, raw a tab away', async () => {
    const { page } = view;
    await session.connection.sendBinary(Buffer.from(JSON.stringify({ event: 'chat', args: ['hi'] })));
    const row = page.locator('.inner .row[data-direction="received"][data-kind="binary"]').last();
    await page.waitForFunction(
      () =>
        [...document.querySelectorAll('.inner .row[data-direction="received"][data-kind="binary"] .preview')].some(
          (e) => e.textContent === '{"event":"chat","args":["hi"]}',
        ),
      null,
      { timeout: 5000 },
    );
    assert.ok(await row.locator('.preview.decoded').count(), 'the decoded line is marked as such');
    await row.click();
    await page.waitForSelector('#detail .detail-tab[data-view="decoded"][aria-selected="true"]', { timeout: 5000 });
    assert.equal(await page.textContent('#detail .detail-decoded'), 'Decoded as JSON in a binary frame.');
    const keys = await page.$$eval('#detail .json-key', (els) => els.map((e) => e.textContent));
    assert.deepEqual(keys.slice(0, 2), ['event', 'args']);
    await page.screenshot({ path: join(OUTPUT, 'webview-decoded.png') });
    await page.click('#detail .detail-tab[data-view="hex"]');
    assert.match((await page.textContent('#detail .detail-hex')) ?? '', /^00000000 {2}7b 22 65 76/);
    await page.keyboard.press('Escape');
  });

  test('composer: invalid JSON and hex get an inline error and send nothing; valid hex goes as binary; history recalls', async () => {
    const { page } = view;
    const sentBefore = session.stats.sentMessages;
    await page.selectOption('#composer-mode', 'json');
    await setComposer(page, '{"a": 1,}');
    await page.keyboard.press('Control+Enter');
    await page.waitForFunction(
      () => /Not valid JSON/.test(document.querySelector('#composer-error')?.textContent ?? ''),
      null,
      { timeout: 5000 },
    );
    await page.selectOption('#composer-mode', 'hex');
    await setComposer(page, '01 0g');
    await page.keyboard.press('Control+Enter');
    await page.waitForFunction(
      () => /"g" is not a hex digit/.test(document.querySelector('#composer-error')?.textContent ?? ''),
      null,
      { timeout: 5000 },
    );
    assert.equal(session.stats.sentMessages, sentBefore, 'nothing was sent');
    await setComposer(page, 'de ad be ef');
    await page.keyboard.press('Control+Enter');
    await waitForStats(
      () => session.stats.receivedMessages > sentBefore + 0 && session.stats.sentMessages === sentBefore + 1,
    );
    const last = session.store.get(session.store.length - 1)!;
    assert.equal(last.kind, 'binary');
    assert.equal(last.payload.toString('hex'), 'deadbeef');
    assert.equal(await page.textContent('#composer-error'), '');
    // ↑ with the caret at the start recalls the previous message.
    await page.selectOption('#composer-mode', 'text');
    await setComposer(page, 'first');
    await page.keyboard.press('Control+Enter');
    await waitForStats(() => session.stats.sentMessages === sentBefore + 2);
    await setComposer(page, '');
    await page.keyboard.press('ArrowUp');
    assert.equal(
      await page.evaluate(() => (document.querySelector('#composer') as HTMLElement & { value: string }).value),
      'first',
    );
    await page.keyboard.press('ArrowUp');
    assert.equal(
      await page.evaluate(() => (document.querySelector('#composer') as HTMLElement & { value: string }).value),
      'de ad be ef',
    );
  });

  test('filter bar: substring, regex, JSON field and kind filter in the host; "M of N"; a bad regex explains itself', async () => {
    const { page } = view;
    await page.click('#clear');
    await waitForStats(() => session.store.length === 1);
    for (const msg of [
      '{"type":"trade","price":120}',
      '{"type":"trade","price":80}',
      '{"type":"quote","price":130}',
      'plain words TRADE',
    ]) {
      await session.sendText(msg);
    }
    await waitForStats(() => session.store.summaries(session.store.length - 1, 1)[0]?.preview === 'plain words TRADE');
    const visiblePreviews = () =>
      page.$$eval('.inner .row:not([hidden]) .preview', (els) => els.map((e) => e.textContent));
    await page.fill('#filter-text', 'trade');
    await page.selectOption('#filter-direction', 'received');
    await page.waitForFunction(() => /^3 of /.test(document.querySelector('#filter-status')?.textContent ?? ''), null, {
      timeout: 5000,
    });
    assert.deepEqual(await visiblePreviews(), [
      '{"type":"trade","price":120}',
      '{"type":"trade","price":80}',
      'plain words TRADE',
    ]);
    await page.click('#filter-case');
    await page.waitForFunction(() => /^2 of /.test(document.querySelector('#filter-status')?.textContent ?? ''), null, {
      timeout: 5000,
    });
    await page.click('#filter-case');
    await page.fill('#filter-text', '');
    await page.fill('#filter-json', 'price > 100');
    await page.waitForFunction(
      () =>
        [...document.querySelectorAll('.inner .row:not([hidden]) .preview')].map((e) => e.textContent).join('|') ===
        '{"type":"trade","price":120}|{"type":"quote","price":130}',
      null,
      { timeout: 5000 },
    );
    assert.match((await page.textContent('#filter-status')) ?? '', /^2 of /);
    // Selecting a filtered row opens that row, not the row at the same position in the whole list.
    await page.locator('.inner .row:not([hidden])').last().click();
    await page.waitForSelector('#detail .json-tree', { timeout: 5000 });
    assert.match((await page.textContent('#detail .json-tree')) ?? '', /quote/);
    // New messages are filtered as they arrive.
    await session.sendText('{"type":"late","price":999}');
    await page.waitForFunction(() => /^3 of /.test(document.querySelector('#filter-status')?.textContent ?? ''), null, {
      timeout: 5000,
    });
    await page.fill('#filter-json', '');
    await page.click('#filter-regex');
    await page.fill('#filter-text', '(unclosed');
    await page.waitForFunction(() => (document.querySelector('#filter-error')?.textContent ?? '').length > 0, null, {
      timeout: 5000,
    });
    assert.match((await page.textContent('#filter-error')) ?? '', /regular expression/i);
    await page.fill('#filter-text', '^\\{"type":"(trade|quote)"');
    await page.waitForFunction(() => /^3 of /.test(document.querySelector('#filter-status')?.textContent ?? ''), null, {
      timeout: 5000,
    });
    assert.equal(await page.textContent('#filter-error'), '');
    // Clear the filter: all rows again.
    await page.click('#filter-regex');
    await page.fill('#filter-text', '');
    await page.selectOption('#filter-direction', '');
    await page.waitForFunction(
      () => / messages$/.test(document.querySelector('#filter-status')?.textContent ?? ''),
      null,
      { timeout: 5000 },
    );
    await page.keyboard.press('Escape');
    await page.locator('#list').focus();
    await page.keyboard.press('Escape');
  });

  test('pause keeps the list still while messages are recorded; clear drops them with a marker', async () => {
    const { page } = view;
    await page.click('#pause');
    const shownBefore = await page.$$eval('.inner .row:not([hidden]) .index', (els) =>
      els.map((e) => e.textContent).at(-1),
    );
    for (let i = 0; i < 5; i++) await session.sendText(`while paused ${i}`);
    await waitForStats(
      () =>
        session.stats.receivedMessages >= 5 &&
        session.store.summaries(session.store.length - 1, 1)[0].preview === 'while paused 4',
    );
    await new Promise((r) => setTimeout(r, 200));
    assert.equal(
      await page.$$eval('.inner .row:not([hidden]) .index', (els) => els.map((e) => e.textContent).at(-1)),
      shownBefore,
    );
    await page.click('#pause');
    await page.waitForFunction(
      () =>
        [...document.querySelectorAll('.inner .row:not([hidden]) .preview')].some(
          (e) => e.textContent === 'while paused 4',
        ),
      null,
      { timeout: 5000 },
    );
    const receivedBefore = session.stats.receivedMessages;
    await page.click('#clear');
    await page.waitForFunction(
      () => {
        const rows = [...document.querySelectorAll('.inner .row:not([hidden]) .preview')].map((e) => e.textContent);
        return rows.length === 1 && /^Cleared \d+ rows$/.test(rows[0] ?? '');
      },
      null,
      { timeout: 5000 },
    );
    assert.equal(session.store.length, 1, 'gone from memory too');
    assert.equal(session.stats.receivedMessages, receivedBefore, 'message counters keep their totals');
    assert.match((await page.getAttribute('#stats', 'title')) ?? '', /1 rows stored, \d+ cleared/);
  });

  test('a .ws script shows which step runs, where it waits, and why it failed', async () => {
    const { page } = view;
    const steps = ['send JSON (line 7)', 'wait for 1 server message (line 8)', 'close 1000 (line 9)'];
    session.setScript({ name: 'Ticker', steps, current: 1, status: 'waiting' });
    await page.waitForFunction(() => document.querySelector('#script')?.textContent?.includes('step 2 of 3'), null, {
      timeout: 5000,
    });
    assert.equal(await page.getAttribute('#script', 'data-status'), 'waiting');
    assert.match(
      (await page.textContent('#script')) ?? '',
      /Ticker: step 2 of 3: wait for 1 server message \(line 8\)/,
    );
    session.setScript({
      name: 'Ticker',
      steps,
      current: 1,
      status: 'failed',
      reason: 'No server message came within 10 s.',
    });
    await page.waitForFunction(
      () => document.querySelector('#script')?.getAttribute('data-status') === 'failed',
      null,
      { timeout: 5000 },
    );
    assert.match(
      (await page.textContent('#script')) ?? '',
      /failed\. No server message came within 10 s\. The connection stays open/,
    );
  });

  test('hidden columns, the selection and the scroll position survive a reload of the view', async () => {
    const { page } = view;
    for (let i = 0; i < 60; i++) await session.sendText(`row ${i}`);
    await waitForStats(() => session.store.summaries(session.store.length - 1, 1)[0]?.preview === 'row 59');
    await page.click('#columns');
    await page.locator('#columns-menu input[data-column="size"]').uncheck();
    await page.click('#columns');
    assert.equal(await page.locator('.list.hide-size').count(), 1);
    await page.locator('#list').focus();
    await page.keyboard.press('Home');
    await page.waitForFunction(
      () => document.querySelector('.inner .row:not([hidden]) .index')?.textContent === '1',
      null,
      { timeout: 5000 },
    );
    await page.keyboard.press('ArrowDown');
    await page.keyboard.press('ArrowDown');
    await page.waitForSelector('#detail:not([hidden])', { timeout: 5000 });
    const selected = await page.getAttribute('.row.selected', 'data-index');
    await page.reload();
    await page.waitForSelector('#state[data-phase="open"]', { timeout: 5000 });
    await page.waitForFunction(
      (sel) => document.querySelector('.row.selected')?.getAttribute('data-index') === sel,
      selected,
      { timeout: 5000 },
    );
    assert.equal(await page.locator('.list.hide-size').count(), 1, 'the hidden column stays hidden');
    assert.equal(
      await page.textContent('.inner .row:not([hidden]) .index'),
      '1',
      'the list is where it was, not at the tail',
    );
    assert.equal(await page.isVisible('#detail'), true, 'the selected row is open in the detail pane');
    await page.click('#columns');
    await page.locator('#columns-menu input[data-column="size"]').check();
    await page.click('#columns');
    await page.keyboard.press('Escape');
    await page.locator('#list').focus();
    await page.keyboard.press('End');
  });

  test('Handshake tab: request and answer as on the wire, the accept check, timings, bytes on the wire', async () => {
    const { page } = view;
    await page.click('#view-handshake');
    await page.waitForSelector('#handshake:not([hidden]) .hs-section', { timeout: 5000 });
    const text = (await page.textContent('#handshake')) ?? '';
    assert.match(text, /GET \/chat HTTP\/1\.1/);
    assert.match(text, /Sec-WebSocket-Key: /);
    assert.match(text, /HTTP\/1\.1 101 Switching Protocols/);
    assert.match(text, /✓ matches the key/);
    assert.match(text, /TCP connect/);
    assert.match(text, /Wire bytes/);
    assert.equal(await page.isVisible('#list'), false, 'the list makes room');
    await page.click('#view-messages');
    await page.waitForSelector('#list', { state: 'visible', timeout: 5000 });
  });

  test('Frames view lists frame headers; ping shows the round trip; a close frame goes with code and reason', async () => {
    const { page } = view;
    await page.click('#view-frames');
    await page.waitForFunction(
      () => / frames$/.test(document.querySelector('#filter-status')?.textContent ?? ''),
      null,
      { timeout: 5000 },
    );
    // The client's frames are masked (6-byte header); a burst of sends comes before its echoes, so look from the top.
    await page.locator('#list').focus();
    await page.keyboard.press('Home');
    await page
      .waitForFunction(
        () =>
          [...document.querySelectorAll('.inner .row:not([hidden]) .preview')].some((e) =>
            /^text · FIN masked · header 6 B/.test(e.textContent ?? ''),
          ),
        null,
        { timeout: 5000 },
      )
      .catch(async (err) => {
        throw new Error(
          `${err.message}: ${JSON.stringify(await page.$$eval('.inner .row:not([hidden]) .preview', (els) => els.map((e) => e.textContent)))} status ${await page.textContent('#filter-status')}`,
        );
      });
    await page.keyboard.press('End');
    await page.waitForFunction(
      () =>
        [...document.querySelectorAll('.inner .row:not([hidden]) .preview')].some((e) =>
          /^text · FIN · header 2 B/.test(e.textContent ?? ''),
        ),
      null,
      { timeout: 5000 },
    );
    await page.selectOption('#composer-mode', 'ping');
    await setComposer(page, 'are you there');
    await page.keyboard.press('Control+Enter');
    await page.waitForFunction(
      () => /^Pong after [\d.]+ ms\.$/.test(document.querySelector('#composer-note')?.textContent ?? ''),
      null,
      { timeout: 5000 },
    );
    await page.waitForFunction(
      () =>
        [...document.querySelectorAll('.inner .row:not([hidden]) .preview')].some((e) =>
          (e.textContent ?? '').startsWith('pong · FIN'),
        ),
      null,
      { timeout: 5000 },
    );
    await page.selectOption('#composer-mode', 'close');
    await setComposer(page, '1005 nope');
    await page.keyboard.press('Control+Enter');
    await page.waitForFunction(
      () => /1005 cannot be sent/.test(document.querySelector('#composer-error')?.textContent ?? ''),
      null,
      { timeout: 5000 },
    );
    await setComposer(page, '4001 session over');
    await page.keyboard.press('Control+Enter');
    await page.waitForSelector('#state[data-phase="closed"]', { timeout: 5000 });
    assert.match(
      (await page.textContent('#state-message')) ?? '',
      /You closed the connection: 4001 \(application-defined\) "session over"/,
    );
    await page.click('#view-messages');
    await page.selectOption('#composer-mode', 'text');
    await page.click('#reconnect');
    await page.waitForSelector('#state[data-phase="open"]', { timeout: 5000 });
  });

  test('disconnect and reconnect from the header buttons', async () => {
    const { page } = view;
    await page.click('#disconnect');
    await page.waitForSelector('#state[data-phase="closed"]', { timeout: 5000 });
    assert.match((await page.textContent('#state-message')) ?? '', /You closed the connection: 1000 Normal Closure/);
    assert.equal(await page.getAttribute('#send', 'disabled'), '');
    const hooked = connecting.length;
    const reconnecting = () =>
      session.store.summaries(0, session.store.length).filter((r) => r.preview.startsWith('Reconnecting to')).length;
    const before = reconnecting();
    await page.click('#reconnect');
    await page.waitForSelector('#state[data-phase="open"]', { timeout: 5000 });
    assert.equal(await page.getAttribute('#send', 'disabled'), null);
    assert.equal(reconnecting(), before + 1, 'one reconnect, not two');
    assert.deepEqual(connecting.slice(hooked), [session.connection], 'the host heard of the new connection once');
  });
});

describe('virtualized list with a fake host of 1,000,000 rows', () => {
  let view: WebviewHarness;
  const TOTAL = 1_000_000;
  const stats = {
    total: TOTAL,
    sentMessages: 0,
    receivedMessages: TOTAL,
    sentBytes: 0,
    receivedBytes: TOTAL * 100,
    cleared: 0,
  };
  const rowsFor = (start: number, count: number): RowSummary[] =>
    Array.from({ length: Math.max(0, Math.min(count, TOTAL - start)) }, (_, k) => ({
      index: start + k,
      time: 1_700_000_000_000 + start + k,
      direction: 'received' as const,
      kind: 'text' as const,
      size: 100,
      preview: `row ${start + k}`,
    }));

  before(async () => {
    // `reply` runs only after `opened` is assigned (the page answers once it is up).
    // eslint-disable-next-line prefer-const -- read by `reply`, defined before it is assigned
    let opened: Promise<WebviewHarness> | undefined;
    const reply = (m: ToWebview) => void opened?.then((h) => h.toWebview(m));
    opened = openWebview((raw) => {
      const message = parseFromWebview(raw);
      if (message?.type === 'ready') {
        reply({
          type: 'snapshot',
          snapshot: {
            url: 'ws://127.0.0.1:1/',
            state: { phase: 'open', url: 'ws://127.0.0.1:1/', protocol: '', extensions: '', since: 0 },
            stats,
            rows: rowsFor(TOTAL - 30, 30),
            rowsStart: TOTAL - 30,
            length: TOTAL,
            listMode: 'messages',
          },
        });
      }
      if (message?.type === 'viewport') {
        const start = message.follow ? TOTAL - message.count : message.start;
        reply({
          type: 'tick',
          stats,
          length: TOTAL,
          listMode: 'messages',
          rows: rowsFor(start, message.count),
          rowsStart: start,
        });
      }
    });
    view = await opened;
  });
  after(async () => {
    await view?.close();
  });

  test('keeps the DOM small, follows the tail, and jumps to the top and back', async () => {
    const { page } = view;
    await page.waitForFunction(
      () =>
        [...document.querySelectorAll('.inner .row:not([hidden]) .preview')].some(
          (e) => e.textContent === 'row 999999',
        ),
      null,
      { timeout: 5000 },
    );
    const domRows = await page.locator('.row').count();
    assert.ok(domRows < 60, `only visible rows exist in the DOM (${domRows})`);
    await page.locator('#list').focus();
    await page.keyboard.press('Home');
    await page.waitForFunction(
      () => document.querySelector('.inner .row:not([hidden]) .preview')?.textContent === 'row 0',
      null,
      { timeout: 5000 },
    );
    assert.equal(await page.textContent('.inner .row .index'), '1');
    await page.keyboard.press('End');
    await page.waitForFunction(
      () =>
        [...document.querySelectorAll('.inner .row:not([hidden]) .preview')].some(
          (e) => e.textContent === 'row 999999',
        ),
      null,
      { timeout: 5000 },
    );
    assert.ok((await page.locator('.row').count()) < 60);
  });
});
