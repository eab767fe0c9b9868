import { existsSync } from 'node:fs';
import { isAbsolute, resolve } from 'node:path';
import type { Diagnostic, ParsedWsFile } from './types';

/**
 * A diagnostic for each `< path` or `<@ path` block whose file is not there, relative to
 * `baseDir` (the `.ws` file's folder). Paths with variables are left to send time.
 */
export function findMissingFiles(
  parsed: ParsedWsFile,
  lines: readonly string[],
  baseDir: string,
  exists: (path: string) => boolean = existsSync,
): Diagnostic[] {
  const out: Diagnostic[] = [];
  for (const request of parsed.requests) {
    for (const step of request.steps) {
      if (step.type !== 'send' || step.message.kind !== 'file') continue;
      const path = step.message.path;
      if (path.includes('{{') || exists(isAbsolute(path) ? path : resolve(baseDir, path))) continue;
      const line = step.lines.startLine;
      const text = lines[line] ?? '';
      const start = Math.max(0, text.indexOf(path));
      out.push({
        severity: 'error',
        code: 'missing-file',
        range: { startLine: line, startCol: start, endLine: line, endCol: start + path.length },
        message: `${path} does not exist (paths are relative to this .ws file's folder, ${baseDir}). Create it, or fix the path.`,
      });
    }
  }
  return out;
}
