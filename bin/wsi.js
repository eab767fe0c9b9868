#!/usr/bin/env node
// Launcher for the bundled command-line tool; the code lives in src/cli.ts.
const { existsSync } = require('node:fs');
const { join } = require('node:path');

const cli = join(__dirname, '..', 'dist', 'cli.js');
if (!existsSync(cli)) {
  console.error('wsi is not built yet: run `npm run build` first (it writes dist/cli.js).');
  process.exit(2);
}
require(cli)
  .main(process.argv.slice(2))
  .then(
    (code) => {
      process.exitCode = code;
    },
    (err) => {
      console.error(`wsi failed unexpectedly: ${err && err.message ? err.message : err}`);
      process.exitCode = 1;
    },
  );
