/** What every end-to-end script does in the VS Code UI. */
import type { Frame, Locator, Page } from 'playwright-core';
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

/**
 * Waits for the quick input box `input` (a Locator) and makes sure it has the keyboard. In VS Code
 * 1.139 a prompt that an extension opens right after a palette command can show while the
 * inspector webview keeps focus, so typed text would land in the webview; clicking the box is
 * what a person does then.
 */
export async function focusQuickInput(input: Locator): Promise<void> {
  await input.waitFor({ state: 'visible', timeout: STEP_TIMEOUT_MS });
  if (!(await input.evaluate((el) => el === document.activeElement))) await input.click();
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

