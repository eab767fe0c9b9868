import type { MessageDecoder } from '../decode';
import { createTransport, type Transport, type TransportOptions } from '../transport';
import { graphqlAuto } from './graphql';
import { PROTOCOLS } from './list';
import { detectProtocol, type Protocol, type ProtocolSession } from './protocol';
import { socketIo } from './socketio';

/** How to open a connection: the transport's options, and the protocol to speak over it. */
export type ConnectionRecipe = TransportOptions & {
  /** A protocol's id ("socket.io", "graphql", …), 'none', or 'auto' (default: recognised by the URL). */
  protocol?: string;
  /** The protocol session's settings over what the URL says (a replay's, from the recording). */
  protocolSettings?: Record<string, unknown>;
  /** How payloads are read ('auto', 'msgpack', 'protobuf:pkg.Ticker', …: see decode/payloads.ts). */
  payloads?: string;
};

/** Every protocol a user can name (`# @protocol`, `protocol` in a recipe), and 'none'. */
export const PROTOCOL_CHOICES: readonly Protocol[] = [...PROTOCOLS, graphqlAuto];

/** The ids a user can name, for sentences and completion. */
export function protocolIds(): string[] {
  return [...PROTOCOL_CHOICES.map((p) => p.id), 'none'];
}

/** A connection made from a recipe: the transport, and the protocol's session and decoder when it speaks one. */
export interface OpenedConnection {
  transport: Transport;
  protocol?: Protocol;
  session?: ProtocolSession;
  decoder?: MessageDecoder;
  /** Why it speaks the protocol ("chosen", "recognised by the URL"), or why not (a sentence). */
  how?: string;
  /** A sentence when the chosen protocol could not be used; the connection then opens plain. */
  problem?: string;
}

/**
 * Opens a connection by its recipe: the protocol chosen, or the one the URL names (an http(s) URL is
 * what Socket.IO clients are given; `/socket.io/?EIO=` too), or plain WebSocket. `beforeAttach` is
 * called with the transport before the protocol session listens, so a caller that keeps every
 * message (the inspector's rows) hears each one before the session's answer to it.
 */
export function openConnection(recipe: ConnectionRecipe, beforeAttach?: (t: Transport) => void): OpenedConnection {
  const { protocol: wanted = 'auto', protocolSettings, payloads: _payloads, ...options } = recipe;
  let chosen: { protocol: Protocol; how: string } | undefined;
  let problem: string | undefined;
  if (wanted !== 'none' && wanted !== 'auto') {
    const protocol = PROTOCOL_CHOICES.find((p) => p.id === wanted);
    if (protocol) chosen = { protocol, how: 'chosen' };
    else problem = `There is no protocol "${wanted}"; known: ${protocolIds().join(', ')}.`;
  } else if (wanted === 'auto') {
    if (/^https?:/i.test(options.url)) chosen = { protocol: socketIo, how: 'an http:// URL opens Socket.IO' };
    else {
      const found = detectProtocol(PROTOCOLS, { url: options.url });
      const by = { url: 'the URL', subprotocol: 'the subprotocol', messages: 'the first messages' };
      if (found) chosen = { protocol: found.protocol, how: `recognised by ${by[found.by]}` };
    }
  }
  if (chosen) {
    const endpoint = chosen.protocol.endpoint(options.url, protocolSettings);
    if ('error' in endpoint) problem = `${endpoint.error} The connection opens without ${chosen.protocol.label}.`;
    else {
      const { url, protocols, prepare } = endpoint;
      const transport = createTransport({
        ...options,
        url,
        ...(protocols ? { protocols } : {}),
        ...(prepare ? { prepare } : {}),
      });
      beforeAttach?.(transport);
      return {
        transport,
        protocol: chosen.protocol,
        session: chosen.protocol.attach(transport, endpoint.settings),
        decoder: chosen.protocol.decoder({ url }),
        how: chosen.how,
      };
    }
  }
  const transport = createTransport(options);
  beforeAttach?.(transport);
  return { transport, problem };
}
