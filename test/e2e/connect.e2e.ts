/**
 * End to end: a person's path through the real UI. code-server (VS Code 1.100.3) with the
 * extension loaded from source, driven by Playwright in Debian's Chromium:
 *
 *   F1 → "WebSocket: Start Local Echo Server" → read its URL from the status bar
 *   F1 → "WebSocket: Connect…" → type that URL → Enter → the inspector panel opens
 *   in the webview: wait for the open state, type "hello e2e" in the composer, Ctrl+Enter,
 *   and see it twice in the list: once sent, once received (echoed).
 *
 *   node out/test/e2e/connect.e2e.js [--headed] [--keep-open]
 *
 * Writes test-results/e2e-inspector.png (and e2e-failure.png when it fails).
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import type { Browser, Page } from 'playwright-core';
import {
  exitAfterCleanup,
  installSignalHandlers,
  launchChromium,
  repoRoot,
  startCodeServer,
  withTimeout,
  type CodeServerHandle,
} from '../runners/codeServer';
import { findInspectorFrame, focusQuickInput, runCommand, STEP_TIMEOUT_MS } from './ui';

const RESULTS = path.join(repoRoot, 'test-results');
const TOTAL_TIMEOUT_MS = Number(process.env.WSI_E2E_TIMEOUT_MS) || 3 * 60_000;
const MESSAGE = 'hello e2e';

let step = 'starting';
const runStarted = Date.now();
/** A step's sentence, with the seconds since the start (so a slow step shows in the log). */
function log(msg: string): void {
  step = msg;
  process.stdout.write(`[e2e] ${((Date.now() - runStarted) / 1000).toFixed(1).padStart(5)} s  ${msg}\n`);
}

export async function runE2E(opts: { headed?: boolean; keepOpen?: boolean } = {}): Promise<void> {
  fs.mkdirSync(RESULTS, { recursive: true });
  let server: CodeServerHandle | undefined;
  let browser: Browser | undefined;
  let page: Page | undefined;
  const consoleErrors: string[] = [];
  const started = Date.now();
  try {
    log('starting code-server');
    server = await startCodeServer({ workspace: path.join(repoRoot, 'examples') });
    log(`code-server on ${server.baseUrl} (${((Date.now() - started) / 1000).toFixed(1)} s)`);
    browser = await launchChromium({ headless: !opts.headed });
    const context = await browser.newContext({ viewport: { width: 1400, height: 900 } });
    await context.grantPermissions(['clipboard-read', 'clipboard-write'], { origin: server.baseUrl });
    page = await context.newPage();
    page.setDefaultTimeout(STEP_TIMEOUT_MS);
    page.on('pageerror', (err) => consoleErrors.push(`pageerror: ${err.message}`));
    page.on('console', (m) => {
      if (m.type() === 'error') consoleErrors.push(m.text());
    });

    const url = server.urlFor([['extensionDevelopmentPath', server.remoteUri(repoRoot)]]);
    log(`opening ${url}`);
    await page.goto(url, { waitUntil: 'domcontentloaded', timeout: 60_000 });
    await page.locator('.monaco-workbench').waitFor({ state: 'visible', timeout: 60_000 });
    // The status bar is the last part the workbench draws; after it, key bindings are live.
    await page.locator('.part.statusbar').waitFor({ state: 'visible', timeout: 60_000 });
    log(`workbench ready (${((Date.now() - started) / 1000).toFixed(1)} s)`);

    log('F1 → WebSocket: Start Local Echo Server');
    await runCommand(page, 'WebSocket: Start Local Echo Server');
    const statusItem = page.locator('.part.statusbar .statusbar-item', { hasText: /ws:\/\/127\.0\.0\.1:\d+/ }).first();
    await statusItem.waitFor({ state: 'visible', timeout: STEP_TIMEOUT_MS });
    const echoUrl = ((await statusItem.textContent()) ?? '').match(/ws:\/\/127\.0\.0\.1:\d+/)?.[0];
    if (!echoUrl) throw new Error('the status bar shows no echo server URL');
    log(`echo server URL from the status bar: ${echoUrl}`);

    log('F1 → WebSocket: Connect…');
    await runCommand(page, 'WebSocket: Connect');
    // The URL prompt replaces the command palette in the same quick input widget.
    const urlInput = page.locator('.quick-input-widget .quick-input-box input[placeholder*="ws://"]');
    await focusQuickInput(urlInput);
    await page.keyboard.type(echoUrl, { delay: 5 });
    await page
      .locator('.quick-input-widget .monaco-list-row.focused', { hasText: echoUrl })
      .first()
      .waitFor({ state: 'visible', timeout: STEP_TIMEOUT_MS });
    await page.keyboard.press('Enter');
    await page.locator('.quick-input-widget').waitFor({ state: 'hidden', timeout: STEP_TIMEOUT_MS });

    log('waiting for the inspector webview (#app)');
    const frame = await findInspectorFrame(page, STEP_TIMEOUT_MS);
    log('waiting for #state[data-phase="open"]');
    await frame.locator('#state[data-phase="open"]').waitFor({ state: 'attached', timeout: STEP_TIMEOUT_MS });

    log(`typing "${MESSAGE}" in the composer, Ctrl+Enter`);
    // vscode-textarea keeps its <textarea> in an open shadow root; Playwright's CSS pierces it.
    const textarea = frame.locator('#composer textarea');
    await textarea.click();
    await page.keyboard.type(MESSAGE, { delay: 10 });
    await page.keyboard.press('Control+Enter');

    log('waiting for the sent and the received row');
    const rowWith = (direction: string) =>
      frame
        .locator(`.row[data-direction="${direction}"]`)
        .filter({ has: frame.locator('.preview', { hasText: MESSAGE }) });
    await rowWith('sent').first().waitFor({ state: 'visible', timeout: STEP_TIMEOUT_MS });
    await rowWith('received').first().waitFor({ state: 'visible', timeout: STEP_TIMEOUT_MS });
    const sentCount = await rowWith('sent').count();
    const receivedCount = await rowWith('received').count();
    if (sentCount !== 1 || receivedCount !== 1) {
      throw new Error(
        `expected one sent and one received "${MESSAGE}" row, got ${sentCount} sent, ${receivedCount} received`,
      );
    }

    const shot = path.join(RESULTS, 'e2e-inspector.png');
    await page.screenshot({ path: shot });
    log(`PASS in ${((Date.now() - started) / 1000).toFixed(1)} s; screenshot: ${path.relative(repoRoot, shot)}`);
    if (opts.keepOpen) {
      log(`--keep-open: ${url} stays up; Ctrl+C to stop`);
      await new Promise(() => undefined);
    }
  } catch (err) {
    const shot = path.join(RESULTS, 'e2e-failure.png');
    if (page) await withTimeout(page.screenshot({ path: shot }), 10_000, 'screenshot').catch(() => undefined);
    const msg = err instanceof Error ? err.message : String(err);
    const details = [
      `step: ${step}`,
      fs.existsSync(shot) ? `screenshot: ${path.relative(repoRoot, shot)}` : '',
      consoleErrors.length ? `browser console errors:\n  ${consoleErrors.slice(-15).join('\n  ')}` : '',
      server ? `code-server output (tail):\n${server.output().slice(-3000)}` : '',
    ].filter(Boolean);
    throw new Error(`${msg}\n${details.join('\n')}`, { cause: err });
  } finally {
    await browser?.close().catch(() => undefined);
    await server?.stop();
  }
}

if (require.main === module) {
  const argv = process.argv.slice(2);
  installSignalHandlers();
  const guard = setTimeout(() => {
    console.error(`[e2e] FAILED: no result within ${TOTAL_TIMEOUT_MS / 1000} s (step: ${step})`);
    exitAfterCleanup(1);
  }, TOTAL_TIMEOUT_MS);
  if (argv.includes('--keep-open')) clearTimeout(guard);
  runE2E({ headed: argv.includes('--headed'), keepOpen: argv.includes('--keep-open') }).then(
    () => exitAfterCleanup(0),
    (err) => {
      console.error(`[e2e] FAILED: ${err instanceof Error ? err.message : String(err)}`);
      exitAfterCleanup(1);
    },
  );
}
