/**
 * The binary-decoder journey of the end-to-end run, in the real VS Code UI: a Protobuf feed read
 * with a message type from the workspace's `.proto` file (examples/market.proto) (chosen in the Payloads picker), a filter
 * on a decoded field, and a field's bytes marked in the hex dump. Leaves test-results/e2e-protobuf.png and e2e-protobuf-bytes.png.
 */
import { readFileSync } from 'node:fs';
import type { AddressInfo } from 'node:net';
import * as path from 'node:path';
import type { Page } from 'playwright-core';
import * as protobuf from 'protobufjs';
import { WebSocketServer } from 'ws';
import { repoRoot } from '../runners/codeServer';
import { connectTo } from './protocols.steps';
import { clickShownRow } from './ui';

const RESULTS = path.join(repoRoot, 'test-results');
export const TICKS = 200;

/** The examples' market.proto: the workspace the editor opens has it. */
export const MARKET_PROTO = readFileSync(path.join(repoRoot, 'examples', 'market.proto'), 'utf8');

/** A feed that sends TICKS Protobuf market.Tick messages (prices 1…200) to each client, encoded by protobufjs. */
export async function startTickFeed(): Promise<{ url: string; close(): Promise<void> }> {
  const Tick = protobuf.parse(MARKET_PROTO).root.lookupType('market.Tick');
  const server = new WebSocketServer({ host: '127.0.0.1', port: 0 });
  await new Promise((r) => server.once('listening', r));
  server.on('connection', (ws) => {
    // What the client sends comes back, as an echo server does.
    ws.on('message', (data: Buffer, binary: boolean) => ws.send(data, { binary }));
    for (let i = 1; i <= TICKS; i++) {
      const seq = String(9_007_199_254_740_992n + BigInt(i));
      const tick = { symbol: i % 2 ? 'EURUSD' : 'GBPUSD', price: i, seq, side: i % 2, tags: { venue: 'lp1' } };
      ws.send(Tick.encode(Tick.fromObject(tick)).finish());
    }
  });
  return {
    url: `ws://127.0.0.1:${(server.address() as AddressInfo).port}/ticks`,
    close: async () => {
      for (const c of server.clients) c.terminate();
      await new Promise<void>((r) => server.close(() => r()));
    },
  };
}

export async function protobufJourney(page: Page, url: string, log: (s: string) => void): Promise<void> {
  log(`Connect… to a Protobuf feed at ${url}; Payloads: Protobuf market.Tick from the workspace's market.proto`);
  const frame = await connectTo(page, url, 'connect');
  await frame.locator('#payload-choice option[value="protobuf:market.Tick"]').waitFor({ state: 'attached' });
  await frame.locator('#payload-choice').selectOption('protobuf:market.Tick');
  await frame.waitForFunction(() =>
    [...document.querySelectorAll('.inner .row .preview')].some((e) =>
      /^\{"symbol":"(EUR|GBP)USD","price":\d+,"seq":"\d{16}"/.test(e.textContent ?? ''),
    ),
  );
  // 64-bit integers stay exact (strings), enums by name.
  await frame.locator('#filter-json').fill('price > 150 && side == "SELL"');
  await frame.locator('#filter-status', { hasText: /^25 of / }).waitFor({ state: 'visible' });
  await clickShownRow(frame, 'last');
  await frame.locator('#detail .detail-tab[data-view="decoded"][aria-selected="true"]').waitFor({ state: 'attached' });
  await frame.locator('#detail', { hasText: 'Decoded as Protobuf market.Tick' }).waitFor({ state: 'visible' });
  const seq = await frame
    .locator('#detail .json-tree .json-line', { hasText: /^seq: / })
    .first()
    .textContent();
  if (!seq?.includes('"9007199254741191"')) throw new Error(`seq is not exact: ${seq}`);
  await page.screenshot({ path: path.join(RESULTS, 'e2e-protobuf.png') });
  await frame
    .locator('#detail .json-line', { hasText: /^price: / })
    .first()
    .hover();
  await frame
    .locator('#detail .json-line', { hasText: /^price: / })
    .locator('.json-bytes')
    .first()
    .click();
  const marked = await frame.locator('#detail .detail-hex mark').allTextContents();
  // price is field 2, a double: its tag 0x11 and 8 bytes.
  if (marked.length < 9 || marked[0] !== '11') throw new Error(`the price's bytes are not marked: ${marked.join(' ')}`);
  await page.screenshot({ path: path.join(RESULTS, 'e2e-protobuf-bytes.png') });

  // The composer: JSON encoded as market.Tick, its size shown before sending; the echo decodes the same.
  await frame.locator('#filter-json').fill('');
  await frame.locator('#composer-mode').selectOption('encode:protobuf:market.Tick');
  await frame.locator('#composer textarea').fill('{"symbol": "USDJPY", "price": 151.5, "seq": "18446744073709551"}');
  await frame.locator('#composer-note', { hasText: /^Protobuf market\.Tick: \d+ bytes when sent\.$/ }).waitFor();
  await frame.locator('#send').click();
  await frame.locator('#composer-note', { hasText: /^Sent \d+ bytes of Protobuf market\.Tick\.$/ }).waitFor();
  // Found by its decoded field wherever the list is scrolled: the sent message and its echo.
  await frame.locator('#filter-json').fill('symbol == "USDJPY"');
  await frame.locator('#filter-status', { hasText: /^2 of / }).waitFor({ state: 'visible' });
  await frame.waitForFunction(() =>
    [...document.querySelectorAll('.inner .row[data-direction="received"] .preview')].some(
      (e) => e.textContent === '{"symbol":"USDJPY","price":151.5,"seq":"18446744073709551"}',
    ),
  );
  log(
    'Protobuf: decoded with market.Tick, the filter price > 150 && side == "SELL" keeps 25, the price bytes marked, JSON sent encoded and echoed back',
  );
}
