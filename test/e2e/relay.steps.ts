/**
 * The relay in the real VS Code UI: Start Relay… from the palette to a real server, a breakpoint
 * from the palette on what the app sends, then an app (a page in Chromium with its own WebSocket)
 * connects through the relay; the held message is shown in its inspector, Relay: Held Messages…
 * offers Edit and forward…, the payload is edited in the input box and forwarded, and the app gets
 * the server's answer to the edit. Leaves test-results/e2e-relay-edit.png (the held message being
 * edited) and e2e-relay.png.
 */
import * as path from 'node:path';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Page } from 'playwright-core';
import { WebSocketServer } from 'ws';
import { repoRoot } from '../runners/codeServer';
import { focusQuickInput, inspectorShowing, runCommand } from './ui';

const RESULTS = path.join(repoRoot, 'test-results');

export async function relayJourney(page: Page, log: (s: string) => void): Promise<void> {
  // The app's own server: it serves the app's page (a loopback origin, which Chromium lets reach
  // loopback sockets) and its WebSocket answers each message upper-cased.
  const http = createServer((_req, res) => res.end('<!doctype html><title>shop</title><p>the app</p>'));
  await new Promise<void>((r) => http.listen(0, '127.0.0.1', () => r()));
  const server = new WebSocketServer({ server: http });
  server.on('connection', (ws) => ws.on('message', (d) => ws.send(d.toString().toUpperCase())));
  const origin = `127.0.0.1:${(http.address() as AddressInfo).port}`;
  const target = `ws://${origin}`;
  const app = await page.context().newPage();
  const input = page.locator('.quick-input-widget .quick-input-box input');
  try {
    log(`Start Relay… to ${target}`);
    await runCommand(page, 'WebSocket: Start Relay…');
    await focusQuickInput(input);
    await page.keyboard.type(target, { delay: 2 });
    await page.keyboard.press('Enter');
    const item = page.locator('.part.statusbar .statusbar-item', { hasText: /ws:\/\/127\.0\.0\.1:\d+ → / }).first();
    await item.waitFor({ state: 'visible' });
    const address = /ws:\/\/127\.0\.0\.1:\d+/.exec((await item.textContent()) ?? '')![0];

    log('Relay: Add Breakpoint… on what the app sends: type == "order"');
    await runCommand(page, 'WebSocket: Relay: Add Breakpoint…');
    await focusQuickInput(input);
    await page.keyboard.type('App → server', { delay: 2 });
    await page
      .locator('.quick-input-widget .monaco-list-row.focused', { hasText: 'App → server' })
      .first()
      .waitFor({ state: 'visible' });
    await page.keyboard.press('Enter');
    await page.locator('.quick-input-widget', { hasText: 'hold messages that match' }).waitFor({ state: 'visible' });
    await focusQuickInput(input);
    await page.keyboard.type('type == "order"', { delay: 2 });
    await page.keyboard.press('Enter');
    await input.waitFor({ state: 'hidden' });

    log(`an app (a page with its own WebSocket) connects to ${address}/shop and sends an order`);
    await app.goto(`http://${origin}/`);
    await app.evaluate(async (url) => {
      const w = window as unknown as { answers: string[] };
      w.answers = [];
      const ws = new WebSocket(url);
      ws.onmessage = (e) => w.answers.push(String(e.data));
      await new Promise((resolve, reject) => {
        ws.onopen = resolve;
        ws.onerror = () => reject(new Error('the relay refused the page'));
      });
      ws.send('{"type":"order","qty":1}');
    }, `${address}/shop`);

    // The held message, from Relay: Held Messages… (the notification offers the same choices).
    const frame = await inspectorShowing(page, `${target}/shop`);
    await frame
      .locator('.row[data-direction="event"] .preview', { hasText: 'Held app → server: {"type":"order","qty":1}' })
      .first()
      .waitFor({ state: 'attached' });
    await runCommand(page, 'WebSocket: Relay: Held Messages…');
    const pick = async (text: string) => {
      await focusQuickInput(input);
      await page
        .locator('.quick-input-widget .monaco-list-row', { hasText: text })
        .first()
        .waitFor({ state: 'visible' });
      await page.keyboard.type(text, { delay: 2 });
      await page
        .locator('.quick-input-widget .monaco-list-row.focused', { hasText: text })
        .first()
        .waitFor({ state: 'visible' });
      await page.keyboard.press('Enter');
    };
    await pick('app → server: {"type":"order"');
    await pick('Edit and forward…');
    await page.locator('.quick-input-widget', { hasText: 'Edit the held message' }).waitFor({ state: 'visible' });
    await focusQuickInput(input);
    await page.keyboard.press('Control+A');
    await page.keyboard.type('{"type":"order","qty":100}', { delay: 2 });
    await page.waitForFunction(() =>
      document
        .querySelector<HTMLInputElement>('.quick-input-widget .quick-input-box input')
        ?.value.includes('"qty":100'),
    );
    await page.locator('.quick-input-widget', { hasText: 'Edit the held message' }).waitFor({ state: 'visible' });
    await page.screenshot({ path: path.join(RESULTS, 'e2e-relay-edit.png') });
    await page.keyboard.press('Enter');
    await app.waitForFunction(() =>
      (window as unknown as { answers: string[] }).answers.includes('{"TYPE":"ORDER","QTY":100}'),
    );
    log('relay: the held order was edited to qty 100 and forwarded; the app got the answer to the edit');

    await frame
      .locator('.row[data-direction="event"] .preview', { hasText: 'Forwarded app → server, edited' })
      .first()
      .waitFor({ state: 'attached' });
    await frame
      .locator('.row[data-direction="sent"] .preview', { hasText: '{"type":"order","qty":100}' })
      .first()
      .waitFor({ state: 'attached' });
    await page.screenshot({ path: path.join(RESULTS, 'e2e-relay.png') });
    await runCommand(page, 'WebSocket: Stop Relay');
    await item.waitFor({ state: 'hidden' });
    log('relay: the inspector shows the hold, the edit and the forward; Stop Relay');
  } finally {
    await app.close().catch(() => undefined);
    for (const c of server.clients) c.terminate();
    await new Promise<void>((r) => server.close(() => r()));
    http.closeAllConnections();
    await new Promise<void>((r) => http.close(() => r()));
  }
}
