/**
 * Binary payloads in the real extension host: the workspace's market.proto (examples/) loaded as
 * the schema, a Protobuf feed read with a type from it through the Payloads picker's path (and the
 * choice remembered for the URL), MessagePack recognised by default, and a broken `.proto` shown
 * as a problem at its line.
 */
import * as assert from 'node:assert/strict';
import { rmSync, writeFileSync } from 'node:fs';
import type { AddressInfo } from 'node:net';
import * as path from 'node:path';
import { encode as encodeMsgpack } from '@msgpack/msgpack';
import * as protobuf from 'protobufjs';
import * as vscode from 'vscode';
import { WebSocketServer } from 'ws';
import type { InspectorHandle, WebSocketInspectorApi } from '../../src/host/api';
import { waitFor } from './wait';

const EXTENSION_ID = 'websocket-inspector.websocket-inspector';

suite('Protobuf and payload codecs (extension host)', () => {
  let api: WebSocketInspectorApi;
  let server: WebSocketServer;
  let url: string;
  const opened: InspectorHandle[] = [];
  const folder = () => vscode.workspace.workspaceFolders![0].uri.fsPath;

  suiteSetup(async () => {
    const ext = vscode.extensions.getExtension<WebSocketInspectorApi>(EXTENSION_ID);
    assert.ok(ext, `extension ${EXTENSION_ID} is not loaded`);
    api = await ext.activate();
    const root = protobuf.loadSync(path.join(folder(), 'market.proto'));
    const Tick = root.lookupType('market.Tick');
    server = new WebSocketServer({ host: '127.0.0.1', port: 0 });
    await new Promise<void>((r) => server.once('listening', () => r()));
    server.on('connection', (ws) => {
      ws.send(
        Tick.encode(Tick.fromObject({ symbol: 'EURUSD', price: 1.5, seq: '9007199254740993', side: 1 })).finish(),
      );
      ws.send(Buffer.from(encodeMsgpack({ symbol: 'GBPUSD', price: 2 })));
    });
    url = `ws://127.0.0.1:${(server.address() as AddressInfo).port}/ticks`;
  });

  suiteTeardown(async () => {
    for (const c of server?.clients ?? []) c.terminate();
    await new Promise<void>((r) => (server ? server.close(() => r()) : r()));
  });

  teardown(() => {
    for (const h of opened.splice(0)) h.dispose();
  });

  test('a feed read with market.Tick from the workspace, chosen as the picker does and remembered for the URL; MessagePack recognised by default', async () => {
    const h = api.connect(url);
    opened.push(h);
    await h.whenOpen();
    await waitFor('the schema types offered', () =>
      h.protocol.payloads.choices.some((c) => c.id === 'protobuf:market.Tick') ? true : undefined,
    );
    await waitFor('the MessagePack row decoded', () =>
      h.rows(0, 10).find((r) => r.decodedLine === '{"symbol":"GBPUSD","price":2}'),
    );
    h.setPayloads('protobuf:market.Tick');
    await waitFor('the Protobuf row decoded', () =>
      h
        .rows(0, 10)
        .find((r) => r.decodedLine === '{"symbol":"EURUSD","price":1.5,"seq":"9007199254740993","side":"SELL"}'),
    );
    h.dispose();
    opened.pop();
    // A new panel for the same URL starts with the choice made.
    const again = api.connect(url);
    opened.push(again);
    await again.whenOpen();
    assert.equal(again.protocol.payloads.choice, 'protobuf:market.Tick');
    again.setPayloads('auto');
  });

  test('a .proto with a syntax error is a problem in the editor at its line; fixed, the problem goes', async () => {
    const file = path.join(folder(), 'broken.wsi-test.proto');
    const uri = vscode.Uri.file(file);
    try {
      writeFileSync(file, 'syntax = "proto3";\npackage broken;\n\nmessage Oops {\n  string name = 1\n}\n');
      const problems = await waitFor('the diagnostic', () => {
        const d = vscode.languages.getDiagnostics(uri);
        return d.length ? d : undefined;
      });
      assert.equal(problems[0].severity, vscode.DiagnosticSeverity.Error);
      assert.ok([4, 5].includes(problems[0].range.start.line), `line ${problems[0].range.start.line + 1}`);
      writeFileSync(file, 'syntax = "proto3";\npackage broken;\n\nmessage Oops {\n  string name = 1;\n}\n');
      await waitFor('the diagnostic gone', () =>
        vscode.languages.getDiagnostics(uri).length === 0 ? true : undefined,
      );
    } finally {
      rmSync(file, { force: true });
    }
  });
});
