/**
 * The integration suite's entry point. VS Code's extension host (Electron via
 * @vscode/test-electron, or code-server via test/runners/integration.ts) loads this module as
 * extensionTestsPath and awaits run(); a rejection means "tests failed".
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import Mocha from 'mocha';

/** Every compiled `*.test.js` under `dir`, sorted, recursively. */
function findTests(dir: string): string[] {
  const found: string[] = [];
  for (const entry of fs.readdirSync(dir, { withFileTypes: true })) {
    const full = path.join(dir, entry.name);
    if (entry.isDirectory()) found.push(...findTests(full));
    else if (entry.isFile() && entry.name.endsWith('.test.js')) found.push(full);
  }
  return found.sort();
}

export function run(): Promise<void> {
  const mocha = new Mocha({
    ui: 'tdd',
    timeout: Number(process.env.WSI_TEST_TIMEOUT_MS) || 30_000,
    color: process.env.WSI_COLOR === '1',
    // Optional filter, e.g. WSI_GREP="echo server" (set in the environment of the extension host).
    grep: process.env.WSI_GREP || undefined,
  });
  const files = findTests(__dirname);
  for (const file of files) mocha.addFile(file);
  return new Promise((resolve, reject) => {
    if (files.length === 0) return reject(new Error(`no *.test.js files under ${__dirname}`));
    try {
      mocha.run((failures) => {
        if (failures > 0) reject(new Error(`${failures} integration test(s) failed`));
        else resolve();
      });
    } catch (err) {
      reject(err instanceof Error ? err : new Error(String(err)));
    }
  });
}
