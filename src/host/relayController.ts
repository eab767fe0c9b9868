import * as vscode from 'vscode';
import type { ConnectionRecipe } from '../core/protocols';
import { isLoopback, Relay, type Breakpoint, type RelayConnection } from '../core/relay';
import type { Side } from '../core/transport';
import { askBreakpoint, breakpointMatch, decide, heldPreview, wayOf, type HeldView } from './relayBreakpoints';
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
  private breakpoints: Breakpoint[] = [];
  /** Messages breakpoints hold now, by "connection:message" id. */
  private readonly held = new Map<string, HeldView>();

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
      vscode.commands.registerCommand('websocketInspector.relayAddBreakpoint', async () => {
        const bp = await askBreakpoint(this.timeoutPolicy());
        if (bp) this.setBreakpoints([...this.breakpoints, bp]);
      }),
      vscode.commands.registerCommand('websocketInspector.relayClearBreakpoints', () => this.setBreakpoints([])),
      vscode.commands.registerCommand('websocketInspector.relayHeldMessages', async () => {
        const items = [...this.held.values()].map((v) => ({
          label: `${wayOf(v.message.direction)}: ${heldPreview(v.message).slice(0, 100)}`,
          description: v.connection.options.url,
          view: v,
        }));
        if (!items.length) return void vscode.window.showInformationMessage('The relay holds no message now.');
        const picked = await vscode.window.showQuickPick(items, { title: 'Held by relay breakpoints' });
        if (picked) await decide(picked.view);
      }),
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
    const relay = new Relay({ ...options, listen, host, target, breakpoints: this.breakpoints });
    relay.onConnection((connection) => {
      const path = /^\S+ (\S+)/.exec(connection.clientRequest.requestLine)?.[1] ?? '/';
      const from = connection.clientAddress;
      // Adopted here, in the event: the panel hears every message from the first.
      const panel = this.adopt(connection, `relay ${path}`, `Relayed from ${from} to ${connection.options.url}`);
      this.watchHolds(connection, panel);
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

  /** Breakpoints for new connections and every live one. */
  setBreakpoints(breakpoints: Breakpoint[]): void {
    this.breakpoints = breakpoints;
    this.relay?.setBreakpoints(breakpoints);
    this.log.info(`Relay breakpoints: ${breakpoints.map((b) => b.name ?? '?').join('; ') || 'none'}`);
    this.update();
  }

  /** Adds a breakpoint from its typed condition (as the command's input box takes it). */
  addBreakpoint(condition: string, direction?: Side): void {
    const match = breakpointMatch(condition, direction ? [direction] : []);
    this.setBreakpoints([...this.breakpoints, { match, name: condition, ...this.timeoutPolicy() }]);
  }

  /** What breakpoints hold now. */
  heldMessages(): Array<{ key: string; direction: Side; preview: string; url: string }> {
    return [...this.held.values()].map((v) => ({
      key: v.key,
      direction: v.message.direction,
      preview: heldPreview(v.message),
      url: v.connection.options.url,
    }));
  }

  /** Forwards (maybe edited) or drops a held message; false when it is no longer held. */
  release(key: string, how: 'forward' | 'drop', payload?: string): boolean {
    const v = this.held.get(key);
    if (!v) return false;
    return how === 'forward' ? v.connection.forward(v.message.id, payload) : v.connection.drop(v.message.id);
  }

  /** From the settings: how long a breakpoint holds a message, and what happens then. */
  private timeoutPolicy(): Pick<Breakpoint, 'timeoutMs' | 'onTimeout'> {
    const config = vscode.workspace.getConfiguration('websocketInspector.relay');
    const seconds = config.get<number>('breakpointTimeout', 60);
    const action = config.get<string>('breakpointTimeoutAction', 'forward') === 'drop' ? 'drop' : 'forward';
    return seconds > 0 ? { timeoutMs: seconds * 1000, onTimeout: action } : {};
  }

  /** Held and released messages as rows in the connection's panel, and a notification to decide. */
  private watchHolds(connection: RelayConnection, panel: InspectorPanel): void {
    connection.onHeld((message) => {
      const key = `${connection.id}:${message.id}`;
      const view = { key, connection, message };
      this.held.set(key, view);
      const preview = heldPreview(message);
      panel.note('info', `Held ${wayOf(message.direction)}: ${preview}`);
      const actions = message.kind === 'binary' ? ['Forward', 'Drop'] : ['Forward', 'Edit…', 'Drop'];
      void vscode.window
        .showInformationMessage(
          `Relay breakpoint held ${wayOf(message.direction)}: ${preview.slice(0, 120)}`,
          ...actions,
        )
        .then((choice) => {
          if (choice && this.held.has(key)) void decide(view, choice);
        });
    });
    connection.onReleased(({ id, release }) => {
      const key = `${connection.id}:${id}`;
      const view = this.held.get(key);
      this.held.delete(key);
      const way = view ? wayOf(view.message.direction) : '';
      if (release.how === 'forward')
        panel.note(
          'info',
          `Forwarded ${way}${release.edited ? ', edited' : ''}${release.byTimeout ? ' (the breakpoint timed out)' : ''}`,
        );
      else
        panel.note(
          'info',
          `Dropped ${way}${release.byTimeout ? ' (the breakpoint timed out)' : release.ended ? ': the connection ended while it was held' : ''}`,
        );
    });
  }

  private update(): void {
    const relay = this.relay;
    if (!relay) return;
    const { live, ended } = relay.counts;
    this.item.text = `$(arrow-swap) ${this.url} → ${shortTitle(relay.options.target)} (${live} live)`;
    const bps = this.breakpoints.length;
    this.item.tooltip = `Relay to ${relay.options.target}: ${live} live, ${ended} ended connection${ended === 1 ? '' : 's'}, ${bps} breakpoint${bps === 1 ? '' : 's'}. Click to stop it.`;
    this.item.show();
  }

  dispose(): void {
    void this.stop();
    for (const d of this.disposables.splice(0)) d.dispose();
  }
}
