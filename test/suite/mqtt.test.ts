/**
 * MQTT in the real extension host: the aedes broker over `ws` on 127.0.0.1, the panel connected
 * with `protocol: 'mqtt'`, a PUBLISH composed with QoS 1, its decoded row and its PUBACK's sentence.
 */
import * as assert from 'node:assert/strict';
import type { AddressInfo } from 'node:net';
import { Duplex } from 'node:stream';
import * as vscode from 'vscode';
import { WebSocketServer, type WebSocket } from 'ws';
import type { InspectorHandle, WebSocketInspectorApi } from '../../src/host/api';
import { waitFor } from './wait';

const EXTENSION_ID = 'websocket-inspector.websocket-inspector';

/** One frame per packet (mqtt-packet corks each packet's pieces), as brokers such as mosquitto send. */
function framed(ws: WebSocket): Duplex {
  const stream = new Duplex({
    read: () => undefined,
    write: (chunk: Buffer, _enc, done) => ws.send(chunk, done),
    writev: (chunks, done) => ws.send(Buffer.concat(chunks.map((c) => c.chunk as Buffer)), done),
    final: (done) => (ws.close(), done()),
    destroy: (_err, done) => (ws.terminate(), done(null)),
  });
  ws.on('message', (data: Buffer) => stream.push(data));
  ws.on('close', () => stream.push(null));
  return stream;
}

suite('MQTT (extension host)', () => {
  let api: WebSocketInspectorApi;
  const opened: InspectorHandle[] = [];

  suiteSetup(async () => {
    const ext = vscode.extensions.getExtension<WebSocketInspectorApi>(EXTENSION_ID);
    assert.ok(ext, `extension ${EXTENSION_ID} is not loaded`);
    api = await ext.activate();
  });

  teardown(() => {
    for (const h of opened.splice(0)) h.dispose();
  });

  test('MQTT against aedes: publish QoS 1 from the composer, the PUBLISH row decoded, PUBACK after n ms', async () => {
    // aedes is an ES module: a dynamic import works from this CommonJS suite on any Node.
    const { Aedes } = await import('aedes');
    const broker = await Aedes.createBroker();
    const wss = new WebSocketServer({
      host: '127.0.0.1',
      port: 0,
      handleProtocols: (p) => (p.has('mqtt') ? 'mqtt' : false),
    });
    wss.on('connection', (ws, req) => broker.handle(framed(ws), req));
    await new Promise<void>((resolve) => wss.once('listening', () => resolve()));
    const url = `ws://127.0.0.1:${(wss.address() as AddressInfo).port}/`;
    try {
      const h = api.connect(url, { protocol: 'mqtt' });
      opened.push(h);
      await h.whenOpen();
      await waitFor('the CONNACK row', () => h.rows(0, 50).find((r) => r.decodedLine?.startsWith('CONNACK accepted')));
      assert.equal(h.protocol.id, 'mqtt');
      const sentence = await h.compose('publish', { topic: 'ide/test', qos: '1', payload: 'from VS Code' });
      assert.match(String(sentence), /^PUBACK after \d+ ms\.$/);
      const row = await waitFor('the PUBLISH row', () =>
        h
          .rows(0, 50)
          .find((r) => r.direction === 'sent' && r.decodedLine === 'PUBLISH ide/test qos 1 #1: from VS Code'),
      );
      assert.deepEqual(row.columns, { type: 'PUBLISH', subject: 'ide/test', id: '1' });
      const ack = await waitFor('the PUBACK row', () => h.rows(0, 50).find((r) => r.columns?.type === 'PUBACK'));
      assert.equal(ack.replyTo?.index, row.index);
    } finally {
      for (const c of wss.clients) c.terminate();
      await new Promise<void>((resolve) => wss.close(() => resolve()));
      await new Promise<void>((resolve) => broker.close(() => resolve()));
    }
  });
});
