/** What every end-to-end script does in the VS Code UI. */
import type { Frame, Page } from 'playwright-core';
import { sleep } from '../runners/codeServer';

/** How long one UI step may take. */
export const STEP_TIMEOUT_MS = 30_000;

/** F1, type the command's title, wait until the palette's focused row is that command, Enter. */
export async function runCommand(page: Page, title: string): Promise<void> {
  await page.keyboard.press('F1');
  const input = page.locator('.quick-input-widget .quick-input-box input');
  await input.waitFor({ state: 'visible', timeout: STEP_TIMEOUT_MS });
  await page.keyboard.type(title, { delay: 5 });
  const focusedRow = page.locator('.quick-input-widget .monaco-list-row.focused');
  await focusedRow.filter({ hasText: title }).first().waitFor({ state: 'visible', timeout: STEP_TIMEOUT_MS });
  await page.keyboard.press('Enter');
}

/** The frame holding the inspector's root (#app): webviews sit two iframes deep. */
export async function findInspectorFrame(page: Page, timeoutMs: number): Promise<Frame> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    for (const frame of page.frames()) {
      try {
        if (await frame.$('#app')) return frame;
      } catch {
        /* frame navigated or detached while we looked */
      }
    }
    if (Date.now() > deadline) {
      throw new Error(
        `no frame with #app within ${timeoutMs / 1000} s; frames: ` + page.frames().map((f) => f.url() || '(empty)').join(', '),
      );
    }
    await sleep(250);
  }
}

