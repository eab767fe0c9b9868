// Builds the benchmarks (bench/*.ts with the core they import) and runs them.
// Usage: npm run bench [-- --quick] [-- --strict] [-- --profile]   (--build-only: just build out/bench/bench.js)
//   --quick    a smaller version of every scenario (under a minute)
//   --strict   exit with 1 when a target is missed (otherwise only a failed run exits non-zero)
//   --profile  also write a CPU profile of the webview during the end-to-end flood
import * as esbuild from 'esbuild';
import { spawnSync } from 'node:child_process';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const outfile = join(root, 'out/bench/bench.js');

await esbuild.build({
  entryPoints: [join(root, 'bench/main.ts')],
  outfile,
  bundle: true,
  platform: 'node',
  mainFields: ['module', 'main'],
  format: 'cjs',
  target: 'node20',
  sourcemap: 'linked',
  logLevel: 'warning',
  // The same optional native speed-ups of ws the extension leaves out; playwright-core stays in
  // node_modules (it finds its own files there).
  external: ['bufferutil', 'utf-8-validate', 'playwright-core'],
});

if (process.argv.includes('--build-only')) process.exit(0);
const args = process.argv.slice(2).filter((a) => ['--quick', '--strict', '--profile'].includes(a));
const result = spawnSync(process.execPath, [outfile, 'run', ...args], { stdio: 'inherit' });
process.exit(result.status ?? 1);
