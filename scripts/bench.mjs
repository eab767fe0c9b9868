// Builds the benchmarks (bench/*.ts with the core they import) and runs them.
// Usage: npm run bench [-- --quick]   (--build-only: just build out/bench/bench.js)
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
  format: 'cjs',
  target: 'node20',
  sourcemap: 'linked',
  logLevel: 'warning',
  // The same optional native speed-ups of ws the extension leaves out.
  external: ['bufferutil', 'utf-8-validate'],
});

if (process.argv.includes('--build-only')) process.exit(0);
const args = process.argv.slice(2).filter((a) => a === '--quick');
const result = spawnSync(process.execPath, [outfile, 'run', ...args], { stdio: 'inherit' });
process.exit(result.status ?? 1);
