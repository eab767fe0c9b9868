import { randomBytes } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { extname, join } from 'node:path';
import { inspectorPage } from '../../src/host/inspectorPage';

const TYPES: Record<string, string> = {
  '.js': 'text/javascript',
  '.css': 'text/css',
  '.ttf': 'font/ttf',
  '.html': 'text/html',
};

/**
 * Serves the inspector as VS Code would show it, on 127.0.0.1 and a free port: the real page
 * with its CSP and a fresh nonce at `/`, and the files of `bundleDir` (dist/webview) beside it.
 * Used by the webview tests and the bench.
 */
export async function serveInspectorPage(bundleDir: string): Promise<{ origin: string; close(): Promise<void> }> {
  const nonce = randomBytes(18).toString('base64');
  let origin = '';
  const server = createServer((req, res) => {
    const url = new URL(req.url ?? '/', 'http://127.0.0.1');
    if (url.pathname === '/') {
      res.writeHead(200, { 'content-type': 'text/html' });
      res.end(inspectorPage({ cspSource: origin, nonce, asset: (name) => `${origin}/${name}` }));
      return;
    }
    const name = url.pathname.slice(1);
    if (!/^[\w.-]+$/.test(name)) return void res.writeHead(404).end();
    try {
      const body = readFileSync(join(bundleDir, name));
      res.writeHead(200, { 'content-type': TYPES[extname(name)] ?? 'application/octet-stream' });
      res.end(body);
    } catch {
      res.writeHead(404).end();
    }
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => resolve());
  });
  origin = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  return { origin, close: () => new Promise<void>((r) => server.close(() => r())) };
}
