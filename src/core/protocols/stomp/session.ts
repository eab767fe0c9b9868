import type { ComposeValues } from '../../../shared/compose';
import type { ConnectionState } from '../../../shared/protocol';
import type { Transport, TransportMessage } from '../../transport';
import { SessionBase } from '../sessionBase';
import { composeFrame, type ComposedFrame, type SeenMessage } from './actions';
import { encodeFrame, parseStomp, VERSIONS, type StompFrame, type StompVersion } from './frames';
import { Receipts } from './receipts';
import { isSockJsProblem, parseSockJs, wrapSockJs } from './sockjs';

export interface StompSettings {
  /** Speak through SockJS framing (the endpoint sets it for http(s) URLs and SockJS WebSocket URLs). */
  sockjs?: boolean;
  /** The versions offered in accept-version (and as subprotocols). Default 1.0, 1.1, 1.2. */
  versions?: StompVersion[];
  /** CONNECT's host header. Default: the URL's host name. */
  host?: string;
  login?: string;
  passcode?: string;
  /** More CONNECT headers. */
  connectHeaders?: Record<string, string>;
  /** The heart-beat header: [can send every, wants one every] in ms, 0 for none. Default [10000, 10000]. */
  heartBeat?: [number, number];
  /** How long the server may take to answer CONNECT (and SockJS to open). Default 10 s. */
  connectTimeoutMs?: number;
  /** How long a RECEIPT asked for may take. Default 10 s. */
  receiptTimeoutMs?: number;
}

const DEFAULT_HEART_BEAT: [number, number] = [10_000, 10_000];
const DEFAULT_TIMEOUT_MS = 10_000;
/** The server's heart-beat may be this many intervals late before it counts as stopped. */
const TOLERANCE = 2;
/** How long close() waits for the DISCONNECT's RECEIPT before it closes anyway. */
const DISCONNECT_WAIT_MS = 2_000;
const SEEN_MESSAGES = 1_000;
/** An unfinished frame is carried to the next message up to this size. */
const MAX_CARRY = 4 * 1024 * 1024;

/**
 * The STOMP client on a transport, plain or inside SockJS framing: CONNECT on every open (after
 * SockJS' `o`), CONNECTED's version and heart-beats, EOL heart-beats sent at the negotiated
 * interval and the server's watched, SUBSCRIBE / UNSUBSCRIBE / SEND / ACK / NACK composed (with a
 * RECEIPT awaited when asked), subscriptions made here renewed after a reconnect, ERROR frames as
 * notes, DISCONNECT with a receipt on close.
 */
export class StompSession extends SessionBase {
  readonly protocol = 'stomp';
  private readonly frameEmitter = this.emitter<StompFrame>();
  /** Every STOMP frame the server sent, once read. */
  readonly onFrame = this.frameEmitter.event;
  /** The version CONNECTED named; undefined before it. */
  version: StompVersion | undefined;
  /** Heart-beat intervals negotiated on this connection (0: none). */
  heartBeats = { out: 0, in: 0 };
  private readonly subs = new Map<string, NonNullable<ComposedFrame['subscription']>>();
  private readonly seen = new Map<string, SeenMessage>();
  private readonly receipts = new Receipts();
  private connectTimer: NodeJS.Timeout | undefined;
  private outTimer: NodeJS.Timeout | undefined;
  private inTimer: NodeJS.Timeout | undefined;
  private lastHeard = 0;
  private carry: Buffer | undefined;
  private connections = 0;
  private sockJsOpened = false;

  constructor(
    transport: Transport,
    readonly settings: StompSettings,
  ) {
    super(transport, 'STOMP');
    this.listen();
  }

  async compose(action: string, values: ComposeValues): Promise<string | undefined> {
    if (this.current !== 'ready' || !this.version)
      throw new Error('The STOMP connection is not up yet: wait for CONNECTED, then compose.');
    const subscriptions = [...this.subs.keys()];
    const f = composeFrame(action, values, { version: this.version, subscriptions, seen: (id) => this.seen.get(id) });
    const started = performance.now();
    const receipt = f.receipt ? this.receipts.next(action) : undefined;
    const headers: Array<[string, string]> = receipt ? [...f.headers, ['receipt', receipt]] : f.headers;
    const confirmed = receipt
      ? this.receipts.wait(receipt, this.settings.receiptTimeoutMs ?? DEFAULT_TIMEOUT_MS)
      : undefined;
    try {
      await this.sendFrame(f.command, headers, f.body);
    } catch (err) {
      if (receipt) this.receipts.fail(receipt, (err as Error).message);
      throw err;
    }
    if (f.subscription?.end) this.subs.delete(f.subscription.id);
    else if (f.subscription) this.subs.set(f.subscription.id, f.subscription);
    if (!confirmed) return `${f.done}.`;
    await confirmed;
    return `${f.done}; RECEIPT ${receipt} after ${Math.round(performance.now() - started)} ms.`;
  }

  /** DISCONNECT with a receipt, the RECEIPT awaited a short while, then the transport closed normally. */
  close(): void {
    if (this.current !== 'ready' || this.transport.state.phase !== 'open') return this.transport.close(1000);
    const receipt = this.receipts.next('disconnect');
    const confirmed = this.receipts.wait(receipt, DISCONNECT_WAIT_MS);
    this.stopHeartBeats();
    void this.sendFrame('DISCONNECT', [['receipt', receipt]])
      .then(() => confirmed)
      .catch(() => undefined)
      .finally(() => this.transport.close(1000));
  }

  private sendFrame(command: string, headers: Array<[string, string]>, body?: string): Promise<void> {
    const frame = encodeFrame(command, headers, body, this.version ?? '1.2');
    return this.transport.sendText(this.settings.sockjs ? wrapSockJs([frame]) : frame);
  }

  protected state(s: ConnectionState): void {
    if (s.phase === 'open') {
      this.refusal = undefined;
      this.version = undefined;
      this.carry = undefined;
      this.lastHeard = Date.now();
      this.setPhase('handshaking');
      const wait = this.settings.connectTimeoutMs ?? DEFAULT_TIMEOUT_MS;
      this.connectTimer = setTimeout(() => this.connectTimedOut(wait), wait).unref();
      if (!this.settings.sockjs) this.sendConnect();
    } else if (s.phase === 'closed' || s.phase === 'error') {
      this.end(s.message);
    }
  }

  private connectTimedOut(wait: number): void {
    const text =
      this.settings.sockjs && this.version === undefined && !this.sockJsOpened
        ? `The SockJS server did not open the session (no "o" frame) within ${wait / 1000} s.`
        : `The STOMP server did not answer CONNECT with CONNECTED within ${wait / 1000} s.`;
    this.note('error', text);
    this.rejectWaiters(text);
  }

  private sendConnect(): void {
    const versions = this.settings.versions ?? [...VERSIONS];
    const [cx, cy] = this.settings.heartBeat ?? DEFAULT_HEART_BEAT;
    const h: Array<[string, string]> = [
      ['accept-version', versions.join(',')],
      ['host', this.settings.host ?? hostOf(this.transport.options.url)],
      ['heart-beat', `${cx},${cy}`],
    ];
    if (this.settings.login !== undefined) h.push(['login', this.settings.login]);
    if (this.settings.passcode !== undefined) h.push(['passcode', this.settings.passcode]);
    for (const [k, v] of Object.entries(this.settings.connectHeaders ?? {})) h.push([k, v]);
    this.sendFrame('CONNECT', h).catch(() => undefined);
  }

  protected message(m: TransportMessage): void {
    if (m.direction !== 'received' || (m.kind !== 'text' && m.kind !== 'binary')) return;
    this.heard();
    if (!this.settings.sockjs) return this.feed(m.payload);
    const s = parseSockJs(m.payload.toString('utf8'), 'received');
    if (isSockJsProblem(s)) return this.note('error', `The SockJS server sent a malformed frame: ${s.problem}`);
    if (s.frame === 'o') {
      this.sockJsOpened = true;
      return this.sendConnect();
    }
    if (s.frame === 'c')
      return this.note('error', `The SockJS server closed the session: ${s.code}${s.reason ? ` ${s.reason}` : ''}.`);
    if (s.frame === 'a') for (const text of s.messages) this.feed(Buffer.from(text, 'utf8'));
  }

  /** Reads the frames of one message (an unfinished one waits for the next message). */
  private feed(payload: Buffer): void {
    const data = this.carry ? Buffer.concat([this.carry, payload]) : payload;
    this.carry = undefined;
    const parsed = parseStomp(data, this.version);
    for (const f of parsed.frames) this.frame(f);
    if (parsed.problem === undefined) return;
    const from = parsed.partial?.offset ?? 0;
    if (parsed.cutShort && data.length - from <= MAX_CARRY) this.carry = Buffer.from(data.subarray(from));
    else this.note('error', `The STOMP server sent a malformed frame: ${parsed.problem}`);
  }

  private frame(f: StompFrame): void {
    const h = f.headers;
    switch (f.command) {
      case 'CONNECTED':
        this.connected(f);
        break;
      case 'ERROR': {
        const text = `${h.message ?? 'ERROR'}${f.body.length ? `: ${f.body.toString('utf8').trim()}` : ''}`;
        if (this.current === 'handshaking') {
          this.refusal = `The STOMP server refused the connection: ${text}`;
          this.note('error', this.refusal);
          this.rejectWaiters(this.refusal);
          this.setPhase('closed');
        } else {
          this.note('error', `The STOMP server sent an ERROR: ${text}`);
          if (h['receipt-id'])
            this.receipts.fail(h['receipt-id'], `The STOMP server answered ${h['receipt-id']} with an ERROR: ${text}`);
        }
        break;
      }
      case 'RECEIPT':
        if (h['receipt-id']) this.receipts.done(h['receipt-id']);
        break;
      case 'MESSAGE':
        if (h['message-id'] !== undefined) {
          this.seen.set(h['message-id'], { subscription: h.subscription, ack: h.ack });
          if (this.seen.size > SEEN_MESSAGES) this.seen.delete(this.seen.keys().next().value as string);
        }
        break;
    }
    this.frameEmitter.fire(f);
  }

  private connected(f: StompFrame): void {
    clearTimeout(this.connectTimer);
    const h = f.headers;
    const named = h.version ?? '1.0';
    this.version = (VERSIONS as readonly string[]).includes(named) ? (named as StompVersion) : '1.2';
    const [cx, cy] = this.settings.heartBeat ?? DEFAULT_HEART_BEAT;
    const [sx, sy] = (h['heart-beat'] ?? '0,0').split(',').map((x) => Number.parseInt(x, 10) || 0);
    this.heartBeats = { out: cx && sy ? Math.max(cx, sy) : 0, in: sx && cy ? Math.max(sx, cy) : 0 };
    this.startHeartBeats();
    this.connections++;
    const who = `${h.server ? ` to ${h.server}` : ''}${h.session ? ` (session ${h.session})` : ''}`;
    const { out, in: inc } = this.heartBeats;
    const beats =
      out || inc
        ? `heart-beats ${out ? `sent every ${seconds(out)}` : 'not sent'}, ${inc ? `expected every ${seconds(inc)}` : 'not expected'}`
        : 'no heart-beats';
    this.note('open', `Connected with STOMP ${named}${who}; ${beats}.`);
    this.setPhase('ready');
    this.resolveWaiters();
    if (this.connections > 1 && this.subs.size > 0) this.resubscribe();
  }

  /** After a reconnect, the subscriptions made here come back with the same ids. */
  private resubscribe(): void {
    const again = [...this.subs.values()];
    for (const s of again) {
      const h: Array<[string, string]> = [
        ['destination', s.destination ?? ''],
        ['id', s.id],
        ['ack', s.ack ?? 'auto'],
      ];
      this.sendFrame('SUBSCRIBE', [...h, ...(s.headers ?? [])]).catch(() => undefined);
    }
    this.note(
      'info',
      `Subscribed again after the reconnect: ${again.map((s) => `${s.id} ${s.destination}`).join(', ')}.`,
    );
  }

  private startHeartBeats(): void {
    this.stopHeartBeats();
    const { out, in: inc } = this.heartBeats;
    const eol = this.settings.sockjs ? wrapSockJs(['\n']) : '\n';
    if (out) this.outTimer = setInterval(() => void this.transport.sendText(eol).catch(() => undefined), out).unref();
    if (inc) this.inTimer = setInterval(() => this.checkHeard(inc), inc).unref();
  }

  private stopHeartBeats(): void {
    clearInterval(this.outTimer);
    clearInterval(this.inTimer);
    this.outTimer = this.inTimer = undefined;
  }

  private checkHeard(every: number): void {
    const silent = Date.now() - this.lastHeard;
    if (silent <= every * TOLERANCE) return;
    this.markUnhealthy(
      `The STOMP server's heart-beats stopped: nothing from it for ${seconds(silent)} (heart-beat negotiated every ${seconds(every)}).`,
      Math.floor(silent / every),
    );
  }

  /** Any data from the server counts as a heart-beat (STOMP 1.2, "Heart-beating"). */
  private heard(): void {
    this.lastHeard = Date.now();
    this.markHealthy(undefined, this.lastHeard);
  }

  protected end(why: string): void {
    clearTimeout(this.connectTimer);
    this.stopHeartBeats();
    this.sockJsOpened = false;
    this.receipts.failAll(why);
    this.rejectWaiters(why);
    this.setPhase('closed');
  }
}

function hostOf(url: string): string {
  try {
    return new URL(url).hostname;
  } catch {
    return 'localhost';
  }
}

function seconds(ms: number): string {
  return ms < 1000 ? `${ms} ms` : `${Math.round(ms / 100) / 10} s`;
}
