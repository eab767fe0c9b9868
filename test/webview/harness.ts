import { join } from 'node:path';
import type { Browser, Page } from 'playwright-core';
import { launchChromium } from '../runners/codeServer';
import { serveInspectorPage } from './pageServer';

/** The repo root, from out/test/webview. */
export const ROOT = join(__dirname, '..', '..', '..');
const BUNDLE = join(ROOT, 'dist', 'webview');

/**
 * Serves the real webview bundle with the real page and CSP on 127.0.0.1, and opens it in
 * Debian's Chromium with `acquireVsCodeApi` replaced by a bridge to a host function in Node.
 */
export interface WebviewHarness {
  page: Page;
  /** Messages the webview posted, in order. */
  fromWebview: unknown[];
  /** CSP violations the page reported. */
  cspViolations: string[];
  /** Uncaught errors in the page. */
  pageErrors: string[];
  /** Post a message to the webview as the host would. */
  toWebview(message: unknown): Promise<void>;
  close(): Promise<void>;
}

export async function openWebview(onMessage: (message: unknown) => void = () => undefined): Promise<WebviewHarness> {
  let server: Awaited<ReturnType<typeof serveInspectorPage>> | undefined;
  let browser: Browser | undefined;
  try {
    server = await serveInspectorPage(BUNDLE);
    browser = await launchChromium();
    const page = await browser.newPage({ viewport: { width: 1000, height: 600 } });
    const fromWebview: unknown[] = [];
    const cspViolations: string[] = [];
    const pageErrors: string[] = [];
    page.on('pageerror', (err) => pageErrors.push(err.stack ?? err.message));
    await page.exposeFunction('__toHost', (message: unknown) => {
      fromWebview.push(message);
      onMessage(message);
    });
    await page.exposeFunction('__cspViolation', (text: string) => cspViolations.push(text));
    await page.addInitScript(() => {
      // Like VS Code, the state outlives a reload of the page (sessionStorage does here).
      const w = window as unknown as Record<string, unknown>;
      w.acquireVsCodeApi = () => ({
        postMessage: (m: unknown) => (w.__toHost as (m: unknown) => void)(m),
        getState: () => JSON.parse(sessionStorage.getItem('vscodeState') ?? 'null'),
        setState: (s: unknown) => sessionStorage.setItem('vscodeState', JSON.stringify(s)),
      });
      const trace: string[] = [];
      w.__trace = trace;
      window.addEventListener('message', (e: MessageEvent) => {
        const m = e.data as {
          type?: string;
          rows?: Array<{ index: number }>;
          rowsStart?: number;
          snapshot?: { rows: Array<{ index: number }>; rowsStart: number };
        };
        const rows = m.rows ?? m.snapshot?.rows;
        trace.push(
          `${m.type} ${rows ? rows.map((r) => r.index).join(',') : ''} @${m.rowsStart ?? m.snapshot?.rowsStart}`,
        );
        if (trace.length > 60) trace.shift();
      });
      document.addEventListener('securitypolicyviolation', (e) =>
        (w.__cspViolation as (t: string) => void)(`${e.violatedDirective} ${e.blockedURI}`),
      );
    });
    await page.goto(`${server.origin}/`);
    const b = browser;
    const s = server;
    return {
      page,
      fromWebview,
      cspViolations,
      pageErrors,
      // Playwright's evaluate cannot carry an ArrayBuffer; VS Code's postMessage can. Encode and revive it.
      // A message posted while the page reloads is dropped, as VS Code drops posts to a reloading
      // webview (the view then says `ready` and gets a snapshot).
      toWebview: (message) =>
        page
          .evaluate(
            (json) =>
              window.postMessage(
                JSON.parse(json, (_k, v) =>
                  v && typeof v === 'object' && typeof v.__arrayBuffer === 'string'
                    ? Uint8Array.from(atob(v.__arrayBuffer), (c) => c.charCodeAt(0)).buffer
                    : v,
                ),
                '*',
              ),
            JSON.stringify(message, (_k, v) =>
              v instanceof ArrayBuffer ? { __arrayBuffer: Buffer.from(v).toString('base64') } : v,
            ),
          )
          .catch((err: Error) => {
            if (!/context was destroyed|navigat|Target closed|has been closed/i.test(err.message)) throw err;
          }),
      close: async () => {
        await b.close().catch(() => undefined);
        await s.close();
      },
    };
  } catch (err) {
    await browser?.close().catch(() => undefined);
    await server?.close();
    throw err;
  }
}
