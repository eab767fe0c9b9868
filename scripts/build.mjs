// Builds the bundles: the extension host (node/cjs), the webview (browser/iife + css), the CLI and the QuickJS engine.
// Usage: node scripts/build.mjs [--production] [--watch]
import * as esbuild from 'esbuild';
import { cpSync, existsSync, mkdirSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const production = process.argv.includes('--production');
const watch = process.argv.includes('--watch');

const common = {
  bundle: true,
  minify: production,
  sourcemap: production ? false : 'linked',
  logLevel: 'warning',
  legalComments: 'none',
};

// The QuickJS engine (880 KiB, WebAssembly inside) is its own bundle, dist/quickjs.js, required
// by the sandbox only when a request has scripts: the extension and the CLI leave it out.
const quickjsApart = {
  name: 'quickjs-apart',
  setup(build) {
    build.onResolve({ filter: /^\.\/quickjsEngine$/ }, () => ({ path: './quickjs.js', external: true }));
  },
};

const host = {
  ...common,
  entryPoints: [join(root, 'src/extension.ts')],
  outfile: join(root, 'dist/extension.js'),
  platform: 'node',
  format: 'cjs',
  target: 'node20',
  // bufferutil and utf-8-validate are optional native speed-ups of ws, cbor-extract one of cbor-x
  // (it tries to require it and goes on without it); each works without them.
  external: ['vscode', 'bufferutil', 'utf-8-validate', 'cbor-extract'],
  // ESM entry points first: jsonc-parser's UMD "main" requires its own files at run time, which a
  // bundle cannot follow; its "module" build is plain imports.
  mainFields: ['module', 'main'],
  // mqtt-packet's parser uses only bl's BufferList; bl's main module adds a stream (readable-stream,
  // about 200 KB of bundle) that nothing here uses.
  alias: { bl: 'bl/BufferList.js' },
  plugins: [quickjsApart],
};

const quickjs = {
  ...common,
  entryPoints: [join(root, 'src/core/scripts/quickjsEngine.ts')],
  outfile: join(root, 'dist/quickjs.js'),
  platform: 'node',
  format: 'cjs',
  target: 'node20',
};

const cli = {
  ...host,
  entryPoints: [join(root, 'src/cli.ts')],
  outfile: join(root, 'dist/cli.js'),
  external: ['bufferutil', 'utf-8-validate', 'cbor-extract'],
  banner: { js: '#!/usr/bin/env node' },
};

const webview = {
  ...common,
  entryPoints: [join(root, 'webview/main.ts')],
  outfile: join(root, 'dist/webview/main.js'),
  platform: 'browser',
  format: 'iife',
  target: 'chrome120',
};

function copyCodicons() {
  const from = join(root, 'node_modules/@vscode/codicons/dist');
  const to = join(root, 'dist/webview');
  mkdirSync(to, { recursive: true });
  cpSync(join(from, 'codicon.css'), join(to, 'codicon.css'));
  cpSync(join(from, 'codicon.ttf'), join(to, 'codicon.ttf'));
}

copyCodicons();
// The command-line tool arrives with the .ws runner; build it once its entry exists.
const configs = [host, webview, quickjs].concat(existsSync(cli.entryPoints[0]) ? [cli] : []);
if (watch) {
  for (const c of configs) await (await esbuild.context(c)).watch();
  console.log('[build] watching');
} else {
  const t0 = Date.now();
  await Promise.all(configs.map((c) => esbuild.build(c)));
  console.log(`[build] ${configs.length} bundles in ${Date.now() - t0} ms${production ? ' (production)' : ''}`);
}
