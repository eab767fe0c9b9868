import assert from 'node:assert/strict';
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join, relative } from 'node:path';
import { test } from 'node:test';

// The compiled test lives in out/test/unit; the sources are at the repo root.
const root = join(__dirname, '..', '..', '..');

function sources(dir: string): string[] {
  const abs = join(root, dir);
  return readdirSync(abs).flatMap((name) => {
    const path = join(abs, name);
    if (statSync(path).isDirectory()) return sources(relative(root, path));
    return name.endsWith('.ts') ? [path] : [];
  });
}

function imports(file: string): string[] {
  const text = readFileSync(file, 'utf8');
  return [
    ...text.matchAll(
      /^\s*(?:import|export)\s[^'"]*?from\s+['"]([^'"]+)['"]|^\s*import\s+['"]([^'"]+)['"]|require\(\s*['"]([^'"]+)['"]\s*\)/gm,
    ),
  ].map((m) => m[1] ?? m[2] ?? m[3]);
}

test('src/core never imports vscode, the host, or the webview', () => {
  const files = sources('src/core');
  assert.ok(files.length > 3, 'found the core sources');
  for (const file of files) {
    for (const spec of imports(file)) {
      assert.notEqual(spec, 'vscode', `${relative(root, file)} imports vscode`);
      assert.ok(!/\/host\/|^\.\.\/host|(^|\/)webview(\/|$)/.test(spec), `${relative(root, file)} imports ${spec}`);
    }
  }
});

test('src/shared imports nothing but its own files', () => {
  for (const file of sources('src/shared')) {
    const outside = imports(file).filter((spec) => !/^\.\/[\w.]+$/.test(spec));
    assert.deepEqual(outside, [], `${relative(root, file)} must hold types only`);
  }
});

test('webview imports neither vscode nor node built-ins', () => {
  for (const file of sources('webview')) {
    for (const spec of imports(file)) {
      assert.ok(
        spec !== 'vscode' && !spec.startsWith('node:') && !/src\/(core|host)/.test(spec),
        `${relative(root, file)} imports ${spec}`,
      );
    }
  }
});

test('the checker sees imports (it can fail)', () => {
  assert.deepEqual(imports(join(root, 'src/host/inspectorPanel.ts')).includes('vscode'), true);
});

test('transports are built in one place: only src/core/transport opens a `ws` client or names WebSocketTransport', () => {
  for (const file of [...sources('src'), ...sources('webview')]) {
    const rel = relative(root, file);
    if (rel.startsWith(join('src', 'core', 'transport'))) continue;
    const text = readFileSync(file, 'utf8');
    assert.ok(!/new WebSocket\(/.test(text), `${rel} opens a ws client; use createTransport`);
    assert.ok(!/WebSocketTransport/.test(text), `${rel} names WebSocketTransport; use createTransport`);
  }
});
