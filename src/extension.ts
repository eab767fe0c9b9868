import * as vscode from 'vscode';
import type { ConnectionRecipe } from './core/protocols';
import type { InspectorHandle, WebSocketInspectorApi } from './host/api';
import { askForUrl, askFraming, RecentUrls } from './host/connectCommand';
import { askPassphrase, connectionDefaults, PASSPHRASE_KEY } from './host/connectionSettings';
import { EchoServerController } from './host/echoServerController';
import { RelayController } from './host/relayController';
import { INSPECTOR_VIEW_TYPE, InspectorPanel, restoredState, type InspectorEnv } from './host/inspectorPanel';
import { SessionsController } from './host/sessions/sessionsController';
import { MessageDocuments } from './host/messageDocuments';
import { ProtobufWorkspace } from './host/protobufWorkspace';
import { registerWsLanguageFeatures } from './host/wsfile/languageFeatures';
import { RequestCommands } from './host/wsfile/requestCommands';
import { WsTestExplorer } from './host/wsfile/testExplorer';

/** The composition root: wires commands, the echo server and inspector panels. Nothing else. */
export function activate(context: vscode.ExtensionContext): WebSocketInspectorApi {
  const log = vscode.window.createOutputChannel('WebSocket Inspector', { log: true });
  const echo = new EchoServerController(log);
  const recent = new RecentUrls(context.globalState);
  const inspectors = new Set<InspectorPanel>();
  const documents = new MessageDocuments();
  context.subscriptions.push(log, echo, documents, { dispose: () => inspectors.forEach((i) => i.dispose()) });

  // The client certificate's passphrase lives in secret storage; a copy is kept for synchronous use.
  let passphrase: string | undefined;
  const loadPassphrase = () => context.secrets.get(PASSPHRASE_KEY).then((v) => (passphrase = v));
  void loadPassphrase();
  context.subscriptions.push(context.secrets.onDidChange((e) => e.key === PASSPHRASE_KEY && void loadPassphrase()));
  const connectionOptions = (url: string): ConnectionRecipe => connectionDefaults(url, passphrase);

  const track = (inspector: InspectorPanel): InspectorPanel => {
    inspectors.add(inspector);
    inspector.onDidDispose(() => inspectors.delete(inspector));
    return inspector;
  };

  const payloads = new ProtobufWorkspace(context.workspaceState, log);
  context.subscriptions.push(payloads);
  const env: InspectorEnv = {
    extensionUri: context.extensionUri,
    log,
    documents,
    payloads,
    onConnecting: (panel, connection) => sessions.record(panel, connection),
    onReplay: (panel) => void sessions.replay(panel, true),
  };
  const sessions = new SessionsController(context.globalStorageUri, () => env, track, log, connectionOptions);
  context.subscriptions.push(sessions);

  const connect = (url: string, options: { protocol?: string; framing?: string } = {}): InspectorHandle => {
    void recent.add(url);
    const recipe = connectionOptions(url);
    return track(
      InspectorPanel.open(env, {
        ...recipe,
        ...(options.protocol ? { protocol: options.protocol } : {}),
        ...(options.framing ? { framing: options.framing } : {}),
      }),
    );
  };

  const { environments } = registerWsLanguageFeatures(context);
  const requests = new RequestCommands(
    environments,
    connectionOptions,
    (options, source, secrets) => track(InspectorPanel.open(env, options, source, secrets)),
    log,
    () => echo.url,
  );
  context.subscriptions.push(requests);
  const relay = new RelayController(
    connectionOptions,
    (connection, title, note) => track(InspectorPanel.adoptOpen(env, connection, title, note)),
    log,
  );
  context.subscriptions.push(relay);
  const tests = new WsTestExplorer(requests);
  context.subscriptions.push(tests);

  const startEcho = async (): Promise<string | undefined> => {
    try {
      const url = await echo.start();
      void vscode.window
        .showInformationMessage(`Local echo server listening on ${url}`, 'Connect', 'Copy URL')
        .then((choice) => {
          if (choice === 'Connect') connect(url);
          if (choice === 'Copy URL') void vscode.env.clipboard.writeText(url);
        });
      return url;
    } catch (err) {
      void vscode.window.showErrorMessage((err as Error).message);
      return undefined;
    }
  };

  context.subscriptions.push(
    vscode.commands.registerCommand('websocketInspector.connect', async (urlArg?: unknown) => {
      const choice = typeof urlArg === 'string' ? { url: urlArg } : await askForUrl(recent.list(), echo.url);
      if (!choice) return;
      if (/^(tcp|tls):/i.test(choice.url)) {
        // A stream has no messages: the user says how to cut it.
        const framing = await askFraming();
        if (framing) connect(choice.url, { framing });
        return;
      }
      connect(choice.url, choice);
    }),
    vscode.commands.registerCommand('websocketInspector.startEchoServer', startEcho),
    vscode.commands.registerCommand('websocketInspector.stopEchoServer', () => echo.stop()),
    vscode.commands.registerCommand('websocketInspector.copyEchoServerUrl', async () => {
      if (!echo.url)
        return void vscode.window.showWarningMessage(
          'The local echo server is not running. Start it with "WebSocket: Start Local Echo Server".',
        );
      await vscode.env.clipboard.writeText(echo.url);
      vscode.window.setStatusBarMessage(`Copied ${echo.url}`, 3000);
    }),
    vscode.commands.registerCommand('websocketInspector.showLog', () => log.show()),
    vscode.commands.registerCommand('websocketInspector.setPassphrase', () => askPassphrase(context.secrets)),
    vscode.window.registerWebviewPanelSerializer(INSPECTOR_VIEW_TYPE, {
      deserializeWebviewPanel: async (panel, state) => {
        const saved = restoredState(state);
        if (saved.recordingFile && (await sessions.openInto(panel, saved.recordingFile))) return;
        const recorded = saved.recordedTo ? await sessions.read(saved.recordedTo) : undefined;
        const historyEnabled = vscode.workspace
          .getConfiguration('websocketInspector.history')
          .get<boolean>('enabled', true);
        const inspector = InspectorPanel.restore(panel, state, env, connectionOptions, recorded, historyEnabled);
        if (inspector) track(inspector);
      },
    }),
  );

  if (vscode.workspace.getConfiguration('websocketInspector').get<boolean>('echoServer.autoStart', false)) {
    echo.start().catch((err: Error) => log.error(err.message));
  }
  // Settings read once at start apply when they change, without a window reload. (Connection,
  // TLS, proxy and history.enabled settings are read at every connect; history limits by the controller.)
  context.subscriptions.push(
    vscode.workspace.onDidChangeConfiguration((e) => {
      const config = vscode.workspace.getConfiguration('websocketInspector');
      if (
        e.affectsConfiguration('websocketInspector.echoServer.autoStart') &&
        config.get<boolean>('echoServer.autoStart', false) &&
        !echo.url
      ) {
        echo.start().catch((err: Error) => log.error(err.message));
      }
      if (e.affectsConfiguration('websocketInspector.echoServer.port') && echo.url) {
        const port = config.get<number>('echoServer.port', 0);
        log.info(
          `websocketInspector.echoServer.port is now ${port}; the running echo server stays on ${echo.url} until it is stopped and started again.`,
        );
      }
    }),
  );

  return {
    startEchoServer: () => echo.start(),
    stopEchoServer: () => echo.stop(),
    get echoServerUrl() {
      return echo.url;
    },
    connect,
    startRelay: (target, port) => relay.start(target, port),
    stopRelay: () => relay.stop(),
    relayAddBreakpoint: (condition, direction) => relay.addBreakpoint(condition, direction),
    relayClearBreakpoints: () => relay.setBreakpoints([]),
    relayHeld: () => relay.heldMessages(),
    relayRelease: (key, how, payload) => relay.release(key, how, payload),
    inspectors: () => [...inspectors],
    sessions: () => sessions.list(),
    wsTests: () => ({ tree: tests.snapshot(), outcomes: Object.fromEntries(tests.outcomes) }),
  };
}

export function deactivate(): void {
  // Everything is in context.subscriptions.
}
