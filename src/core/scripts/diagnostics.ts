import type { Diagnostic, ParsedWsFile } from '../wsfile/types';
import { checkScriptSyntax, hasScripts } from './runScripts';

/**
 * Diagnostics of the file's scripts that need QuickJS (loaded here, only when a request has
 * scripts): syntax errors at their .ws lines (`script-syntax`), and external files that are
 * missing or outside the workspace folder (`script-file`). Everything else is parseWsFile's.
 */
export async function scriptDiagnostics(
  parsed: ParsedWsFile,
  lines: string[],
  baseDir: string,
  workspaceRoot?: string,
): Promise<Diagnostic[]> {
  const out: Diagnostic[] = [];
  for (const request of parsed.requests) {
    if (!hasScripts(request)) continue;
    for (const p of await checkScriptSyntax(request, baseDir, workspaceRoot)) {
      const text = lines[p.line] ?? '';
      const indent = text.length - text.trimStart().length;
      out.push({
        severity: 'error',
        code: p.file ? 'script-file' : 'script-syntax',
        range: { startLine: p.line, startCol: indent, endLine: p.line, endCol: Math.max(indent + 1, text.length) },
        message: p.file ? p.message : `This script does not compile: ${p.message}. Nothing is sent until it does.`,
      });
    }
  }
  return out;
}
