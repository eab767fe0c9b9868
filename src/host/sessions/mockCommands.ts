import * as vscode from 'vscode';
import type { TransportOptions } from '../../core/transport';
import type { SessionHistory } from '../../core/sessions/history';
import { serveSession } from '../../core/sessions/mockServer';
import { recordingProtocol } from '../../core/sessions/protocolPlay';
import type { ConnectionRecipe } from '../../core/protocols';
import { maskUrl } from '../../core/mask';
import { shortTitle } from '../../core/url';
import { InspectorPanel, type InspectorEnv } from '../inspectorPanel';
import { loadShown, pickSession, type Target } from './pick';

/** **Serve as Mock Server** and **Stop Mock Servers**: recordings played back on 127.0.0.1. */
export class MockCommands implements vscode.Disposable {
  private readonly mocks = new Set<{ url: string; close(): Promise<void> }>();

  constructor(
    private readonly history: SessionHistory,
    private readonly env: () => InspectorEnv,
    private readonly track: (panel: InspectorPanel) => InspectorPanel,
    private readonly log: vscode.LogOutputChannel,
    private readonly connectionOptions: (url: string) => TransportOptions,
  ) {}

  async serve(target?: Target): Promise<void> {
    const uri = await pickSession(this.history, target, 'Serve as Mock Server');
    if (!uri) return;
    const session = await loadShown(uri);
    if (!session) return;
    const mock = await serveSession(session, { host: '127.0.0.1', port: 0 });
    this.mocks.add(mock);
    this.log.info(`Mock server for ${maskUrl(session.header.url)} on ${mock.url}`);
    const choice = await vscode.window.showInformationMessage(
      `Mock server playing ${shortTitle(session.header.url)} on ${mock.url}.`,
      'Copy URL',
      'Connect',
      'Stop',
    );
    if (choice === 'Copy URL') await vscode.env.clipboard.writeText(mock.url);
    // The mock is on this machine: straight there, never through the configured proxy. A recording
    // that speaks a protocol is connected to with it, on its recorded path (/socket.io/?EIO=4…).
    if (choice === 'Connect') {
      const played = recordingProtocol(session);
      const url = played ? onRecordedPath(mock.url, session.header.url) : mock.url;
      const recipe: ConnectionRecipe = {
        ...this.connectionOptions(url),
        proxy: undefined,
        ...(played ? { protocol: played.protocol.id } : {}),
      };
      this.track(InspectorPanel.open(this.env(), recipe));
    }
    if (choice === 'Stop') {
      this.mocks.delete(mock);
      await mock.close();
    }
  }

  async stopMocks(): Promise<void> {
    const all = [...this.mocks];
    this.mocks.clear();
    await Promise.all(all.map((m) => m.close()));
  }

  dispose(): void {
    void this.stopMocks();
  }
}

/** The mock's URL with the recorded URL's path and query. */
function onRecordedPath(mockUrl: string, recorded: string): string {
  try {
    const r = new URL(recorded);
    return `${mockUrl}${r.pathname}${r.search}`;
  } catch {
    return mockUrl;
  }
}
