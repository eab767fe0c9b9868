import type { EarlyMessage, Endpoint, Protocol } from '../protocol';
import { mqttDecoder } from './decoder';
import { MQTT_ACTIONS } from './flows';
import { MQTT_SUBPROTOCOLS, mqttServerPeer } from './serve';
import { MqttSession, type MqttSettings } from './session';

import { mqttReplay } from './play';
export { mqttDecoder } from './decoder';
export { MQTT_ACTIONS, composeValues, filterProblem, topicProblem, type MqttPublish } from './flows';
export { mqttServerPeer, MQTT_SUBPROTOCOLS } from './serve';
export * from './session';
export { reasonName, returnCodeName } from './codes';

/**
 * The protocol level a CONNECT at the start of a frame names (3, 4 or 5), or undefined: header
 * 0x10, a remaining length, then the protocol name "MQTT" (or 3.1's "MQIsdp") and the level byte.
 */
export function connectLevel(m: EarlyMessage): number | undefined {
  const b = m.payload;
  if (m.kind !== 'binary' || b[0] !== 0x10) return undefined;
  let at = 1;
  while (at < 5 && at < b.length && (b[at] & 0x80) !== 0) at++;
  at++;
  const nameLength = b.length >= at + 2 ? b.readUInt16BE(at) : -1;
  const name = b.subarray(at + 2, at + 2 + nameLength).toString('latin1');
  if ((name !== 'MQTT' && name !== 'MQIsdp') || at + 2 + nameLength >= b.length) return undefined;
  return b[at + 2 + nameLength];
}

/** The WebSocket URL for what the user typed: ws(s), or http(s) mapped to it; `user:password@` goes into CONNECT. */
function endpoint(
  version: 4 | 5,
  input: string,
  settings: Partial<MqttSettings>,
): Endpoint<MqttSettings> | { error: string } {
  let url: URL;
  try {
    url = new URL(input.trim());
  } catch {
    return { error: `"${input}" is not a URL. An MQTT over WebSocket endpoint looks like ws://localhost:8080/mqtt.` };
  }
  const scheme = url.protocol.toLowerCase();
  if (/^mqtts?:$|^tcp:$|^ssl:$|^tls:$/.test(scheme))
    return {
      error: `${scheme}// is MQTT over TCP; the inspector speaks MQTT over WebSocket (ws://host:8080/mqtt or wss://…).`,
    };
  const ws = { 'http:': 'ws:', 'https:': 'wss:', 'ws:': 'ws:', 'wss:': 'wss:' }[scheme];
  if (!ws)
    return {
      error: `An MQTT over WebSocket endpoint starts with ws://, wss://, http:// or https://; this one starts with ${scheme}.`,
    };
  url.protocol = ws;
  const out: MqttSettings = { ...settings, protocolVersion: version };
  // As mqtt.js does: the URL's user and password are the CONNECT's, not an HTTP Authorization.
  if (url.username && out.username === undefined) out.username = decodeURIComponent(url.username);
  if (url.password && out.password === undefined) out.password = decodeURIComponent(url.password);
  url.username = '';
  url.password = '';
  return { url: url.href, protocols: [MQTT_SUBPROTOCOLS[0]], settings: out };
}

function mqttProtocol(version: 4 | 5): Protocol<MqttSettings, MqttSession> {
  const v5 = version === 5;
  return {
    id: v5 ? 'mqtt5' : 'mqtt',
    label: v5 ? 'MQTT 5' : 'MQTT 3.1.1',
    detect: {
      // Both versions negotiate `mqtt`: the subprotocol picks 3.1.1; a CONNECT seen says 5.
      subprotocols: v5 ? [] : MQTT_SUBPROTOCOLS,
      // The path brokers serve it on (EMQX, HiveMQ, aedes examples: ws://host:8083/mqtt); 3.1.1 by default.
      url: (url) => !v5 && /(^|\/)mqtt\/?$/i.test(url.pathname),
      messages: (first) =>
        first.some((m) => {
          const level = connectLevel(m);
          return level !== undefined && (level === 5) === v5;
        }),
    },
    endpoint: (input, settings = {}) => endpoint(version, input, settings),
    decoder: () => mqttDecoder(version),
    attach: (transport, settings) => new MqttSession(transport, { ...settings, protocolVersion: version }),
    actions: MQTT_ACTIONS,
    serve: () => mqttServerPeer(),
    replay: mqttReplay,
  };
}

/** MQTT 3.1.1 (protocol level 4) over WebSocket. */
export const mqtt = mqttProtocol(4);
/** MQTT 5 over WebSocket: the same subprotocol, chosen by its id. */
export const mqtt5 = mqttProtocol(5);
