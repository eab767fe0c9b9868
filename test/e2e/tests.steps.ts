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
  await row('tests.ws').waitFor({ state: 'visible' });
  // The file's requests under it.
  if (!(await row('Echo answers').isVisible())) await row('tests.ws').locator('.monaco-tl-twistie').click();
  await row('Echo answers').waitFor({ state: 'visible' });
  await row('Nothing unexpected').waitFor({ state: 'visible' });
  await runCommand(page, 'Test: Run All Tests');
  for (const name of ['tests.ws', 'Echo answers', 'Nothing unexpected'])
    await row(name).locator('.codicon-testing-passed-icon').waitFor({ state: 'visible', timeout: 60_000 });
  // The tests a request's script and expectations made, under it.
  await row('Echo answers').locator('.monaco-tl-twistie').click();
  await row('echo keeps the id').waitFor({ state: 'visible' });
  await row('echo keeps the id').locator('.codicon-testing-passed-icon').waitFor({ state: 'visible' });
  await page.screenshot({ path: path.join(RESULTS, 'e2e-test-explorer.png') });
  log('Test Explorer: tests.ws ran, every request and its client.test passed');
}
