import assert from 'node:assert/strict';
import { test } from 'node:test';
import { parseWsFile } from '../../src/core/wsfile/parse';
import { runWsRequest } from '../../src/core/wsfile/run';
import { waitFor } from './helpers';
import { startAedes } from './protocol.mqtt.servers';

// .ws files speaking MQTT to aedes: the session's CONNECT/CONNACK for the file, and its actions
// (=== subscribe, === publish with the payload below) with wait-for on the decoded PUBLISH.

test('a .ws request with @protocol mqtt against aedes: the session connects (CONNECT/CONNACK) for the file', async () => {
  const srv = await startAedes();
  const ready: string[] = [];
  srv.broker.on('clientReady', (c) => ready.push(c.id));
  const file = `# @protocol mqtt\nWEBSOCKET ${srv.url}\n\n=== wait-for-server\n=== wait 200ms\n`;
  const parsed = parseWsFile(file);
  const notes: string[] = [];
  const result = await runWsRequest({
    request: parsed.requests[0],
    variables: { fileVariables: parsed.variables, allowProcessEnv: false },
    baseDir: __dirname,
    waitTimeoutMs: 3000,
    onConnection: (_c, _s, protocol) => protocol.session?.onNote((n) => notes.push(n.text)),
  });
  try {
    assert.deepEqual(parsed.diagnostics, []);
    assert.equal(result.ok, true, result.error);
    await waitFor(() => ready.length === 1, 2000, 'aedes to see the client ready');
    assert.ok(
      notes.some((n) => n.startsWith('The MQTT broker accepted the connection (MQTT 3.1.1, client wsi-')),
      notes.join(' | '),
    );
  } finally {
    result.connection?.dispose();
    await srv.close();
  }
});

for (const framed of [true, false])
  test(`.ws with @protocol mqtt: subscribe, publish QoS 2 retained with the payload below, wait-for the decoded delivery (aedes writing ${framed ? 'a packet per frame' : 'each piece of a packet as a frame'})`, async () => {
    const srv = await startAedes({}, framed);
    const file = [
      '@room = kitchen',
      '# @protocol mqtt',
      `WEBSOCKET ${srv.url}`,
      '',
      '=== subscribe home/# 1',
      '=== publish home/{{room}} qos=2 retain',
      '{"temperature": 21.5}',
      '=== wait-for topic == "home/kitchen" && json.temperature == 21.5',
    ].join('\n');
    const parsed = parseWsFile(file);
    assert.deepEqual(parsed.diagnostics, []);
    const sentences: string[] = [];
    const result = await runWsRequest({
      request: parsed.requests[0],
      variables: { fileVariables: parsed.variables, allowProcessEnv: false },
      baseDir: __dirname,
      waitTimeoutMs: 3000,
      onSentence: (s) => sentences.push(s),
    });
    try {
      assert.equal(result.ok, true, result.error);
      assert.equal(sentences.length, 2, sentences.join(' | '));
      assert.match(sentences[0], /^SUBACK after \d+ ms: QoS 1 granted\.$/);
      assert.match(sentences[1], /^PUBREC after \d+ ms, PUBCOMP after \d+ ms\.$/);
    } finally {
      result.connection?.dispose();
      await srv.close();
    }
  });
