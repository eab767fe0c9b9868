/**
 * More protocol journeys of the end-to-end run, in the real VS Code UI: STOMP (stomp-broker-js),
 * MQTT (aedes) and SignalR (a JSON hub on `ws`), each from Connect… "as <protocol>", an action
 * from the composer and the decoded answer in the detail pane. Each leaves a screenshot in
 * test-results/ (the README's pictures of these protocols).
 */
import * as path from 'node:path';
import type { Frame, Page } from 'playwright-core';
import { repoRoot } from '../runners/codeServer';
import { connectTo } from './protocols.steps';
import { clickShownRow, shownPreviews } from './ui';

const RESULTS = path.join(repoRoot, 'test-results');

async function compose(frame: Frame, action: string, fields: Record<string, string>, body?: string): Promise<void> {
  await frame.locator('#composer-mode').selectOption(`proto:${action}`);
  for (const [name, value] of Object.entries(fields)) {
    const input = frame.locator(`#compose-${name}`);
    if ((await input.evaluate((e) => e.tagName)) === 'SELECT') await input.selectOption(value);
    else await input.fill(value);
  }
  if (body !== undefined) await frame.locator('#composer textarea').fill(body);
  await frame.locator('#send').click();
}

/** Waits for a row whose protocol type column says `type` (and whose subject has `subject`), and opens it. */
async function openRow(frame: Frame, type: string, subject?: string): Promise<void> {
  await clickShownRow(frame, 'last', { ptype: type, ...(subject ? { has: subject } : {}) });
  await frame.locator('#detail .detail-tab[data-view="decoded"][aria-selected="true"]').waitFor({ state: 'attached' });
  await frame.locator('#detail .json-tree').waitFor({ state: 'visible' });
}

/** STOMP: subscribe from the composer; the broker's MESSAGE arrives linked to the SUBSCRIBE, headers decoded. */
export async function stompJourney(
  page: Page,
  url: string,
  publish: () => void,
  log: (s: string) => void,
): Promise<void> {
  log(`Connect… to a STOMP broker at ${url}, as STOMP`);
  const frame = await connectTo(page, url, 'as STOMP');
  await frame.locator('#protocol-label', { hasText: 'Speaking STOMP' }).waitFor({ state: 'attached' });
  await frame
    .locator('.inner .row .ptype', { hasText: /^CONNECTED$/ })
    .first()
    .waitFor({ state: 'attached' });
  await compose(frame, 'subscribe', { destination: '/topic/prices' });
  await frame.locator('#composer-note', { hasText: /^Subscribed to \/topic\/prices as sub-1/ }).waitFor();
  publish();
  await openRow(frame, 'MESSAGE', '/topic/prices');
  const line = (await shownPreviews(frame)).at(-1);
  if (!/^↩ #\d+ after \d+ ms · /.test(line ?? ''))
    throw new Error(`the MESSAGE is not linked to its SUBSCRIBE: ${line}`);
  await page.screenshot({ path: path.join(RESULTS, 'e2e-stomp.png') });
  log('STOMP: subscribed from the composer, the MESSAGE decoded and linked');
}

/** MQTT: subscribe and publish at QoS 1 from the composer; SUBACK, PUBACK and the broker's PUBLISH decoded. */
export async function mqttJourney(page: Page, url: string, log: (s: string) => void): Promise<void> {
  log(`Connect… to an MQTT broker at ${url}, as MQTT 3.1.1`);
  const frame = await connectTo(page, url, 'as MQTT 3.1.1');
  await frame.locator('#protocol-label', { hasText: 'Speaking MQTT 3.1.1' }).waitFor({ state: 'attached' });
  await frame
    .locator('.inner .row .ptype', { hasText: /^CONNACK$/ })
    .first()
    .waitFor({ state: 'attached' });
  await compose(frame, 'subscribe', { topic: 'sensors/#', qos: '1' });
  await frame
    .locator('.inner .row .ptype', { hasText: /^SUBACK$/ })
    .first()
    .waitFor({ state: 'attached' });
  await compose(frame, 'publish', { topic: 'sensors/kitchen', qos: '1' }, '{"temperature": 21.5}');
  await frame
    .locator('.inner .row .ptype', { hasText: /^PUBACK$/ })
    .first()
    .waitFor({ state: 'attached' });
  // The broker sends our PUBLISH back to our subscription: the received one, payload decoded.
  await frame.locator('#filter-json').fill('topic == "sensors/kitchen" && json.temperature > 20');
  await frame.locator('#filter-status', { hasText: /^2 of / }).waitFor({ state: 'visible' });
  await clickShownRow(frame, 'last', { direction: 'received' });
  await frame.locator('#detail .json-tree').waitFor({ state: 'visible' });
  await page.screenshot({ path: path.join(RESULTS, 'e2e-mqtt.png') });
  log('MQTT: SUBACK and PUBACK, the PUBLISH decoded and filtered on its payload');
}

/** SignalR: invoke a hub method from the composer; the Completion comes back with its result and latency. */
export async function signalrJourney(page: Page, url: string, log: (s: string) => void): Promise<void> {
  log(`Connect… to a SignalR hub at ${url}, as SignalR`);
  const frame = await connectTo(page, url, 'as SignalR');
  await frame.locator('#protocol-label', { hasText: 'Speaking SignalR' }).waitFor({ state: 'attached' });
  await compose(frame, 'stream', { target: 'Counter' }, '[3]');
  await frame.locator('#composer-note', { hasText: /^Stream \S+ \(Counter\) started/ }).waitFor({ state: 'visible' });
  await compose(frame, 'invoke', { target: 'Add' }, '[40, 2]');
  await frame.locator('#composer-note', { hasText: /42/ }).waitFor({ state: 'visible' });
  await openRow(frame, 'Completion');
  await page.screenshot({ path: path.join(RESULTS, 'e2e-signalr.png') });
  log('SignalR: a stream of 3 items, then Add(40, 2) invoked from the composer and its Completion 42');
}
