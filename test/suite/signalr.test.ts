/**
 * SignalR in a real extension host: a panel opened with `protocol: 'signalr'` against a tiny hub on
 * `ws` (there is no SignalR server for Node) does the handshake, invokes a hub method from the
 * composer's action, and lists the Completion decoded and linked to its Invocation.
 */
import * as assert from 'node:assert/strict';
import * as vscode from 'vscode';
import type { InspectorHandle, WebSocketInspectorApi } from '../../src/host/api';
import { startHub } from '../unit/protocol.signalr.hub';
import { waitFor } from './wait';

suite('SignalR (extension host)', () => {
  let api: WebSocketInspectorApi;
  suiteSetup(async () => {
    const ext = vscode.extensions.getExtension<WebSocketInspectorApi>('websocket-inspector.websocket-inspector');
    assert.ok(ext);
    api = await ext.activate();
  });

  test('SignalR hub: handshake, invoke from the composer, the Completion decoded and linked', async () => {
    const hub = await startHub();
    let h: InspectorHandle | undefined;
    try {
      h = api.connect(hub.url, { protocol: 'signalr' });
      const panel = h;
      await panel.whenOpen();
      assert.equal(panel.protocol.id, 'signalr');
      assert.deepEqual(
        panel.protocol.actions.map((a) => a.id),
        ['invoke', 'send', 'stream', 'cancel'],
      );
      await waitFor('the handshake', () => hub.received.length >= 1);
      const sentence = await waitFor('the invoke', async () => {
        try {
          return await panel.compose('invoke', { target: 'Add', arguments: '[2, 3]' });
        } catch (err) {
          // The handshake may still be under way on the first try.
          if (/not open yet|not answered the handshake/.test((err as Error).message)) return undefined;
          throw err;
        }
      });
      assert.match(sentence ?? '', /^Completed after [\d.]+ ms: 5$/);
      const rows = () => panel.rows(0, panel.stats.total + 10);
      const completion = await waitFor('the Completion row', () =>
        rows().find((r) => r.direction === 'received' && r.decodedLine === 'Completion #0 5'),
      );
      assert.equal(completion.columns?.type, 'Completion');
      assert.equal(completion.columns?.id, '0');
      const invocation = rows().find((r) => r.decodedLine === 'Invocation Add #0 [2,3]');
      assert.ok(invocation, JSON.stringify(rows().map((r) => r.decodedLine)));
      assert.equal(invocation.columns?.subject, 'Add');
      assert.equal(completion.replyTo?.index, invocation.index);
      assert.ok(rows().some((r) => r.decodedLine === 'HandshakeRequest json v1'));
    } finally {
      h?.dispose();
      await hub.close();
    }
  });
});
