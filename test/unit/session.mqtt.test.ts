import assert from 'node:assert/strict';
import { rmSync } from 'node:fs';
import { test } from 'node:test';
import type { MqttSession } from '../../src/core/protocols';
import { compareAnswers } from '../../src/core/sessions/compare';
import { replaySession } from '../../src/core/sessions/replay';
import type { TransportMessage } from '../../src/core/transport';
import { waitFor } from './helpers';
import { startAedes } from './protocol.mqtt.servers';
import { recordSession, tempDir } from './session.protocols.servers';

test('an MQTT recording replays and compares by packet: a broker that frames its packets otherwise still matches', async () => {
  const dir = tempDir();
  // aedes over createWebSocketStream writes each piece of a packet as a frame; the framed one writes whole packets.
  const first = await startAedes();
  const live = await startAedes({}, true);
  try {
    const received: TransportMessage[] = [];
    const loaded = await recordSession<MqttSession>(first.url, dir, 'mqtt', async (s, transport) => {
      transport.onMessage((m) => m.direction === 'received' && received.push(m));
      let deliveries = 0;
      s.onPublish(() => deliveries++);
      await s.subscribe('prices/#', 1);
      await s.compose('publish', { topic: 'prices/eur', payload: '{"bid":1.08}', qos: '1' });
      await waitFor(() => deliveries === 1, 3000, 'the delivery');
    });
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
