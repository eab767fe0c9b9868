import { randomBytes } from 'node:crypto';
import * as vscode from 'vscode';
import { inspectorPage } from './inspectorPage';

/** The folder the webview may load from: the webview bundle and nothing else. */
export function webviewRoot(extensionUri: vscode.Uri): vscode.Uri {
  return vscode.Uri.joinPath(extensionUri, 'dist', 'webview');
}

/** The inspector page for this webview, with a fresh cryptographic nonce. */
export function inspectorHtml(webview: vscode.Webview, extensionUri: vscode.Uri): string {
  const root = webviewRoot(extensionUri);
  return inspectorPage({
    cspSource: webview.cspSource,
    nonce: randomBytes(18).toString('base64'),
    asset: (name) => webview.asWebviewUri(vscode.Uri.joinPath(root, name)).toString(),
  });
}
