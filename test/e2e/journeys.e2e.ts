/**
 * End to end, the paths a person takes after "Connect…", in the real VS Code UI (code-server,
 * the extension loaded from source, Playwright in Debian's Chromium):
 *
 *   1. `.ws` file: open echo.ws from the examples, click the Run CodeLens, and the inspector
 *      shows the scripted exchange with the local echo server (which the extension starts on
 *      activation, as `npm start` has it).
 *   2. Flood: a local server sends 50,000 messages into an open inspector; the list ends with the
 *      right count; the filter narrows it to the expected matches; a row opens in the detail pane.
 *   2b. Socket.IO: Connect… to an http:// URL; pings answered, keepalives folded, events decoded,
 *      an emit with ack from the composer, a filter on the event name.
 *   2c. GraphQL: Connect… "as GraphQL over WebSocket"; subscribe from the composer; results
 *      decoded, linked to their subscribe and filtered by type and id.
 *   3. Sessions: the WebSocket Sessions view lists the recordings; one opens, and Replay… runs it
 *      against the echo server and compares: every answer matches.
 *   4. Reload: after "Developer: Reload Window" the inspector panel comes back and says that the
 *      connection ended with the reload.
 *
 *   5. STOMP, MQTT, SignalR: Connect… "as <protocol>"; subscribe / publish / invoke from the
 *      composer; the answers decoded (protocols.more.steps.ts).
 *   6. Protobuf: a feed of market.Tick messages read with the workspace's market.proto (Payloads
 *      picker), filtered on decoded fields, a field's bytes marked in the hex dump.
 *
 *   node out/test/e2e/journeys.e2e.js [--headed]
 *
 * Screenshots go to test-results/e2e-*.png.
 */
import { cpSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import type { Browser, Page } from 'playwright-core';
import { createServer as createHttpServer, type Server as HttpServer } from 'node:http';
import { Server as SocketIoServer } from 'socket.io';
import { WebSocketServer } from 'ws';
import {
  exitAfterCleanup,
  freePort,
  installSignalHandlers,
  launchChromium,
  repoRoot,
  sleep,
  withTimeout,
  type CodeServerHandle,
  startCodeServer,
} from '../runners/codeServer';
import { connectTo, graphqlJourney, graphqlReplay, socketIoJourney, socketIoReplay } from './protocols.steps';
import { mqttJourney, signalrJourney, stompJourney } from './protocols.more.steps';
import { protobufJourney, startTickFeed } from './decoders.steps';
import { actionCableJourney, startCable } from './viewonly.steps';
import { testExplorerJourney } from './tests.steps';
import { relayJourney } from './relay.steps';
import { clickShownRow, shownPreviews, focusQuickInput, inspectorShowing, runCommand, STEP_TIMEOUT_MS } from './ui';
import { startGraphqlWsServer, type GraphqlServer } from '../unit/protocol.graphql.servers';
import { startAedes, type MqttServer } from '../unit/protocol.mqtt.servers';
import { startHub, type Hub } from '../unit/protocol.signalr.hub';
import { startBroker, type BrokerServer } from '../unit/protocol.stomp.servers';

const RESULTS = path.join(repoRoot, 'test-results');
const TOTAL_TIMEOUT_MS = Number(process.env.WSI_E2E_TIMEOUT_MS) || 5 * 60_000;
const FLOOD = 50_000;

let step = 'starting';
const runStarted = Date.now();
/** A step's sentence, with the seconds since the start (so a slow step shows in the log). */
function log(msg: string): void {
  step = msg;
  process.stdout.write(`[e2e:journeys] ${((Date.now() - runStarted) / 1000).toFixed(1).padStart(5)} s  ${msg}\n`);
}

/** The examples, copied to a temp folder with the echo port changed to `port`. */
function workspaceWithEchoOn(port: number): string {
  const dir = mkdtempSync(path.join(tmpdir(), 'wsi-e2e-ws-'));
  cpSync(path.join(repoRoot, 'examples'), dir, { recursive: true });
  for (const name of readdirSync(dir)) {
    if (!/\.ws$|env\.json$/.test(name)) continue;
    const file = path.join(dir, name);
    writeFileSync(file, readFileSync(file, 'utf8').replaceAll('127.0.0.1:8765', `127.0.0.1:${port}`));
  }
  return dir;
}

/** The inspector frame that shows `text` somewhere in its header (URL or source). */
async function runJourneys(opts: { headed?: boolean }): Promise<void> {
  mkdirSync(RESULTS, { recursive: true });
  let server: CodeServerHandle | undefined;
  let browser: Browser | undefined;
  let page: Page | undefined;
  let flood: WebSocketServer | undefined;
  let sioHttp: HttpServer | undefined;
  let sio: SocketIoServer | undefined;
  let graphql: GraphqlServer | undefined;
  let stomp: BrokerServer | undefined;
  let mqtt: MqttServer | undefined;
  let hub: Hub | undefined;
  let ticks: Awaited<ReturnType<typeof startTickFeed>> | undefined;
  let cable: Awaited<ReturnType<typeof startCable>> | undefined;
  let workspace: string | undefined;
  const started = Date.now();
  try {
    const echoPort = await freePort();
    workspace = workspaceWithEchoOn(echoPort);
    flood = new WebSocketServer({ host: '127.0.0.1', port: 0 });
    await new Promise((r) => flood!.once('listening', r));
    flood.on('connection', (ws) =>
      ws.on('message', () => {
        for (let i = 0; i < FLOOD; i++) ws.send(`{"type":"tick","seq":${i},"message":"message ${i}"}`);
      }),
    );
    const floodUrl = `ws://127.0.0.1:${(flood.address() as AddressInfo).port}/flood`;
    // A Socket.IO chat that pings every 200 ms and drops a client that does not answer within 1.5 s
    // (a tighter timeout made the run depend on the machine: a busy one delayed the pong past 300 ms).
    sioHttp = createHttpServer();
    sio = new SocketIoServer(sioHttp, { pingInterval: 200, pingTimeout: 1500 });
    sio.on('connection', (socket) => {
      socket.emit('chat', { user: 'ada', text: 'hello' });
      socket.emit('join', 'bob');
      socket.emit('chat', { user: 'bob', text: 'hi ada' });
      // A chat from the client is acknowledged and sent to everyone.
      socket.on('chat', (msg: unknown, ack?: (a: unknown) => void) => {
        ack?.({ delivered: true });
        sio?.emit('chat', msg);
      });
    });
    graphql = await startGraphqlWsServer();
    stomp = await startBroker();
    mqtt = await startAedes();
    hub = await startHub();
    ticks = await startTickFeed();
    cable = await startCable();
    await new Promise<void>((r) => sioHttp!.listen(0, '127.0.0.1', () => r()));
    const sioUrl = `http://127.0.0.1:${(sioHttp.address() as AddressInfo).port}/`;

    log('starting code-server');
    server = await startCodeServer({
      workspace,
      settings: { 'websocketInspector.echoServer.autoStart': true, 'websocketInspector.echoServer.port': echoPort },
    });
    browser = await launchChromium({ headless: !opts.headed });
    page = await (await browser.newContext({ viewport: { width: 1400, height: 900 } })).newPage();
    page.setDefaultTimeout(STEP_TIMEOUT_MS);
    const url = server.urlFor([['extensionDevelopmentPath', server.remoteUri(repoRoot)]]);
    await page.goto(url, { waitUntil: 'domcontentloaded', timeout: 60_000 });
    await page.locator('.part.statusbar').waitFor({ state: 'visible', timeout: 60_000 });

    // 1. The echo server starts with the extension, which a workspace of .ws files activates.
    log('waiting for the echo server in the status bar');
    await page
      .locator('.part.statusbar .statusbar-item', { hasText: `ws://127.0.0.1:${echoPort}` })
      .first()
      .waitFor({ state: 'visible' });

    log('opening echo.ws (Ctrl+P)');
    await page.keyboard.press('Control+P');
    await page.locator('.quick-input-widget .quick-input-box input').waitFor({ state: 'visible' });
    await page.keyboard.type('echo.ws', { delay: 5 });
    await page
      .locator('.quick-input-widget .monaco-list-row.focused', { hasText: 'echo.ws' })
      .first()
      .waitFor({ state: 'visible' });
    await page.keyboard.press('Enter');
    log('clicking the Run CodeLens');
    const run = page.locator('.contentWidgets .codelens-decoration a', { hasText: 'Run' }).first();
    await run.waitFor({ state: 'visible' });
    await run.click();
    const wsFrame = await inspectorShowing(page, 'echo.ws › Echo a greeting');
    await wsFrame.locator('#script[data-status="done"]').waitFor({ state: 'attached' });
    const received = await wsFrame.$$eval('.row[data-direction="received"] .preview', (els) =>
      els.map((e) => e.textContent ?? ''),
    );
    if (!received.includes('Hello from a .ws file!') || !received.some((t) => t.startsWith('{"type": "json"'))) {
      throw new Error(`the scripted exchange is not in the inspector: ${JSON.stringify(received)}`);
    }
    await page.screenshot({ path: path.join(RESULTS, 'e2e-ws-run.png') });
    log(`Run: script done, ${received.length} echoes shown`);

    // 2. A flood into an open inspector.
    log(`Connect… to the flood server, ${FLOOD} messages`);
    const floodFrame = await connectTo(page, floodUrl, 'connect');
    await floodFrame.locator('#composer textarea').click();
    await page.keyboard.type('go');
    await page.keyboard.press('Control+Enter');
    const t0 = Date.now();
    // Rows: open + sent "go" + the flood.
    await floodFrame
      .locator('#filter-status', { hasText: `${(FLOOD + 2).toLocaleString('en-US')} messages` })
      .waitFor({ state: 'visible', timeout: 60_000 });
    log(`flood: ${FLOOD.toLocaleString('en-US')} messages on screen ${Date.now() - t0} ms after sending`);
    // The count and the rows travel in separate ticks: the tail rows follow within a frame or two.
    const tail = `{"type":"tick","seq":${FLOOD - 1},"message":"message ${FLOOD - 1}"}`;
    let last: string | undefined;
    for (const deadline = Date.now() + 10_000; (last = (await shownPreviews(floodFrame)).at(-1)) !== tail;) {
      if (Date.now() > deadline) throw new Error(`the list does not end with the last message: ${last}`);
      await sleep(50);
    }
    await floodFrame.locator('#filter-text').fill('message 4999');
    await floodFrame.locator('#filter-status', { hasText: /^11 of / }).waitFor({ state: 'visible' });
    await floodFrame.locator('#filter-json').fill('seq >= 49995');
    await floodFrame.locator('#filter-status', { hasText: /^5 of / }).waitFor({ state: 'visible' });
    await clickShownRow(floodFrame, 'first');
    await floodFrame.locator('#detail .json-tree').waitFor({ state: 'visible' });
    const detailTitle = await floodFrame.locator('#detail .detail-title').textContent();
    // Row numbers count every row: open, the sent "go", then the flood, so seq 49995 is #49998.
    if (!/^#49998 · received · text/.test(detailTitle ?? '')) throw new Error(`unexpected detail: ${detailTitle}`);
    await page.screenshot({ path: path.join(RESULTS, 'e2e-flood-filter.png') });
    log('flood: filter 11 → 5 matches, detail pane shows #49998');
    // The Stats tab: the flood's rate, drawn from the stored rows; back to the list after.
    await floodFrame.locator('#view-stats').click();
    const peak = floodFrame.locator('#stats-messages .stats-summary', { hasText: /^Peak [\d,]+ received messages/ });
    await peak.waitFor({ state: 'visible' });
    await floodFrame
      .locator('#stats-sizes .stats-summary', { hasText: `${FLOOD.toLocaleString('en-US')} received messages by size` })
      .waitFor({ state: 'visible' });
    await page.screenshot({ path: path.join(RESULTS, 'e2e-stats.png') });
    log(`Stats: ${await peak.textContent()}`);
    await floodFrame.locator('#view-messages').click();
    await floodFrame.locator('#filter-status', { hasText: /^5 of / }).waitFor({ state: 'visible' });

    // 2b. Socket.IO by the URL its clients are given: pings answered, events decoded, emit with ack, filter.
    await socketIoJourney(page, sioUrl, log);
    // 2c. GraphQL over WebSocket from Connect…: subscribe from the composer, results decoded and filtered.
    await graphqlJourney(page, graphql.url, log);

    // 3. Sessions view: open the recording of the echo.ws run and replay it, compared.
    log('WebSocket Sessions view: open a recording');
    await runCommand(page, 'Explorer: Focus on WebSocket Sessions View');
    const item = page.locator('.monaco-list-row', { hasText: `127.0.0.1:${echoPort}` }).first();
    await item.waitFor({ state: 'visible' });
    await item.click();
    const recFrame = await inspectorShowing(page, 'recording:');
    log('Replay… against the echo server');
    await recFrame.locator('#replay').click();
    const input = page.locator('.quick-input-widget .quick-input-box input');
    await focusQuickInput(input);
    await page.keyboard.press('Enter'); // the recorded URL
    await page
      .locator('.quick-input-widget .monaco-list-row', { hasText: 'As fast as possible' })
      .first()
      .waitFor({ state: 'visible' });
    await page.keyboard.type('As fast as possible');
    await page.keyboard.press('Enter');
    await recFrame
      .locator('.row[data-direction="event"] .preview', {
        hasText: /^Compare: \d+ matched, 0 differed, 0 missing, 0 extra/,
      })
      .first()
      .waitFor({ state: 'attached' });
    // The result shows in the status bar; no notification sits over the panel's Send button.
    await page
      .locator('.part.statusbar', { hasText: /✓ Compare: \d+ matched, 0 differed/ })
      .waitFor({ state: 'visible', timeout: 10_000 });
    const toasts = await page.locator('.notification-toast', { hasText: 'Compare:' }).count();
    if (toasts) throw new Error('The replay result is in a notification over the panel (its Send button)');
    await page.screenshot({ path: path.join(RESULTS, 'e2e-session-replay.png') });
    log('replay: every answer matched');

    // 3b. The Socket.IO chat's recording, replayed speaking Socket.IO and compared on decoded events.
    await socketIoReplay(page, `127.0.0.1:${(sioHttp.address() as AddressInfo).port}`, log);
    // 3c. And the GraphQL subscription's: a new connection_init, the same results compared.
    await graphqlReplay(page, new URL(graphql.url).host, log);

    // 4. Reload: the panels come back; the recording as a recording, the flood with its messages
    // (from the history recording) and a word on what happened to its connection.
    log('Developer: Reload Window');
    await runCommand(page, 'Developer: Reload Window');
    await page.locator('.part.statusbar').waitFor({ state: 'visible', timeout: 60_000 });
    await inspectorShowing(page, 'recording:');
    log('reload: the recording panel is back as a recording; switching to the flood tab');
    await page.locator('.tabs-container .tab', { hasText: '/flood' }).first().click();
    const restored = await inspectorShowing(page, floodUrl);
    await restored
      .locator('#state-message', { hasText: `ended with the window reload. Its ${FLOOD + 1} messages are shown` })
      .waitFor({ state: 'attached' });
    // The filter the panel had is kept too (webview state), and applies to the restored rows.
    await restored
      .locator('#filter-status', { hasText: `5 of ${(FLOOD + 2).toLocaleString('en-US')}` })
      .waitFor({ state: 'attached' });
    await restored.locator('#reconnect:not([disabled])').waitFor({ state: 'attached' });
    await page.screenshot({ path: path.join(RESULTS, 'e2e-reload.png') });

    // 5. STOMP, MQTT and SignalR from Connect… "as …": an action from the composer, the answer decoded.
    // Last: their recordings would push the ones step 3 looks for down the Sessions view.
    const broker = stomp.broker;
    await stompJourney(
      page,
      stomp.url,
      () => broker.send('/topic/prices', { destination: '/topic/prices', 'message-id': 'm-1' }, 'EUR 1.08'),
      log,
    );
    await mqttJourney(page, mqtt.url, log);
    await signalrJourney(page, hub.url, log);
    // 6. A Protobuf feed read with the workspace's .proto, filtered on decoded fields.
    await protobufJourney(page, ticks.url, log);
    // 7. A decoded-only protocol: Action Cable, a subscribe typed as text, its replies linked.
    await actionCableJourney(page, cable.url, log);
    // 8. The workspace's .ws tests in the Test Explorer, run against the echo server.
    await testExplorerJourney(page, log);
    // 9. The relay: an app's connection through it, a breakpoint holds a message, edited, forwarded.
    await relayJourney(page, log);
    log(`PASS in ${((Date.now() - started) / 1000).toFixed(1)} s`);
  } catch (err) {
    const shot = path.join(RESULTS, 'e2e-journeys-failure.png');
    if (page) await withTimeout(page.screenshot({ path: shot }), 10_000, 'screenshot').catch(() => undefined);
    const msg = err instanceof Error ? err.message : String(err);
    throw new Error(
      `${msg}\nstep: ${step}\nscreenshot: ${path.relative(repoRoot, shot)}${server ? `\ncode-server output (tail):\n${server.output().slice(-2000)}` : ''}`,
      { cause: err },
    );
  } finally {
    await browser?.close().catch(() => undefined);
    await server?.stop();
    for (const c of flood?.clients ?? []) c.terminate();
    await new Promise<void>((r) => (flood ? flood.close(() => r()) : r()));
    sioHttp?.closeAllConnections();
    await new Promise<void>((r) => (sio ? void sio.close(() => r()) : r()));
    await graphql?.close();
    await stomp?.close();
    await mqtt?.close();
    await hub?.close();
    await ticks?.close();
    await cable?.close();
    if (workspace) rmSync(workspace, { recursive: true, force: true });
  }
}

if (require.main === module) {
  installSignalHandlers();
  const guard = setTimeout(() => {
    console.error(`[e2e:journeys] FAILED: no result within ${TOTAL_TIMEOUT_MS / 1000} s (step: ${step})`);
    exitAfterCleanup(1);
  }, TOTAL_TIMEOUT_MS);
  runJourneys({ headed: process.argv.includes('--headed') }).then(
    () => {
      clearTimeout(guard);
      exitAfterCleanup(0);
    },
    (err) => {
      console.error(`[e2e:journeys] FAILED: ${err instanceof Error ? err.message : String(err)}`);
      exitAfterCleanup(1);
    },
  );
}
