import type { EarlyMessage, OutgoingFrame, ProtocolServerPeer } from '../protocol';
import { MessageType, parseRecords, writeRecord } from './records';

const text = (s: string): OutgoingFrame => ({ kind: 'text', payload: Buffer.from(s) });

/**
 * The hub's side for one mock-server client: the handshake request answered with `{}` (or the
 * error an ASP.NET Core hub gives for another protocol), and each client Ping with a Ping. A real
 * hub pings every 15 s on its own; a peer here only answers, and the client's Ping every 15 s keeps
 * its 30 s server timeout from firing. Invocations are the recording's to answer.
 */
export function signalrPeer(): ProtocolServerPeer {
  let handshaken = false;
  return {
    greet: () => [],
    answer(message: EarlyMessage): OutgoingFrame[] | undefined {
      if (message.kind !== 'text') return undefined;
      const records = parseRecords(message.payload.toString('utf8'), handshaken ? false : 'request');
      const out: OutgoingFrame[] = [];
      for (const r of records) {
        if (r.type === 'HandshakeRequest') {
          handshaken = true;
          const ok = r.protocol === 'json' && !r.problem;
          out.push(text(writeRecord(ok ? {} : { error: `The protocol '${r.protocol ?? '?'}' is not supported.` })));
        } else if (r.typeNumber === MessageType.Ping && !r.problem)
          out.push(text(writeRecord({ type: MessageType.Ping })));
      }
      return out.length > 0 ? out : undefined;
    },
  };
}
