/**
 * The manifest's walkthrough: each step's page exists and ships in the .vsix (.vscodeignore's
 * allow-list), and each step's button runs a command that exists (ours, a view's focus command,
 * or one of VS Code's).
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';

const root = join(__dirname, '..', '..', '..');
interface Step {
  id: string;
  description: string;
  media: { markdown: string };
  completionEvents: string[];
}
interface Manifest {
  main: string;
  contributes: {
    commands: { command: string }[];
    views: Record<string, { id: string }[]>;
    walkthroughs: { steps: Step[] }[];
  };
}
const manifest = JSON.parse(readFileSync(join(root, 'package.json'), 'utf8')) as Manifest;
/** VS Code's own commands the walkthrough uses. */
const BUILT_IN = new Set(['workbench.view.testing.focus']);

/** Whether .vscodeignore (ignore all, then `!` what ships) lets `path` into the .vsix. */
function ships(path: string): boolean {
  const allowed = readFileSync(join(root, '.vscodeignore'), 'utf8')
    .split('\n')
    .filter((l) => l.startsWith('!'))
    .map((l) => l.slice(1).trim());
  const glob = (p: string) => new RegExp(`^${p.replace(/[.+^${}()|[\]\\]/g, '\\$&').replace(/\*/g, '[^/]*')}$`);
  return allowed.some((p) => glob(p).test(path));
}

test('the walkthrough: every page exists and ships, every button runs a known command', () => {
  const [walkthrough] = manifest.contributes.walkthroughs;
  assert.ok(walkthrough.steps.length >= 4);
  const commands = new Set(manifest.contributes.commands.map((c) => c.command));
  for (const views of Object.values(manifest.contributes.views)) for (const v of views) commands.add(`${v.id}.focus`);
  for (const step of walkthrough.steps) {
    const page = step.media.markdown;
    assert.ok(existsSync(join(root, page)), `${step.id}: ${page} exists`);
    assert.ok(ships(page), `${step.id}: ${page} is in the .vsix`);
    const links = [...step.description.matchAll(/\(command:([\w.]+)\)/g)].map((m) => m[1]);
    assert.equal(links.length, 1, `${step.id} has one button`);
    for (const c of links) assert.ok(commands.has(c) || BUILT_IN.has(c), `${step.id}: ${c} exists`);
    for (const e of step.completionEvents) {
      const [kind, id] = e.split(':');
      if (kind === 'onCommand') assert.ok(commands.has(id), `${step.id}: completion on ${id}`);
    }
  }
});

test('.vscodeignore ships the changelog and the bundles the manifest names', () => {
  assert.ok(ships('CHANGELOG.md'));
  assert.ok(ships(manifest.main.replace(/^\.\//, '')));
  assert.ok(!ships('src/extension.ts'));
});
