import type { ComposeValues } from '../../../shared/compose';
import { composeGraphql } from './compose';
import type { ConnectionState } from '../../../shared/protocol';
import { Emitter, type Subscription } from '../../emitter';
import type { Transport, TransportMessage } from '../../transport';
import { roundTrip, SessionBase } from '../sessionBase';
import {
  DIALECTS,
  graphqlCloseName,
  isGraphqlProblem,
  parseGraphqlMessage,
  type Dialect,
  type GraphqlMessage,
} from './messages';

export interface GraphqlSettings {
  /** The dialect to speak; absent: the one the server chose of the two offered (Sec-WebSocket-Protocol). */
  dialect?: Dialect;
  /** The connection_init payload (auth tokens and the like). */
  connectionParams?: Record<string, unknown>;
  /** How long the server may take to answer connection_init. Default 10 s. */
  ackTimeoutMs?: number;
  /** graphql-transport-ws: send a ping this often and expect the pong within the interval. Default: off. */
  keepAliveMs?: number;
}

export interface GraphqlRequest {
  query: string;
  variables?: Record<string, unknown>;
  operationName?: string;
  extensions?: Record<string, unknown>;
}

/** One running operation (a subscription, or a query or mutation over the socket). */
export interface GraphqlOperation {
  readonly id: string;
  /** Every `next` (`data` in the legacy dialect) payload so far. */
  readonly results: unknown[];
  /** Fires on each result. */
  readonly onNext: (listener: (payload: unknown) => void) => Subscription;
  /**
   * Resolves with the results when the server completes it (or you do); rejects with the server's
   * errors as a sentence: an `error` message, or a result with errors and no data.
   */
  readonly done: Promise<unknown[]>;
  /** Stops it: `complete` (`stop` in the legacy dialect). */
  complete(): Promise<void>;
}

interface Running {
  op: GraphqlOperation;
  next: Emitter<unknown>;
  resolve(results: unknown[]): void;
  reject(err: Error): void;
}

const DEFAULT_ACK_TIMEOUT_MS = 10_000;

/**
 * The GraphQL over WebSocket client on a transport, either dialect: connection_init with its
 * payload on each open, the ack awaited, pings answered with pongs (graphql-transport-ws),
 * subscribe / start with next / data, error and complete per operation id, the 44xx close codes named.
 */
export class GraphqlSession extends SessionBase {
  private dialect: Dialect;
  private readonly ops = new Map<string, Running>();
  private nextId = 0;
  private ackTimer: NodeJS.Timeout | undefined;
  private keepAlive: NodeJS.Timeout | undefined;
  private pingOut: number | undefined;

  constructor(
    transport: Transport,
    readonly settings: GraphqlSettings,
  ) {
    super(transport, 'GraphQL');
    this.dialect = settings.dialect ?? 'graphql-transport-ws';
    this.listen();
  }

  /** The dialect spoken: the settings', or the server's choice on the last open when none was set. */
  get protocol(): Dialect {
    return this.dialect;
  }

  /** Starts an operation; its results arrive on `onNext` and in `results`. */
  subscribe(request: GraphqlRequest): GraphqlOperation {
    const id = String(++this.nextId);
    const next = new Emitter<unknown>();
    const results: unknown[] = [];
    let resolve!: (r: unknown[]) => void;
    let reject!: (err: Error) => void;
    const done = new Promise<unknown[]>((res, rej) => ((resolve = res), (reject = rej)));
    // Whoever ignores `done` is not told about a rejection as an unhandled one.
    done.catch(() => undefined);
    const op: GraphqlOperation = {
      id,
      results,
      onNext: next.event,
      done,
      complete: () => {
        if (!this.ops.delete(id)) return Promise.resolve();
        resolve(results);
        return this.send({ id, type: this.dialect === 'graphql-ws' ? 'stop' : 'complete' });
      },
    };
    if (this.current !== 'ready') {
      reject(new Error('The GraphQL connection is not acknowledged yet: wait for ready(), then subscribe.'));
      return op;
    }
    this.ops.set(id, { op, next, resolve, reject });
    const type = this.dialect === 'graphql-ws' ? 'start' : 'subscribe';
    this.send({ id, type, payload: request }).catch((err: Error) => {
      this.ops.delete(id);
      reject(err);
    });
    return op;
  }

  /** Stops the running operation `id` (a sentence when none runs with that id). */
  completeById(id: string): Promise<void> {
    const running = this.ops.get(id);
    if (!running) {
      const ids = [...this.ops.keys()];
      return Promise.reject(
        new Error(`No operation ${id} is running${ids.length ? `; running: ${ids.join(', ')}` : ''}.`),
      );
    }
    return running.op.complete();
  }

  compose(action: string, values: ComposeValues): Promise<string | undefined> {
    return composeGraphql(this, action, values);
  }

  /** graphql-transport-ws: a ping from the client (its pong is awaited for health). */
  ping(payload?: Record<string, unknown>): Promise<void> {
    this.pingOut = performance.now();
    return this.send(payload ? { type: 'ping', payload } : { type: 'ping' });
  }

  /** Completes every operation (legacy: connection_terminate), then closes the transport normally. */
  close(): void {
    const sends = [...this.ops.values()].map((r) => r.op.complete());
    if (this.dialect === 'graphql-ws' && this.transport.state.phase === 'open')
      sends.push(this.send({ type: 'connection_terminate' }));
    void Promise.allSettled(sends).then(() => this.transport.close(1000));
  }

  private send(message: GraphqlMessage): Promise<void> {
    return this.transport.sendText(JSON.stringify(message));
  }

  protected state(s: ConnectionState): void {
    if (s.phase === 'open') {
      this.refusal = undefined;
      const chosen = DIALECTS.find((d) => d === s.protocol);
      this.dialect = this.settings.dialect ?? chosen ?? 'graphql-transport-ws';
      this.setPhase('handshaking');
      const payload = this.settings.connectionParams;
      void this.send(payload ? { type: 'connection_init', payload } : { type: 'connection_init' }).catch(
        () => undefined,
      );
      const wait = this.settings.ackTimeoutMs ?? DEFAULT_ACK_TIMEOUT_MS;
      this.ackTimer = setTimeout(() => {
        this.note('error', `The GraphQL server did not acknowledge connection_init within ${wait / 1000} s.`);
        this.rejectWaiters(`The GraphQL server did not acknowledge connection_init within ${wait / 1000} s.`);
      }, wait).unref();
    } else if (s.phase === 'closed' || s.phase === 'error') {
      let why = s.message;
      if (s.phase === 'closed') {
        const name = graphqlCloseName(s.code);
        if (name) {
          why = `The GraphQL server closed the connection with ${name}${s.reason ? `: ${s.reason}` : ''}.`;
          this.note('error', why);
        } else if (s.code === 1002 && this.current === 'handshaking' && this.dialect === 'graphql-transport-ws') {
          // subscriptions-transport-ws sets no handleProtocols: `ws` accepts the subprotocol, the server then refuses it.
          this.note(
            'error',
            'The GraphQL server closed the connection with 1002 before acknowledging connection_init: subscriptions-transport-ws does so for any subprotocol but its legacy graphql-ws. Connect without choosing a dialect to offer both.',
          );
        }
      }
      this.end(why);
    }
  }

  protected message(m: TransportMessage): void {
    if (m.direction !== 'received' || m.kind !== 'text') return;
    const msg = parseGraphqlMessage(m.payload.toString('utf8'), this.dialect);
    if (isGraphqlProblem(msg)) {
      this.note('error', `The GraphQL server sent a malformed message: ${msg.problem}`);
      return;
    }
    const running = msg.id === undefined ? undefined : this.ops.get(msg.id);
    switch (msg.type) {
      case 'connection_ack':
        clearTimeout(this.ackTimer);
        this.setPhase('ready');
        this.note('open', `The GraphQL server acknowledged the connection (${this.dialect}).`);
        this.resolveWaiters();
        this.startKeepAlive();
        return;
      case 'connection_error': {
        // After the ack it is a complaint about a frame (subscriptions-transport-ws: one not JSON), not a refusal.
        if (this.current === 'ready')
          return this.note('error', `The GraphQL server reported a connection error: ${describeErrors(msg.payload)}`);
        const text = `The GraphQL server refused the connection: ${describeErrors(msg.payload)}`;
        this.refusal = text;
        this.note('error', text);
        this.rejectWaiters(text);
        return this.setPhase('closed');
      }
      case 'ping':
        void this.send(msg.payload === undefined ? { type: 'pong' } : { type: 'pong', payload: msg.payload }).catch(
          () => undefined,
        );
        return this.healthy(undefined);
      case 'pong':
      case 'ka':
        return this.healthy(msg.type === 'pong' ? this.pingOut : undefined);
      case 'next':
      case 'data':
        if (!running) return;
        running.op.results.push(msg.payload);
        running.next.fire(msg.payload);
        // Errors without data: the request failed before execution (the legacy dialect's validation
        // errors, a subscribe resolver that threw), which graphql-transport-ws sends as `error`.
        if (isRecord(msg.payload) && !('data' in msg.payload) && Array.isArray(msg.payload.errors)) {
          this.ops.delete(running.op.id);
          running.reject(new Error(`Operation ${running.op.id} failed: ${describeErrors(msg.payload.errors)}`));
        }
        return;
      case 'error':
        if (!running && msg.id === undefined)
          return this.note('error', `The GraphQL server reported an error: ${describeErrors(msg.payload)}`);
        if (!running) return;
        this.ops.delete(running.op.id);
        return running.reject(new Error(`Operation ${running.op.id} failed: ${describeErrors(msg.payload)}`));
      case 'complete':
        if (!running) return;
        this.ops.delete(running.op.id);
        return running.resolve(running.op.results);
    }
  }

  private startKeepAlive(): void {
    const every = this.settings.keepAliveMs;
    if (!every || this.dialect !== 'graphql-transport-ws') return;
    this.keepAlive = setInterval(() => {
      if (this.pingOut !== undefined)
        this.markUnhealthy(`The GraphQL server did not answer the ping within ${every} ms.`);
      void this.ping().catch(() => undefined);
    }, every).unref();
  }

  private healthy(pingSentAt: number | undefined): void {
    if (pingSentAt !== undefined) this.pingOut = undefined;
    this.markHealthy(pingSentAt === undefined ? undefined : roundTrip(pingSentAt));
  }

  protected end(why: string): void {
    clearTimeout(this.ackTimer);
    clearInterval(this.keepAlive);
    this.pingOut = undefined;
    for (const r of this.ops.values()) r.reject(new Error(`Operation ${r.op.id} ended: ${why}`));
    this.ops.clear();
    this.rejectWaiters(why);
    this.setPhase('closed');
  }
}

function isRecord(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

/** GraphQL errors (`[{message}]`, `{message}` or a string) as one sentence. */
function describeErrors(payload: unknown): string {
  const list = Array.isArray(payload) ? payload : [payload];
  const texts = list.map((e) =>
    typeof e === 'string'
      ? e
      : typeof e === 'object' && e !== null && typeof (e as { message?: unknown }).message === 'string'
        ? (e as { message: string }).message
        : JSON.stringify(e ?? null),
  );
  return texts.join('; ');
}
