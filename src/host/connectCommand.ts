import * as vscode from 'vscode';
import { checkConnectUrl } from '../core/url';

const RECENT_KEY = 'websocketInspector.recentUrls';

/** The URLs used lately, newest first, kept in global state. */
export class RecentUrls {
  constructor(private readonly memento: vscode.Memento) {}

  list(): string[] {
    const value = this.memento.get<unknown>(RECENT_KEY, []);
    return Array.isArray(value) ? value.filter((v): v is string => typeof v === 'string') : [];
  }

  async add(url: string): Promise<void> {
    const max = vscode.workspace.getConfiguration('websocketInspector').get<number>('recentUrls.max', 20);
    const next = [url, ...this.list().filter((u) => u !== url)].slice(0, Math.max(0, max));
    await this.memento.update(RECENT_KEY, next);
  }
}

/**
 * Asks for a WebSocket URL: recent URLs (and the echo server's) are offered first, anything
 * typed is checked as it is typed; ws:// and wss:// open WebSocket, http(s):// opens Socket.IO.
 */
export function askForUrl(recent: string[], echoUrl: string | undefined): Promise<string | undefined> {
  const pick = vscode.window.createQuickPick<vscode.QuickPickItem>();
  pick.title = 'WebSocket: Connect';
  pick.placeholder = 'ws://host:port/path, wss://host/path, or http://host:port for Socket.IO';
  pick.matchOnDescription = true;
  const offered: vscode.QuickPickItem[] = [];
  if (echoUrl) offered.push({ label: echoUrl, description: 'local echo server' });
  for (const url of recent) if (url !== echoUrl) offered.push({ label: url, description: 'recent' });
  const typedItem = (value: string): vscode.QuickPickItem[] => {
    if (!value.trim() || offered.some((o) => o.label === value.trim())) return [];
    const check = checkConnectUrl(value);
    return [
      {
        label: value.trim(),
        description: check.ok
          ? check.socketIo
            ? 'connect with Socket.IO (type ws:// for plain WebSocket)'
            : 'connect'
          : undefined,
        detail: check.ok ? undefined : `$(error) ${check.message}`,
      },
    ];
  };
  pick.items = offered;
  return new Promise((resolve) => {
    let done = false;
    const finish = (value: string | undefined) => {
      if (done) return;
      done = true;
      resolve(value);
      pick.dispose();
    };
    pick.onDidChangeValue((value) => {
      pick.items = [...typedItem(value), ...offered];
    });
    pick.onDidAccept(() => {
      const chosen = pick.selectedItems[0]?.label ?? pick.value;
      const check = checkConnectUrl(chosen);
      if (!check.ok) {
        void vscode.window.showErrorMessage(check.message);
        return;
      }
      finish(check.url);
    });
    pick.onDidHide(() => finish(undefined));
    pick.show();
  });
}
