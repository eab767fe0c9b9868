import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { noProxyFromSetting, proxyFor } from '../../src/core/proxy';
import { readIgnorePaths } from '../../src/core/sessions/compare';

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
    assert.equal(proxyFor('ws://h.test/', { proxy: 'http://p:1', noProxy: noProxyFromSetting([]) }, { NO_PROXY: 'h.test' }), undefined);
  });

  test('websocketInspector.replay.ignorePaths: a bad value is a sentence naming the setting and the value', () => {
    const setting = 'websocketInspector.replay.ignorePaths';
    assert.deepEqual(readIgnorePaths(['$.ts', '$.data[*].id'], setting), { paths: ['$.ts', '$.data[*].id'] });
    assert.deepEqual(readIgnorePaths(undefined, setting), { paths: [] });
    const notList = readIgnorePaths('$.ts', setting);
    assert.ok('error' in notList);
    assert.match(notList.error, /websocketInspector\.replay\.ignorePaths must be a list of JSON paths .* but it is "\$\.ts"/);
    const badPath = readIgnorePaths(['$.ok', 'timestamp'], setting);
    assert.ok('error' in badPath);
    assert.match(badPath.error, /websocketInspector\.replay\.ignorePaths is not valid: The JSON path "timestamp" must start with \$/);
  });
});
