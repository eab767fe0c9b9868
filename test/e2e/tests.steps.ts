/**
 * `.ws` tests in the Test Explorer of the real VS Code UI: the workspace's tests.ws is listed with
 * its requests, Test: Run All runs them against the local echo server, and the tree shows them
 * passed. Leaves test-results/e2e-test-explorer.png.
 */
import * as path from 'node:path';
import type { Page } from 'playwright-core';
import { repoRoot } from '../runners/codeServer';
import { runCommand } from './ui';

const RESULTS = path.join(repoRoot, 'test-results');

export async function testExplorerJourney(page: Page, log: (s: string) => void): Promise<void> {
  log('Test Explorer: the workspace’s .ws tests listed, then Test: Run All Tests');
  await runCommand(page, 'Testing: Focus on Test Explorer View');
  const row = (text: string) => page.locator('.test-explorer .monaco-list-row', { hasText: text }).first();
  // Opens a tree row by its state, never by a toggle: the tree may open a row by itself (a run's
  // results reveal their items), and a click then would close it.
  const expand = async (text: string) => {
    const r = row(text);
    await r.waitFor({ state: 'visible' });
    if ((await r.getAttribute('aria-expanded')) === 'false') await r.locator('.monaco-tl-twistie').click();
    await page
      .locator('.test-explorer .monaco-list-row[aria-expanded="true"]', { hasText: text })
      .first()
      .waitFor({ state: 'visible' });
  };
  await row('tests.ws').waitFor({ state: 'visible' });
  // The file's requests under it.
  await expand('tests.ws');
  await row('Echo answers').waitFor({ state: 'visible' });
  await row('Nothing unexpected').waitFor({ state: 'visible' });
  await runCommand(page, 'Test: Run All Tests');
  for (const name of ['tests.ws', 'Echo answers', 'Nothing unexpected'])
    await row(name).locator('.codicon-testing-passed-icon').waitFor({ state: 'visible', timeout: 60_000 });
  // The tests a request's script and expectations made, under it.
  await expand('Echo answers');
  await row('echo keeps the id').waitFor({ state: 'visible' });
  await row('echo keeps the id').locator('.codicon-testing-passed-icon').waitFor({ state: 'visible' });
  await page.screenshot({ path: path.join(RESULTS, 'e2e-test-explorer.png') });
  log('Test Explorer: tests.ws ran, every request and its client.test passed');
}
