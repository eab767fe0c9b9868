/** What every end-to-end script does in the VS Code UI. */
import type { Frame, Locator, Page } from 'playwright-core';
import { sleep } from '../runners/codeServer';

/** How long one UI step may take. */
export const STEP_TIMEOUT_MS = 30_000;

/**
 * F1, type the command's title, wait until the palette's focused row is that command, Enter. Right
 * after the workbench shows, VS Code 1.139 may not list the development extension's commands yet,
 * so a palette without the command is closed and opened again, within STEP_TIMEOUT_MS.
 */
export async function runCommand(page: Page, title: string): Promise<void> {
  const deadline = Date.now() + STEP_TIMEOUT_MS;
  const input = page.locator('.quick-input-widget .quick-input-box input');
  const focusedRow = page.locator('.quick-input-widget .monaco-list-row.focused').filter({ hasText: title }).first();
  for (;;) {
    await page.keyboard.press('F1');
    await input.waitFor({ state: 'visible', timeout: STEP_TIMEOUT_MS });
    await page.keyboard.type(title, { delay: 5 });
    const left = deadline - Date.now();
    try {
      await focusedRow.waitFor({ state: 'visible', timeout: Math.max(1000, Math.min(5000, left)) });
      break;
    } catch (err) {
      if (Date.now() >= deadline) throw err;
      await page.keyboard.press('Escape');
      await input.waitFor({ state: 'hidden', timeout: STEP_TIMEOUT_MS });
    }
  }
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
        `no frame with #app within ${timeoutMs / 1000} s; frames: ` +
          page
            .frames()
            .map((f) => f.url() || '(empty)')
            .join(', '),
      );
    }
    await sleep(250);
  }
}

/** The inspector frame whose header shows `text` (a URL, a request's name). */
export async function inspectorShowing(page: Page, text: string): Promise<Frame> {
  const deadline = Date.now() + STEP_TIMEOUT_MS;
  for (;;) {
    for (const frame of page.frames()) {
      try {
        const header = await frame.$eval('#app header', (h) => h.textContent ?? '').catch(() => '');
        if (header.includes(text)) return frame;
      } catch {
        /* detached */
      }
    }
    if (Date.now() > deadline) throw new Error(`no inspector showing "${text}"`);
    await new Promise((r) => setTimeout(r, 250));
  }
}

/**
 * Clicks a list row that is on screen and shows its content: the one with the highest (`last`) or
 * lowest (`first`) list position among the rows inside the list's box whose preview matches `text`
 * (and whose direction is `direction`). The list recycles row elements, so DOM order says nothing
 * of screen order, and a row just refilled or below the fold is not one a person would click.
 */
export async function clickShownRow(
  frame: Frame,
  which: 'first' | 'last',
  options: { text?: RegExp; direction?: string; ptype?: string; has?: string } = {},
): Promise<void> {
  const deadline = Date.now() + STEP_TIMEOUT_MS;
  for (;;) {
    const index = await frame.evaluate(
      ({ which, source, flags, direction, ptype, has }) => {
        const box = document.querySelector('#list')?.getBoundingClientRect();
        if (!box) return undefined;
        const re = source === undefined ? undefined : new RegExp(source, flags);
        const shown = [...document.querySelectorAll<HTMLElement>('.inner .row:not([hidden])')]
          .filter((r) => {
            const b = r.getBoundingClientRect();
            const preview = r.querySelector('.preview')?.textContent ?? '';
            return (
              b.height > 0 &&
              b.top >= box.top - 0.5 &&
              b.bottom <= box.bottom + 0.5 &&
              preview !== '' &&
              preview !== '…' &&
              (!re || re.test(preview)) &&
              (!direction || r.dataset.direction === direction) &&
              (!ptype || r.querySelector('.ptype')?.textContent === ptype) &&
              (!has || (r.textContent ?? '').includes(has))
            );
          })
          .map((r) => Number(r.dataset.index))
          .sort((a, b) => a - b);
        return which === 'first' ? shown[0] : shown[shown.length - 1];
      },
      {
        which,
        source: options.text?.source,
        flags: options.text?.flags,
        direction: options.direction,
        ptype: options.ptype,
        has: options.has,
      },
    );
    if (index !== undefined) {
      try {
        await frame.locator(`.inner .row[data-index="${index}"]`).click({ timeout: 2000 });
        return;
      } catch (err) {
        if (Date.now() > deadline) throw err;
      }
    } else if (Date.now() > deadline)
      throw new Error(`no ${which} row on screen${options.text ? ` matching ${String(options.text)}` : ''}`);
    await sleep(100);
  }
}

/** The previews of the list rows inside the list's box, in list order (row elements are recycled: DOM order is not list order). */
export async function shownPreviews(frame: Frame): Promise<string[]> {
  return frame.evaluate(() => {
    const box = document.querySelector('#list')?.getBoundingClientRect();
    if (!box) return [];
    return [...document.querySelectorAll<HTMLElement>('.inner .row:not([hidden])')]
      .filter((r) => {
        const b = r.getBoundingClientRect();
        return b.height > 0 && b.top >= box.top - 0.5 && b.bottom <= box.bottom + 0.5;
      })
      .sort((a, b) => Number(a.dataset.index) - Number(b.dataset.index))
      .map((r) => r.querySelector('.preview')?.textContent ?? '');
  });
}
