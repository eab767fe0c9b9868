/**
 * Raw TCP in the real extension host: a tcp:// URL opens an inspector on a real Node `net` server
 * speaking a Redis-like line protocol, cut as CRLF lines (the framing Connect… asks for); what is
 * sent goes out with its line ending, each reply is its own row.
 */
import * as assert from 'node:assert/strict';
import { createServer, type AddressInfo, type Server } from 'node:net';
import * as vscode from 'vscode';
import type { WebSocketInspectorApi } from '../../src/host/api';
import { waitFor } from './wait';

const EXTENSION_ID = 'websocket-inspector.websocket-inspector';

suite('Raw TCP: a tcp:// connection in the inspector', () => {
  let api: WebSocketInspectorApi;
  let server: Server;
  const got: string[] = [];

  suiteSetup(async () => {
    api = await vscode.extensions.getExtension<WebSocketInspectorApi>(EXTENSION_ID)!.activate();
    server = createServer((socket) => {
      let buffer = '';
      socket.on('data', (d) => {
        buffer += d.toString();
        let at: number;
        while ((at = buffer.indexOf('\r\n')) >= 0) {
          const line = buffer.slice(0, at);
          buffer = buffer.slice(at + 2);
          got.push(line);
          // Two replies in one write: the framing, not the segment, makes the rows.
          socket.write(line === 'PING' ? '+PONG\r\n' : `+OK\r\n$${line.length}\r\n`);
        }
      });
    });
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', () => r()));
  });

  suiteTeardown(async () => {
    for (const h of api.inspectors()) if (h.url.startsWith('tcp:')) h.dispose();
    await new Promise<void>((r) => server.close(() => r()));
  });

  test('CRLF lines: PING gets +PONG, a two-line answer is two rows', async () => {
    const url = `tcp://127.0.0.1:${(server.address() as AddressInfo).port}`;
    const h = api.connect(url, { framing: 'crlf' });
    await h.whenOpen();
    await h.sendText('PING');
    await h.sendText('SET');
    const rows = await waitFor('the replies as rows', () => {
      const r = h.rows(0, h.stats.total + 5).filter((x) => x.direction === 'received');
      return r.length >= 3 ? r : undefined;
    });
    assert.deepEqual(
      rows.map((r) => r.preview),
      ['+PONG', '+OK', '$3'],
    );
    assert.deepEqual(got, ['PING', 'SET'], 'each message went out with its CRLF');
    h.dispose();
  });
});
