import { randomBytes } from 'node:crypto';
import type { ConnectionFacts, EarlyMessage, OutgoingFrame, ProtocolServerPeer } from '../protocol';
import { encodeFrame, highestCommon, isHeartBeat, parseStomp, VERSIONS, versionOfSubprotocol } from './frames';
import { isSockJsProblem, isSockJsUrl, parseSockJs, wrapSockJsServer } from './sockjs';

/** Subprotocols a STOMP server accepts, the highest version first. */
export const STOMP_SUBPROTOCOLS = ['v12.stomp', 'v11.stomp', 'v10.stomp'] as const;

/**
 * The STOMP server's own part for one mock-server client, plain or inside SockJS framing (`o` on
 * connect, answers as `a[…]`): CONNECT / STOMP answered with CONNECTED (the highest version both
 * speak, no heart-beats from the mock, the client's accepted), heart-beats taken, DISCONNECT's
 * receipt answered with its RECEIPT. Anything else is the recording's to answer.
 */
export function stompServerPeer(facts: ConnectionFacts): ProtocolServerPeer {
  const sockjs = isSockJsUrl(facts.url);
  let chosen = facts.subprotocol;
  const frame = (text: string): OutgoingFrame => ({
    kind: 'text',
    payload: Buffer.from(sockjs ? wrapSockJsServer([text]) : text, 'utf8'),
  });
  return {
    subprotocol: (offered) => (chosen = sockjs ? undefined : STOMP_SUBPROTOCOLS.find((p) => offered.includes(p))),
    greet: () => (sockjs ? [{ kind: 'text', payload: Buffer.from('o') }] : []),
    answer(message: EarlyMessage): OutgoingFrame[] | undefined {
      const payloads = unwrap(message, sockjs);
      if (!payloads) return undefined;
      const out: OutgoingFrame[] = [];
      for (const p of payloads) {
        if (isHeartBeat(p)) continue;
        const parsed = parseStomp(p);
        if (parsed.problem !== undefined) return undefined;
        for (const f of parsed.frames) {
          if (f.command === 'CONNECT' || f.command === 'STOMP') {
            const cap = versionOfSubprotocol(chosen);
            const supported = cap ? VERSIONS.filter((v) => v <= cap) : VERSIONS;
            const version = highestCommon(f.headers['accept-version'], supported);
            if (!version) {
              const body = `Supported protocol versions are ${supported.join(',')}`;
              out.push(
                frame(
                  encodeFrame(
                    'ERROR',
                    [
                      ['version', supported.join(',')],
                      ['message', 'Unsupported version'],
                      ['content-type', 'text/plain'],
                    ],
                    body,
                  ),
                ),
              );
              continue;
            }
            const wanted = Number.parseInt((f.headers['heart-beat'] ?? '0,0').split(',')[0], 10) || 0;
            const session = `session-${randomBytes(4).toString('hex')}`;
            const h: Array<[string, string]> = [
              ['version', version],
              ['heart-beat', `0,${wanted}`],
              ['server', 'wsi-mock'],
              ['session', session],
            ];
            out.push(frame(encodeFrame('CONNECTED', h)));
          } else if (f.command === 'DISCONNECT') {
            if (f.headers.receipt !== undefined)
              out.push(frame(encodeFrame('RECEIPT', [['receipt-id', f.headers.receipt]])));
          } else return undefined;
        }
      }
      return out;
    },
  };
}

/** The STOMP messages inside a client message: the payload, or each string of a SockJS array. */
function unwrap(message: EarlyMessage, sockjs: boolean): Buffer[] | undefined {
  if (message.kind !== 'text' && message.kind !== 'binary') return undefined;
  if (!sockjs) return [message.payload];
  const s = parseSockJs(message.payload.toString('utf8'), 'sent');
  if (isSockJsProblem(s) || s.frame !== 'send') return undefined;
  return s.messages.map((m) => Buffer.from(m, 'utf8'));
}
