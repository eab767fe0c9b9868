import * as vscode from 'vscode';
import { PROTOCOL_CHOICES, PROTOCOLS } from '../core/protocols';
import { checkConnectUrl } from '../core/url';

/** A URL to connect to, and the protocol to speak when the user picked one. */
export interface ConnectChoice {
  url: string;
  protocol?: string;
}

type Item = vscode.QuickPickItem & { protocol?: string };

/** What Connect… offers to speak: each protocol once (GraphQL as the one that speaks either dialect). */
function offeredProtocols(): Array<{ id: string; label: string }> {
  const graphqlDialects = new Set(['graphql-transport-ws', 'graphql-ws']);
  const list = PROTOCOL_CHOICES.filter(
    (p) => !graphqlDialects.has(p.id) || !PROTOCOL_CHOICES.some((x) => x.id === 'graphql'),
  );
  // Detection order first (Socket.IO), then the rest as listed.
  return [...PROTOCOLS.filter((p) => list.includes(p)), ...list.filter((p) => !PROTOCOLS.includes(p))].map((p) => ({
    id: p.id,
    label: p.label,
  }));
}

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
export function askForUrl(recent: string[], echoUrl: string | undefined): Promise<ConnectChoice | undefined> {
  const pick = vscode.window.createQuickPick<Item>();
  pick.title = 'WebSocket: Connect';
  pick.placeholder = 'ws://host:port/path, wss://host/path, or http://host:port for Socket.IO';
  pick.matchOnDescription = true;
  const offered: Item[] = [];
  if (echoUrl) offered.push({ label: echoUrl, description: 'local echo server' });
  for (const url of recent) if (url !== echoUrl) offered.push({ label: url, description: 'recent' });
  const typedItem = (value: string): Item[] => {
    const url = value.trim();
    if (!url || offered.some((o) => o.label === url)) return [];
    const check = checkConnectUrl(value);
    if (!check.ok) return [{ label: url, detail: `$(error) ${check.message}` }];
    const first: Item = {
      label: url,
      description: check.socketIo ? 'connect with Socket.IO (type ws:// for plain WebSocket)' : 'connect',
    };
    // The same URL with each protocol spoken from the start (a ws:// URL of a GraphQL or STOMP server).
    const others = offeredProtocols()
      .filter((p) => !(check.socketIo && p.id === 'socket.io'))
      .map((p): Item => ({ label: url, description: `as ${p.label}`, protocol: p.id }));
    return [first, ...others];
  };
  pick.items = offered;
  return new Promise((resolve) => {
    let done = false;
    const finish = (value: ConnectChoice | undefined) => {
      if (done) return;
      done = true;
      resolve(value);
      pick.dispose();
    };
    pick.onDidChangeValue((value) => {
      pick.items = [...typedItem(value), ...offered];
    });
    pick.onDidAccept(() => {
      const item = pick.selectedItems[0];
      const chosen = item?.label ?? pick.value;
      const check = checkConnectUrl(chosen);
      if (!check.ok) {
        void vscode.window.showErrorMessage(check.message);
        return;
      }
      finish({ url: check.url, ...(item?.protocol ? { protocol: item.protocol } : {}) });
    });
    pick.onDidHide(() => finish(undefined));
    pick.show();
  });
}

/** How a raw TCP/TLS stream is cut into messages (the `# @framing` spellings); undefined when dismissed. */
export async function askFraming(): Promise<string | undefined> {
  const items: Array<vscode.QuickPickItem & { framing: string }> = [
    {
      label: 'Raw chunks',
      description: 'raw',
      detail: 'Each chunk as it arrives: TCP segmentation shows',
      framing: 'raw',
    },
    { label: 'Lines', description: 'lf', detail: 'A message per line ending in \\n', framing: 'lf' },
    {
      label: 'CRLF lines',
      description: 'crlf',
      detail: 'A message per line ending in \\r\\n (Redis, SMTP, HTTP/1)',
      framing: 'crlf',
    },
    { label: 'NUL-terminated', description: 'nul', detail: 'A message per \\0 (STOMP over TCP)', framing: 'nul' },
    {
      label: '4-byte length prefix',
      description: 'prefix=4be',
      detail: 'Big-endian length, not counting itself',
      framing: 'prefix=4be',
    },
    {
      label: '2-byte length prefix',
      description: 'prefix=2be',
      detail: 'Big-endian length, not counting itself',
      framing: 'prefix=2be',
    },
  ];
  const picked = await vscode.window.showQuickPick(items, {
    title: 'How are messages cut from the stream?',
    placeHolder: 'Framing (other ones, e.g. fixed=16 or prefix=4le+incl@2: # @framing in a .ws file)',
  });
  return picked?.framing;
}
