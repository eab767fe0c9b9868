import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, test } from 'node:test';
import { noProxyFromSetting, proxyFor } from '../../src/core/proxy';
import { readIgnorePaths } from '../../src/core/sessions/compare';
import { newHeader, serializeSession } from '../../src/core/sessions/format';
import { SessionHistory } from '../../src/core/sessions/history';

describe('settings read into options', () => {
  test('http.noProxy becomes a NO_PROXY list: host, .domain, *, host:port skip the proxy', () => {
    const noProxy = noProxyFromSetting(['localhost', ' .corp.example ', '10.0.0.1:8080', '']);
    assert.equal(noProxy, 'localhost,.corp.example,10.0.0.1:8080');
    const via = (url: string, list = noProxy) => proxyFor(url, { proxy: 'http://proxy:3128', noProxy: list }, {});
    assert.equal(via('ws://localhost:9000/'), undefined);
    assert.equal(via('wss://api.corp.example/'), undefined);
    assert.equal(via('ws://10.0.0.1:8080/'), undefined);
    assert.equal(via('ws://10.0.0.1:8081/'), 'http://proxy:3128', 'another port still goes through the proxy');
    assert.equal(via('wss://example.com/'), 'http://proxy:3128');
    assert.equal(via('wss://example.com/', noProxyFromSetting(['*'])), undefined);
  });

  test('an empty or odd http.noProxy leaves NO_PROXY from the environment in charge', () => {
    assert.equal(noProxyFromSetting([]), undefined);
    assert.equal(noProxyFromSetting(undefined), undefined);
    assert.equal(noProxyFromSetting([42, null]), undefined);
    assert.equal(
      proxyFor('ws://h.test/', { proxy: 'http://p:1', noProxy: noProxyFromSetting([]) }, { NO_PROXY: 'h.test' }),
      undefined,
    );
  });

  test('websocketInspector.replay.ignorePaths: a bad value is a sentence naming the setting and the value', () => {
    const setting = 'websocketInspector.replay.ignorePaths';
    assert.deepEqual(readIgnorePaths(['$.ts', '$.data[*].id'], setting), { paths: ['$.ts', '$.data[*].id'] });
    assert.deepEqual(readIgnorePaths(undefined, setting), { paths: [] });
    const notList = readIgnorePaths('$.ts', setting);
    assert.ok('error' in notList);
    assert.match(
      notList.error,
      /websocketInspector\.replay\.ignorePaths must be a list of JSON paths .* but it is "\$\.ts"/,
    );
    const badPath = readIgnorePaths(['$.ok', 'timestamp'], setting);
    assert.ok('error' in badPath);
    assert.match(
      badPath.error,
      /websocketInspector\.replay\.ignorePaths is not valid: The JSON path "timestamp" must start with \$/,
    );
  });
});

describe('history limits follow the settings without a reload', () => {
  test('setLimits applies to the next prune: a lower websocketInspector.history.maxSessions drops the oldest', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'wsi-limits-'));
    try {
      const history = new SessionHistory(dir, { maxCount: 10 });
      for (let i = 0; i < 5; i++) {
        const startedAt = new Date(Date.UTC(2026, 0, 1, 0, 0, i));
        writeFileSync(
          history.newPath('ws://h.test/', startedAt),
          serializeSession({
            header: newHeader('ws://h.test/', { options: {}, startedAt: startedAt.toISOString() }),
            events: [],
          }),
        );
      }
      assert.deepEqual(await history.prune(), [], 'within the first limits');
      history.setLimits({ maxCount: 2 });
      assert.equal(history.currentLimits.maxCount, 2);
      assert.equal((await history.prune()).length, 3);
      const left = await history.list();
      assert.deepEqual(
        left.map((e) => e.startedAt),
        ['2026-01-01T00:00:04.000Z', '2026-01-01T00:00:03.000Z'],
        'the newest stay',
      );
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
