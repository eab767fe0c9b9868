import { basename } from 'node:path';
import * as vscode from 'vscode';
import type { Session } from '../../core/sessions/format';
import type { SessionHistory } from '../../core/sessions/history';
import { loadSession } from '../../core/sessions/load';
import { shortTitle } from '../../core/url';
import { SessionItem } from './sessionsTree';

/** What a sessions command is run on: a clicked item, a file, or nothing (then the user picks). */
export type Target = SessionItem | vscode.Uri | undefined;

/** The recording a command is about: the clicked item, a file, or one the user picks. */
export async function pickSession(
  history: SessionHistory,
  target: Target,
  verb: string,
): Promise<vscode.Uri | undefined> {
  if (target instanceof SessionItem) return vscode.Uri.file(target.entry.file);
  if (target instanceof vscode.Uri) return target;
  const entries = await history.list();
  const items: Array<vscode.QuickPickItem & { uri?: vscode.Uri }> = entries.map((e) => ({
    label: shortTitle(e.url),
    description: `${new Date(e.startedAt).toLocaleString()} · ${e.messages} messages`,
    uri: vscode.Uri.file(e.file),
  }));
  items.push({ label: '$(folder-opened) Open a .wslog file…' });
  const choice = await vscode.window.showQuickPick(items, { title: `${verb}: which session?` });
  if (!choice) return undefined;
  if (choice.uri) return choice.uri;
  const picked = await vscode.window.showOpenDialog({
    filters: { 'WebSocket sessions': ['wslog'] },
    openLabel: verb,
  });
  return picked?.[0];
}

/** Loads a recording; what is wrong with it (or was repaired) is shown as a notification. */
export async function loadShown(uri: vscode.Uri): Promise<Session | undefined> {
  const result = await loadSession(uri.fsPath);
  if ('error' in result) {
    void vscode.window.showErrorMessage(`${basename(uri.fsPath)}: ${result.error}`);
    return undefined;
  }
  for (const notice of result.notices) void vscode.window.showWarningMessage(`${basename(uri.fsPath)}: ${notice}`);
  return result;
}

/** A recording's tab title: where (host and path, cut in the middle past 28 characters) and when it started. */
export function recordingTitle(session: Session): string {
  const where = shortTitle(session.header.url);
  const short = where.length > 28 ? `${where.slice(0, 14)}…${where.slice(-13)}` : where;
  const started = new Date(session.header.startedAt);
  const pad = (n: number) => String(n).padStart(2, '0');
  const when = Number.isNaN(started.getTime()) ? '' : ` ${pad(started.getHours())}:${pad(started.getMinutes())}`;
  return `${short}${when} (recording)`;
}

/** The label of a recording in its panel's header (the tab title is `recordingTitle`). */
export function labelFor(uri: vscode.Uri, session: Session): string {
  return `${shortTitle(session.header.url)} · ${basename(uri.fsPath)}`;
}
