import * as vscode from 'vscode';
import type { EnvDiagnostic } from '../../core/wsfile/env';
import type { Diagnostic as CoreDiagnostic, Severity } from '../../core/wsfile/types';
import { findUnresolvedVariables } from '../../core/wsfile/variables';
import { findMissingFiles } from '../../core/wsfile/files';
import { dirname } from 'node:path';
import { scriptDiagnostics } from '../../core/scripts/diagnostics';
import { hasScripts } from '../../core/scripts/runScripts';
import { isWsDocument, toRange, type WsDocuments } from './documentCache';
import type { EnvironmentPicker } from './environment';

/** Name of the diagnostic collection (also the owner shown in the Problems view). */
export const DIAGNOSTIC_COLLECTION = 'websocket-inspector';
/** `source` of every diagnostic we publish. */
export const DIAGNOSTIC_SOURCE = 'WebSocket Inspector';
/** Quiet time after the last keystroke before a document is checked again. */
const DEBOUNCE_MS = 250;

const SEVERITY: Record<Severity, vscode.DiagnosticSeverity> = {
  error: vscode.DiagnosticSeverity.Error,
  warning: vscode.DiagnosticSeverity.Warning,
  info: vscode.DiagnosticSeverity.Information,
};

export function toVscodeDiagnostic(d: CoreDiagnostic): vscode.Diagnostic {
  const diagnostic = new vscode.Diagnostic(
    toRange(d.range),
    d.message,
    SEVERITY[d.severity] ?? vscode.DiagnosticSeverity.Error,
  );
  diagnostic.source = DIAGNOSTIC_SOURCE;
  diagnostic.code = d.code;
  return diagnostic;
}

/**
 * Problems in `.ws` documents as you type: the parser's diagnostics plus variables that would not
 * resolve with the selected environment. Checked on open, debounced on change, cleared on close,
 * and re-checked when the environment, its files or the workspace trust change. JSON problems in
 * environment files are published on those files while a `.ws` document that uses them is open.
 */
export class WsDiagnostics implements vscode.Disposable {
  private readonly collection = vscode.languages.createDiagnosticCollection(DIAGNOSTIC_COLLECTION);
  private readonly timers = new Map<string, NodeJS.Timeout>();
  /** Environment-file problems each open `.ws` document saw, keyed by document URI. */
  private readonly envByDocument = new Map<string, EnvDiagnostic[]>();
  /** Environment files that currently carry our diagnostics. */
  private readonly envFilesShown = new Set<string>();
  private readonly disposables: vscode.Disposable[] = [];

  constructor(
    private readonly documents: WsDocuments,
    private readonly environments: EnvironmentPicker,
  ) {
    this.disposables.push(
      this.collection,
      vscode.workspace.onDidOpenTextDocument((document) => {
        if (isWsDocument(document)) this.update(document);
      }),
      vscode.workspace.onDidChangeTextDocument((event) => {
        if (isWsDocument(event.document) && event.contentChanges.length > 0) this.schedule(event.document);
      }),
      vscode.workspace.onDidCloseTextDocument((document) => this.forget(document)),
      environments.onDidChange(() => this.updateAll()),
      vscode.workspace.onDidGrantWorkspaceTrust(() => this.updateAll()),
    );
    this.updateAll();
  }

  /** Checks a document now (cancelling a pending debounced check). */
  update(document: vscode.TextDocument): void {
    const key = document.uri.toString();
    this.cancel(key);
    if (document.isClosed || !isWsDocument(document)) return;
    const parsed = this.documents.get(document);
    const env = this.environments.contextFor(document);
    const unresolved = findUnresolvedVariables(document.getText(), parsed, {
      environment: env.environment,
      environmentName: env.environmentName,
      allowProcessEnv: vscode.workspace.isTrusted,
    });
    const missing =
      document.uri.scheme === 'file'
        ? findMissingFiles(parsed, document.getText().split(/\r?\n/), dirname(document.uri.fsPath))
        : [];
    const found = [...parsed.diagnostics, ...unresolved, ...missing];
    this.collection.set(document.uri, found.map(toVscodeDiagnostic));
    this.envByDocument.set(key, env.envDiagnostics);
    this.publishEnvDiagnostics();
    // Script syntax errors, before anything connects: QuickJS compiles (never runs) the scripts, so it is loaded only for files that have some.
    if (document.uri.scheme !== 'file' || !parsed.requests.some(hasScripts)) return;
    const version = document.version;
    void scriptDiagnostics(
      parsed,
      document.getText().split(/\r?\n/),
      dirname(document.uri.fsPath),
      vscode.workspace.getWorkspaceFolder(document.uri)?.uri.fsPath,
    ).then(
      (scripts) => {
        if (!scripts.length || document.isClosed || document.version !== version) return;
        this.collection.set(document.uri, [...found, ...scripts].map(toVscodeDiagnostic));
      },
      () => undefined,
    );
  }

  dispose(): void {
    for (const timer of this.timers.values()) clearTimeout(timer);
    this.timers.clear();
    this.envByDocument.clear();
    this.envFilesShown.clear();
    for (const d of this.disposables.splice(0)) d.dispose();
  }

  private schedule(document: vscode.TextDocument): void {
    const key = document.uri.toString();
    this.cancel(key);
    this.timers.set(
      key,
      setTimeout(() => {
        this.timers.delete(key);
        this.update(document);
      }, DEBOUNCE_MS),
    );
  }

  private cancel(key: string): void {
    const timer = this.timers.get(key);
    if (timer) clearTimeout(timer);
    this.timers.delete(key);
  }

  private forget(document: vscode.TextDocument): void {
    const key = document.uri.toString();
    this.cancel(key);
    if (!this.envByDocument.has(key) && !this.collection.has(document.uri)) return;
    this.collection.delete(document.uri);
    this.envByDocument.delete(key);
    this.publishEnvDiagnostics();
  }

  private updateAll(): void {
    for (const document of vscode.workspace.textDocuments) {
      if (isWsDocument(document)) this.update(document);
    }
  }

  /** One set of diagnostics per environment file (every document using it saw the same file). */
  private publishEnvDiagnostics(): void {
    const byFile = new Map<string, EnvDiagnostic[]>();
    for (const list of this.envByDocument.values()) {
      const seen = new Set<string>();
      for (const d of list) {
        if (byFile.has(d.file) && !seen.has(d.file)) continue; // Already taken from another document.
        seen.add(d.file);
        const forFile = byFile.get(d.file) ?? [];
        forFile.push(d);
        byFile.set(d.file, forFile);
      }
    }
    for (const file of this.envFilesShown) {
      if (!byFile.has(file)) this.collection.delete(vscode.Uri.file(file));
    }
    this.envFilesShown.clear();
    for (const [file, list] of byFile) {
      this.collection.set(vscode.Uri.file(file), list.map(toVscodeDiagnostic));
      this.envFilesShown.add(file);
    }
  }
}
