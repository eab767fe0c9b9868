import { randomBytes } from 'node:crypto';
import { open, mkdir, readdir, rm, stat } from 'node:fs/promises';
import { join } from 'node:path';
import type { Transport } from '../transport';
import { WSLOG_EXTENSION } from './format';
import { listen, recorderOptionsFor, SessionRecorder, type RecorderOptions, type RecordingSink } from './recorder';

/** Limits of a history folder. */
export interface HistoryLimits {
  /** Most recordings kept (default 50). */
  maxCount?: number;
  /** Most bytes kept in all (default 200 MiB). */
  maxBytes?: number;
}

/** One recording in the folder. */
export interface HistoryEntry {
  file: string;
  url: string;
  /** ISO 8601, from the header (or the file's time when the header cannot be read). */
  startedAt: string;
  messages: number;
  size: number;
}

const DEFAULT_LIMITS = { maxCount: 50, maxBytes: 200 * 1024 * 1024 };
/** Bytes read to find the header line. */
const HEADER_PROBE = 64 * 1024;
const MESSAGE_MARK = Buffer.from('\n{"type":"message"');

/**
 * A folder of recordings (the extension passes its global storage path), kept within a
 * number of files and a total size: the oldest go first.
 */
export class SessionHistory {
  private limits: Required<HistoryLimits>;
  /** Message counts by file, valid while size and mtime stay the same. */
  private readonly counts = new Map<
    string,
    { size: number; mtime: number; messages: number; url: string; startedAt: string }
  >();

  constructor(
    readonly folder: string,
    limits: HistoryLimits = {},
  ) {
    this.limits = { ...DEFAULT_LIMITS, ...limits };
  }

  /** New limits (the settings changed); applied from the next recording or `prune` on. */
  setLimits(limits: HistoryLimits): void {
    this.limits = { ...DEFAULT_LIMITS, ...limits };
  }

  /** The limits in force. */
  get currentLimits(): Required<HistoryLimits> {
    return { ...this.limits };
  }

  /** A new file name in the folder for a recording of `url` starting now. */
  newPath(url: string, startedAt = new Date()): string {
    let host = 'session';
    try {
      host = new URL(url).host || host;
    } catch {
      // Keep the generic name.
    }
    const stamp = startedAt.toISOString().replace(/[:.]/g, '-');
    return join(
      this.folder,
      `${stamp}_${host.replace(/[^\w.-]+/g, '_')}_${randomBytes(3).toString('hex')}${WSLOG_EXTENSION}`,
    );
  }

  /**
   * Starts recording `transport` into a new file of the folder, after making room for it; files in
   * `keep` (recordings still being written) are never removed. Listening starts at once: what happens
   * while the file is being created waits in order and is written first, so nothing is lost. Resolves
   * with the attached recorder; when the file cannot be created, stops listening and rejects.
   */
  record(
    transport: Transport,
    options: Omit<RecorderOptions, 'url'> = {},
    keep: readonly string[] = [],
  ): Promise<SessionRecorder> {
    const early: Array<(r: RecordingSink) => void> = [];
    // A transport already open when recording starts (a relayed connection): its handshake and state first.
    const { handshake, state } = transport;
    if (state.phase === 'open' && handshake)
      early.push(
        (r) => r.recordHandshake(handshake),
        (r) => r.recordState(state),
      );
    const queue = listen(transport, {
      // Replayed once the file exists, each with the time it happened.
      recordHandshake: (info, time = Date.now()) => early.push((r) => r.recordHandshake(info, time)),
      recordMessage: (m) => early.push((r) => r.recordMessage(m)),
      recordNote: (n) => early.push((r) => r.recordNote(n)),
      recordState: (state, time = Date.now()) => early.push((r) => r.recordState(state, time)),
    });
    return this.create(recorderOptionsFor(transport, options), keep).then(
      (recorder) => {
        // Nothing can fire between these lines: the queue empties into the file, then the recorder listens itself.
        queue.dispose();
        for (const replay of early.splice(0)) replay(recorder);
        recorder.attach(transport);
        return recorder;
      },
      (err: Error) => {
        queue.dispose();
        throw err;
      },
    );
  }

  /**
   * Makes room and creates a recorder in the folder, not yet attached: the caller feeds it what
   * happened while the file was being created, then attaches it.
   */
  async create(options: RecorderOptions, keep: readonly string[] = []): Promise<SessionRecorder> {
    await mkdir(this.folder, { recursive: true });
    await this.prune(keep, 1);
    return SessionRecorder.create(this.newPath(options.url), options);
  }

  /** The recordings, newest first. Unreadable files are left out. */
  async list(): Promise<HistoryEntry[]> {
    let names: string[];
    try {
      names = (await readdir(this.folder)).filter((n) => n.endsWith(WSLOG_EXTENSION));
    } catch {
      return [];
    }
    const entries: HistoryEntry[] = [];
    for (const name of names) {
      const entry = await this.describe(join(this.folder, name));
      if (entry) entries.push(entry);
    }
    return entries.sort((a, b) => b.startedAt.localeCompare(a.startedAt) || b.file.localeCompare(a.file));
  }

  /**
   * Removes the oldest recordings until at most `maxCount - room` are left and they fit in
   * `maxBytes`. Returns the removed files.
   */
  async prune(keep: readonly string[] = [], room = 0): Promise<string[]> {
    const entries = (await this.list()).reverse(); // oldest first
    let count = entries.length;
    let bytes = entries.reduce((sum, e) => sum + e.size, 0);
    const removed: string[] = [];
    for (const e of entries) {
      if (count + room <= this.limits.maxCount && bytes <= this.limits.maxBytes) break;
      if (keep.includes(e.file)) continue;
      if (await this.remove(e.file)) {
        removed.push(e.file);
        count--;
        bytes -= e.size;
      }
    }
    return removed;
  }

  /** Deletes one recording; false when it could not be deleted. */
  async remove(file: string): Promise<boolean> {
    try {
      await rm(file, { force: true });
      this.counts.delete(file);
      return true;
    } catch {
      return false;
    }
  }

  private async describe(file: string): Promise<HistoryEntry | undefined> {
    try {
      const s = await stat(file);
      const cached = this.counts.get(file);
      if (cached && cached.size === s.size && cached.mtime === s.mtimeMs)
        return { file, size: s.size, ...pick(cached) };
      const summary = await summarize(file, s.size);
      const startedAt = summary.startedAt ?? s.mtime.toISOString();
      this.counts.set(file, {
        size: s.size,
        mtime: s.mtimeMs,
        messages: summary.messages,
        url: summary.url,
        startedAt,
      });
      return { file, url: summary.url, startedAt, messages: summary.messages, size: s.size };
    } catch {
      return undefined;
    }
  }
}

function pick(c: { messages: number; url: string; startedAt: string }): Omit<HistoryEntry, 'file' | 'size'> {
  return { url: c.url, startedAt: c.startedAt, messages: c.messages };
}

/** The header's URL and start, and the number of message lines, read in chunks. */
async function summarize(file: string, size: number): Promise<{ url: string; startedAt?: string; messages: number }> {
  const handle = await open(file, 'r');
  try {
    const chunk = Buffer.allocUnsafe(Math.max(HEADER_PROBE, MESSAGE_MARK.length * 2));
    let url = '';
    let startedAt: string | undefined;
    let messages = 0;
    let carry = Buffer.alloc(0);
    let position = 0;
    let first = true;
    while (position < size) {
      const { bytesRead } = await handle.read(chunk, 0, chunk.length, position);
      if (!bytesRead) break;
      position += bytesRead;
      const data = Buffer.concat([carry, chunk.subarray(0, bytesRead)]);
      if (first) {
        first = false;
        const end = data.indexOf(0x0a);
        try {
          const h = JSON.parse(data.toString('utf8', 0, end < 0 ? data.length : end)) as {
            url?: unknown;
            startedAt?: unknown;
          };
          if (typeof h.url === 'string') url = h.url;
          if (typeof h.startedAt === 'string') startedAt = h.startedAt;
        } catch {
          // A damaged header: the entry still lists, with the file's time.
        }
      }
      let at = data.indexOf(MESSAGE_MARK);
      let lastEnd = 0;
      while (at >= 0) {
        messages++;
        lastEnd = at + MESSAGE_MARK.length;
        at = data.indexOf(MESSAGE_MARK, lastEnd);
      }
      // Keep the tail that could hold the start of a mark cut by the chunk boundary.
      carry = Buffer.from(data.subarray(Math.max(lastEnd, data.length - MESSAGE_MARK.length + 1)));
    }
    return { url, startedAt, messages };
  } finally {
    await handle.close();
  }
}
