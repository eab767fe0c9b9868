import assert from 'node:assert/strict';
import { test } from 'node:test';
import { InspectorSession } from '../../src/core/inspector/session';
import { RegexRunner } from '../../src/core/regexWorker';
import { PROTOCOL_VERSION, type FilterQuery, type ToWebview } from '../../src/shared/protocol';
import { startWsServer, waitFor } from './helpers';

const N = 200_000;

/** A session whose server sent N messages (every 10th has "beta") and closed: nothing new will arrive. */
async function quietSession() {
  const srv = await startWsServer();
  srv.server.on('connection', (ws) => {
    for (let i = 0; i < N; i++) ws.send(i % 10 === 0 ? `{"n":${i},"tag":"beta"}` : `{"n":${i},"tag":"alpha"}`);
    ws.close(1000);
  });
  const posted: ToWebview[] = [];
  const session = new InspectorSession({ url: srv.url, handshakeTimeout: 3000 }, (m) => posted.push(m));
  session.receive({ type: 'ready', protocolVersion: PROTOCOL_VERSION });
  await session.connect();
  await waitFor(
    () => session.state.phase === 'closed' && session.stats.receivedMessages === N,
    20_000,
    'the flood and close',
  );
  const status = () => posted.flatMap((m) => (m.type === 'tick' && m.filter ? [m.filter] : [])).at(-1);
  const setFilter = (query: FilterQuery | null) => session.receive({ type: 'setFilter', query });
  return { srv, session, posted, status, setFilter };
}

test('a filter changed while the previous one still runs ends on its own count, also on a closed connection', async () => {
  const s = await quietSession();
  try {
    for (const gap of [0, 5, 20, 50]) {
      s.setFilter({ text: 'alpha' });
      if (gap) await new Promise((r) => setTimeout(r, gap));
      // The second change comes while the first pass is still going (200k rows take longer than a slice).
      s.setFilter({ text: 'beta' });
      await waitFor(
        () => s.status()?.running === false && s.status()?.matched === N / 10,
        10_000,
        `"beta" to finish after a change ${gap} ms into "alpha" (last: ${JSON.stringify(s.status())})`,
      );
      s.setFilter({ json: 'n >= 0' });
      s.setFilter({ text: 'b.ta', mode: 'regex' });
      await waitFor(
        () => s.status()?.running === false && s.status()?.matched === N / 10,
        10_000,
        `the regex "beta" after a JSON filter (last: ${JSON.stringify(s.status())})`,
      );
    }
    // Cleared while a pass runs: the list goes back to every row.
    s.setFilter({ text: 'alpha' });
    s.setFilter(null);
    await waitFor(
      () => {
        const tick = s.posted.at(-1);
        return tick?.type === 'tick' && !tick.filter && tick.length === s.session.store.length;
      },
      10_000,
      'the unfiltered list',
    );
  } finally {
    s.session.dispose();
    await s.srv.close();
  }
});

test('one regex worker serves every filter: a replaced catastrophic pattern is ended at once and does not fail the next', async () => {
  const runner = new RegexRunner();
  try {
    const text = `${'a'.repeat(40)}!`;
    const bytes = Buffer.from(text);
    const batch = () => ({
      rows: Uint32Array.of(7),
      bytes: new Uint8Array(bytes),
      bounds: Uint32Array.of(0, bytes.length),
    });
    const cancel = new AbortController();
    const slow = runner.test('^(a+)+$', '', batch(), 5_000, cancel.signal);
    const next = runner.test('a!', '', batch(), 5_000);
    const started = Date.now();
    setTimeout(() => cancel.abort(), 50);
    await assert.rejects(slow, /The filter was closed\./);
    assert.deepEqual([...(await next)], [7]);
    assert.ok(Date.now() - started < 2_000, `the next batch waited ${Date.now() - started} ms`);
    // A batch that overruns its budget fails alone; the one queued behind it still runs.
    const over = runner.test('^(a+)+$', '', batch(), 100);
    const after = runner.test('!$', '', batch(), 5_000);
    await assert.rejects(over, /regular expression/i);
    assert.deepEqual([...(await after)], [7]);
  } finally {
    runner.dispose();
  }
});
