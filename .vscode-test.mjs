// `npm run test:electron`: the integration suite in VS Code desktop (Electron) through
// @vscode/test-cli, as the VS Code docs recommend. It downloads VS Code into .vscode-test/, so it
// needs the internet (a desktop or hosted CI); machines without it run the same suite in
// code-server with `npm test` (test/runners/integration.ts). Two editors, as in `npm test`: the
// manifest's minimum (engines.vscode) and the newest stable. `vscode-test --label <label>` runs one.
import { defineConfig } from '@vscode/test-cli';

const common = {
  // The compiled suite's entry; it exports run() and sets up mocha itself (WSI_GREP filters).
  files: 'out/test/suite/**/*.test.js',
  workspaceFolder: './examples',
  env: process.env.WSI_GREP ? { WSI_GREP: process.env.WSI_GREP } : {},
  mocha: { ui: 'tdd', timeout: 60_000, grep: process.env.WSI_GREP },
  launchArgs: ['--disable-extensions', '--disable-workspace-trust', '--skip-welcome', '--skip-release-notes'],
};

export default defineConfig([
  { label: 'oldest', version: '1.100.3', ...common },
  { label: 'current', version: 'stable', ...common },
]);
