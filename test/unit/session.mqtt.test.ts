import assert from 'node:assert/strict';
import { rmSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import { openConnection, type MqttSession } from '../../src/core/protocols';
import { compareAnswers } from '../../src/core/sessions/compare';
import { loadSession } from '../../src/core/sessions/load';
import { SessionRecorder } from '../../src/core/sessions/recorder';
import { replaySession } from '../../src/core/sessions/replay';
import type { TransportMessage } from '../../src/core/transport';
import { waitFor } from './helpers';
import { startAedes } from './protocol.mqtt.servers';
import { tempDir } from './session.protocols.servers';

test('an MQTT recording replays and compares by packet: a broker that frames its packets otherwise still matches', async () => {
  const dir = tempDir();
  // aedes over createWebSocketStream writes each piece of a packet as a frame; the framed one writes whole packets.
  const first = await startAedes();
  const live = await startAedes({}, true);
  try {
    const file = join(dir, 'mqtt.wslog');
    const opened = openConnection({ url: first.url, handshakeTimeout: 3000, protocol: 'mqtt' });
    const s = opened.session as MqttSession;
    const recorder = await SessionRecorder.forConnection(file, opened.transport, { protocol: 'mqtt' });
    const received: TransportMessage[] = [];
    opened.transport.onMessage((m) => m.direction === 'received' && received.push(m));
    let deliveries = 0;
    s.onPublish(() => deliveries++);
    try {
      await opened.transport.connect();
      await s.ready();
      await s.subscribe('prices/#', 1);
      await s.compose('publish', { topic: 'prices/eur', payload: '{"bid":1.08}', qos: '1' });
      await waitFor(() => deliveries === 1, 3000, 'the delivery');
      s.close();
      await waitFor(() => opened.transport.state.phase === 'closed', 3000, 'closed');
    } finally {
      s.dispose();
      opened.transport.dispose();
      await recorder.close();
    }
    const loaded = await loadSession(file);
    if ('error' in loaded) throw new Error(loaded.error);
    // The recorded broker split its packets: more frames than packets (CONNACK, SUBACK, PUBACK, PUBLISH).
    assert.ok(received.length > 4, `${received.length} frames`);

    const result = await replaySession(loaded, { url: live.url, timing: { speed: 1e6 }, waitForAnswers: true }).result;
    assert.equal(result.ok, true, result.error);
    assert.deepEqual(result.notices, []);
    // Counted and compared as packets on both sides (the CONNACK is the session's, left out).
    assert.equal(result.recorded.length, 3);
    assert.equal(result.live.length, 3);
    const comparison = compareAnswers(result.recorded, result.live, { decode: result.decode });
    assert.equal(comparison.equal, true, JSON.stringify(comparison.differences));
    assert.deepEqual(comparison.summary, { matched: 3, mismatched: 0, missing: 0, extra: 0 });
  } finally {
    await first.close();
    await live.close();
    rmSync(dir, { recursive: true, force: true });
  }
});
