import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { DIRECTION_CODES, FrameStore, KIND_CODES, preview } from '../../src/core/frameStore';

describe('FrameStore', () => {
  it('appends rows and reads them back with their payload bytes', () => {
    const store = new FrameStore();
    assert.equal(store.length, 0);
    assert.equal(store.append(10, 'sent', 'text', 'hello'), 0);
    assert.equal(store.append(11, 'received', 'binary', Buffer.from([1, 2, 3])), 1);
    assert.equal(store.append(12, 'event', 'open', 'Connected'), 2);
    assert.equal(store.length, 3);
    const row = store.get(1)!;
    assert.deepEqual(
      { ...row, payload: [...row.payload] },
      { index: 1, time: 11, direction: 'received', kind: 'binary', payload: [1, 2, 3] },
    );
    assert.equal(store.get(0)!.payload.toString(), 'hello');
    assert.equal(store.get(2)!.kind, 'open');
  });

  it('returns undefined out of range', () => {
    const store = new FrameStore();
    store.append(1, 'sent', 'text', 'x');
    for (const i of [-1, 1, 0.5, NaN]) assert.equal(store.get(i), undefined);
  });

  it('copies the payload on append', () => {
    const store = new FrameStore();
    const bytes = Buffer.from('abc');
    store.append(1, 'sent', 'text', bytes);
    bytes[0] = 0x7a;
    assert.equal(store.get(0)!.payload.toString(), 'abc');
  });

  it('keeps every row across many appends and growths', () => {
    const store = new FrameStore();
    for (let i = 0; i < 5000; i++) store.append(i, i % 2 ? 'sent' : 'received', 'text', `message ${i}`);
    assert.equal(store.length, 5000);
    for (const i of [0, 1023, 1024, 4999]) {
      const row = store.get(i)!;
      assert.equal(row.time, i);
      assert.equal(row.direction, i % 2 ? 'sent' : 'received');
      assert.equal(row.payload.toString(), `message ${i}`);
    }
  });

  it('stores payloads larger than a chunk, and rows after them', () => {
    const store = new FrameStore();
    const big = Buffer.alloc(5 * 1024 * 1024 + 3, 0x61);
    big[big.length - 1] = 0x7a;
    store.append(1, 'received', 'text', 'before');
    store.append(2, 'received', 'binary', big);
    store.append(3, 'received', 'text', 'after');
    assert.equal(store.get(0)!.payload.toString(), 'before');
    assert.ok(store.get(1)!.payload.equals(big));
    assert.equal(store.get(2)!.payload.toString(), 'after');
    assert.equal(store.summary(1).size, big.length);
    assert.ok(store.payloadCapacityBytes >= big.length + 4 * 1024 * 1024);
  });

  it('fills a chunk to its end and continues in the next', () => {
    const store = new FrameStore();
    const size = 1000;
    const n = Math.ceil((4 * 1024 * 1024) / size) + 10;
    for (let i = 0; i < n; i++) store.append(i, 'received', 'text', Buffer.alloc(size, 48 + (i % 10)));
    for (let i = 0; i < n; i++) {
      const p = store.get(i)!.payload;
      assert.equal(p.length, size);
      assert.equal(p[0], 48 + (i % 10));
      assert.equal(p[size - 1], 48 + (i % 10));
    }
  });

  it('summarizes a range, clamped to what exists', () => {
    const store = new FrameStore();
    for (let i = 0; i < 5; i++) store.append(100 + i, 'received', 'text', `m${i}`);
    const rows = store.summaries(3, 10);
    assert.deepEqual(rows, [
      { index: 3, time: 103, direction: 'received', kind: 'text', size: 2, preview: 'm3' },
      { index: 4, time: 104, direction: 'received', kind: 'text', size: 2, preview: 'm4' },
    ]);
    assert.deepEqual(
      store.summaries(-5, 1).map((r) => r.index),
      [0],
    );
    assert.deepEqual(store.summaries(10, 5), []);
    assert.deepEqual(store.summaries(0, -1), []);
  });

  it('previews text on one line, cut at 200 characters', () => {
    assert.equal(preview('text', Buffer.from('a\r\nb\nc\rd')), 'a ⏎ b ⏎ c ⏎ d');
    assert.equal(preview('text', Buffer.from('tab\there\u0001')), 'tab\there·');
    const long = preview('text', Buffer.from('x'.repeat(500)));
    assert.equal(long, 'x'.repeat(200) + '…');
    const store = new FrameStore();
    store.append(1, 'received', 'text', 'é'.repeat(1000));
    assert.equal(store.summary(0).preview, 'é'.repeat(200) + '…');
    assert.equal(store.summary(0).size, 2000);
  });

  it('previews binary as spaced hex of the first 48 bytes', () => {
    assert.equal(preview('binary', Buffer.from([0, 1, 0xab, 0xff])), '00 01 ab ff');
    const store = new FrameStore();
    store.append(1, 'received', 'binary', Buffer.alloc(100, 0xee));
    const p = store.summary(0).preview;
    assert.equal(p, Array(48).fill('ee').join(' '));
    assert.equal(store.summary(0).size, 100);
  });

  it('previews a close with its code name and reason', () => {
    const close = Buffer.from([0x03, 0xe8, ...Buffer.from('bye')]);
    assert.match(preview('close', close), /^1000.*"bye"$/);
    assert.equal(preview('close', Buffer.alloc(0)), 'no status code');
    assert.doesNotMatch(preview('close', Buffer.from([0x03, 0xe8])), /"/);
  });

  it('exposes its columns for scans', () => {
    const store = new FrameStore();
    store.append(1, 'sent', 'ping', 'p');
    store.append(2, 'event', 'error', 'oops');
    const c = store.columns();
    assert.equal(c.length, 2);
    assert.equal(DIRECTION_CODES[c.directions[1]], 'event');
    assert.equal(KIND_CODES[c.kinds[0]], 'ping');
    assert.equal(
      c.chunks[c.chunkIndexes[1]].toString('utf8', c.chunkOffsets[1], c.chunkOffsets[1] + c.sizes[1]),
      'oops',
    );
  });
});
