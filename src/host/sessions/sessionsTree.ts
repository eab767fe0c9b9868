import * as vscode from 'vscode';
import type { HistoryEntry, SessionHistory } from '../../core/sessions/history';
import { maskUrl } from '../../core/mask';
import { shortTitle } from '../../core/url';

/** The **WebSocket Sessions** view: the recordings in the history, newest first, live ones marked. */
export class SessionsTree implements vscode.TreeDataProvider<SessionItem> {
  readonly onDidChangeTreeData: vscode.Event<void>;

  constructor(
    private readonly history: SessionHistory,
    /** The files whose connection is still connecting or open. */
    private readonly live: () => string[],
    changed: vscode.EventEmitter<void>,
  ) {
    this.onDidChangeTreeData = changed.event;
  }

  getTreeItem(item: SessionItem): vscode.TreeItem {
    return item;
  }

  async getChildren(): Promise<SessionItem[]> {
    const entries = await this.history.list().catch(() => [] as HistoryEntry[]);
    const live = new Set(this.live());
    return entries.map((e) => new SessionItem(e, live.has(e.file)));
  }
}

/** One recording in the Sessions view. */
export class SessionItem extends vscode.TreeItem {
  constructor(
    readonly entry: HistoryEntry,
    recording: boolean,
  ) {
    super(shortTitle(entry.url), vscode.TreeItemCollapsibleState.None);
    this.description = `${new Date(entry.startedAt).toLocaleString()} · ${entry.messages} messages${recording ? ' · recording' : ''}`;
    this.tooltip = `${maskUrl(entry.url)}\n${entry.file}\n${(entry.size / 1024).toFixed(1)} KB`;
    this.iconPath = new vscode.ThemeIcon(recording ? 'record' : 'history');
    this.contextValue = 'websocketSession';
    this.command = { command: 'websocketInspector.openSession', title: 'Open', arguments: [this] };
  }
}
