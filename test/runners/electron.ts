/**
 * Runs the integration suite in VS Code desktop (Electron) through @vscode/test-electron:
 * `npm run test:electron`. It downloads VS Code into .vscode-test/, so it needs the internet
 * (a desktop or hosted CI); on machines without it use test/runners/integration.ts (code-server).
 *
 * Env: VSCODE_TEST_VERSION (default 1.100.3, the version code-server 4.100.3 bundles; 'stable'
 * for the newest), WSI_GREP to run a subset.
 */
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { runTests } from '@vscode/test-electron';

async function main(): Promise<number> {
  const root = path.resolve(__dirname, '..', '..', '..');
  const extensionTestsPath = path.join(root, 'out', 'test', 'suite', 'index.js');
  if (!fs.existsSync(path.join(root, 'dist', 'extension.js')) || !fs.existsSync(extensionTestsPath)) {
    console.error('[electron] build first: npm run build && npm run compile-tests');
    return 1;
  }
  const userDataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'wsi-electron-user-'));
  const extensionsDir = fs.mkdtempSync(path.join(os.tmpdir(), 'wsi-electron-ext-'));
  fs.mkdirSync(path.join(userDataDir, 'User'), { recursive: true });
  fs.writeFileSync(
    path.join(userDataDir, 'User', 'settings.json'),
    JSON.stringify({
      'workbench.startupEditor': 'none',
      'security.workspace.trust.enabled': false,
      'extensions.autoCheckUpdates': false,
      'extensions.autoUpdate': false,
      'telemetry.telemetryLevel': 'off',
      'update.mode': 'none',
    }),
  );
  try {
    return await runTests({
      version: process.env.VSCODE_TEST_VERSION || '1.100.3',
      extensionDevelopmentPath: root,
      extensionTestsPath,
      extensionTestsEnv: process.env.WSI_GREP ? { WSI_GREP: process.env.WSI_GREP } : undefined,
      launchArgs: [
        path.join(root, 'examples'),
        '--disable-extensions',
        '--disable-workspace-trust',
        '--skip-welcome',
        '--skip-release-notes',
        `--user-data-dir=${userDataDir}`,
        `--extensions-dir=${extensionsDir}`,
      ],
    });
  } finally {
    fs.rmSync(userDataDir, { recursive: true, force: true });
    fs.rmSync(extensionsDir, { recursive: true, force: true });
  }
}

main().then(
  (code) => process.exit(code),
  (err) => {
    console.error(`[electron] FAILED: ${err instanceof Error ? err.message : String(err)}`);
    process.exit(1);
  },
);
