import type { AddressInfo } from 'node:net';
import {
  execute,
  GraphQLError,
  GraphQLInt,
  GraphQLNonNull,
  GraphQLObjectType,
  GraphQLSchema,
  GraphQLString,
  subscribe,
} from 'graphql';
import { useServer } from 'graphql-ws/use/ws';
import { SubscriptionServer } from 'subscriptions-transport-ws';
import { WebSocketServer } from 'ws';
import type { Dialect } from '../../src/core/protocols';
import { createTransport, type TransportMessage, type TransportOptions } from '../../src/core/transport';
import { graphqlTransportWs, graphqlWsLegacy, graphqlAuto } from '../../src/core/protocols';

// The real GraphQL over WebSocket servers (graphql-ws' useServer, subscriptions-transport-ws'
// SubscriptionServer) on 127.0.0.1 port 0, over one real `graphql` schema.

/** What the schema's subscriptions did, for the tests to assert on: which iterators were returned. */
export interface SchemaLog {
  /** Names of subscriptions whose source iterator stopped (returned or ran out), in order. */
  stopped: string[];
  /** Subscriptions whose source iterator is running now, one entry each. */
  running: string[];
}

function started(log: SchemaLog, name: string): () => void {
  log.running.push(name);
  let done = false;
  return () => {
    if (done) return;
    done = true;
    log.running.splice(log.running.indexOf(name), 1);
    log.stopped.push(name);
  };
}

/** An async iterator that yields `first`, then waits until it is returned (as a PubSub iterator does). */
function forever(log: SchemaLog, first: number): AsyncIterableIterator<number> {
  let sent = false;
  let release: ((r: IteratorResult<number>) => void) | undefined;
  const stopped = started(log, 'forever');
  const stop = (): IteratorResult<number> => {
    stopped();
    release?.({ value: undefined, done: true });
    return { value: undefined, done: true };
  };
  const it: AsyncIterableIterator<number> = {
    next: () => {
      if (!sent) return ((sent = true), Promise.resolve({ value: first, done: false }));
      return new Promise((resolve) => (release = resolve));
    },
    return: () => Promise.resolve(stop()),
    [Symbol.asyncIterator]: () => it,
  };
  return it;
}

async function* count(log: SchemaLog, to: number): AsyncGenerator<number> {
  const stopped = started(log, 'count');
  try {
    for (let n = 1; n <= to; n++) yield await Promise.resolve(n);
  } finally {
    stopped();
  }
}

/** Yields 1, then throws. */
async function* boom(log: SchemaLog): AsyncGenerator<number> {
  const stopped = started(log, 'boom');
  try {
    yield await Promise.resolve(1);
    throw new Error('The counter broke');
  } finally {
    stopped();
  }
}

/** Query { hello(name), fail }, Mutation { add(a, b) }, Subscription { count(to), boom, denied, forever(from) }. */
export function makeSchema(log: SchemaLog): GraphQLSchema {
  const int = { type: new GraphQLNonNull(GraphQLInt) };
  const passOn = (v: unknown) => v;
  return new GraphQLSchema({
    query: new GraphQLObjectType({
      name: 'Query',
      fields: {
        hello: { type: GraphQLString, args: { name: { type: GraphQLString } }, resolve: (_, a) => `Hello ${a.name}` },
        fail: {
          type: GraphQLString,
          resolve: () => {
            throw new GraphQLError('The field failed on purpose');
          },
        },
      },
    }),
    mutation: new GraphQLObjectType({
      name: 'Mutation',
      fields: { add: { type: GraphQLInt, args: { a: int, b: int }, resolve: (_, a) => Number(a.a) + Number(a.b) } },
    }),
    subscription: new GraphQLObjectType({
      name: 'Subscription',
      fields: {
        count: { type: GraphQLInt, args: { to: int }, subscribe: (_, a) => count(log, Number(a.to)), resolve: passOn },
        boom: { type: GraphQLInt, subscribe: () => boom(log), resolve: passOn },
        denied: {
          type: GraphQLInt,
          subscribe: () => {
            throw new GraphQLError('Not allowed to count');
          },
        },
        forever: {
          type: GraphQLInt,
          args: { from: int },
          subscribe: (_, a) => forever(log, Number(a.from)),
          resolve: passOn,
        },
      },
    }),
  });
}

export interface GraphqlServer {
  url: string;
  log: SchemaLog;
  /** Each connection_init payload the server's onConnect saw. */
  inits: unknown[];
  /** Drops every client's TCP connection (no close frame), the server staying up. */
  dropClients(): void;
  close(): Promise<void>;
}

/** What onConnect says to a payload: true to accept, false to refuse. */
export type Gate = (payload: Record<string, unknown> | undefined) => boolean;

const allowAll: Gate = () => true;

function listen(wss: WebSocketServer): Promise<string> {
  return new Promise((resolve) =>
    wss.once('listening', () => resolve(`ws://127.0.0.1:${(wss.address() as AddressInfo).port}/graphql`)),
  );
}

function stop(wss: WebSocketServer): Promise<void> {
  for (const c of wss.clients) c.terminate();
  return new Promise((resolve) => wss.close(() => resolve()));
}

/** graphql-ws' `useServer` over a `ws` WebSocketServer (the `graphql-transport-ws` subprotocol). */
export async function startGraphqlWsServer(gate: Gate = allowAll): Promise<GraphqlServer> {
  const log: SchemaLog = { stopped: [], running: [] };
  const inits: unknown[] = [];
  const wss = new WebSocketServer({ host: '127.0.0.1', port: 0, path: '/graphql' });
  const url = await listen(wss);
  const server = useServer(
    {
      schema: makeSchema(log),
      onConnect: (ctx) => (inits.push(ctx.connectionParams), gate(ctx.connectionParams)),
    },
    wss,
  );
  const dropClients = () => wss.clients.forEach((c) => c.terminate());
  return { url, log, inits, dropClients, close: async () => (await server.dispose(), await stop(wss)) };
}

/** subscriptions-transport-ws' `SubscriptionServer` on its own port (the legacy `graphql-ws` subprotocol). */
export async function startLegacyServer(gate: Gate = allowAll, keepAlive?: number): Promise<GraphqlServer> {
  const log: SchemaLog = { stopped: [], running: [] };
  const inits: unknown[] = [];
  const wss = new WebSocketServer({ host: '127.0.0.1', port: 0, path: '/graphql' });
  const url = await listen(wss);
  const server = SubscriptionServer.create(
    {
      schema: makeSchema(log),
      execute,
      subscribe,
      keepAlive,
      onConnect: (payload: Record<string, unknown> | undefined) => (inits.push(payload), gate(payload)),
    },
    wss,
  );
  const dropClients = () => wss.clients.forEach((c) => c.terminate());
  return { url, log, inits, dropClients, close: () => (server.close(), stop(wss)) };
}

/** A client for `url` speaking `dialect` (or both, offered, when 'auto'), with its sent frames and notes. */
export function graphqlClient(
  dialect: Dialect | 'auto',
  url: string,
  settings = {},
  transport: Partial<TransportOptions> = {},
) {
  const protocol = dialect === 'auto' ? graphqlAuto : dialect === 'graphql-ws' ? graphqlWsLegacy : graphqlTransportWs;
  const e = protocol.endpoint(url.replace('ws:', 'http:'), settings);
  if ('error' in e) throw new Error(e.error);
  const t = createTransport({ url: e.url, protocols: e.protocols, handshakeTimeout: 2000, ...transport });
  const s = protocol.attach(t, e.settings);
  const messages: TransportMessage[] = [];
  const notes: string[] = [];
  t.onMessage((m) => messages.push(m));
  s.onNote((n) => notes.push(`${n.level}: ${n.text}`));
  const frames = (direction: 'sent' | 'received') =>
    messages
      .filter((m) => m.direction === direction && m.kind === 'text')
      .map((m) => JSON.parse(m.payload.toString()) as { type: string; id?: string; payload?: unknown });
  return {
    t,
    s,
    notes,
    messages,
    sent: () => frames('sent'),
    received: () => frames('received'),
    dispose: () => (s.dispose(), t.dispose()),
  };
}
