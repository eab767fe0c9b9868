import { generate, type Packet } from 'mqtt-packet';
import type { EarlyMessage, OutgoingFrame, ProtocolServerPeer } from '../protocol';
import { PacketStream } from './packets';

/** Subprotocols an MQTT client offers: `mqtt` (3.1.1 and 5), `mqttv3.1` (3.1). */
export const MQTT_SUBPROTOCOLS: readonly string[] = ['mqtt', 'mqttv3.1'];

/**
 * The broker's side of MQTT for one client of the mock server, in the client's version (its
 * CONNECT says which): CONNACK accepting it, PINGRESP, SUBACK granting each QoS asked for,
 * UNSUBACK, PUBACK for a QoS 1 PUBLISH, PUBREC then PUBCOMP for QoS 2. It does not route
 * PUBLISHes to subscribers: what the broker sends besides is the recording's to play. Packets are
 * read across frames (a client may split one); each answer is one binary frame.
 */
export function mqttServerPeer(): ProtocolServerPeer {
  // The parser reads the version from CONNECT, as it does for the packets after it.
  let version = 4;
  let answers: Packet[] = [];
  const stream = new PacketStream(
    4,
    (p) => {
      if (p.cmd === 'connect') version = p.protocolVersion === 5 ? 5 : 4;
      const a = answer(p, version);
      if (a) answers.push(a);
    },
    () => undefined,
  );
  return {
    subprotocol: (offered) => MQTT_SUBPROTOCOLS.find((s) => offered.includes(s)),
    greet: () => [],
    answer(message: EarlyMessage): OutgoingFrame[] | undefined {
      if (message.direction !== 'sent' || message.kind !== 'binary') return undefined;
      stream.feed(message.payload);
      const out = answers;
      answers = [];
      if (out.length === 0) return undefined;
      return out.map((p) => ({ kind: 'binary' as const, payload: generate(p, { protocolVersion: version }) }));
    },
  };
}

function answer(p: Packet, version: number): Packet | undefined {
  const v5 = version === 5;
  switch (p.cmd) {
    case 'connect':
      return v5
        ? { cmd: 'connack', sessionPresent: false, reasonCode: 0 }
        : { cmd: 'connack', sessionPresent: false, returnCode: 0 };
    case 'pingreq':
      return { cmd: 'pingresp' };
    case 'subscribe':
      return { cmd: 'suback', messageId: p.messageId, granted: p.subscriptions.map((s) => s.qos) };
    case 'unsubscribe':
      return v5
        ? { cmd: 'unsuback', messageId: p.messageId, granted: p.unsubscriptions.map(() => 0) }
        : ({ cmd: 'unsuback', messageId: p.messageId } as Packet);
    case 'publish':
      if (p.qos === 1) return { cmd: 'puback', messageId: p.messageId };
      if (p.qos === 2) return { cmd: 'pubrec', messageId: p.messageId };
      return undefined;
    case 'pubrel':
      return { cmd: 'pubcomp', messageId: p.messageId };
    default:
      return undefined;
  }
}
