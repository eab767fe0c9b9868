// Over 400 lines: one player of a recording (plan, timing, answers waited for, the protocol session, id mapping and units); its connection helpers live in replayConnection.ts.
import {
  createTransport,
  type Transport,
  type TransportMessage,
  type TransportNote,
  type TransportOptions,
} from '../transport';
import type { MessageDecoder } from '../decode';
import type { ProxySettings } from '../proxy';
import { openConnection, type EarlyMessage, type ProtocolSession } from '../protocols';
import type { TlsSettings } from '../tls';
import { eventPayload, firstConnection, messageEvent, type Session, type SessionMessage } from './format';
import { protocolsFromHeaders, replayableHeaders } from './redact';
import { closeAndWait, describeEnd, transportOnly } from './replayConnection';
import {
  decodeWith,
  protocolReady,
  early,
  IdMap,
  isProtocolOwn,
  recordedHandshake,
  recordingProtocol,
  viewOf,
  type RecordedProtocol,
} from './protocolPlay';

/** How fast to send: as recorded, faster or slower by a factor, or one message per `next()`. */
export type ReplayTiming = 'original' | { speed: number } | 'step';

export interface ReplayOptions {
  /** Connect here instead of the recorded URL. */
  url?: string;
  /** Handshake headers added to (or replacing) the recorded ones; redacted ones are never sent. */
  headers?: Record<string, string>;
  /** Default 'original'. */
  timing?: ReplayTiming;
  /**
   * How to reach the server, as for any connection: CA files, client certificate, insecure, proxy.
   * A recording keeps none of them, so a replay against a private-CA or proxied server needs them here.
   */
  transport?: TlsSettings & ProxySettings;
  /** Before each message, wait until as many server messages arrived as had in the recording. */
  waitForAnswers?: boolean;
  /** Longest wait for answers, each time (default 5000 ms); a timeout is a notice, not a failure. */
  answerTimeoutMs?: number;
  /** Default 10000 ms. */
  handshakeTimeoutMs?: number;
  /** Transport options over the recorded ones (the CLI's --follow-redirects, --max-redirects, --send-timeout). */
  connectionOptions?: Partial<TransportOptions>;
  /** After the last message (and its answers), keep listening this long (default 300 ms). */
  lingerMs?: number;
  /**
   * The protocol to speak: 'auto' (the default) the recording's (its header, or its URL and
   * subprotocol), 'none' to send every recorded message as it is, or a protocol's id.
   */
  protocol?: string;
  /** Every live frame, and the replay's progress. */
  onEvent?: (event: ReplayEvent) => void;
  signal?: AbortSignal;
}

export type ReplayEvent =
  | { type: 'message'; message: TransportMessage }
  | { type: 'note'; message: TransportNote }
  /** Message `index` (0-based, of `total` client messages) is about to wait or was sent. */
  | { type: 'step'; index: number; total: number; status: 'waiting-answers' | 'waiting-time' | 'waiting-step' | 'sent' }
  | { type: 'notice'; message: string };

export interface ReplayResult {
  /** False when connecting failed, the connection ended before every message was sent, or it was stopped. */
  ok: boolean;
  error?: string;
  /** Client messages sent. */
  sent: number;
  /** The recorded server messages (first connection of the recording), for `compareAnswers`. */
  recorded: SessionMessage[];
  /** The live server messages, `t` in ms since the live connection opened. */
  live: SessionMessage[];
  notices: string[];
  /** When a protocol was spoken: its view of a message, for `compareAnswers`' `decode`. */
  decode?: (message: SessionMessage) => unknown;
  /** The protocol spoken, by id. */
  protocol?: string;
}

/** A running replay. */
export interface Replay {
  readonly connection: Transport;
  /** Settles when the replay is over; never rejects. */
  readonly result: Promise<ReplayResult>;
  /** In 'step' timing, lets the next message go; false when none is left. */
  next(): boolean;
  /** Stops waiting and closes the connection. */
  stop(): void;
}

interface Planned {
  message: SessionMessage;
  /** Recorded server messages before this one. */
  answersBefore: number;
  /** Recorded time this message's delay counts from. */
  anchorT: number;
  /** Same, when answers are waited for: the last answer if it came after the previous send. */
  anchorAfterAnswersT: number;
}

const DEFAULTS = { answerTimeoutMs: 5000, handshakeTimeoutMs: 10_000, lingerMs: 300 };

/** A replay that speaks a protocol: its session does the handshake and keepalives. */
interface Played {
  recorded: RecordedProtocol;
  decoder: MessageDecoder;
  session?: ProtocolSession;
  ids: IdMap;
}

/**
 * Connects and sends the recorded client messages again, with the original timing, a speed
 * factor, or one by one; optionally waits for the server's answers where the original had them.
 */
export function replaySession(session: Session, options: ReplayOptions = {}): Replay {
  const events = firstConnection(session);
  const recordedHeaders = session.header.options.headers ?? session.header.handshake?.request?.headers;
  const headers = { ...replayableHeaders(recordedHeaders), ...options.headers };
  const base: TransportOptions = {
    url: options.url ?? session.header.url,
    headers,
    protocols: session.header.options.protocols ?? protocolsFromHeaders(recordedHeaders),
    handshakeTimeout:
      options.handshakeTimeoutMs ?? session.header.options.handshakeTimeout ?? DEFAULTS.handshakeTimeoutMs,
    perMessageDeflate: session.header.options.perMessageDeflate,
    maxPayload: session.header.options.maxPayload,
    ...transportOnly(options.transport),
    ...options.connectionOptions,
  };
  const recorded = recordingProtocol(session, options.protocol);
  let connection: Transport;
  let played: Played | undefined;
  let problem: string | undefined;
  if (recorded) {
    // The session's handshake says what the recorded one said (namespace, auth, connection_init payload).
    const settings = recorded.protocol.replay?.settings?.(recordedHandshake(session, recorded.decoder)) ?? {};
    const opened = openConnection({ ...base, protocol: recorded.protocol.id, protocolSettings: settings });
    connection = opened.transport;
    played = opened.session
      ? { recorded, decoder: recorded.decoder, session: opened.session, ids: new IdMap(recorded.protocol.replay?.ids) }
      : undefined;
    problem = opened.problem;
  } else connection = createTransport(base);
  const player = new Player(connection, events, options, played, problem);
  return {
    connection,
    result: player.run(),
    next: () => player.next(),
    stop: () => player.stop(),
  };
}

class Player {
  private readonly plan: Planned[] = [];
  private readonly recorded: SessionMessage[] = [];
  private readonly live: SessionMessage[] = [];
  private readonly notices: string[] = [];
  private readonly wakers = new Set<() => void>();
  private openedAt = 0;
  private ended = false;
  private stopped = false;
  private credits = 0;
  private cursor = 0;
  private readonly speed: number;
  private readonly closeCode: number;
  /** The live connection's frames as the protocol's messages (MQTT packets), when it has units. */
  private readonly liveSplit: ((frame: EarlyMessage | undefined) => EarlyMessage[]) | undefined;

  constructor(
    private readonly connection: Transport,
    events: Session['events'],
    private readonly options: ReplayOptions,
    private readonly played?: Played,
    /** Why the recording's protocol is not spoken (the connection opens plain), said as the first notice. */
    private readonly problem?: string,
  ) {
    const timing = options.timing ?? 'original';
    this.speed = typeof timing === 'object' ? timing.speed : 1;
    let lastSent = events.find((e) => e.type === 'open')?.t ?? 0;
    let lastAnswer = lastSent;
    let clientClose: number | undefined;
    const split = played?.recorded.protocol.replay?.units?.();
    const answer = (e: SessionMessage) => {
      // The protocol's own messages (handshake, keepalives) are the live session's to exchange.
      if (played && isProtocolOwn(viewOf(played.decoder, early(e)))) return;
      played?.ids.recordedAsk(early(e));
      this.recorded.push(e);
      lastAnswer = e.t;
    };
    for (const e of events) {
      if (e.type === 'message' && e.dir === 'received') {
        if (!split) answer(e);
        else
          for (const u of split(early(e)))
            answer(messageEvent(e.t, 'received', u.kind as 'text' | 'binary', u.payload));
        continue;
      }
      if (e.type === 'message' && played && isProtocolOwn(viewOf(played.decoder, early(e)))) continue;
      if (e.type === 'message') {
        this.plan.push({
          message: e,
          answersBefore: this.recorded.length,
          anchorT: lastSent,
          anchorAfterAnswersT: Math.max(lastSent, lastAnswer),
        });
        lastSent = e.t;
      } else if (e.type === 'close' && e.byClient) clientClose = e.code;
    }
    for (const u of split?.(undefined) ?? [])
      answer(messageEvent(lastAnswer, 'received', u.kind as 'text' | 'binary', u.payload));
    this.liveSplit = played?.recorded.protocol.replay?.units?.();
    this.closeCode =
      clientClose !== undefined && (clientClose === 1000 || (clientClose >= 3000 && clientClose <= 4999))
        ? clientClose
        : 1000;
  }

  next(): boolean {
    if (this.cursor >= this.plan.length || this.ended) return false;
    this.credits++;
    this.wake();
    return true;
  }

  stop(): void {
    this.stopped = true;
    this.wake();
  }

  async run(): Promise<ReplayResult> {
    const { options, connection } = this;
    const emit = (e: ReplayEvent) => {
      try {
        options.onEvent?.(e);
      } catch {
        // A listener's failure must not stop the replay.
      }
    };
    const notice = (message: string) => {
      this.notices.push(message);
      emit({ type: 'notice', message });
    };
    const onAbort = () => this.stop();
    options.signal?.addEventListener('abort', onAbort);
    if (options.signal?.aborted) this.stopped = true;
    if (this.problem) notice(this.problem);
    const liveAnswer = (m: EarlyMessage, time: number) => {
      if (this.played && isProtocolOwn(viewOf(this.played.decoder, m))) return;
      this.played?.ids.liveAsk(m);
      this.live.push(messageEvent(time - this.openedAt, 'received', m.kind as 'text' | 'binary', m.payload));
      this.wake();
    };
    connection.onMessage((message) => {
      if (message.direction === 'received' && (message.kind === 'text' || message.kind === 'binary')) {
        if (!this.liveSplit) liveAnswer(message, message.time);
        else for (const u of this.liveSplit(message)) liveAnswer(u, message.time);
      }
      emit({ type: 'message', message });
    });
    connection.onNote((message) => emit({ type: 'note', message }));
    this.played?.session?.onNote((message) => emit({ type: 'note', message }));
    connection.onState((s) => {
      if (s.phase === 'closed' || s.phase === 'error') {
        this.ended = true;
        this.wake();
      }
    });
    const result = (ok: boolean, error?: string): ReplayResult => {
      options.signal?.removeEventListener('abort', onAbort);
      return {
        ok,
        ...(error ? { error } : {}),
        sent: this.cursor,
        recorded: this.recorded,
        live: this.live,
        notices: this.notices,
        ...(this.played
          ? { decode: decodeWith(this.played.decoder, this.played.ids.ids), protocol: this.played.recorded.protocol.id }
          : {}),
      };
    };
    if (typeof options.timing === 'object' && !(options.timing.speed > 0)) {
      connection.dispose();
      return result(false, `The replay speed must be a number above 0, not ${options.timing.speed}.`);
    }
    if (this.stopped) return result(false, 'The replay was stopped.');
    try {
      this.openedAt = Date.now();
      await connection.connect();
      this.openedAt = Date.now();
    } catch (e) {
      this.played?.session?.dispose();
      connection.dispose();
      return result(false, (e as Error).message);
    }
    const refused =
      this.played?.session &&
      (await protocolReady(
        this.played.session,
        this.played.recorded.protocol.label,
        connection.options.handshakeTimeout ?? DEFAULTS.handshakeTimeoutMs,
      ));
    if (refused) {
      await closeAndWait(connection, 1000);
      this.played?.session?.dispose();
      connection.dispose();
      return result(false, refused);
    }

    const answerTimeout = options.answerTimeoutMs ?? DEFAULTS.answerTimeoutMs;
    const total = this.plan.length;
    let error: string | undefined;
    for (; this.cursor < total; this.cursor++) {
      const step = this.plan[this.cursor];
      const index = this.cursor;
      if (options.waitForAnswers && this.live.length < step.answersBefore) {
        emit({ type: 'step', index, total, status: 'waiting-answers' });
        const got = await this.waitUntil(() => this.live.length >= step.answersBefore, answerTimeout);
        if (!got && !this.ended && !this.stopped) {
          notice(
            `Message ${index + 1}: ${step.answersBefore - this.live.length} of the recorded answers did not come within ${answerTimeout} ms; sending it anyway.`,
          );
        }
      }
      if (options.timing === 'step') {
        emit({ type: 'step', index, total, status: 'waiting-step' });
        await this.waitUntil(() => this.credits > 0, Infinity);
        if (this.credits > 0) this.credits--;
      } else {
        const anchor = options.waitForAnswers ? step.anchorAfterAnswersT : step.anchorT;
        const delay = Math.max(0, (step.message.t - anchor) / this.speed);
        if (delay > 0) {
          emit({ type: 'step', index, total, status: 'waiting-time' });
          await this.waitUntil(() => false, delay);
        }
      }
      if (this.stopped) {
        error = 'The replay was stopped.';
        break;
      }
      if (this.ended) {
        error = `The connection ended after ${index} of ${total} messages: ${describeEnd(connection)}`;
        break;
      }
      const m = step.message;
      // An answer to an id the live server chose (a Socket.IO ack) carries the live id.
      const payload = this.played ? this.played.ids.answer(early(m)) : eventPayload(m);
      try {
        if (m.kind === 'text') await connection.sendText(payload.toString('utf8'));
        else await connection.sendBinary(payload);
      } catch (e) {
        error = `Message ${index + 1} could not be sent: ${(e as Error).message}`;
        break;
      }
      emit({ type: 'step', index, total, status: 'sent' });
    }

    if (!error) {
      if (options.waitForAnswers && this.live.length < this.recorded.length) {
        const got = await this.waitUntil(() => this.live.length >= this.recorded.length, answerTimeout);
        if (!got && !this.ended && !this.stopped) {
          notice(
            `${this.recorded.length - this.live.length} of the recorded answers did not come within ${answerTimeout} ms after the last message.`,
          );
        }
      } else if (!options.waitForAnswers && this.recorded.length) {
        const lastSent = this.plan.length ? this.plan[this.plan.length - 1].message.t : 0;
        const tail = this.recorded[this.recorded.length - 1].t - lastSent;
        if (tail > 0) await this.waitUntil(() => false, Math.min(tail / this.speed, answerTimeout));
      }
      await this.waitUntil(() => false, options.lingerMs ?? DEFAULTS.lingerMs);
      if (this.stopped) error = 'The replay was stopped.';
    }
    await closeAndWait(connection, this.closeCode);
    this.played?.session?.dispose();
    connection.dispose();
    return result(!error, error);
  }

  private wake(): void {
    for (const w of [...this.wakers]) w();
  }

  /** Resolves true when `done()` holds, false on timeout, close or stop. */
  private waitUntil(done: () => boolean, timeoutMs: number): Promise<boolean> {
    return new Promise((resolve) => {
      const check = () => {
        if (done()) finish(true);
        else if (this.ended || this.stopped) finish(false);
      };
      const timer = Number.isFinite(timeoutMs) ? setTimeout(() => finish(done()), timeoutMs) : undefined;
      const finish = (value: boolean) => {
        if (timer) clearTimeout(timer);
        this.wakers.delete(check);
        resolve(value);
      };
      this.wakers.add(check);
      check();
    });
  }
}

export { closeAndWait, transportOnly } from './replayConnection';
