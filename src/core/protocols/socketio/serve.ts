import { randomBytes } from 'node:crypto';
import type { ConnectionFacts, EarlyMessage, OutgoingFrame, ProtocolServerPeer } from '../protocol';
import { isProblem, parseSocketHeader, type EioVersion } from './packets';
import { eioOfUrl } from './url';

/** The Engine.IO timing a mock server announces; socket.io's own defaults (pingTimeout 5 s in v2). */
export interface ServerTiming {
  pingInterval: number;
  pingTimeout: number;
}

const DEFAULT_TIMING: Record<EioVersion, ServerTiming> = {
  4: { pingInterval: 25_000, pingTimeout: 20_000 },
  3: { pingInterval: 25_000, pingTimeout: 5_000 },
};

/** An Engine.IO session id as engine.io makes them: 15 random bytes, base64url. */
function newSid(): string {
  return randomBytes(15).toString('base64url');
}

function text(s: string): OutgoingFrame {
  return { kind: 'text', payload: Buffer.from(s, 'utf8') };
}

/**
 * The server's part of Socket.IO for one mock-server client, as a socket.io server plays it: the
 * Engine.IO open packet with a new sid (and v2's automatic `40` for `/`), a namespace CONNECT
 * answered with its own new sid, pings: EIO 4's server sends `2` every pingInterval (`start`) and
 * takes the client's `3`; EIO 3's client pings and gets `3`. Everything else is the recording's.
 */
export function socketIoServer(facts: ConnectionFacts, timing?: Partial<ServerTiming>): ProtocolServerPeer {
  const eio = eioOfUrl(facts.url);
  const { pingInterval, pingTimeout } = { ...DEFAULT_TIMING[eio], ...timing };
  let pinger: NodeJS.Timeout | undefined;
  return {
    greet() {
      const open = {
        sid: newSid(),
        upgrades: [],
        pingInterval,
        pingTimeout,
        ...(eio === 4 ? { maxPayload: 1e6 } : {}),
      };
      // A v2 server connects the client to / by itself.
      return eio === 4 ? [text(`0${JSON.stringify(open)}`)] : [text(`0${JSON.stringify(open)}`), text('40')];
    },
    start(send) {
      if (eio !== 4) return;
      pinger = setInterval(() => send([text('2')]), Math.max(1, pingInterval));
      pinger.unref();
    },
    answer(m: EarlyMessage) {
      if (m.direction !== 'sent' || m.kind !== 'text' || m.payload.length === 0) return undefined;
      const frame = m.payload.toString('utf8');
      switch (frame[0]) {
        case '2': // a client's ping: always EIO 3's, and the upgrade's probe in both
          return [text(`3${frame.slice(1)}`)];
        case '3': // the answer to our ping
        case '5': // upgrade and noop: the polling transport's, nothing to say on a WebSocket
        case '6':
          return [];
        case '4':
          return connectAnswer(frame, eio);
        default:
          return undefined;
      }
    },
    dispose() {
      clearInterval(pinger);
    },
  };
}

/** CONNECT to a namespace: accepted, with a new socket sid in v3+ (`40/admin,{"sid":…}`). */
function connectAnswer(frame: string, eio: EioVersion): OutgoingFrame[] | undefined {
  if (frame[1] !== '0') return undefined;
  const header = parseSocketHeader(frame.slice(1));
  if (isProblem(header)) return undefined;
  const ns = header.namespace === '/' ? '' : `${header.namespace},`;
  if (eio === 3) return [text(`40${header.namespace === '/' ? '' : `${header.namespace},`}`)];
  return [text(`40${ns}${JSON.stringify({ sid: newSid() })}`)];
}
