import { readFile, writeFile } from 'node:fs/promises';
import { basename } from 'node:path';
import * as vscode from 'vscode';
import { exportAsWsFile, exportMessagesJsonl } from '../../core/sessions/exportWs';
import { serializeSession } from '../../core/sessions/format';
import { exportHar, importHar } from '../../core/sessions/har';
import type { SessionHistory } from '../../core/sessions/history';
import { InspectorPanel, type InspectorEnv } from '../inspectorPanel';
import { loadShown, pickSession, type Target } from './pick';

/** **Import HAR…** into the history, and **Export Session…** as HAR, a `.ws` file or JSON Lines. */
export class HarCommands {
  constructor(
    private readonly history: SessionHistory,
    private readonly env: () => InspectorEnv,
    private readonly track: (panel: InspectorPanel) => InspectorPanel,
    private readonly log: vscode.LogOutputChannel,
    /** Fired when the history gained a recording. */
    private readonly changed: vscode.EventEmitter<void>,
  ) {}

  async importHarFile(): Promise<void> {
    const picked = await vscode.window.showOpenDialog({
      filters: { HAR: ['har', 'json'] },
      openLabel: 'Import',
      title: 'Import WebSocket messages from a HAR file',
    });
    if (!picked?.[0]) return;
    const result = importHar(await readFile(picked[0].fsPath, 'utf8'));
    if ('error' in result) throw new Error(`${basename(picked[0].fsPath)}: ${result.error}`);
    if (result.entries.length === 0) throw new Error(`${basename(picked[0].fsPath)} holds no WebSocket connection.`);
    let entry = result.entries[0];
    if (result.entries.length > 1) {
      const choice = await vscode.window.showQuickPick(
        result.entries.map((e) => ({
          label: e.url,
          description: `${e.messageCount} messages`,
          detail: e.startedAt,
          entry: e,
        })),
        { title: 'This HAR holds several WebSocket connections: pick one' },
      );
      if (!choice) return;
      entry = choice.entry;
    }
    const path = this.history.newPath(entry.url);
    await writeFile(path, serializeSession(entry.session));
    this.changed.fire();
    for (const notice of result.notices) this.log.info(notice);
    this.track(InspectorPanel.openRecording(this.env(), entry.session, `${basename(picked[0].fsPath)} (HAR)`));
  }

  async export(target?: Target): Promise<void> {
    const uri = await pickSession(this.history, target, 'Export');
    if (!uri) return;
    const session = await loadShown(uri);
    if (!session) return;
    const format = await vscode.window.showQuickPick(
      [
        {
          label: 'HAR',
          description: 'loads in Chrome devtools Network panel',
          ext: 'har',
          make: () => JSON.stringify(exportHar(session), null, 2),
        },
        {
          label: '.ws request file',
          description: 'the request and its sent messages as a script',
          ext: 'ws',
          make: () => exportAsWsFile(session),
        },
        {
          label: '.ws test',
          description: 'the sent messages, each server answer an === expect line (Replay: Ignore Paths left out)',
          ext: 'ws',
          make: () =>
            exportAsWsFile(session, undefined, {
              asTest: {
                ignore: vscode.workspace.getConfiguration('websocketInspector.replay').get<string[]>('ignorePaths', []),
              },
            }),
        },
        { label: 'JSON Lines', description: 'messages only', ext: 'jsonl', make: () => exportMessagesJsonl(session) },
      ],
      { title: 'Export the session as' },
    );
    if (!format) return;
    const folder = vscode.workspace.workspaceFolders?.[0]?.uri;
    const name = basename(uri.fsPath).replace(/\.wslog$/, `.${format.ext}`);
    const dest = await vscode.window.showSaveDialog({
      defaultUri: folder ? vscode.Uri.joinPath(folder, name) : undefined,
      saveLabel: 'Export',
    });
    if (!dest) return;
    await writeFile(dest.fsPath, format.make());
    void vscode.window.showInformationMessage(`Exported ${vscode.workspace.asRelativePath(dest)}.`);
  }
}
