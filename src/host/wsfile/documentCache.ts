import * as vscode from 'vscode';
import { parseWsFile } from '../../core/wsfile/parse';
import type { LineSpan, ParsedWsFile, Range as CoreRange } from '../../core/wsfile/types';

/** The language id of `.ws` request files. */
export const WS_LANGUAGE_ID = 'ws-request';

/** The selector every `.ws` language feature registers with (files, untitled buffers, any scheme). */
export const WS_SELECTOR: vscode.DocumentSelector = { language: WS_LANGUAGE_ID };

export function isWsDocument(document: vscode.TextDocument): boolean {
  return document.languageId === WS_LANGUAGE_ID;
}

/**
 * Parses each `.ws` document once per version, so diagnostics, completion, symbols, hovers and
 * CodeLens share one parse per keystroke. Entries are dropped when their document closes.
 */
export class WsDocuments implements vscode.Disposable {
  private readonly cache = new Map<string, { version: number; parsed: ParsedWsFile }>();
  private readonly subscription = vscode.workspace.onDidCloseTextDocument((document) =>
    this.cache.delete(document.uri.toString()),
  );

  /** The parse of the document's current version. Never throws (the parser reports problems as diagnostics). */
  get(document: vscode.TextDocument): ParsedWsFile {
    const key = document.uri.toString();
    const hit = this.cache.get(key);
    if (hit && hit.version === document.version) return hit.parsed;
    const parsed = parseWsFile(document.getText());
    this.cache.set(key, { version: document.version, parsed });
    return parsed;
  }

  dispose(): void {
    this.subscription.dispose();
    this.cache.clear();
  }
}

/** A core range (0-based, `endLine` inclusive, `endCol` exclusive) as a `vscode.Range`. */
export function toRange(range: CoreRange): vscode.Range {
  const startLine = Math.max(0, range.startLine);
  const startCol = Math.max(0, range.startCol);
  const endLine = Math.max(startLine, range.endLine);
  const endCol = endLine === startLine ? Math.max(startCol, range.endCol) : Math.max(0, range.endCol);
  return new vscode.Range(startLine, startCol, endLine, endCol);
}

/** Whole lines (both ends inclusive) as a range from the first line's start to the last line's end. */
export function spanToRange(document: vscode.TextDocument, span: LineSpan): vscode.Range {
  const last = Math.max(0, document.lineCount - 1);
  const startLine = Math.min(Math.max(0, span.startLine), last);
  const endLine = Math.min(Math.max(startLine, span.endLine), last);
  return new vscode.Range(startLine, 0, endLine, document.lineAt(endLine).text.length);
}
