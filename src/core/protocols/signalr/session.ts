import type { ConnectionState } from '../../../shared/protocol';
import type { ComposeValues } from '../../../shared/compose';
import { Emitter, type Subscription } from '../../emitter';
import type { Transport, TransportMessage } from '../../transport';
import { roundTrip, SessionBase } from '../sessionBase';
import { ms } from '../composeValues';
import { composeSignalr } from './compose';
import { MessageType, parseRecords, writeRecord, type SignalrRecord } from './records';

export interface SignalrSettings {
  /** A Ping goes out when nothing was sent for this long (SignalR's keepAliveIntervalInMilliseconds). Default 15 s. */
  keepAliveMs?: number;
  /** Unhealthy when nothing arrives from the server for this long (serverTimeoutInMilliseconds). Default 30 s. */
  serverTimeoutMs?: number;
  /** How long the server may take to answer the handshake. Default 15 s. */
  handshakeTimeoutMs?: number;
  /** How long an invoke waits for its Completion. Default 30 s. */
  invokeTimeoutMs?: number;
  /** Make the negotiate request before each open. Default: for http(s) hub URLs, not for ws(s) ones. */
  negotiate?: boolean;
}

/** A stream the client started (StreamInvocation): its items, and how it ended. */
export interface SignalrStream {
  readonly id: string;
  readonly target: string;
  readonly items: unknown[];
  readonly onItem: (listener: (item: unknown) => void) => Subscription;
  /** Resolves once the StreamInvocation went out; rejects when it could not (not ready, not sent). */
  readonly started: Promise<void>;
  /** Resolves with the items on a Completion without error (or when cancelled); rejects with the server's error. */
  readonly done: Promise<unknown[]>;
  /** CancelInvocation: the server stops it; `done` resolves with the items so far. */
  cancel(): Promise<void>;
}

interface Pending {
  target: string;
  complete(r: SignalrRecord): void;
  fail(why: string): void;
  item?(item: unknown): void;
  stream?: SignalrStream;
}

export const DEFAULTS = {
  keepAliveMs: 15_000,
  serverTimeoutMs: 30_000,
  handshakeTimeoutMs: 15_000,
  invokeTimeoutMs: 30_000,
};
const HANDSHAKE = writeRecord({ protocol: 'json', version: 1 });

/**
 * The SignalR JSON hub protocol's client on a transport: the handshake on every open, a Ping
 * whenever nothing was sent for keepAliveMs, unhealthy (in the client's words) when nothing came
 * from the server for serverTimeoutMs; pings are not answered (the spec has no answer to them).
 * Invocations wait for their Completion, streams show their items and can be cancelled; a Close
 * record is a note with its error.
 */
export class SignalrSession extends SessionBase {
  readonly protocol = 'signalr';
  private readonly pending = new Map<string, Pending>();
  private nextId = 0;
  private handshakeTimer: NodeJS.Timeout | undefined;
  private keepAliveTimer: NodeJS.Timeout | undefined;
  private serverTimer: NodeJS.Timeout | undefined;
  readonly settings: Required<Omit<SignalrSettings, 'negotiate'>>;

  constructor(transport: Transport, settings: SignalrSettings = {}) {
    super(transport, 'SignalR');
    this.settings = { ...DEFAULTS, ...settings };
    this.listen();
  }

  /** Invocation with an invocationId; resolves with the Completion's result and the round trip in ms. */
  invoke(target: string, args: unknown[]): Promise<{ result: unknown; latencyMs: number }> {
    return new Promise((resolve, reject) => {
      const id = this.start(reject);
      if (id === undefined) return;
      const wait = this.settings.invokeTimeoutMs;
      const timer = setTimeout(() => {
        this.pending.delete(id);
        reject(
          new Error(`The SignalR server sent no Completion for invocation ${id} (${target}) within ${wait / 1000} s.`),
        );
      }, wait).unref();
      const sentAt = performance.now();
      this.pending.set(id, {
        target,
        complete: (r) => {
          clearTimeout(timer);
          const latencyMs = roundTrip(sentAt);
          if (r.error !== undefined)
            reject(new Error(`The hub method "${target}" failed after ${ms(latencyMs)}: ${r.error}`));
          else resolve({ result: r.result, latencyMs });
        },
        fail: (why) => (clearTimeout(timer), reject(new Error(why))),
      });
      this.sendRecord({ type: MessageType.Invocation, invocationId: id, target, arguments: args }).catch(
        (err: Error) => (this.pending.delete(id), clearTimeout(timer), reject(err)),
      );
    });
  }

  /** Invocation without an invocationId: no Completion comes back. */
  send(target: string, args: unknown[]): Promise<void> {
    if (this.current !== 'ready') return Promise.reject(new Error(this.notReady()));
    return this.sendRecord({ type: MessageType.Invocation, target, arguments: args });
  }

  /** StreamInvocation: items arrive on `onItem` until the Completion (or a cancel). */
  stream(target: string, args: unknown[]): SignalrStream {
    const items: unknown[] = [];
    const onItem = new Emitter<unknown>();
    let resolve!: (items: unknown[]) => void;
    let reject!: (err: Error) => void;
    const done = new Promise<unknown[]>((res, rej) => ((resolve = res), (reject = rej)));
    done.catch(() => undefined);
    const id = this.start(reject) ?? '';
    let sent: Promise<void> = id === '' ? Promise.reject(new Error(this.notReady())) : Promise.resolve();
    sent.catch(() => undefined);
    const stream: SignalrStream = {
      id,
      target,
      items,
      onItem: onItem.event,
      get started() {
        return sent;
      },
      done,
      cancel: () => {
        if (!this.pending.delete(id)) return Promise.resolve();
        resolve(items);
        return this.sendRecord({ type: MessageType.CancelInvocation, invocationId: id });
      },
    };
    if (id === '') return stream;
    const sentAt = performance.now();
    this.pending.set(id, {
      target,
      stream,
      item: (item) => (items.push(item), onItem.fire(item)),
      complete: (r) => {
        const took = ms(performance.now() - sentAt);
        if (r.error !== undefined) {
          this.note('error', `Stream ${id} (${target}) failed after ${items.length} items in ${took}: ${r.error}`);
          return reject(new Error(`Stream ${id} (${target}) failed: ${r.error}`));
        }
        this.note('info', `Stream ${id} (${target}) completed after ${items.length} items in ${took}.`);
        resolve(items);
      },
      fail: (why) => reject(new Error(why)),
    });
    sent = this.sendRecord({ type: MessageType.StreamInvocation, invocationId: id, target, arguments: args });
    sent.catch((err: Error) => (this.pending.delete(id), reject(err)));
    return stream;
  }

  /** The streams still running, oldest first. */
  streams(): SignalrStream[] {
    return [...this.pending.values()].flatMap((p) => (p.stream ? [p.stream] : []));
  }

  compose(action: string, values: ComposeValues): Promise<string | undefined> {
    return composeSignalr(this, action, values);
  }

  /**
   * Cancels the running streams (CancelInvocation each), sends a Close record (what
   * @microsoft/signalr sends on stop()), then closes the transport normally.
   */
  close(): void {
    const sends = this.streams().map((s) => s.cancel());
    if (this.current === 'ready') sends.push(this.sendRecord({ type: MessageType.Close }));
    void Promise.allSettled(sends).then(() => this.transport.close(1000));
  }

  /** A new invocation id, or undefined (with `reject` told why) when the handshake is not done. */
  private start(reject: (err: Error) => void): string | undefined {
    if (this.current !== 'ready') {
      reject(new Error(this.notReady()));
      return undefined;
    }
    return String(this.nextId++);
  }

  private notReady(): string {
    if (this.current === 'waiting') return 'The SignalR connection is not open yet; nothing was sent.';
    if (this.current === 'handshaking')
      return 'The SignalR server has not answered the handshake yet; nothing was sent.';
    return `The SignalR session is closed (${this.refusal ?? 'the connection ended'}); nothing was sent.`;
  }

  private sendRecord(message: Record<string, unknown>): Promise<void> {
    return this.transport.sendText(writeRecord(message));
  }

  protected state(s: ConnectionState): void {
    if (s.phase === 'open') {
      this.refusal = undefined;
      this.setPhase('handshaking');
      void this.transport.sendText(HANDSHAKE).catch(() => undefined);
      const wait = this.settings.handshakeTimeoutMs;
      this.handshakeTimer = setTimeout(() => {
        const text = `The SignalR server did not answer the handshake within ${wait / 1000} s.`;
        this.note('error', text);
        this.rejectWaiters(text);
      }, wait).unref();
    } else if (s.phase === 'closed' || s.phase === 'error') this.end(s.message);
  }

  protected message(m: TransportMessage): void {
    if (m.kind !== 'text' || this.current === 'waiting' || this.current === 'closed') return;
    if (m.direction === 'sent') {
      if (this.current === 'ready') this.armKeepAlive();
      return;
    }
    const handshaking = this.current === 'handshaking';
    const records = parseRecords(m.payload.toString('utf8'), handshaking ? 'response' : false);
    if (handshaking && !this.handshake(records[0])) return;
    this.heard();
    for (const r of handshaking ? records.slice(1) : records) this.record(r);
  }

  /** The first record after open: the handshake response. True when accepted. */
  private handshake(r: SignalrRecord): boolean {
    clearTimeout(this.handshakeTimer);
    if (r.type === 'HandshakeResponse' && !r.problem && r.error === undefined) {
      this.setPhase('ready');
      this.note('open', 'The SignalR server accepted the handshake (json, version 1).');
      this.resolveWaiters();
      this.armKeepAlive();
      return true;
    }
    const text =
      r.type === 'HandshakeResponse' && r.error !== undefined
        ? `The SignalR server refused the handshake: ${r.error}`
        : `The SignalR server did not answer the handshake with a handshake response: ${r.problem ?? `a ${r.type} record came first`}`;
    this.refusal = text;
    this.note('error', text);
    this.end(text);
    return false;
  }

  private record(r: SignalrRecord): void {
    if (r.problem) return this.note('error', `The SignalR server sent a malformed record: ${r.problem}`);
    const p = r.id === undefined ? undefined : this.pending.get(r.id);
    switch (r.typeNumber) {
      case MessageType.StreamItem:
        return p?.item?.(r.item);
      case MessageType.Completion:
        if (!p || !r.id) return;
        this.pending.delete(r.id);
        return p.complete(r);
      case MessageType.Invocation:
        // A client result asked for (InvokeAsync on the server): no client methods here, so the error the
        // @microsoft/signalr client sends when no handler returns one, or the server would wait.
        if (r.id === undefined) return;
        this.note(
          'info',
          `The SignalR server invoked "${r.target}" expecting a result; answered with an error Completion (the inspector has no client methods).`,
        );
        void this.sendRecord({
          type: MessageType.Completion,
          invocationId: r.id,
          error: "Client didn't provide a result.",
        }).catch(() => undefined);
        return;
      case MessageType.Close: {
        const again = r.allowReconnect ? ' (it allows reconnecting)' : '';
        const text =
          r.error !== undefined
            ? `The SignalR server closed the connection with an error${again}: ${r.error}`
            : `The SignalR server closed the connection${again}.`;
        this.note(r.error !== undefined ? 'error' : 'info', text);
        return this.end(text);
      }
    }
  }

  private armKeepAlive(): void {
    clearTimeout(this.keepAliveTimer);
    this.keepAliveTimer = setTimeout(
      () => void this.sendRecord({ type: MessageType.Ping }).catch(() => undefined),
      this.settings.keepAliveMs,
    ).unref();
  }

  /** Something arrived from the server: healthy, and the server timeout starts again. */
  private heard(): void {
    this.armServerTimeout();
    this.markHealthy();
  }

  /** Unhealthy, in the @microsoft/signalr client's words, each time serverTimeoutMs passes in silence. */
  private armServerTimeout(): void {
    clearTimeout(this.serverTimer);
    const wait = this.settings.serverTimeoutMs;
    this.serverTimer = setTimeout(() => {
      this.markUnhealthy(
        `Server timeout elapsed without receiving a message from the server (nothing for ${wait / 1000} s).`,
      );
      this.armServerTimeout();
    }, wait).unref();
  }

  protected end(why: string): void {
    clearTimeout(this.handshakeTimer);
    clearTimeout(this.keepAliveTimer);
    clearTimeout(this.serverTimer);
    for (const [id, p] of this.pending) p.fail(`Invocation ${id} (${p.target}) ended: ${why}`);
    this.pending.clear();
    this.rejectWaiters(why);
    this.setPhase('closed');
  }
}
