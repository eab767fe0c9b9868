import * as vscode from 'vscode';
import type { ConnectionRecipe } from '../core/protocols';
import { isLoopback, Relay, type RelayConnection } from '../core/relay';
import { checkWebSocketUrl, shortTitle } from '../core/url';
import type { InspectorPanel } from './inspectorPanel';

/** Opens an inspector panel on a relayed connection that is already open (the composition root tracks it). */
export type AdoptPanel = (connection: RelayConnection, title: string, note: string) => InspectorPanel;

/**
 * WebSocket: Start Relay… and Stop Relay. The relay listens on 127.0.0.1 (another address only by
 * the setting `websocketInspector.relay.host`, after a warning) and forwards each client connection
 * to the target; each one opens its own inspector panel with both directions, recorded like any
 * session. A status bar item shows where it listens; clicking it stops the relay.
 */
export class RelayController implements vscode.Disposable {
  private relay: Relay | undefined;
  private readonly item = vscode.window.createStatusBarItem(vscode.StatusBarAlignment.Left, 99);
  private readonly disposables: vscode.Disposable[] = [];

  constructor(
    private readonly connectionOptions: (url: string) => ConnectionRecipe,
    private readonly adopt: AdoptPanel,
    private readonly log: vscode.LogOutputChannel,
  ) {
    this.item.command = 'websocketInspector.stopRelay';
    this.disposables.push(
      this.item,
      vscode.commands.registerCommand('websocketInspector.startRelay', (target?: string, port?: number) =>
        this.startFromCommand(target, port),
      ),
      vscode.commands.registerCommand('websocketInspector.stopRelay', () => this.stop()),
    );
  }

  /** The relay's ws:// address while it runs. */
  get url(): string | undefined {
    const port = this.relay?.port;
    return port === undefined ? undefined : `ws://${this.relay!.options.host ?? '127.0.0.1'}:${port}`;
  }

  private async startFromCommand(target?: string, port?: number): Promise<string | undefined> {
    const url =
      target ??
      (await vscode.window.showInputBox({
        title: 'Start Relay: the server your app connects to',
        prompt: 'ws:// or wss:// URL of the real server; point your app at the relay instead',
        placeHolder: 'wss://api.example.com/socket',
        validateInput: (v) => {
          const check = checkWebSocketUrl(v);
          return check.ok ? undefined : check.message;
        },
      }));
    if (!url) return undefined;
    const config = vscode.workspace.getConfiguration('websocketInspector.relay');
    const listen = port ?? config.get<number>('port', 0);
    const host = config.get<string>('host', '127.0.0.1');
    if (!isLoopback(host)) {
      const ok = await vscode.window.showWarningMessage(
        `The relay will listen on ${host}: anyone who can reach this machine can connect through it to ${shortTitle(url)}.`,
        { modal: true },
        'Listen on the network',
      );
      if (ok !== 'Listen on the network') return undefined;
    }
    try {
      const address = await this.start(url, listen, host);
      void vscode.window
        .showInformationMessage(
          `Relay listening on ${address} → ${url}. Point your app at ${address}; each connection opens an inspector.`,
          'Copy Address',
        )
        .then((c) => c && vscode.env.clipboard.writeText(address));
      return address;
    } catch (err) {
      void vscode.window.showErrorMessage(`The relay did not start: ${(err as Error).message}`);
      return undefined;
    }
  }

  /** Starts the relay (stopping one that runs); resolves with its ws:// address. */
  async start(target: string, listen = 0, host = '127.0.0.1'): Promise<string> {
    const check = checkWebSocketUrl(target);
    if (!check.ok) throw new Error(check.message);
    await this.stop();
    const { url: _url, ...options } = this.connectionOptions(target);
    const relay = new Relay({ ...options, listen, host, target });
    relay.onConnection((connection) => {
      const path = /^\S+ (\S+)/.exec(connection.clientRequest.requestLine)?.[1] ?? '/';
      const from = connection.clientAddress;
      // Adopted here, in the event: the panel hears every message from the first.
      this.adopt(connection, `relay ${path}`, `Relayed from ${from} to ${connection.options.url}`);
      this.log.info(`Relay: ${from} → ${connection.options.url}`);
      this.update();
    });
    relay.onConnectionEnd(() => this.update());
    relay.onRefused((r) => this.log.warn(`Relay: ${r.clientAddress ?? 'a client'} refused: ${r.message}`));
    await relay.start();
    this.relay = relay;
    this.update();
    this.log.info(`Relay listening on ${this.url} → ${target}`);
    return this.url!;
  }

  async stop(): Promise<void> {
    const relay = this.relay;
    this.relay = undefined;
    this.item.hide();
    if (relay) {
      await relay.stop();
      this.log.info('Relay stopped');
    }
  }

  private update(): void {
    const relay = this.relay;
    if (!relay) return;
    const { live, ended } = relay.counts;
    this.item.text = `$(arrow-swap) ${this.url} → ${shortTitle(relay.options.target)} (${live} live)`;
    this.item.tooltip = `Relay to ${relay.options.target}: ${live} live, ${ended} ended connection${ended === 1 ? '' : 's'}. Click to stop it.`;
    this.item.show();
  }

  dispose(): void {
    void this.stop();
    for (const d of this.disposables.splice(0)) d.dispose();
  }
}
