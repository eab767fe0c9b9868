import * as vscode from 'vscode';
import { COMPLETION_TRIGGERS, WsCompletionProvider } from './completion';
import { WsDiagnostics } from './diagnostics';
import { WS_SELECTOR, WsDocuments } from './documentCache';
import { EnvironmentPicker } from './environment';
import { WsHoverProvider } from './hover';
import { WsDocumentSymbolProvider, WsFoldingRangeProvider } from './symbols';

/**
 * Registers the editor features of `.ws` files (language `ws-request`): the parse cache, the
 * environment picker (command `websocketInspector.selectEnvironment` and its status bar item),
 * diagnostics, completion, Outline symbols, folding and handshake hovers. Everything is disposed
 * with the extension. Returns the cache and the picker for CodeLens and the Connect/Run commands.
 */
export function registerWsLanguageFeatures(context: vscode.ExtensionContext): {
  documents: WsDocuments;
  environments: EnvironmentPicker;
} {
  const documents = new WsDocuments();
  const environments = new EnvironmentPicker(context);
  context.subscriptions.push(
    documents,
    environments,
    new WsDiagnostics(documents, environments),
    vscode.languages.registerCompletionItemProvider(
      WS_SELECTOR,
      new WsCompletionProvider(documents, environments),
      ...COMPLETION_TRIGGERS,
    ),
    vscode.languages.registerDocumentSymbolProvider(WS_SELECTOR, new WsDocumentSymbolProvider(documents), {
      label: 'WebSocket requests',
    }),
    vscode.languages.registerFoldingRangeProvider(WS_SELECTOR, new WsFoldingRangeProvider(documents)),
    vscode.languages.registerHoverProvider(WS_SELECTOR, new WsHoverProvider(documents, environments)),
  );
  return { documents, environments };
}
