/**
 * Record to disk and load: `SessionRecorder` fed N `Row`s (100-byte text, sent and
 * received alternately, in event-loop turns of 10,000 as a connection would deliver them) until
 * `close()` has put everything in the file; then `loadSession` of that file in a fresh process.
 * Baselines, in the same process each: the plain way to write the same JSON lines
 * (`JSON.stringify` of each event, one `fs.writeFile`) and to read them back
 * (`fs.readFile`, `split('\n')`, `JSON.parse` of each line).
 */
import { mkdtempSync, rmSync, statSync } from 'node:fs';
import { readFile, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { TransportMessage } from '../../src/core/transport';
import { loadSession } from '../../src/core/sessions/load';
import { SessionRecorder } from '../../src/core/sessions/recorder';
import { MessageTemplate, readSeq } from '../messages';

export interface RecordResult {
  messages: number;
  recordMs: number;
  plainWriteMs: number;
  fileBytes: number;
  plainBytes: number;
}

export interface LoadResult {
  messages: number;
  loadMs: number;
  plainReadMs: number;
  /** Problems found checking the loaded events (count, order, direction); empty when all is well. */
  problems: string[];
}

const TURN = 10_000;
const START = 1_700_000_000_000;

/** A fresh temporary folder for the recording files; the driver removes it. */
export function sessionDir(): string {
  return mkdtempSync(join(tmpdir(), 'wsi-bench-session-'));
}

export function removeSessionDir(dir: string): void {
  rmSync(dir, { recursive: true, force: true });
}

/** `bench.js record --count N --size S --dir D`: writes D/recorded.wslog and D/plain.jsonl; prints a RecordResult. */
export async function recordFromCommandLine(args: string[]): Promise<void> {
  const get = (name: string) => args[args.indexOf(name) + 1];
  const count = Number(get('--count'));
  const size = Number(get('--size'));
  const dir = get('--dir');
  const template = new MessageTemplate(size, false);

  // The recorder, fed as a connection would: turns of frames with the event loop in between.
  const path = join(dir, 'recorded.wslog');
  const t0 = performance.now();
  const recorder = await SessionRecorder.create(path, { url: 'ws://127.0.0.1:1/bench', startedAt: START });
  for (let i = 0; i < count;) {
    const end = Math.min(count, i + TURN);
    for (; i < end; i++) {
      const frame: TransportMessage = {
        time: START + i,
        direction: i % 2 ? 'sent' : 'received',
        kind: 'text',
        payload: template.make(i),
      };
      recorder.recordMessage(frame);
    }
    await new Promise<void>((r) => setImmediate(r));
  }
  await recorder.close();
  const recordMs = performance.now() - t0;
  if (recorder.error) throw recorder.error;

  // The plain way: the same lines, stringified and written in one go.
  const plain = join(dir, 'plain.jsonl');
  const t1 = performance.now();
  const lines: string[] = [JSON.stringify(recorder.header)];
  for (let i = 0; i < count; i++) {
    lines.push(
      JSON.stringify({
        type: 'message',
        t: i,
        dir: i % 2 ? 'sent' : 'received',
        kind: 'text',
        text: template.make(i).toString('utf8'),
      }),
    );
  }
  await writeFile(plain, lines.join('\n') + '\n');
  const plainWriteMs = performance.now() - t1;

  const result: RecordResult = {
    messages: count,
    recordMs,
    plainWriteMs,
    fileBytes: statSync(path).size,
    plainBytes: statSync(plain).size,
  };
  process.stdout.write(JSON.stringify(result) + '\n');
}

/** `bench.js load --count N --dir D`: loads D/recorded.wslog, then reads D/plain.jsonl the plain way; prints a LoadResult. */
export async function loadFromCommandLine(args: string[]): Promise<void> {
  const get = (name: string) => args[args.indexOf(name) + 1];
  const count = Number(get('--count'));
  const dir = get('--dir');

  const t0 = performance.now();
  const session = await loadSession(join(dir, 'recorded.wslog'));
  const loadMs = performance.now() - t0;
  const problems: string[] = [];
  if ('error' in session) {
    problems.push(session.error);
  } else {
    if (session.notices.length) problems.push(...session.notices.slice(0, 3));
    if (session.events.length !== count) problems.push(`loaded ${session.events.length} of ${count} events`);
    for (let i = 0; i < session.events.length && problems.length < 5; i++) {
      const e = session.events[i];
      const text = e.type === 'message' ? (e.text ?? '') : '';
      const seq = readSeq(Buffer.from(text, 'latin1'), 0, text.length, false);
      if (e.type !== 'message' || seq !== i || e.dir !== (i % 2 ? 'sent' : 'received'))
        problems.push(`event ${i} is not message ${i}`);
    }
  }

  const t1 = performance.now();
  const text = (await readFile(join(dir, 'plain.jsonl'))).toString('utf8');
  const parsed: unknown[] = [];
  for (const line of text.split('\n')) if (line) parsed.push(JSON.parse(line));
  const plainReadMs = performance.now() - t1;
  if (parsed.length !== count + 1) problems.push(`plain read found ${parsed.length - 1} events`);

  const result: LoadResult = { messages: count, loadMs, plainReadMs, problems };
  process.stdout.write(JSON.stringify(result) + '\n');
}
