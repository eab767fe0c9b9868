/**
 * A decoded-only protocol in the end-to-end run: Action Cable (Rails) from Connect… "as Action
 * Cable", a subscribe typed in the composer, the confirmation and broadcasts linked to it and
 * decoded, pings folded away. The server is a `ws` server speaking the frames Rails' Action
 * Cable server sends (there is no Action Cable server on npm). Leaves test-results/e2e-actioncable.png.
 */
import type { AddressInfo } from 'node:net';
import * as path from 'node:path';
import type { Page } from 'playwright-core';
import { WebSocketServer } from 'ws';
import { repoRoot } from '../runners/codeServer';
import { connectTo } from './protocols.steps';

const RESULTS = path.join(repoRoot, 'test-results');

/** A cable on 127.0.0.1: welcome on connect, a ping every 300 ms, and for a subscribe a confirmation and two broadcasts. */
export async function startCable(): Promise<{ url: string; close(): Promise<void> }> {
  const wss = new WebSocketServer({
    host: '127.0.0.1',
    port: 0,
    handleProtocols: (offered: Set<string>) => (offered.has('actioncable-v1-json') ? 'actioncable-v1-json' : false),
  });
  await new Promise<void>((r) => wss.once('listening', () => r()));
  const timers = new Set<NodeJS.Timeout>();
  wss.on('connection', (ws) => {
    ws.send('{"type":"welcome"}');
    const t = setInterval(() => ws.send(JSON.stringify({ type: 'ping', message: Math.floor(Date.now() / 1000) })), 300);
    timers.add(t);
    ws.on('close', () => (clearInterval(t), timers.delete(t)));
    ws.on('message', (data) => {
      let m: { command?: string; identifier?: string };
      try {
        m = JSON.parse(data.toString()) as typeof m;
      } catch {
        return;
      }
      if (m.command !== 'subscribe' || typeof m.identifier !== 'string') return;
      ws.send(JSON.stringify({ identifier: m.identifier, type: 'confirm_subscription' }));
      ws.send(JSON.stringify({ identifier: m.identifier, message: { user: 'ada', text: 'hello lobby' } }));
      ws.send(JSON.stringify({ identifier: m.identifier, message: { user: 'bob', text: 'hi ada' } }));
    });
  });
  return {
    url: `ws://127.0.0.1:${(wss.address() as AddressInfo).port}/cable`,
    close: async () => {
      for (const t of timers) clearInterval(t);
      for (const c of wss.clients) c.terminate();
      await new Promise<void>((r) => wss.close(() => r()));
    },
  };
}

export async function actionCableJourney(page: Page, url: string, log: (s: string) => void): Promise<void> {
  log(`Connect… to an Action Cable server at ${url}, as Action Cable`);
  const frame = await connectTo(page, url, 'as Action Cable');
  await frame
    .locator('#protocol-label', { hasText: /^(Speaking|Decoding) Action Cable$/ })
    .waitFor({ state: 'attached' });
  await frame
    .locator('#composer textarea')
    .fill('{"command":"subscribe","identifier":"{\\"channel\\":\\"ChatChannel\\",\\"room\\":\\"lobby\\"}"}');
  await frame.locator('#send').click();
  // The second broadcast, linked to the subscribe, opened on its decoded view.
  const row = frame.locator('.inner .row:not([hidden])', { hasText: 'hi ada' }).last();
  await row.waitFor({ state: 'visible' });
  const line = (await row.locator('.preview').textContent()) ?? '';
  if (!/^↩ #\d+ after \d+ ms · /.test(line)) throw new Error(`the broadcast is not linked to its subscribe: ${line}`);
  await row.click();
  await frame.locator('#detail .json-tree').waitFor({ state: 'visible' });
  // Pings are keepalives: folded away by default, and counted.
  await frame.locator('#filter-status', { hasText: /keepalives hidden/ }).waitFor({ state: 'visible' });
  await page.screenshot({ path: path.join(RESULTS, 'e2e-actioncable.png') });
  log('Action Cable: subscribed from the composer, the confirmation and broadcasts decoded and linked, pings folded');
}
