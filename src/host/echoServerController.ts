import * as vscode from 'vscode';
import { EchoServer } from '../core/echoServer';

const RUNNING_CONTEXT = 'websocketInspector.echoServerRunning';

/** The built-in local echo server: start, stop, and a status bar item that shows and copies its URL. */
export class EchoServerController implements vscode.Disposable {
  private server: EchoServer | undefined;
  private starting: Promise<EchoServer> | undefined;
  private readonly item = vscode.window.createStatusBarItem(
    'websocketInspector.echoServer',
    vscode.StatusBarAlignment.Right,
    100,
  );

  constructor(private readonly log: vscode.LogOutputChannel) {
    this.item.name = 'WebSocket Echo Server';
    this.item.command = 'websocketInspector.copyEchoServerUrl';
  }

  get url(): string | undefined {
    return this.server?.url;
  }

  /** Starts the server on the configured port (0: a free one), or returns the running one. */
  async start(): Promise<string> {
    if (this.server) return this.server.url;
    if (!this.starting) {
      const port = vscode.workspace.getConfiguration('websocketInspector').get<number>('echoServer.port', 0);
      this.starting = EchoServer.start({ port });
    }
    try {
      this.server = await this.starting;
    } finally {
      this.starting = undefined;
    }
    const url = this.server.url;
    this.log.info(`Local echo server listening on ${url}`);
    this.item.text = `$(radio-tower) ${url}`;
    this.item.tooltip = `WebSocket echo server on ${url}: sends every message back. Click to copy the URL.`;
    this.item.show();
    await vscode.commands.executeCommand('setContext', RUNNING_CONTEXT, true);
    return url;
  }

  async stop(): Promise<void> {
    const server = this.server;
    this.server = undefined;
    this.item.hide();
    await vscode.commands.executeCommand('setContext', RUNNING_CONTEXT, false);
    if (server) {
      await server.close();
      this.log.info(`Local echo server on ${server.url} stopped`);
    }
  }

  dispose(): void {
    void this.stop();
    this.item.dispose();
  }
}
