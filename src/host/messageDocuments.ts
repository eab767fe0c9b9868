import * as vscode from 'vscode';
import { hexDump } from '../shared/hexDump';

/** The URI scheme of read-only message bodies opened from the inspector. */
export const MESSAGE_SCHEME = 'websocket-message';
/** Bodies kept for open documents; the oldest is dropped past this. */
const MAX_DOCUMENTS = 20;

/**
 * Serves message bodies as read-only documents, so a 50 MB message opens in an editor tab
 * (with search, folding and JSON highlighting) instead of choking the webview.
 */
export class MessageDocuments implements vscode.TextDocumentContentProvider, vscode.Disposable {
  private readonly bodies = new Map<string, string>();
  private next = 1;
  private readonly registration = vscode.workspace.registerTextDocumentContentProvider(MESSAGE_SCHEME, this);

  provideTextDocumentContent(uri: vscode.Uri): string {
    return this.bodies.get(uri.toString()) ?? 'This message is no longer kept. Open it again from the inspector.';
  }

  /** Opens `payload` in a read-only tab titled after the message. */
  async open(title: string, kind: string, payload: Buffer): Promise<void> {
    const text = kind === 'binary' ? hexDump(payload) : payload.toString('utf8');
    const json = kind === 'text' && looksLikeJson(text);
    const pretty = json ? prettyJson(text) : text;
    const name = `${title.replace(/[\\/:*?"<>|]/g, '_')}.${json ? 'json' : 'txt'}`;
    const uri = vscode.Uri.from({ scheme: MESSAGE_SCHEME, path: `/${this.next++}/${name}` });
    this.bodies.set(uri.toString(), pretty);
    while (this.bodies.size > MAX_DOCUMENTS) this.bodies.delete(this.bodies.keys().next().value as string);
    const doc = await vscode.workspace.openTextDocument(uri);
    await vscode.window.showTextDocument(doc, { preview: true, viewColumn: vscode.ViewColumn.Beside });
  }

  dispose(): void {
    this.registration.dispose();
    this.bodies.clear();
  }
}

function looksLikeJson(text: string): boolean {
  const t = text.trimStart();
  return t.startsWith('{') || t.startsWith('[');
}

function prettyJson(text: string): string {
  try {
    return JSON.stringify(JSON.parse(text), null, 2);
  } catch {
    return text;
  }
}
