import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { gzipSync } from 'node:zlib';
import { encode as encodeMsgpack } from '@msgpack/msgpack';
import { compareAnswers } from '../../src/core/sessions/compare';
import { loadProtoSchema } from '../../src/core/decode';
import { NO_ACTIONS } from '../../src/core/inspector/actions';
import { InspectorSession } from '../../src/core/inspector/session';
import { payloadsForUrl } from '../../src/core/protocols';
import { parseWsFile } from '../../src/core/wsfile/parse';
import { main } from '../../src/cli';
import { PROTOCOL_VERSION, type ProtocolInfo, type ToWebview } from '../../src/shared/protocol';
import type { SessionMessage } from '../../src/core/sessions/format';
import { startWsServer, waitFor } from './helpers';
import { startAedes } from './protocol.mqtt.servers';

// How a user reaches the payload decoders: the .ws directives, the URL setting, the panel's
// Payloads picker and composer encoders (through the webview message seam), and wsi --decode.

const PROTO = `syntax = "proto3";
package market;
message Tick { string symbol = 1; double price = 2; int64 seq = 3; }
message Order { string symbol = 1; uint32 qty = 2; }
`;

function withProto<T>(body: (dir: string, file: string) => Promise<T>): Promise<T> {
  const dir = mkdtempSync(join(tmpdir(), 'wsi-proto-'));
  const file = join(dir, 'market.proto');
  writeFileSync(file, PROTO);
  return body(dir, file).finally(() => rmSync(dir, { recursive: true, force: true }));
}

/** protoc --encode: the reference encoder. */
function protocEncode(dir: string, type: string, text: string): Buffer {
  return execFileSync('protoc', [`--proto_path=${dir}`, `--encode=${type}`, 'market.proto'], { input: text });
}

test('.ws directives: # @protobuf TYPE both ways, sent/received apart, # @decode; wrong values are diagnostics at the value', () => {
  const file = [
    '### Both',
    '# @protobuf market.Tick',
    'WEBSOCKET ws://127.0.0.1:9/a',
    '',
    '### Apart',
    '# @protobuf sent market.Order',
    '# @protobuf received market.Tick',
    'WEBSOCKET ws://127.0.0.1:9/b',
    '',
    '### Codec',
    '# @decode msgpack',
    'WEBSOCKET ws://127.0.0.1:9/c',
    '',
    '### Bad',
    '# @decode yaml',
    '# @protobuf 9lives',
    'WEBSOCKET ws://127.0.0.1:9/d',
  ].join('\n');
  const parsed = parseWsFile(file);
  assert.deepEqual(
    parsed.requests.map((r) => r.settings.payloads),
    ['protobuf:market.Tick', 'protobuf:sent=market.Order,received=market.Tick', 'msgpack', undefined],
  );
  const errors = parsed.diagnostics.filter((d) => d.severity === 'error');
  assert.deepEqual(
    errors.map((d) => [d.range.startLine, d.range.startCol, d.message.split('.')[0]]),
    [
      [14, 10, '@decode "yaml" is not a payload decoder'],
      [15, 12, '@protobuf "9lives" is not a message type'],
    ],
  );
});

test('the setting websocketInspector.decoders: first matching pattern, string or per-direction object; unknown values skipped', () => {
  const patterns = {
    'ws://feed.test/bad*': 'yaml',
    'ws://feed.test/ticks*': 'protobuf:market.Tick',
    'ws://feed.test/api*': { protobuf: { sent: 'market.Order', received: 'market.Tick' } },
    'ws://feed.test/*': 'msgpack',
  };
  assert.equal(payloadsForUrl('ws://feed.test/ticks?x=1', patterns), 'protobuf:market.Tick');
  assert.equal(payloadsForUrl('ws://feed.test/api', patterns), 'protobuf:sent=market.Order,received=market.Tick');
  assert.equal(payloadsForUrl('ws://feed.test/bad', patterns), 'msgpack');
  assert.equal(payloadsForUrl('ws://other.test/', patterns), undefined);
});

test('the panel: Payloads picker offers the schema types, decodes a protoc-encoded feed with the type chosen, says why a type cannot be used; the composer encodes JSON as Protobuf and MessagePack', async () =>
  withProto(async (dir, file) => {
    const srv = await startWsServer();
    const ticks = [1, 2, 3].map((i) =>
      protocEncode(dir, 'market.Tick', `symbol: "EURUSD" price: ${i * 50} seq: 9007199254740993`),
    );
    const got: Buffer[] = [];
    srv.server.on('connection', (ws) => {
      ws.on('message', (d: Buffer) => got.push(d));
      for (const t of ticks) ws.send(t, { binary: true });
      ws.send(Buffer.from(encodeMsgpack({ price: 500, symbol: 'GBPUSD' })), { binary: true });
    });
    const posted: ToWebview[] = [];
    const chosen: string[] = [];
    const session = new InspectorSession({ url: srv.url, handshakeTimeout: 3000 }, (m) => posted.push(m), undefined, {
      ...NO_ACTIONS,
      payloadsChosen: (_url, choice) => chosen.push(choice),
    });
    const request = async (message: Record<string, unknown> & { type: string }, id: number) => {
      session.receive({ ...message, id });
      await waitFor(() => posted.some((m) => m.type === 'response' && m.id === id), 5000, `reply ${id}`);
      return posted.find((m) => m.type === 'response' && m.id === id) as {
        ok: boolean;
        result?: unknown;
        error?: string;
      };
    };
    const info = () => posted.flatMap((m) => (m.type === 'protocol' ? [m.protocol] : [])).at(-1) as ProtocolInfo;
    try {
      const loaded = loadProtoSchema({ files: [file], readFile: (f) => readFileSync(f, 'utf8') });
      assert.ok(loaded.schema, JSON.stringify(loaded.errors));
      session.model.protocols.usePayloads({ schema: loaded.schema });
      session.receive({ type: 'ready', protocolVersion: PROTOCOL_VERSION });
      await session.connect();
      await waitFor(() => session.stats.receivedMessages === 4, 3000, 'the feed');
      const rows = () => session.model.withDecoded(session.store.summaries(0, session.store.length));
      // auto: MessagePack is recognised; Protobuf without a schema reads field numbers.
      assert.equal(rows().at(-1)?.decodedLine, '{"price":500,"symbol":"GBPUSD"}');
      assert.match(rows()[1].decodedLine ?? '', /^\{"1":"EURUSD"/);

      session.receive({ type: 'setPayloads', choice: 'protobuf:market.Tick' });
      assert.deepEqual(chosen, ['protobuf:market.Tick']);
      await waitFor(() => info()?.payloads.choice === 'protobuf:market.Tick', 2000, 'the new choice posted');
      assert.ok(info().payloads.choices.some((c) => c.id === 'protobuf:market.Order'));
      assert.deepEqual(
        info().payloads.encoders.map((e) => e.id),
        ['msgpack', 'cbor', 'protobuf:market.Order', 'protobuf:market.Tick'],
      );
      assert.equal(rows()[1].decodedLine, '{"symbol":"EURUSD","price":50,"seq":"9007199254740993"}');
      const detail = session.model.detail(1)!;
      assert.equal(detail.decoded?.label, 'Protobuf market.Tick');
      assert.ok(detail.decoded?.ranges?.some((r) => r.path === '$.price'));
      // The pane offers what else reads it: the schema-less view.
      assert.deepEqual(detail.decoded?.alternatives, [{ id: 'protobuf-raw', label: 'Protobuf (no schema)' }]);

      // A filter on a decoded field.
      session.receive({ type: 'setFilter', query: { json: 'price >= 100' } });
      const status = () => posted.flatMap((m) => (m.type === 'tick' && m.filter ? [m.filter] : [])).at(-1);
      await waitFor(() => status()?.running === false && status()?.matched === 2, 3000, 'the filter on price');

      session.receive({ type: 'setPayloads', choice: 'protobuf:market.Nope' });
      await waitFor(() => info()?.payloads.problem !== undefined, 2000, 'the problem');
      assert.match(info().payloads.problem!, /market\.Nope/);

      // The composer: a dry run gives the size; a send puts the bytes on the wire.
      const dry = await request(
        { type: 'sendEncoded', encoder: 'protobuf:market.Order', text: '{"symbol":"EURUSD","qty":3}', dryRun: true },
        1,
      );
      assert.equal(dry.result, protocEncode(dir, 'market.Order', 'symbol: "EURUSD" qty: 3').length);
      const sent = await request(
        { type: 'sendEncoded', encoder: 'protobuf:market.Order', text: '{"symbol":"EURUSD","qty":3}', dryRun: false },
        2,
      );
      assert.equal(sent.ok, true, sent.error);
      const mp = await request({ type: 'sendEncoded', encoder: 'msgpack', text: '{"a": 1}', dryRun: false }, 3);
      assert.equal(mp.ok, true, mp.error);
      await waitFor(() => got.length === 2, 3000, 'the server to get both');
      assert.deepEqual(got[0], protocEncode(dir, 'market.Order', 'symbol: "EURUSD" qty: 3'));
      assert.deepEqual(got[1], Buffer.from(encodeMsgpack({ a: 1 })));
      const bad = await request({ type: 'sendEncoded', encoder: 'msgpack', text: '{"a": }', dryRun: true }, 4);
      assert.equal(bad.ok, false);
      assert.match(bad.error ?? '', /not JSON at line 1, column \d+.*Nothing was sent\.$/);
    } finally {
      session.dispose();
      await srv.close();
    }
  }));

test('wsi run prints binary messages decoded: # @protobuf with --proto, --decode over it, a clear error without the schema', async () =>
  withProto(async (dir, file) => {
    const srv = await startWsServer();
    const tick = protocEncode(dir, 'market.Tick', 'symbol: "EURUSD" price: 1.25 seq: 42');
    srv.server.on('connection', (ws) => ws.on('message', () => ws.send(tick, { binary: true })));
    const ws = join(dir, 'feed.ws');
    writeFileSync(ws, `# @protobuf market.Tick\nWEBSOCKET ${srv.url}\n\nhello\n=== wait-for-server\n`);
    const run = async (...args: string[]) => {
      const lines: string[] = [];
      const errors: string[] = [];
      const code = await main(
        ['run', ws, '--linger', '0', ...args],
        (s) => lines.push(s),
        (s) => errors.push(s),
      );
      return { code, out: lines.join('\n'), err: errors.join('\n') };
    };
    try {
      const withSchema = await run('--proto', file);
      assert.equal(withSchema.code, 0, withSchema.err + withSchema.out);
      assert.match(withSchema.out, /\n {6}≡ Protobuf market\.Tick: \{"symbol":"EURUSD","price":1\.25,"seq":"42"\}\n/);
      const raw = await run('--proto', file, '--decode', 'protobuf-raw');
      assert.match(raw.out, /≡ Protobuf \(no schema\): \{"1":"EURUSD"/);
      const none = await run('--decode', 'none');
      assert.doesNotMatch(none.out, /≡/);
      const missing = await run('--decode', 'protobuf:market.Tick');
      assert.equal(missing.code, 2);
      assert.equal(
        missing.err,
        '--decode protobuf:market.Tick needs the schema: add --proto FILE (the .proto file or a descriptor set).',
      );
    } finally {
      await srv.close();
    }
  }));

test('compare without a protocol reads binary payloads with the codecs: MessagePack and gzip answers compared field by field, ignore paths inside', () => {
  const bin = (value: unknown, gzip = false): SessionMessage => {
    const bytes = Buffer.from(encodeMsgpack(value));
    return {
      type: 'message',
      t: 0,
      dir: 'received',
      kind: 'binary',
      base64: (gzip ? gzipSync(bytes) : bytes).toString('base64'),
    };
  };
  const recorded = [bin({ price: 1, ts: 100 }), bin({ price: 2, ts: 100 }, true)];
  const same = compareAnswers(recorded, [bin({ price: 1, ts: 999 }), bin({ price: 2, ts: 5 }, true)], {
    ignore: ['$.ts'],
  });
  assert.deepEqual(same.summary, { matched: 2, mismatched: 0, missing: 0, extra: 0 });
  const other = compareAnswers(recorded, [bin({ price: 1, ts: 100 }), bin({ price: 3, ts: 100 }, true)]);
  assert.equal(other.summary.mismatched, 1);
  assert.deepEqual(other.differences[0].diff, {
    type: 'json',
    differences: [{ path: '$.price', change: 'changed', expected: 2, actual: 3 }],
    more: 0,
  });
});

test('payload codecs inside protocols: a MessagePack payload of an MQTT PUBLISH from aedes is decoded inside the packet, and the filter reads it', async () => {
  const srv = await startAedes({}, true);
  const posted: ToWebview[] = [];
  const session = new InspectorSession(
    { url: srv.url, handshakeTimeout: 3000 },
    (m) => posted.push(m),
    undefined,
    NO_ACTIONS,
  );
  try {
    session.receive({ type: 'ready', protocolVersion: PROTOCOL_VERSION });
    await session.connect();
    await session.model.protocol!.ready();
    session.receive({ type: 'compose', id: 1, action: 'subscribe', values: { topic: 'prices/#', qos: '0' } });
    await waitFor(
      () =>
        session.model
          .withDecoded(session.store.summaries(0, session.store.length))
          .some((r) => r.columns?.type === 'SUBACK'),
      3000,
      'the SUBACK',
    );
    const payload = Buffer.from(encodeMsgpack({ symbol: 'EURUSD', price: 1.08 }));
    await new Promise<void>((resolve, reject) =>
      srv.broker.publish({ cmd: 'publish', topic: 'prices/eur', payload, qos: 0, retain: false, dup: false }, (e) =>
        e ? reject(e) : resolve(),
      ),
    );
    const rows = () => session.model.withDecoded(session.store.summaries(0, session.store.length));
    await waitFor(() => rows().some((r) => r.columns?.type === 'PUBLISH'), 3000, 'the delivery');
    const row = rows().find((r) => r.columns?.type === 'PUBLISH')!;
    assert.equal(row.decodedLine, 'PUBLISH prices/eur qos 0: MessagePack {"symbol":"EURUSD","price":1.08}');
    const value = session.model.decoded(row.index)!.value as Record<string, unknown>;
    assert.deepEqual(value.decoded, { symbol: 'EURUSD', price: 1.08 });
    assert.equal(value.decodedAs, 'MessagePack');
    assert.deepEqual(session.model.filterValue(row.index), value);
  } finally {
    session.dispose();
    await srv.close();
  }
});
