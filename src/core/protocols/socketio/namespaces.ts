import type { TransportNote } from '../../transport';
import { encodeSocketPacket, type EioVersion } from './packets';

/** A namespace's news, for the panel and for tests. */
export type NamespaceStatus =
  | { namespace: string; state: 'connected'; sid?: string }
  | { namespace: string; state: 'refused'; message: string; data?: unknown }
  | { namespace: string; state: 'disconnected'; by: 'server' | 'client' | 'connection' };

interface Entry {
  /** Connected again on each open (the user asked for it), or only known because the server connected it. */
  wanted: boolean;
  auth?: Record<string, unknown>;
  state: 'idle' | 'connecting' | 'connected' | 'refused';
  sid?: string;
  /** The refusal's sentence, while refused on this connection. */
  refusal?: string;
  waiters: Array<{ resolve(v: { sid?: string }): void; reject(err: Error): void }>;
}

interface Hooks {
  note(level: TransportNote['level'], text: string): void;
  status(status: NamespaceStatus): void;
}

/**
 * The namespaces of one Socket.IO session: which to CONNECT on each open, their state, and the
 * promises waiting for them. Socket.IO v2 (EIO 3) connects `/` by itself; another namespace's
 * CONNECT carries the auth payload as its query (`40/admin?token=1,`), which a v4 server reads as auth.
 */
export class Namespaces {
  private readonly entries = new Map<string, Entry>();

  constructor(
    private readonly settings: { eio: EioVersion },
    /** Sends a text frame; resolves when written or failed (the transport reports failures). */
    private readonly send: (text: string) => Promise<void>,
    private readonly hooks: Hooks,
  ) {}

  want(namespace: string, auth?: Record<string, unknown>): void {
    const e = this.entry(namespace);
    e.wanted = true;
    if (auth !== undefined) e.auth = auth;
  }

  /** Sends CONNECT for every namespace wanted (the Engine.IO session just opened). */
  openAll(): void {
    for (const [ns, e] of this.entries) if (e.wanted) this.open(ns);
  }

  open(namespace: string): void {
    const e = this.entry(namespace);
    if (e.state === 'connected' || e.state === 'connecting') return;
    e.state = 'connecting';
    if (this.settings.eio === 4) {
      void this.send(encodeSocketPacket({ type: 'CONNECT', namespace, data: e.auth }));
    } else if (namespace !== '/') {
      const query = e.auth ? new URLSearchParams(stringValues(e.auth)).toString() : '';
      void this.send(`40${namespace}${query ? `?${query}` : ''},`);
    } else if (e.auth) {
      this.hooks.note(
        'info',
        'Socket.IO v2 connects namespace / by itself, without an auth payload: put it in the URL query instead.',
      );
    }
  }

  /** Resolves when `namespace` is connected (with its sid in v3+); rejects with a sentence. */
  connected(namespace: string): Promise<{ sid?: string }> {
    const e = this.entry(namespace);
    if (e.state === 'connected') return Promise.resolve({ sid: e.sid });
    if (e.state === 'refused' && e.refusal) return Promise.reject(new Error(e.refusal));
    return new Promise((resolve, reject) => e.waiters.push({ resolve, reject }));
  }

  isConnected(namespace: string): boolean {
    return this.entries.get(namespace)?.state === 'connected';
  }

  anyConnected(): boolean {
    return [...this.entries.values()].some((e) => e.state === 'connected');
  }

  anyConnecting(): boolean {
    return [...this.entries.values()].some((e) => e.state === 'connecting' || (e.wanted && e.state === 'idle'));
  }

  connectedByServer(namespace: string, data: unknown): void {
    const e = this.entry(namespace);
    const sid = isRecord(data) && typeof data.sid === 'string' ? data.sid : undefined;
    e.state = 'connected';
    e.sid = sid;
    this.hooks.note('open', `Connected to Socket.IO namespace ${namespace}${sid ? ` (socket id ${sid})` : ''}.`);
    this.hooks.status({ namespace, state: 'connected', sid });
    for (const w of e.waiters.splice(0)) w.resolve({ sid });
  }

  refused(namespace: string, data: unknown): void {
    const e = this.entry(namespace);
    e.state = 'refused';
    const message =
      typeof data === 'string'
        ? data
        : isRecord(data) && typeof data.message === 'string'
          ? data.message
          : JSON.stringify(data ?? null);
    const extra = isRecord(data) && data.data !== undefined ? ` (data: ${JSON.stringify(data.data)})` : '';
    const text = `The Socket.IO server refused namespace ${namespace}: ${message}${extra}`;
    e.refusal = text;
    this.hooks.note('error', text);
    this.hooks.status({
      namespace,
      state: 'refused',
      message,
      ...(isRecord(data) && data.data !== undefined ? { data: data.data } : {}),
    });
    for (const w of e.waiters.splice(0)) w.reject(new Error(text));
  }

  disconnectedByServer(namespace: string): void {
    const e = this.entries.get(namespace);
    if (!e || e.state !== 'connected') return;
    e.state = 'idle';
    e.wanted = false;
    this.hooks.note('info', `The Socket.IO server disconnected namespace ${namespace}.`);
    this.hooks.status({ namespace, state: 'disconnected', by: 'server' });
  }

  /** The user leaves a namespace: DISCONNECT, and it is not connected again. */
  leave(namespace: string): Promise<void> {
    const e = this.entries.get(namespace);
    if (!e) return Promise.resolve();
    e.wanted = false;
    if (e.state !== 'connected') return Promise.resolve();
    e.state = 'idle';
    const sent = this.send(encodeSocketPacket({ type: 'DISCONNECT', namespace }));
    this.hooks.note('info', `Disconnected from Socket.IO namespace ${namespace}.`);
    this.hooks.status({ namespace, state: 'disconnected', by: 'client' });
    return sent;
  }

  /** Leaves every connected namespace; the promises settle once the DISCONNECT packets are written. */
  leaveAll(): Promise<void>[] {
    return [...this.entries.keys()].map((ns) => this.leave(ns));
  }

  /** The handshake did not finish in time: those waiting hear why. */
  fail(why: string): void {
    for (const e of this.entries.values()) for (const w of e.waiters.splice(0)) w.reject(new Error(why));
  }

  /** The connection ended (`why`) or a new one starts (undefined: the waiters wait for it). */
  closed(why: string | undefined): void {
    for (const [namespace, e] of this.entries) {
      const was = e.state;
      e.state = 'idle';
      e.sid = undefined;
      e.refusal = undefined;
      if (was === 'connected' && why) this.hooks.status({ namespace, state: 'disconnected', by: 'connection' });
      if (why) for (const w of e.waiters.splice(0)) w.reject(new Error(why));
    }
  }

  private entry(namespace: string): Entry {
    let e = this.entries.get(namespace);
    if (!e) {
      e = { wanted: false, state: 'idle', waiters: [] };
      this.entries.set(namespace, e);
    }
    return e;
  }
}

function isRecord(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

function stringValues(o: Record<string, unknown>): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [k, v] of Object.entries(o)) out[k] = typeof v === 'string' ? v : JSON.stringify(v);
  return out;
}
