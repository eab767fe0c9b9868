/**
 * The relay in the real extension host: WebSocket: Start Relay… (through the API the command
 * uses) listens on 127.0.0.1, a real `ws` client connects through it to a real server, and the
 * connection opens its own inspector with both directions (the app's messages as sent, the
 * server's as received), recorded to the history like any session. Stop Relay closes it.
 */
import * as assert from 'node:assert/strict';
import type { AddressInfo } from 'node:net';
import * as vscode from 'vscode';
import { WebSocket, WebSocketServer } from 'ws';
import type { WebSocketInspectorApi } from '../../src/host/api';
import { waitFor } from './wait';

const EXTENSION_ID = 'websocket-inspector.websocket-inspector';

suite('Relay: an app’s connection through the relay, in an inspector', () => {
  let api: WebSocketInspectorApi;
  let server: WebSocketServer;
  let target: string;

  suiteSetup(async () => {
    api = await vscode.extensions.getExtension<WebSocketInspectorApi>(EXTENSION_ID)!.activate();
    server = new WebSocketServer({ host: '127.0.0.1', port: 0 });
    await new Promise<void>((r) => server.once('listening', () => r()));
    // The server answers each message upper-cased, so direction and content are both checked.
    server.on('connection', (ws) => ws.on('message', (d) => ws.send(d.toString().toUpperCase())));
    target = `ws://127.0.0.1:${(server.address() as AddressInfo).port}`;
  });

  suiteTeardown(async () => {
    await api.stopRelay();
    // Their recordings end with them (a live recording is never pruned from the history).
    for (const h of api?.inspectors() ?? []) if (h.url.startsWith(target)) h.dispose();
    for (const c of server?.clients ?? []) c.terminate();
    await new Promise<void>((r) => (server ? server.close(() => r()) : r()));
  });

  test('each client connection opens an inspector with both directions, and is recorded', async () => {
    const address = await api.startRelay(target);
    assert.match(address, /^ws:\/\/127\.0\.0\.1:\d+$/);
    const client = new WebSocket(`${address}/app/feed?room=7`);
    try {
      await new Promise<void>((resolve, reject) => {
        client.once('open', () => resolve());
        client.once('error', reject);
      });
      const answer = new Promise<string>((r) => client.once('message', (d) => r(d.toString())));
      client.send('hello through the relay');
      assert.equal(await answer, 'HELLO THROUGH THE RELAY');
      const panel = await waitFor('the relayed connection’s inspector', () =>
        api.inspectors().find((h) => h.url === `${target}/app/feed?room=7`),
      );
      const rows = await waitFor('both directions in the inspector', () => {
        const r = panel.rows(0, panel.stats.total + 5);
        return r.some((x) => x.direction === 'sent' && x.preview === 'hello through the relay') &&
          r.some((x) => x.direction === 'received' && x.preview === 'HELLO THROUGH THE RELAY')
          ? r
          : undefined;
      });
      assert.ok(
        rows.some((r) => r.direction === 'event' && /^Relayed from /.test(r.preview)),
        'says where it came from',
      );
      assert.equal(panel.state.phase, 'open');
      await waitFor('the relayed session in the history', async () =>
        (await api.sessions()).find((s) => s.url === `${target}/app/feed?room=7` && s.messages >= 2),
      );
    } finally {
      client.terminate();
    }
    // A breakpoint on what the app sends: the order is held, edited, forwarded; the rest passes.
    api.relayAddBreakpoint('type == "order"', 'sent');
    const app = new WebSocket(`${address}/trade`);
    try {
      await new Promise<void>((resolve, reject) => {
        app.once('open', () => resolve());
        app.once('error', reject);
      });
      const answers: string[] = [];
      app.on('message', (d) => answers.push(d.toString()));
      app.send('{"type":"order","qty":1}');
      app.send('{"type":"hello"}');
      const held = await waitFor('the held order', () => api.relayHeld().find((h) => h.preview.includes('"order"')));
      assert.equal(held.direction, 'sent');
      // The message the breakpoint does not match went on meanwhile.
      await waitFor('the unmatched message answered', () => answers.includes('{"TYPE":"HELLO"}'));
      assert.equal(answers.length, 1, 'the held one has not reached the server');
      assert.equal(api.relayRelease(held.key, 'forward', '{"type":"order","qty":100}'), true);
      await waitFor('the edited order answered', () => answers.includes('{"TYPE":"ORDER","QTY":100}'));
      const panel = await waitFor('the trade inspector', () =>
        api.inspectors().find((h) => h.url === `${target}/trade`),
      );
      await waitFor('held and forwarded rows', () => {
        const events = panel
          .rows(0, panel.stats.total + 5)
          .filter((r) => r.direction === 'event')
          .map((r) => r.preview);
        return (
          events.some((e) => e === 'Held app → server: {"type":"order","qty":1}') &&
          events.some((e) => e === 'Forwarded app → server, edited')
        );
      });
      assert.equal(api.relayHeld().length, 0);
    } finally {
      app.terminate();
      api.relayClearBreakpoints();
    }
    await api.stopRelay();
    await assert.rejects(
      new Promise<void>((resolve, reject) => {
        const again = new WebSocket(address);
        again.once('open', () => {
          again.terminate();
          resolve();
        });
        again.once('error', reject);
      }),
      /ECONNREFUSED/,
      'nothing listens after Stop Relay',
    );
  });
});
