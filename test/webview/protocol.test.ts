import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import type { Server } from 'socket.io';
import { NO_ACTIONS } from '../../src/core/inspector/actions';
import { InspectorSession } from '../../src/core/inspector/session';
import { startSocketIo } from '../unit/socketio.servers';
import { openWebview, type WebviewHarness } from './harness';

/** Polls the page until `check` holds (a bound of 5 s). */
async function until(view: WebviewHarness, what: string, check: () => Promise<boolean>): Promise<void> {
  const deadline = Date.now() + 5000;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error(`The webview did not show ${what}`);
    await view.page.waitForTimeout(25);
  }
}

describe('inspector webview speaking Socket.IO, with the real session and a real socket.io server', () => {
  let srv: { url: string; io: Server; close(): Promise<void> };
  let session: InspectorSession;
  let view: WebviewHarness;
  const malformed: unknown[] = [];

  before(async () => {
    srv = await startSocketIo({ pingInterval: 60, pingTimeout: 400 });
    srv.io.on('connection', (socket) =>
      socket.on('chat', (msg: unknown, ack?: (a: unknown) => void) => ack?.({ echo: msg })),
    );
    const opened = openWebview((raw) => {
      if (!session.receive(raw)) malformed.push(raw);
    });
    session = new InspectorSession(
      { url: `${srv.url}/`, handshakeTimeout: 3000 },
      (m) => void opened.then((h) => h.toWebview(m)),
      undefined,
      NO_ACTIONS,
    );
    view = await opened;
    await session.connect();
  });
  after(async () => {
    assert.deepEqual(view?.pageErrors ?? [], [], 'no uncaught errors in the webview');
    assert.deepEqual(view?.cspViolations ?? [], [], 'no CSP violations');
    assert.deepEqual(malformed, [], 'the page posts only well-formed messages');
    session?.dispose();
    await view?.close();
    await srv?.close();
  });

  test('the composer offers Emit: event, namespace, wait for ack; the ack comes back with its latency and links to the emit', async () => {
    const { page } = view;
    await until(
      view,
      'the protocol label',
      async () => (await page.textContent('#protocol-label')) === 'Speaking Socket.IO',
    );
    await page.selectOption('#composer-mode', 'proto:emit');
    assert.equal(await page.isVisible('#protocol-form'), true);
    await page.fill('#compose-event', 'chat');
    await page.check('#compose-ack');
    await page.evaluate(() => {
      (document.querySelector('#composer') as HTMLElement & { value: string }).value = '{"text":"hi"}';
    });
    await page.click('#send');
    await until(view, 'the ack sentence', async () =>
      /^"chat" acknowledged after [\d.]+ ms: \[\{"echo":\{"text":"hi"\}\}\]$/.test(
        (await page.textContent('#composer-note')) ?? '',
      ),
    );
    // The list: protocol columns for the emit, the ack naming its emit's row.
    await until(view, 'the ack row', async () =>
      (await page.locator('.inner .row .preview').allTextContents()).some((t) => /^↩ #\d+ after \d+ ms · /.test(t)),
    );
    const emitRow = page.locator('.inner .row', { has: page.locator('.subject', { hasText: 'chat' }) }).first();
    assert.equal(await emitRow.locator('.ptype').textContent(), 'event');
    assert.equal(await emitRow.locator('.pid').textContent(), '0');
    const emitNumber = await emitRow.locator('.index').textContent();
    const ack = (await page.locator('.inner .row .preview').allTextContents()).find((t) => t.startsWith('↩'));
    assert.ok(ack?.startsWith(`↩ #${emitNumber} after`), `${ack} names row ${emitNumber}`);
    // A bad field is the host's sentence under the composer; nothing is sent.
    await page.evaluate(() => {
      (document.querySelector('#composer') as HTMLElement & { value: string }).value = '[1,';
    });
    await page.click('#send');
    await until(view, 'the JSON error', async () =>
      /^The arguments is not valid JSON/.test((await page.textContent('#composer-error')) ?? ''),
    );
  });

  test('keepalives are folded away by default with a count; the toggle shows them; raw decoding drops the columns', async () => {
    const { page } = view;
    assert.equal(await page.getAttribute('#filter-keepalives', 'aria-pressed'), 'true');
    await until(view, 'the hidden count', async () =>
      / · [\d,]+ keepalives hidden/.test((await page.textContent('#filter-status')) ?? ''),
    );
    const previews = () => page.locator('.inner .row:not([data-direction=""]) .preview').allTextContents();
    assert.ok(!(await previews()).some((t) => t === 'ping' || t === 'pong'), 'no Engine.IO ping or pong row');
    await page.click('#filter-keepalives');
    await until(view, 'pings', async () => (await previews()).some((t) => t === 'ping' || t === 'pong'));
    assert.equal(await page.locator('.list.protocol').count(), 1);
    await page.selectOption('#decoder-choice', 'raw');
    await until(view, 'no protocol columns', async () => (await page.locator('.list.protocol').count()) === 0);
    await until(view, 'raw Engine.IO frames', async () => (await previews()).some((t) => t === '2' || t === '3'));
    await page.selectOption('#decoder-choice', 'auto');
    await until(view, 'the columns again', async () => (await page.locator('.list.protocol').count()) === 1);
  });
});
