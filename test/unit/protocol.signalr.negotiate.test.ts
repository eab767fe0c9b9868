import assert from 'node:assert/strict';
import { createServer, type Socket } from 'node:net';
import { test } from 'node:test';
import * as signalR from '@microsoft/signalr';
import { openWith, signalr } from '../../src/core/protocols';
import type { TransportNote, TransportOptions } from '../../src/core/transport';
import { waitFor } from './helpers';
import { startHub, type HubOptions } from './protocol.signalr.hub';

// SignalR's negotiate request (TransportProtocols.md) before each WebSocket open, against the test
// hub's negotiate endpoint, which the real @microsoft/signalr client checks first.

async function open(hubOptions: HubOptions, options: Partial<TransportOptions> = {}, url?: string) {
  const hub = await startHub(hubOptions);
  const opened = openWith(signalr, url ?? hub.url.replace('ws:', 'http:'), { handshakeTimeout: 2000, ...options });
  if ('error' in opened) throw new Error(opened.error);
  const notes: string[] = [];
  opened.transport.onNote((n: TransportNote) => notes.push(`${n.level}: ${n.text}`));
  return {
    hub,
    ...opened,
    notes,
    dispose: async () => (opened.session.dispose(), opened.transport.dispose(), await hub.close()),
  };
}

test('SignalR negotiate: the real client connects to the test hub only through it (the hub is faithful)', async () => {
  const hub = await startHub({ negotiate: true });
  const connection = new signalR.HubConnectionBuilder()
    .withUrl(hub.url.replace('ws:', 'http:'), { transport: signalR.HttpTransportType.WebSockets })
    .configureLogging(signalR.LogLevel.None)
    .build();
  try {
    await connection.start();
    assert.equal(await connection.invoke('Add', 1, 2), 3);
    assert.deepEqual(
      hub.negotiations.map((n) => n.url),
      ['/chathub/negotiate?negotiateVersion=1'],
    );
    assert.deepEqual(hub.upgrades, ['/chathub?id=tok-1']);
  } finally {
    await connection.stop().catch(() => undefined);
    await hub.close();
  }
});

test('SignalR negotiate: an http hub URL negotiates before each open, the token is single-use and hidden from the handshake view', async () => {
  const c = await open(
    { negotiate: true },
    { headers: { Authorization: 'Bearer user-1' }, reconnect: { initialDelayMs: 20 } },
  );
  try {
    await c.transport.connect();
    await c.session.ready();
    assert.equal((await c.session.invoke('Add', [2, 3])).result, 5);
    assert.deepEqual(c.hub.negotiations, [
      { url: '/chathub/negotiate?negotiateVersion=1', authorization: 'Bearer user-1' },
    ]);
    assert.deepEqual(c.hub.upgrades, ['/chathub?id=tok-1']);
    assert.ok(
      c.notes.includes('info: Negotiated with the SignalR hub (connection conn-1, negotiate version 1).'),
      c.notes.join('\n'),
    );
    // What is shown and recorded of the handshake keeps the token out.
    const shown = JSON.stringify(c.transport.handshake);
    assert.doesNotMatch(shown, /tok-1/);
    assert.match(c.transport.handshake?.finalUrl ?? '', /\?id=\[redacted\]$/);
    // A dropped connection negotiates again: the first token is spent.
    for (const ws of c.hub.sockets()) ws.terminate();
    await waitFor(() => c.hub.upgrades.length === 2 && c.session.phase === 'ready', 3000, 'the second open');
    assert.deepEqual(c.hub.upgrades, ['/chathub?id=tok-1', '/chathub?id=tok-2']);
    assert.equal((await c.session.invoke('Add', [2, 2])).result, 4);
  } finally {
    await c.dispose();
  }
});

test('SignalR negotiate: a redirect answer is followed with its access token; a ws:// URL skips negotiation', async () => {
  const c = await open({ negotiate: 'redirect' });
  try {
    await c.transport.connect();
    await c.session.ready();
    assert.deepEqual(
      c.hub.negotiations.map((n) => [n.url, n.authorization]),
      [
        ['/chathub/negotiate?negotiateVersion=1', undefined],
        ['/otherhub/negotiate?negotiateVersion=1', 'Bearer at-1'],
      ],
    );
    assert.deepEqual(c.hub.upgrades, ['/otherhub?id=tok-1']);
  } finally {
    await c.dispose();
  }
  const plain = await open({});
  try {
    await plain.transport.connect();
    await plain.session.ready();
    assert.ok(
      plain.notes.some((n) =>
        /^info: The SignalR hub answered its negotiate request \(POST http:\/\/127\.0\.0\.1:\d+\/chathub\/negotiate\) with HTTP 404; connecting/.test(
          n,
        ),
      ),
      plain.notes.join('\n'),
    );
  } finally {
    await plain.dispose();
  }
  const ws = await startHub({});
  const skip = openWith(signalr, ws.url, { handshakeTimeout: 2000 });
  try {
    if ('error' in skip) throw new Error(skip.error);
    await skip.transport.connect();
    await skip.session.ready();
    assert.deepEqual(ws.negotiations, []);
    assert.deepEqual(ws.upgrades, ['/chathub']);
  } finally {
    if (!('error' in skip)) {
      skip.session.dispose();
      skip.transport.dispose();
    }
    await ws.close();
  }
});

test('SignalR negotiate: refusals and bad answers are sentences; a hub that never answers is bounded by the handshake timeout', async () => {
  const hub = await startHub({ negotiate: 'redirect' });
  // The second negotiate needs the redirect's token; asking /otherhub directly gets 401.
  const refused = openWith(signalr, hub.url.replace('ws:', 'http:').replace('/chathub', '/otherhub'), {
    handshakeTimeout: 2000,
  });
  try {
    if ('error' in refused) throw new Error(refused.error);
    await assert.rejects(refused.transport.connect(), (e: Error) =>
      /^The SignalR hub refused the negotiate request \(POST http:\/\/127\.0\.0\.1:\d+\/otherhub\/negotiate\) with HTTP 401\. Add the credentials/.test(
        e.message,
      ),
    );
    assert.equal(refused.transport.state.phase, 'error');
  } finally {
    if (!('error' in refused)) {
      refused.session.dispose();
      refused.transport.dispose();
    }
    await hub.close();
  }
  // It accepts and never answers; its sockets are destroyed on the way out (they never read, so never see the end).
  const held = new Set<Socket>();
  const silent = createServer((socket) => held.add(socket));
  await new Promise<void>((r) => silent.listen(0, '127.0.0.1', () => r()));
  const port = (silent.address() as { port: number }).port;
  const quiet = openWith(signalr, `http://127.0.0.1:${port}/hub`, { handshakeTimeout: 300 });
  try {
    if ('error' in quiet) throw new Error(quiet.error);
    const started = Date.now();
    await assert.rejects(
      quiet.transport.connect(),
      /negotiate request \(POST http:\/\/127\.0\.0\.1:\d+\/hub\/negotiate\) got no answer within the handshake timeout/,
    );
    assert.ok(Date.now() - started < 2000);
  } finally {
    if (!('error' in quiet)) {
      quiet.session.dispose();
      quiet.transport.dispose();
    }
    for (const socket of held) socket.destroy();
    await new Promise<void>((r) => silent.close(() => r()));
  }
});
