/**
 * STOMP in the real extension host: the panel speaks STOMP to stomp-broker-js (plain WebSocket,
 * and SockJS for an http:// URL), a SUBSCRIBE composed through the API, the broker's MESSAGE seen
 * as a decoded row linked to it.
 */
import * as assert from 'node:assert/strict';
import * as http from 'node:http';
import type * as net from 'node:net';
import * as vscode from 'vscode';
import type { InspectorHandle, WebSocketInspectorApi } from '../../src/host/api';
import { waitFor } from './wait';

interface Broker {
  send(topic: string, headers: Record<string, string>, body: string): void;
  on(event: 'subscribe', cb: () => void): void;
}

async function startBroker(
  protocol: 'ws' | 'sockjs',
): Promise<{ port: number; broker: Broker; close(): Promise<void> }> {
  // eslint-disable-next-line @typescript-eslint/no-require-imports -- stomp-broker-js ships no types
  const StompServer = require('stomp-broker-js') as new (c: Record<string, unknown>) => Broker;
  const server = http.createServer();
  const broker = new StompServer({ server, path: '/stomp', protocol });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', () => resolve()));
  return {
    port: (server.address() as net.AddressInfo).port,
    broker,
    close: () => {
      server.closeAllConnections();
      return new Promise((resolve) => server.close(() => resolve()));
    },
  };
}

suite('STOMP (extension host)', () => {
  let api: WebSocketInspectorApi;
  const opened: InspectorHandle[] = [];

  suiteSetup(async () => {
    const ext = vscode.extensions.getExtension<WebSocketInspectorApi>('websocket-inspector.websocket-inspector');
    assert.ok(ext);
    api = await ext.activate();
  });

  teardown(() => {
    for (const h of opened.splice(0)) h.dispose();
  });

  for (const protocol of ['ws', 'sockjs'] as const) {
    test(`STOMP panel (${protocol}): compose SUBSCRIBE, the broker's MESSAGE is a decoded row linked to it`, async () => {
      const b = await startBroker(protocol);
      let subscribed = false;
      b.broker.on('subscribe', () => (subscribed = true));
      try {
        const url = `${protocol === 'ws' ? 'ws' : 'http'}://127.0.0.1:${b.port}/stomp`;
        const h = api.connect(url, { protocol: 'stomp' });
        opened.push(h);
        await h.whenOpen();
        const rows = () => h.rows(0, 1000);
        await waitFor('the CONNECTED row', () => rows().some((r) => r.columns?.type === 'CONNECTED'));
        assert.equal(h.protocol.id, 'stomp');
        assert.ok(h.protocol.actions.some((a) => a.id === 'subscribe'));
        const said = await h.compose('subscribe', { destination: '/topic/news' });
        assert.equal(said, 'Subscribed to /topic/news as sub-1 (ack auto).');
        await waitFor('the broker to see the SUBSCRIBE', () => subscribed);
        b.broker.send('/topic/news', { destination: '/topic/news', 'message-id': 'n1' }, 'extra extra');
        const message = await waitFor('the MESSAGE row', () => rows().find((r) => r.columns?.type === 'MESSAGE'));
        assert.deepEqual(message.columns, { type: 'MESSAGE', subject: '/topic/news', id: 'n1' });
        assert.equal(message.decodedLine, 'MESSAGE /topic/news #n1 sub sub-1 extra extra');
        const subscribe = rows().find((r) => r.columns?.type === 'SUBSCRIBE');
        assert.ok(subscribe);
        assert.equal(message.replyTo?.index, subscribe.index);
        h.disconnect();
      } finally {
        await b.close();
      }
    });
  }
});
