import { basename } from 'node:path';
import type * as vscode from 'vscode';
import { InspectorPanel, type InspectorEnv } from '../inspectorPanel';
import { loadShown } from './pick';

/** The view type of the read-only `.wslog` editor. */
export const SESSION_EDITOR_VIEW_TYPE = 'websocketInspector.sessionFile';

/** Opens `.wslog` files read-only in the inspector. */
export class SessionEditor implements vscode.CustomReadonlyEditorProvider {
  constructor(
    private readonly env: () => InspectorEnv,
    private readonly track: (panel: InspectorPanel) => InspectorPanel,
  ) {}

  openCustomDocument(uri: vscode.Uri): vscode.CustomDocument {
    return { uri, dispose: () => undefined };
  }

  async resolveCustomEditor(document: vscode.CustomDocument, panel: vscode.WebviewPanel): Promise<void> {
    const session = await loadShown(document.uri);
    if (!session) {
      panel.webview.html = `<!DOCTYPE html><html><body><p>${escapeHtml(`${basename(document.uri.fsPath)} could not be opened. See the notification for why.`)}</p></body></html>`;
      return;
    }
    this.track(
      InspectorPanel.openRecording(this.env(), session, basename(document.uri.fsPath), panel, document.uri.fsPath),
    );
  }
}

function escapeHtml(text: string): string {
  return text.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);
}
