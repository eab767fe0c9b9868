// Over 400 lines: one raw-TCP server per way a server can misbehave, all sharing its frame and handshake helpers.
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import type { Socket } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { constants as zlibConstants, deflateRawSync } from 'node:zlib';
import { WebSocketTransport, type TransportOptions } from '../../src/core/transport';
import { loadSession, type LoadResult } from '../../src/core/sessions/load';
import { SessionRecorder } from '../../src/core/sessions/recorder';
import type { ConnectionState } from '../../src/shared/protocol';
import { waitFor } from './helpers';
import { answerUpgrade, answerUpgradeWith, readClientFrames, serverFrame, startRawServer } from './protocol.servers';
import { processGuard } from './processGuard';

// Issue 7: hostile servers and bad input. Each server misbehaves on purpose in one way. For every
// case the core survives: the Transport ends in a state whose sentence a person understands, no
// exception or rejection escapes, and the recording written meanwhile loads with what came before.
//
// Each case has two tests: "<case>: survives, recording loads" (the core holds up) and
// "<case>: the state says …" (the sentence a person reads).

const FIN = 0x80;
const RSV1 = 0x40;
const TEXT = 0x01;
const BINARY = 0x02;
const PING = 0x09;
const CLOSE = 0x08;
/** What every misbehaving server says first: it must be in the recording. */
const BEFORE = 'hello before the misbehaviour';
const wait = (ms: number) => new Promise((r) => setTimeout(r, ms));

const guard = processGuard();
const assertProcessClean = () => guard.assertClean();

interface Outcome {
  /** The final state (closed or error). */
  state: ConnectionState;
  /** What `connect()` settled with: 'open', or the sentence it rejected with. */
  connected: string;
  /** The recording, loaded after the end. */
  loaded: LoadResult;
  /** The code of the close frame the client sent, as the server read it. */
  clientClose: number | undefined;
  /** Milliseconds from connect() to the final state. */
  elapsedMs: number;
  /** Date.now() when the state became closed or error (from the state event, not the poll). */
  endedAt: number;
  /** Whatever the server part reports. */
  server: Record<string, unknown>;
}

type Behaviour = (socket: Socket, request: string, report: Record<string, unknown>) => void | Promise<void>;

/**
 * Runs one hostile server against a real Transport recording into a temp dir; the server and
 * the temp dir go away at the end whatever happens.
 */
async function runCase(
  behaviour: Behaviour,
  options: Partial<TransportOptions> = {},
  limits: { finalWithinMs?: number; allowHalfOpen?: boolean } = {},
): Promise<Outcome> {
  const report: Record<string, unknown> = {};
  let clientFrames: ReturnType<typeof readClientFrames> | undefined;
  const raw = await startRawServer(
    (socket, request) => {
      clientFrames = readClientFrames(socket);
      Promise.resolve(behaviour(socket, request, report)).catch((err) => (report.serverError = String(err)));
    },
    { allowHalfOpen: limits.allowHalfOpen },
  );
  const dir = mkdtempSync(join(tmpdir(), 'wsi-hostile-'));
  const file = join(dir, 'hostile.wslog');
  const connection = new WebSocketTransport({
    url: `ws://127.0.0.1:${raw.port}/hostile`,
    handshakeTimeout: 2000,
    ...options,
  });
  try {
    const recorder = await SessionRecorder.forConnection(file, connection, { flushIntervalMs: 10 });
    const started = Date.now();
    let endedAt = 0;
    connection.onState((st) => {
      if (!endedAt && (st.phase === 'closed' || st.phase === 'error')) endedAt = Date.now();
    });
    let connected = '';
    const settled = connection.connect().then(
      () => (connected = 'open'),
      (err: Error) => (connected = err.message),
    );
    const final = () => connection.state.phase === 'closed' || connection.state.phase === 'error';
    await waitFor(final, limits.finalWithinMs ?? 5000, 'the connection to end (closed or error)');
    const elapsedMs = Date.now() - started;
    await settled;
    // The close frame the client sent may still be on its way to the server.
    await waitFor(
      () => clientFrames === undefined || clientFrames.closeCode() !== undefined,
      300,
      'the client close frame',
    ).catch(() => undefined);
    await recorder.close();
    const loaded = await loadSession(file);
    return {
      state: connection.state,
      connected,
      loaded,
      clientClose: clientFrames?.closeCode(),
      elapsedMs,
      endedAt,
      server: report,
    };
  } finally {
    connection.dispose();
    await raw.close();
    rmSync(dir, { recursive: true, force: true });
  }
}

/** Runs the case once, for the tests that share it. */
function once(run: () => Promise<Outcome>): () => Promise<Outcome> {
  let result: Promise<Outcome> | undefined;
  return () => (result ??= run());
}

/** The loaded recording is a session, and has the text messages listed (in order). */
function assertRecording(loaded: LoadResult, texts: string[]): void {
  assert.ok(!('error' in loaded), `the recording loads: ${'error' in loaded ? loaded.error : ''}`);
  if ('error' in loaded) return;
  assert.deepEqual(loaded.notices, [], 'no line of the recording was skipped');
  const got = loaded.events.flatMap((e) => (e.type === 'message' && e.kind === 'text' ? [e.text] : []));
  assert.deepEqual(got, texts);
}

function assertMessage(state: ConnectionState, words: RegExp[]): void {
  assert.ok(state.phase === 'closed' || state.phase === 'error', `final phase, got ${state.phase}`);
  const message = 'message' in state ? state.message : '';
  for (const w of words) assert.match(message, w, `the state message "${message}" should match ${w}`);
}

/** A server that opens properly, says BEFORE, then writes `bad` (a Buffer, or several written apart). */
function thenSends(bad: Buffer | Buffer[], upgradeLines: string[] = []): Behaviour {
  return async (socket, request) => {
    socket.setNoDelay(true);
    if (upgradeLines.length) answerUpgradeWith(socket, request, upgradeLines);
    else answerUpgrade(socket, request);
    socket.write(serverFrame(FIN | TEXT, Buffer.from(BEFORE)));
    await wait(20);
    for (const chunk of Array.isArray(bad) ? bad : [bad]) {
      if (socket.destroyed) return;
      socket.write(chunk);
    }
  };
}

/** A masked server frame (servers must never mask). */
function maskedFrame(first: number, payload: Buffer): Buffer {
  const key = Buffer.from([0x12, 0x34, 0x56, 0x78]);
  const body = Buffer.from(payload.map((b, i) => b ^ key[i % 4]));
  return Buffer.concat([Buffer.from([first, 0x80 | payload.length]), key, body]);
}

/** A frame-level violation: the client must close with `code`, and the state must say `words`. */
interface FrameCase {
  name: string;
  behaviour: Behaviour;
  options?: Partial<TransportOptions>;
  code: number;
  /** What a person should read in the state message. */
  words: RegExp[];
}

const frameCases: FrameCase[] = [
  {
    name: 'invalid UTF-8 in a text frame',
    behaviour: thenSends(serverFrame(FIN | TEXT, Buffer.from([0x6f, 0x6b, 0xc3, 0x28, 0xff]))),
    code: 1007,
    words: [/1007/, /invalid UTF-8/i],
  },
  {
    name: 'a masked frame from the server',
    behaviour: thenSends(maskedFrame(FIN | TEXT, Buffer.from('masked'))),
    code: 1002,
    words: [/1002/, /mask/i],
  },
  {
    name: 'a reserved opcode (0x3)',
    behaviour: thenSends(serverFrame(FIN | 0x03, Buffer.from('x'))),
    code: 1002,
    words: [/1002/, /opcode/i],
  },
  {
    name: 'RSV1 set without a negotiated extension',
    behaviour: thenSends(serverFrame(FIN | RSV1 | TEXT, Buffer.from('x'))),
    code: 1002,
    words: [/1002/, /RSV1|reserved bit/i],
  },
  {
    name: 'a control frame over 125 bytes (ping of 126)',
    behaviour: thenSends(serverFrame(FIN | PING, Buffer.alloc(126, 0x70))),
    code: 1002,
    words: [/1002/, /control frame/i, /125/],
  },
  {
    name: 'a fragmented control frame (ping without FIN)',
    behaviour: thenSends(serverFrame(PING, Buffer.from('p'))),
    code: 1002,
    words: [/1002/, /control frame/i, /fragment|FIN/i],
  },
  {
    name: 'a message over the configured maxPayload (100,000 bytes, limit 65,536)',
    behaviour: thenSends(serverFrame(FIN | BINARY, Buffer.alloc(100_000, 1))),
    options: { maxPayload: 64 * 1024 },
    code: 1009,
    words: [/1009/, /too big/i, /65,?536|64 KiB|limit|maxPayload/i],
  },
  {
    name: 'a deflate bomb (10 KB that inflates to 10 MB, limit 1 MiB)',
    behaviour: (socket, request, report) => {
      const deflated = deflateRawSync(Buffer.alloc(10 * 1024 * 1024), { finishFlush: zlibConstants.Z_SYNC_FLUSH });
      const bomb = deflated.subarray(0, deflated.length - 4); // RFC 7692: without 00 00 ff ff
      report.bombBytes = bomb.length;
      return thenSends(serverFrame(FIN | RSV1 | BINARY, bomb), ['Sec-WebSocket-Extensions: permessage-deflate'])(
        socket,
        request,
        report,
      );
    },
    options: { maxPayload: 1024 * 1024 },
    code: 1009,
    words: [/1009/, /too big/i, /1,?048,?576|1 MiB|limit|maxPayload/i],
  },
];

describe('hostile servers', () => {
  before(() => {
    guard.watch();
  });
  after(() => {
    guard.stop();
  });

  for (const c of frameCases) {
    const outcome = once(() => runCase(c.behaviour, c.options));

    test(`${c.name}: the client closes with ${c.code}, nothing crashes, the recording loads`, async () => {
      const o = await outcome();
      assert.equal(o.connected, 'open', 'the handshake itself was fine');
      assert.equal(o.state.phase, 'closed');
      assert.equal(o.clientClose, c.code, `the close frame the client sent has ${c.code}`);
      assertRecording(o.loaded, [BEFORE]);
      if (!('error' in o.loaded))
        assert.ok(
          o.loaded.events.some((e) => e.type === 'close'),
          'the close is recorded',
        );
      assertProcessClean();
    });

    test(`${c.name}: the state says ${c.words.map((w) => w.source).join(' + ')}`, async () => {
      const o = await outcome();
      assertMessage(o.state, c.words);
      if (o.state.phase === 'closed')
        assert.equal(o.state.code, c.code, 'the state has the code the client closed with');
    });
  }

  describe('a flood of tiny fragments that never finishes', () => {
    const LIMIT = 200_000;
    const outcome = once(async () => {
      const rssBefore = process.memoryUsage().rss;
      let peak = rssBefore;
      const sampler = setInterval(() => (peak = Math.max(peak, process.memoryUsage().rss)), 20);
      try {
        const o = await runCase(
          async (socket, request, report) => {
            socket.setNoDelay(true);
            answerUpgrade(socket, request);
            socket.write(serverFrame(FIN | TEXT, Buffer.from(BEFORE)));
            // A text message of 1-byte fragments, FIN never set: written until the client stops it.
            const first = serverFrame(TEXT, Buffer.from('a'));
            const more = serverFrame(0x00, Buffer.from('a'));
            const batch = Buffer.concat(Array.from({ length: 1000 }, () => more));
            let sent = 0;
            socket.write(first);
            sent++;
            while (sent < LIMIT && !socket.destroyed && !socket.writableEnded && !socket.readableEnded) {
              const ok = socket.write(batch);
              sent += 1000;
              report.fragments = sent;
              if (!ok)
                await Promise.race([
                  new Promise((r) => socket.once('drain', r)),
                  new Promise((r) => socket.once('close', r)),
                  wait(500),
                ]);
              else await new Promise((r) => setImmediate(r));
            }
            report.fragments = sent;
          },
          {},
          { finalWithinMs: 20_000 },
        );
        return { ...o, server: { ...o.server, rssGrowth: peak - rssBefore } };
      } finally {
        clearInterval(sampler);
      }
    });

    test('ws stops it at its fragment limit (16,384) with 1008, memory stays bounded, the recording loads', async (t) => {
      const o = await outcome();
      t.diagnostic(
        `server wrote ${String(o.server.fragments)} fragments; rss grew ${((o.server.rssGrowth as number) / 1048576).toFixed(1)} MB at most`,
      );
      assert.equal(o.connected, 'open');
      assert.equal(o.state.phase, 'closed');
      // ws has maxFragments (default 16,384): it gives up long before maxPayload, with 1008 Policy Violation.
      assert.equal(o.clientClose, 1008, 'the client closed with 1008');
      assert.ok(
        (o.server.fragments as number) < LIMIT,
        `the client stopped the flood (server wrote ${String(o.server.fragments)} fragments)`,
      );
      const growth = o.server.rssGrowth as number;
      assert.ok(growth < 150 * 1024 * 1024, `rss grew ${(growth / 1048576).toFixed(1)} MB`);
      assertRecording(o.loaded, [BEFORE]);
      assertProcessClean();
    });

    test(`the state says 1008 and that the server sent too many fragments`, async () => {
      const o = await outcome();
      assertMessage(o.state, [/1008/, /fragments/i]);
      if (o.state.phase === 'closed') assert.equal(o.state.code, 1008);
    });
  });

  describe('handshakes', () => {
    test('a handshake that never completes: the handshake-timeout sentence', async () => {
      const o = await runCase(() => undefined /* reads the request, never answers */, { handshakeTimeout: 300 });
      assert.equal(o.state.phase, 'error');
      assert.notEqual(o.connected, 'open');
      assertMessage(o.state, [/did not complete the WebSocket handshake in time/, /handshakeTimeout/]);
      assert.ok(o.elapsedMs < 3000, `ended after ${o.elapsedMs} ms`);
      assertRecording(o.loaded, []);
      if (!('error' in o.loaded))
        assert.ok(
          o.loaded.events.some((e) => e.type === 'error' && /handshake/.test(e.message)),
          'the failure is recorded',
        );
      assertProcessClean();
    });

    test('a wrong Sec-WebSocket-Accept: the sentence names the header', async () => {
      const o = await runCase((socket, request) => {
        answerUpgradeWith(socket, request, [], 'dGhpcyBpcyBub3QgdGhlIGFjY2VwdA==');
        socket.write(serverFrame(FIN | TEXT, Buffer.from('never shown')));
      });
      assert.equal(o.state.phase, 'error');
      assertMessage(o.state, [/wrong Sec-WebSocket-Accept/, /not a valid WebSocket handshake/]);
      assertRecording(o.loaded, []);
      assertProcessClean();
    });

    const subprotocol = once(() =>
      runCase((socket, request) => answerUpgradeWith(socket, request, ['Sec-WebSocket-Protocol: evil.v9']), {
        protocols: ['chat.v1', 'chat.v2'],
      }),
    );

    test('a subprotocol the client did not offer: refused, nothing crashes, the recording loads', async () => {
      const o = await subprotocol();
      assert.equal(o.state.phase, 'error');
      assert.notEqual(o.connected, 'open');
      assertMessage(o.state, [/subprotocol/i]);
      assertRecording(o.loaded, []);
      assertProcessClean();
    });

    test(`a subprotocol the client did not offer: the state names what the server chose and what was offered`, async () => {
      const o = await subprotocol();
      assertMessage(o.state, [/evil\.v9/, /chat\.v1/, /not offered|did not offer|was not among/i]);
    });
  });

  describe('the connection ends badly', () => {
    test('an abrupt TCP reset in the middle of a message: the 1006 abnormal-closure sentence', async () => {
      const o = await runCase(async (socket, request) => {
        socket.setNoDelay(true);
        answerUpgrade(socket, request);
        socket.write(serverFrame(FIN | TEXT, Buffer.from(BEFORE)));
        await wait(20);
        const frame = serverFrame(FIN | BINARY, Buffer.alloc(1000, 7));
        socket.write(frame.subarray(0, 500)); // half a frame
        await wait(30);
        socket.resetAndDestroy();
      });
      assert.equal(o.connected, 'open');
      assert.equal(o.state.phase, 'closed');
      assertMessage(o.state, [/1006/, /Abnormal Closure/, /without a close frame/]);
      if (o.state.phase === 'closed') assert.equal(o.state.code, 1006);
      assertRecording(o.loaded, [BEFORE]);
      assertProcessClean();
    });

    // ws waits `closeTimeout` (30 s, not configurable through TransportOptions) for the server
    // to end TCP after the closing handshake; the Transport stays `open` until then.
    test(
      'a close frame and no TCP close: the client still ends closed within a bounded time (the 5 s close timeout, + 1.5 s)',
      { timeout: 60_000 },
      async (t) => {
        const o = await runCase(
          async (socket, request, report) => {
            socket.setNoDelay(true);
            answerUpgrade(socket, request);
            socket.write(serverFrame(FIN | TEXT, Buffer.from(BEFORE)));
            await wait(20);
            const payload = Buffer.concat([Buffer.from([0x03, 0xe8]), Buffer.from('done')]); // 1000 "done"
            socket.write(serverFrame(FIN | CLOSE, payload));
            report.closeSentAt = Date.now();
            // Half-open server: it reads the client's close and FIN, and never ends its own side.
            socket.on('end', () => (report.clientEndedAt = Date.now()));
          },
          {},
          // Bounded by the client's close timeout (5 s) and a margin, so a longer timeout fails here.
          { finalWithinMs: 5_000 + 1_500 + 1_000, allowHalfOpen: true },
        );
        assert.equal(o.connected, 'open');
        assert.equal(o.state.phase, 'closed');
        assert.equal(o.clientClose, 1000, 'the client answered the close frame');
        const closedAfter = o.elapsedMs;
        const afterServerClose = o.endedAt - Number(o.server.closeSentAt);
        assert.ok(
          afterServerClose < 5_000 + 1_500,
          `closed ${afterServerClose} ms after the server's close frame (close timeout 5 s + 1.5 s margin)`,
        );
        assertMessage(o.state, [/server closed the connection/, /1000 Normal Closure/, /"done"/]);
        assertRecording(o.loaded, [BEFORE]);
        assertProcessClean();
        // Visible in the test output: how long a person looks at an "open" connection that is over.
        t.diagnostic(
          `closed ${closedAfter} ms after connect; client FIN ${o.server.clientEndedAt ? Number(o.server.clientEndedAt) - Number(o.server.closeSentAt) : '?'} ms after the server's close frame`,
        );
      },
    );
  });

  test('no uncaught exception and no unhandled rejection in the whole suite', () => {
    assertProcessClean();
  });
});
