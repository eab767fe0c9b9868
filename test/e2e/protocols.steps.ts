/**
 * The protocol journeys of the end-to-end run, in the real VS Code UI: Socket.IO (Connect… to
 * an http:// URL) and GraphQL over WebSocket (Connect… "as GraphQL over WebSocket"). Each leaves
 * a screenshot in test-results/.
 */
import * as path from 'node:path';
import type { Frame, Page } from 'playwright-core';
import { repoRoot } from '../runners/codeServer';
import { clickShownRow, focusQuickInput, inspectorShowing, runCommand, shownPreviews } from './ui';

const RESULTS = path.join(repoRoot, 'test-results');

/** Connect… `url`, taking the quick pick's row whose description has `choice`; the frame once open. */
export async function connectTo(page: Page, url: string, choice: string): Promise<Frame> {
  // A webview that keeps focus can close the prompt as it opens (VS Code 1.139): ask again, once.
  for (let attempt = 1; ; attempt++) {
    try {
      await runCommand(page, 'WebSocket: Connect');
      const input = page.locator('.quick-input-widget .quick-input-box input[placeholder*="ws://"]');
      await input.waitFor({ state: 'visible', timeout: 10_000 });
      if (!(await input.evaluate((el) => el === document.activeElement))) await input.click({ timeout: 10_000 });
      await page.keyboard.type(url, { delay: 2 });
      const row = page.locator('.quick-input-widget .monaco-list-row', { hasText: choice }).first();
      await row.waitFor({ state: 'visible', timeout: 10_000 });
      await row.click({ timeout: 10_000 });
      break;
    } catch (err) {
      if (attempt >= 2) throw err;
      await page.keyboard.press('Escape');
    }
  }
  const frame = await inspectorShowing(page, url);
  await frame.locator('#state[data-phase="open"]').waitFor({ state: 'attached' });
  return frame;
}

/** Sets the composer's text area (a vscode-textarea) as typing would. */
async function setBody(frame: Frame, text: string): Promise<void> {
  await frame.locator('#composer textarea').fill(text);
}

/** The previews of the rows on screen, in list order. */
const shown = shownPreviews;

export async function socketIoJourney(page: Page, url: string, log: (s: string) => void): Promise<void> {
  log(`Connect… to a Socket.IO server at ${url}`);
  const frame = await connectTo(page, url, 'connect with Socket.IO');
  await frame.locator('#protocol-label', { hasText: 'Speaking Socket.IO' }).waitFor({ state: 'attached' });
  // Keepalives are folded away by default, and counted.
  await frame.locator('#filter-status', { hasText: /keepalives hidden/ }).waitFor({ state: 'visible' });
  // Shown again, the pongs can be filtered on their decoded field: five answered and still open.
  await frame.locator('#filter-keepalives').click();
  await frame.locator('#filter-json').fill('engineio == "pong"');
  await frame.locator('#filter-status', { hasText: /^([5-9]|\d{2,}) of / }).waitFor({ state: 'visible' });
  await frame.waitForFunction(() =>
    [...document.querySelectorAll('.inner .row:not([hidden]) .preview')].every((e) => e.textContent === 'pong'),
  );
  await frame.locator('#state[data-phase="open"]').waitFor({ state: 'attached' });
  await frame.locator('#filter-keepalives').click();

  log('Socket.IO: emit "chat" with ack from the composer');
  await frame.locator('#filter-json').fill('');
  await frame.locator('#composer-mode').selectOption('proto:emit');
  await frame.locator('#compose-event').fill('chat');
  await frame.locator('#compose-ack').check();
  await setBody(frame, '{"user": "me", "text": "hi all"}');
  await frame.locator('#send').click();
  await frame
    .locator('#composer-note', { hasText: /^"chat" acknowledged after [\d.]+ ms: \[\{"delivered":true\}\]$/ })
    .waitFor({ state: 'visible' });
  // The ack names its emit's row, with the time between them.
  await frame.waitForFunction(() =>
    [...document.querySelectorAll('.inner .row .preview')].some((e) =>
      /^↩ #\d+ after \d+ ms · /.test(e.textContent ?? ''),
    ),
  );

  // The filter on the decoded event: the two greetings, our emit, and the server's broadcast of it.
  await frame.locator('#filter-json').fill('event == "chat"');
  await frame.locator('#filter-status', { hasText: /^4 of / }).waitFor({ state: 'visible' });
  await frame.waitForFunction(() => {
    const rows = [...document.querySelectorAll('.inner .row:not([hidden])')];
    return rows.length === 4 && rows.every((r) => r.querySelector('.subject')?.textContent === 'chat');
  });
  await clickShownRow(frame, 'last');
  await frame.locator('#detail .detail-tab[data-view="decoded"][aria-selected="true"]').waitFor({ state: 'attached' });
  await frame.locator('#detail .json-tree').waitFor({ state: 'visible' });
  await page.screenshot({ path: path.join(RESULTS, 'e2e-socketio.png') });
  log(`Socket.IO: keepalives folded, ack linked, 4 chat events of the filter: ${(await shown(frame)).length} rows`);
}

export async function graphqlJourney(page: Page, url: string, log: (s: string) => void): Promise<void> {
  log(`Connect… to a GraphQL server at ${url}, as GraphQL over WebSocket`);
  const frame = await connectTo(page, url, 'as GraphQL over WebSocket');
  await frame.locator('#protocol-label', { hasText: 'Speaking GraphQL over WebSocket' }).waitFor({ state: 'attached' });
  await frame.locator('#composer-mode').selectOption('proto:subscribe');
  await frame.locator('#compose-variables').fill('{"to": 3}');
  await setBody(frame, 'subscription Count($to: Int!) {\n  count(to: $to)\n}');
  await frame.locator('#send').click();
  await frame.locator('#composer-note', { hasText: /^Started operation 1;/ }).waitFor({ state: 'visible' });
  // Three results and the complete, each linked to the subscribe.
  await frame.waitForFunction(() => {
    const types = [...document.querySelectorAll('.inner .row .ptype')].map((e) => e.textContent);
    return types.filter((t) => t === 'next').length === 3 && types.includes('complete');
  });
  await frame.locator('#filter-json').fill('type == "next" && payload.data.count == 2');
  await frame.locator('#filter-status', { hasText: /^1 of / }).waitFor({ state: 'visible' });
  const [line] = await shown(frame);
  if (!/^↩ #\d+ after \d+ ms · next #1 /.test(line))
    throw new Error(`the result is not linked to its subscribe: ${line}`);
  await clickShownRow(frame, 'first');
  await frame.locator('#detail .json-tree').waitFor({ state: 'visible' });
  await page.screenshot({ path: path.join(RESULTS, 'e2e-graphql.png') });
  log('GraphQL: subscribed from the composer, 3 results and complete, the filter on type and count');
}

/**
 * Sessions view: opens the recording whose row shows `host` (the Socket.IO chat's, recorded with
 * its protocol), replays it as fast as possible and waits for the comparison: the replay speaks
 * Socket.IO itself (a new handshake, its own pongs) and compares the decoded events.
 */
export function socketIoReplay(page: Page, host: string, log: (s: string) => void): Promise<void> {
  return protocolReplay(page, host, `ws://${host}/socket.io/`, 'Socket.IO', 'e2e-socketio-replay.png', log);
}

/** The same for the GraphQL subscription's recording: a new connection_init, the subscribe's results compared. */
export function graphqlReplay(page: Page, host: string, log: (s: string) => void): Promise<void> {
  return protocolReplay(page, host, `ws://${host}/graphql`, 'GraphQL', 'e2e-graphql-replay.png', log);
}

async function protocolReplay(
  page: Page,
  host: string,
  url: string,
  label: string,
  shot: string,
  log: (s: string) => void,
): Promise<void> {
  log(`WebSocket Sessions view: replay the ${label} recording of ${host}`);
  await runCommand(page, 'Explorer: Focus on WebSocket Sessions View');
  const item = page.locator('.monaco-list-row', { hasText: host }).first();
  await item.waitFor({ state: 'visible' });
  await item.click();
  const frame = await inspectorShowing(page, url);
  await frame.locator('#protocol-label', { hasText: label }).waitFor({ state: 'attached' });
  await frame.locator('#replay').click();
  await focusQuickInput(page.locator('.quick-input-widget .quick-input-box input'));
  await page.keyboard.press('Enter'); // the recorded URL
  await page
    .locator('.quick-input-widget .monaco-list-row', { hasText: 'As fast as possible' })
    .first()
    .waitFor({ state: 'visible' });
  await page.keyboard.type('As fast as possible');
  await page.keyboard.press('Enter');
  const compare = frame
    .locator('.row[data-direction="event"] .preview', { hasText: /^Compare: \d+ matched, 0 differed/ })
    .first();
  await compare.waitFor({ state: 'attached' });
  await page.screenshot({ path: path.join(RESULTS, shot) });
  log(`${label} replay: ${await compare.textContent()}`);
}
