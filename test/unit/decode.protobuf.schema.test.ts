import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { loadDescriptorSet, loadProtoSchema, protobufDecoder } from '../../src/core/decode/protobuf';
import {
  EVERYTHING_TEXT,
  EVERYTHING_VALUE,
  encodeText,
  load,
  MARKET,
  MARKET_INCLUDES,
  protoc,
  readFileOrUndefined,
  received,
  tempProtos,
} from './decode.protobuf.fixtures';

const TICKER = 'a/market/ticker.proto';

describe('Protobuf schemas from .proto files', () => {
  let t: ReturnType<typeof tempProtos>;
  before(() => {
    t = tempProtos({
      ...MARKET,
      'bad/syntax.proto': 'syntax = "proto3";\npackage bad;\n\nmessage A {\n  int32 a = 1;\n  string b = ;\n}\n',
      'bad/noimport.proto':
        'syntax = "proto3";\npackage bad;\n// import "commented/out.proto";\nimport "google/protobuf/any.proto";\n  import "missing/thing.proto";\nmessage B { int32 x = 1; }\n',
      'bad/notype.proto': 'syntax = "proto3";\npackage bad;\nmessage C {\n  int32 ok = 1;\n  Missing gone = 2;\n}\n',
      'bad/dup.proto': 'syntax = "proto3";\npackage bad;\nmessage D { int32 a = 1; }\nmessage D { int32 b = 1; }\n',
      'bad/dupid.proto': 'syntax = "proto3";\nmessage E {\n  int32 a = 1;\n  int32 b = 1;\n}\n',
      'loop/x.proto': 'syntax = "proto3";\npackage loop;\nimport "y.proto";\nmessage X { Y y = 1; }\n',
      'loop/y.proto': 'syntax = "proto3";\npackage loop;\nimport "x.proto";\nmessage Y { X x = 1; }\n',
    });
  });
  after(() => t.remove());

  test('imports across roots (a configured root, then the entry file folder) and well-known types without files', () => {
    const r = load([t.path(TICKER)], [t.path('b')]);
    assert.deepEqual(r.errors, []);
    assert.deepEqual(r.schema!.messageTypes, [
      'common.Money',
      'market.Everything',
      'market.Everything.Nested',
      'market.ItemV1',
      'market.ItemV2',
      'market.Ticker',
    ]);
    assert.deepEqual(
      [...r.schema!.files].sort(),
      [t.path(TICKER), t.path('a/market/side.proto'), t.path('b/common/money.proto')].sort(),
    );
    assert.ok(r.schema!.type('.market.Ticker'));
    assert.equal(r.schema!.type('market.Nope'), undefined);
  });

  test('an import cycle loads once per file', () => {
    const r = load([t.path('loop/x.proto')]);
    assert.deepEqual(r.errors, []);
    assert.deepEqual(r.schema!.messageTypes, ['loop.X', 'loop.Y']);
  });

  test('a syntax error is a problem at its line (and column), as protoc reports it', () => {
    const r = load([t.path('bad/syntax.proto')]);
    assert.equal(r.schema, undefined);
    assert.deepEqual(r.errors, [
      { file: t.path('bad/syntax.proto'), line: 6, column: 14, message: "Syntax error: illegal id ';'." },
    ]);
    // protoc puts it on the same line.
    assert.throws(
      () => protoc(t.dir, ['-Ibad', '--descriptor_set_out=/dev/null', 'bad/syntax.proto']),
      /syntax\.proto:6:/,
    );
  });

  test('an unresolved import is a problem at the line of its import statement, saying where it looked and what to set', () => {
    const r = load([t.path('bad/noimport.proto')], [t.path('b')]);
    assert.equal(r.errors.length, 1);
    const e = r.errors[0];
    assert.deepEqual([e.file, e.line, e.column], [t.path('bad/noimport.proto'), 5, 3]);
    assert.equal(
      e.message,
      `Cannot find the import "missing/thing.proto": searched ${t.path('b')}, ${t.path('bad')}. Add the folder that holds it (the one "missing/thing.proto" is relative to) to the Protobuf import roots.`,
    );
    // Without the root that holds money.proto, the market file cannot load either.
    const without = load([t.path(TICKER)]);
    assert.deepEqual(
      without.errors.map((x) => [x.file, x.line]),
      [[t.path(TICKER), 10]],
    );
    assert.match(without.errors[0].message, /^Cannot find the import "common\/money.proto"/);
  });

  test('a field of an unknown type is a problem at its line; a duplicate name at the line of the second one', () => {
    const r = load([t.path('bad/notype.proto')]);
    assert.equal(r.errors.length, 1);
    assert.deepEqual([r.errors[0].line, r.errors[0].column], [5, 3]);
    assert.match(r.errors[0].message, /^Unknown type "Missing" of field gone in bad.C/);
    const d = load([t.path('bad/dup.proto')]);
    assert.equal(d.errors.length, 1);
    assert.equal(d.errors[0].line, 4);
    assert.match(d.errors[0].message, /^Duplicate name 'D' in Namespace .bad.$/);
    const id = load([t.path('bad/dupid.proto')]);
    assert.deepEqual([id.errors[0].line, id.errors[0].message], [4, 'Duplicate id 1 in Type E.']);
  });

  test('an entry that cannot be read, too many files, a file too large: problems, not hangs', () => {
    assert.deepEqual(load([t.path('nope.proto')]).errors, [
      { file: t.path('nope.proto'), line: 1, message: `Cannot read ${t.path('nope.proto')}.` },
    ]);
    const few = loadProtoSchema({
      files: [t.path(TICKER)],
      roots: [t.path('b')],
      readFile: readFileOrUndefined,
      maxFiles: 2,
    });
    assert.match(few.errors[0].message, /^More than 2 \.proto files to load/);
    const small = loadProtoSchema({
      files: [t.path(TICKER)],
      roots: [t.path('b')],
      readFile: readFileOrUndefined,
      maxFileBytes: 100,
    });
    assert.match(small.errors[0].message, /is larger than 100 bytes; it was not loaded\.$/);
  });

  test('readFile is the only way files are read (the host passes one over the workspace)', () => {
    const seen: string[] = [];
    const files: Record<string, string> = {
      '/ws/protos/app.proto': 'syntax = "proto3";\nimport "lib/util.proto";\nmessage App { lib.Util u = 1; }\n',
      '/ws/shared/lib/util.proto': 'syntax = "proto3";\npackage lib;\nmessage Util { string s = 1; }\n',
    };
    const r = loadProtoSchema({
      files: ['/ws/protos/app.proto'],
      roots: ['/ws/shared'],
      readFile: (p) => (seen.push(p), files[p]),
    });
    assert.deepEqual(r.errors, []);
    assert.deepEqual(r.schema!.messageTypes, ['App', 'lib.Util']);
    assert.ok(seen.every((p) => p.startsWith('/ws/')));
  });
});

describe('Protobuf schemas from descriptor sets (protoc --descriptor_set_out)', () => {
  let t: ReturnType<typeof tempProtos>;
  before(() => (t = tempProtos(MARKET)));
  after(() => t.remove());
  const includes = MARKET_INCLUDES.map((i) => `-I${i}`);

  test('with --include_imports: the same types, and the same values as from the .proto files', () => {
    protoc(t.dir, [...includes, '--include_imports', '--descriptor_set_out=set.binpb', TICKER]);
    const r = loadDescriptorSet(readFileSync(join(t.dir, 'set.binpb')), 'set.binpb');
    assert.deepEqual(r.errors, []);
    assert.ok(r.schema!.messageTypes.includes('market.Everything'));
    assert.ok(r.schema!.messageTypes.includes('common.Money'));
    assert.ok(!r.schema!.messageTypes.some((n) => n.startsWith('google.')));
    const bytes = encodeText(t.dir, TICKER, 'market.Everything', EVERYTHING_TEXT, MARKET_INCLUDES);
    const v = protobufDecoder(r.schema!, { received: 'market.Everything' }).decode(received(bytes))!;
    assert.equal(v.problem, undefined);
    assert.deepEqual(v.value, EVERYTHING_VALUE);
  });

  test('without --include_imports: well-known imports are filled in; other missing imports are a sentence', () => {
    protoc(t.dir, ['-Ib', '--descriptor_set_out=money.desc', 'b/common/money.proto']);
    const money = loadDescriptorSet(readFileSync(join(t.dir, 'money.desc')));
    assert.deepEqual(money.schema?.messageTypes, ['common.Money']);
    protoc(t.dir, [...includes, '--descriptor_set_out=alone.desc', TICKER]);
    const alone = loadDescriptorSet(readFileSync(join(t.dir, 'alone.desc')), 'alone.desc');
    assert.equal(alone.schema, undefined);
    assert.match(
      alone.errors[0].message,
      /^alone\.desc lacks (common\/money\.proto, side\.proto|side\.proto, common\/money\.proto), which it imports\. Make it with protoc --include_imports\.$/,
    );
    // Only well-known imports missing: they come from the bundled copies.
    const only = tempProtos({
      'w.proto':
        'syntax = "proto3";\nimport "google/protobuf/timestamp.proto";\nmessage W { google.protobuf.Timestamp at = 1; }\n',
    });
    try {
      protoc(only.dir, ['-I.', '--descriptor_set_out=w.desc', 'w.proto']);
      const w = loadDescriptorSet(readFileSync(join(only.dir, 'w.desc')));
      assert.deepEqual(w.errors, []);
      const bytes = encodeText(only.dir, 'w.proto', 'W', 'at { seconds: 0 nanos: 1000 }');
      assert.deepEqual(protobufDecoder(w.schema!, { received: 'W' }).decode(received(bytes))?.value, {
        at: '1970-01-01T00:00:00.000001Z',
      });
    } finally {
      only.remove();
    }
  });

  test('bytes that are not a descriptor set are a sentence', () => {
    const r = loadDescriptorSet(Buffer.from([0x0a, 0x05, 0x01]), 'junk.desc');
    assert.equal(r.schema, undefined);
    assert.match(
      r.errors[0].message,
      /^junk\.desc is not a descriptor set \(.*\)\. Make one with protoc --descriptor_set_out=FILE --include_imports\.$/,
    );
    assert.match(
      loadDescriptorSet(Buffer.alloc(0), 'empty.desc').errors[0].message,
      /^empty\.desc holds no \.proto files\.$/,
    );
  });
});
