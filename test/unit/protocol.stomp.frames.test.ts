import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { test } from 'node:test';
import {
  encodeFrame,
  highestCommon,
  isHeartBeat,
  looksLikeStomp,
  parseSockJs,
  parseStomp,
  sockJsDecoder,
  stompDecoder,
} from '../../src/core/protocols';

// The STOMP framer and the SockJS frame reader alone (no server): what they read, and where they say a message is wrong.

const b = (s: string) => Buffer.from(s, 'utf8');

test('STOMP framer: command, headers, body up to the NUL; heart-beat EOLs between frames; CRLF lines', () => {
  const p = parseStomp(
    b('\n\nMESSAGE\r\ndestination:/topic/a\r\nmessage-id:7\r\n\r\nhello\0\n\nRECEIPT\nreceipt-id:r1\n\n\0\r\n'),
  );
  assert.equal(p.problem, undefined);
  assert.equal(p.eols, 5);
  assert.deepEqual(
    p.frames.map((f) => [f.command, f.headers, f.body.toString(), f.offset]),
    [
      ['MESSAGE', { destination: '/topic/a', 'message-id': '7' }, 'hello', 2],
      ['RECEIPT', { 'receipt-id': 'r1' }, '', 57],
    ],
  );
});

test('STOMP framer: content-length is honoured (a NUL inside the body), and the first of a repeated header wins', () => {
  const p = parseStomp(b('SEND\ndestination:/q\ncontent-length:5\ndestination:/other\n\na\0b\0c\0'));
  assert.equal(p.problem, undefined);
  assert.equal(p.frames[0].headers.destination, '/q');
  assert.deepEqual([...p.frames[0].body], [0x61, 0, 0x62, 0, 0x63]);
});

test('STOMP framer: escapes per version: 1.2 reads \\r \\n \\c \\\\, 1.1 has no \\r, 1.0 none, CONNECT and CONNECTED never', () => {
  const frame = b('MESSAGE\nk\\cey:a\\nb\\\\c\\rd\n\n\0');
  assert.deepEqual(parseStomp(frame, '1.2').frames[0].headers, { 'k:ey': 'a\nb\\c\rd' });
  assert.match(
    String(parseStomp(frame, '1.1').problem),
    /^The header line at byte 8 has an undefined escape "\\r" \(STOMP 1\.1 defines \\n, \\c and \\\\\)\.$/,
  );
  assert.deepEqual(parseStomp(frame, '1.0').frames[0].headers, { 'k\\cey': 'a\\nb\\\\c\\rd' });
  // Version not known yet: 1.2's escapes read, an undefined one kept as written.
  assert.deepEqual(parseStomp(b('SEND\nx:a\\tb\\c\n\n\0')).frames[0].headers, { x: 'a\\tb:' });
  assert.deepEqual(parseStomp(b('CONNECTED\nserver:a\\cb\n\n\0'), '1.2').frames[0].headers, { server: 'a\\cb' });
});

test('STOMP framer: bad input says what and at which byte, with what could be read', () => {
  const cases: Array<[string, RegExp]> = [
    [
      'SEND\ndestination:/q\n\nbody',
      /^The SEND frame at byte 0 has no NUL terminator: its body runs from byte 21 to the end of the message \(byte 25\)\.$/,
    ],
    [
      'SEND\ncontent-length:10\n\nabc\0',
      /^The SEND frame's content-length 10 runs past the message: its body starts at byte 24 and only 4 bytes follow\.$/,
    ],
    [
      'SEND\ncontent-length:2\n\nabc\0',
      /^The SEND frame's body of content-length 2 ends at byte 25, where its NUL terminator should be, but that byte is 0x63\.$/,
    ],
    ['SEND\ncontent-length:x\n\n\0', /^The SEND frame's content-length "x" is not a number of bytes\.$/],
    ['FOO\n\n\0', /^"FOO" at byte 0 is not a STOMP command\.$/],
    ['\nSEND\ndestination /q\n\n\0', /^The header line "destination \/q" at byte 6 has no colon\.$/],
    ['SEND\nx:1\0\n\n', /^The SEND frame at byte 0 ends with the NUL at byte 8, inside its headers/],
    [
      'SEND\nx:1\n',
      /^The SEND frame at byte 0 has no NUL terminator: the message ends at byte 9, inside its headers\.$/,
    ],
    ['MESS', /^The message ends at byte 4 inside a command line \("MESS"\)\.$/],
  ];
  for (const [input, problem] of cases) assert.match(String(parseStomp(b(input)).problem), problem, input);
  const p = parseStomp(b('RECEIPT\nreceipt-id:1\n\n\0MESSAGE\ndestination:/t\n\nunfinished'));
  assert.equal(p.frames.length, 1);
  assert.deepEqual(p.partial, { command: 'MESSAGE', headers: { destination: '/t' }, offset: 23 });
  assert.equal(p.cutShort, true);
  assert.equal(parseStomp(b('FOO\n\n\0')).cutShort, undefined);
});

test('STOMP encoder: escapes per version, never in CONNECT, sets content-length, refuses what a version cannot carry', () => {
  assert.equal(
    encodeFrame(
      'SEND',
      [
        ['destination', '/q'],
        ['a:b', 'x\ny\\z'],
      ],
      'héllo',
      '1.2',
    ),
    'SEND\ndestination:/q\na\\cb:x\\ny\\\\z\ncontent-length:6\n\nhéllo\0',
  );
  assert.equal(
    encodeFrame('CONNECT', { 'accept-version': '1.2', passcode: 'a:b' }),
    'CONNECT\naccept-version:1.2\npasscode:a:b\n\n\0',
  );
  assert.throws(
    () => encodeFrame('SEND', [['x', 'a\nb']], '', '1.0'),
    /has a line break, which a SEND frame cannot carry in STOMP 1\.0/,
  );
  assert.throws(
    () => encodeFrame('SEND', [['x', 'a\rb']], '', '1.1'),
    /carriage return, which STOMP 1\.1 headers cannot carry/,
  );
  const round = parseStomp(b(encodeFrame('MESSAGE', [['k', 'a:b\nc\r\\']], 'x', '1.2')), '1.2').frames[0];
  assert.deepEqual(round.headers, { k: 'a:b\nc\r\\', 'content-length': '1' });
  assert.equal(highestCommon('1.0,1.1', ['1.0', '1.1', '1.2']), '1.1');
  assert.equal(highestCommon(undefined, ['1.0', '1.1', '1.2']), '1.0');
  assert.equal(highestCommon('2.0', ['1.2']), undefined);
});

test('STOMP sniffing: heart-beats are EOLs only; a command prefix looks like STOMP, other text does not', () => {
  assert.equal(isHeartBeat(b('\n')), true);
  assert.equal(isHeartBeat(b('\r\n\n')), true);
  assert.equal(isHeartBeat(b('')), false);
  assert.equal(isHeartBeat(b('\r')), false);
  assert.equal(looksLikeStomp(b('\nCONNECTED\nversion:1.2\n\n\0')), true);
  assert.equal(looksLikeStomp(b('{"type":"next"}')), false);
  assert.equal(looksLikeStomp(b('Hello there')), false);
});

test('SockJS frames: o, h, a, c from the server, arrays from the client; malformed ones say where', () => {
  assert.deepEqual(parseSockJs('o', 'received'), { frame: 'o' });
  assert.deepEqual(parseSockJs('h', 'received'), { frame: 'h' });
  assert.deepEqual(parseSockJs('a["x","y"]', 'received'), { frame: 'a', messages: ['x', 'y'] });
  assert.deepEqual(parseSockJs('c[3000,"Go away!"]', 'received'), { frame: 'c', code: 3000, reason: 'Go away!' });
  assert.deepEqual(parseSockJs('["CONNECT\\n\\n\\u0000"]', 'sent'), { frame: 'send', messages: ['CONNECT\n\n\0'] });
  assert.deepEqual(parseSockJs('"one"', 'sent'), { frame: 'send', messages: ['one'] });
  assert.deepEqual(parseSockJs('x', 'received'), { problem: '"x" at char 0 is not a SockJS frame type (o, h, a, c).' });
  assert.deepEqual(parseSockJs('ox', 'received'), {
    problem: 'A SockJS "o" frame is the letter alone; this one goes on at char 1.',
  });
  assert.match(
    (parseSockJs('a["x",', 'received') as { problem: string }).problem,
    /^The SockJS "a" frame is not valid JSON/,
  );
  assert.deepEqual(parseSockJs('a["x",1]', 'received'), {
    problem: 'The SockJS "a" frame\'s element 1 is not a string.',
  });
  assert.deepEqual(parseSockJs('c[3000]', 'received'), { problem: 'A SockJS "c" frame carries [code, "reason"].' });
});

test('fuzz: random bytes, random STOMP-looking text and cut frames never throw in the framer, the SockJS reader or the decoders', () => {
  const decoders = [
    stompDecoder(),
    stompDecoder('1.1'),
    stompDecoder('1.0'),
    sockJsDecoder('stomp'),
    sockJsDecoder('sockjs'),
  ];
  const good = encodeFrame(
    'MESSAGE',
    [
      ['destination', '/t'],
      ['message-id', '1'],
      ['subscription', 's'],
    ],
    '{"a":1}',
  );
  const pieces = [
    'SEND\n',
    'MESSAGE\n',
    ':',
    '\\',
    '\\c',
    '\n',
    '\r',
    '\0',
    'content-length:',
    '3',
    'a',
    'é',
    '"',
    '[',
    'a[',
    'c[',
  ];
  for (let i = 0; i < 3000; i++) {
    let payload: Buffer;
    if (i % 3 === 0) payload = randomBytes(i % 64);
    else if (i % 3 === 1)
      payload = b(Array.from({ length: 1 + (i % 20) }, (_, k) => pieces[(i * 7 + k * 13) % pieces.length]).join(''));
    else payload = b(good).subarray(0, i % (good.length + 1));
    for (const direction of ['sent', 'received'] as const) {
      parseStomp(payload);
      parseSockJs(payload.toString('utf8'), direction);
      for (const d of decoders) {
        const v = d.decode({ index: i, direction, kind: 'text', payload });
        assert.equal(typeof v?.summary, 'string');
        JSON.stringify(v?.value);
      }
    }
  }
});
