import type { AddressInfo } from 'node:net';
import { Duplex } from 'node:stream';
import { Aedes, type AedesOptions } from 'aedes';
import { generate, parser, type Packet } from 'mqtt-packet';
import { createWebSocketStream, WebSocketServer, type WebSocket } from 'ws';
import { mqtt, mqtt5, mqttServerPeer, type MqttSettings } from '../../src/core/protocols';
import { createTransport, type TransportMessage, type TransportOptions } from '../../src/core/transport';

// MQTT over WebSocket servers on 127.0.0.1 port 0: the real aedes broker (v1, MQTT 3.1.1) over a
// `ws` server as its docs set it up (createWebSocketStream; it then writes each piece of a packet as
// its own frame), our mock peer (`serve`), and a broker stand-in that refuses MQTT 5 CONNECTs with a
// reason code, its CONNACK made by mqtt-packet (aedes v1 does not speak MQTT 5).

export interface MqttServer {
  url: string;
  /** Every WebSocket of a client, to drop one. */
  sockets: Set<WebSocket>;
  close(): Promise<void>;
}

function listen(wss: WebSocketServer): Promise<string> {
  return new Promise((resolve) =>
    wss.once('listening', () => resolve(`ws://127.0.0.1:${(wss.address() as AddressInfo).port}/mqtt`)),
  );
}

function stop(wss: WebSocketServer): Promise<void> {
  for (const c of wss.clients) c.terminate();
  return new Promise((resolve) => wss.close(() => resolve()));
}

const acceptMqtt = (offered: Set<string>) =>
  offered.has('mqtt') ? 'mqtt' : offered.has('mqttv3.1') ? 'mqttv3.1' : false;

/**
 * A WebSocket as a stream that sends what was written together (mqtt-packet corks the pieces of one
 * packet) as one frame, as mqtt.js' own WebSocket stream and brokers like mosquitto do: one packet
 * per frame. createWebSocketStream has no `_writev`, so it sends each piece alone.
 */
function framedStream(ws: WebSocket): Duplex {
  const stream = new Duplex({
    read: () => undefined,
    write: (chunk: Buffer, _enc, done) => ws.send(chunk, done),
    writev: (chunks, done) => ws.send(Buffer.concat(chunks.map((c) => c.chunk as Buffer)), done),
    final: (done) => (ws.close(), done()),
    destroy: (_err, done) => (ws.terminate(), done(null)),
  });
  ws.on('message', (data: Buffer) => stream.push(data));
  ws.on('close', () => stream.push(null));
  return stream;
}

/** aedes over `ws`; `framed`: one packet per frame (see framedStream), else createWebSocketStream's pieces. */
export async function startAedes(options: AedesOptions = {}, framed = false): Promise<MqttServer & { broker: Aedes }> {
  const broker = await Aedes.createBroker(options);
  const wss = new WebSocketServer({ host: '127.0.0.1', port: 0, handleProtocols: acceptMqtt });
  const sockets = new Set<WebSocket>();
  wss.on('connection', (ws, req) => {
    sockets.add(ws);
    ws.on('close', () => sockets.delete(ws));
    broker.handle(framed ? framedStream(ws) : createWebSocketStream(ws), req);
  });
  const url = await listen(wss);
  return {
    url,
    broker,
    sockets,
    close: async () => {
      await stop(wss);
      await new Promise<void>((resolve) => broker.close(() => resolve()));
    },
  };
}

/** The mock server's MQTT part (`mqtt.serve()`), answering each client over `ws`. */
export async function startMockPeer(): Promise<MqttServer & { received: Buffer[]; mutePings(on: boolean): void }> {
  const received: Buffer[] = [];
  let muted = false;
  const isPingreq = (b: Buffer) => b.length === 2 && b[0] === 0xc0 && b[1] === 0;
  const wss = new WebSocketServer({
    host: '127.0.0.1',
    port: 0,
    handleProtocols: (offered) => mqttServerPeer().subprotocol?.([...offered]) ?? false,
  });
  const sockets = new Set<WebSocket>();
  wss.on('connection', (ws) => {
    sockets.add(ws);
    const peer = mqtt.serve?.({}) ?? mqttServerPeer();
    ws.on('message', (data: Buffer) => {
      received.push(data);
      if (muted && isPingreq(data)) return;
      for (const f of peer.answer({ direction: 'sent', kind: 'binary', payload: data }) ?? []) ws.send(f.payload);
    });
    ws.on('close', () => (sockets.delete(ws), peer.dispose?.()));
  });
  const url = await listen(wss);
  return { url, sockets, received, mutePings: (on) => (muted = on), close: () => stop(wss) };
}

/**
 * An MQTT 5 broker stand-in, its packets made by mqtt-packet: answers CONNECT with `connack`, then
 * sends `after` (a DISCONNECT, a PUBLISH with a topic alias), and PINGREQ with PINGRESP. A refusing
 * CONNACK is followed by a close, as the specification asks.
 */
export async function startV5Broker(connack: Packet, after: Packet[] = []): Promise<MqttServer & { pings: number[] }> {
  const wss = new WebSocketServer({ host: '127.0.0.1', port: 0, handleProtocols: acceptMqtt });
  const sockets = new Set<WebSocket>();
  const pings: number[] = [];
  wss.on('connection', (ws) => {
    sockets.add(ws);
    const p = parser({ protocolVersion: 5 });
    const send = (packet: Packet, then?: () => void) => ws.send(generate(packet, { protocolVersion: 5 }), then);
    p.on('packet', (packet: Packet) => {
      if (packet.cmd === 'pingreq') return (pings.push(Date.now()), send({ cmd: 'pingresp' }));
      if (packet.cmd !== 'connect') return;
      const refused = connack.cmd === 'connack' && (connack.reasonCode ?? 0) >= 0x80;
      send(connack, refused ? () => ws.close() : undefined);
      if (!refused) for (const a of after) send(a);
    });
    ws.on('message', (data: Buffer) => p.parse(data));
  });
  const url = await listen(wss);
  return { url, sockets, pings, close: () => stop(wss) };
}

/** A CONNACK refusing with `reasonCode` and `reasonString`. */
export const refusing = (reasonCode: number, reasonString: string): Packet => ({
  cmd: 'connack',
  sessionPresent: false,
  reasonCode,
  properties: { reasonString },
});

/** Our MQTT client for `url` (3.1.1, or 5), with what it sent and received, its notes and deliveries. */
export function mqttClient(
  url: string,
  settings: Partial<MqttSettings> = {},
  transport: Partial<TransportOptions> = {},
) {
  const protocol = settings.protocolVersion === 5 ? mqtt5 : mqtt;
  const e = protocol.endpoint(url, settings);
  if ('error' in e) throw new Error(e.error);
  const t = createTransport({ url: e.url, protocols: e.protocols, handshakeTimeout: 2000, ...transport });
  const s = protocol.attach(t, e.settings);
  const messages: TransportMessage[] = [];
  const notes: string[] = [];
  const delivered: Array<{ topic: string; payload: string; qos: number; retain: boolean }> = [];
  t.onMessage((m) => messages.push(m));
  s.onNote((n) => notes.push(`${n.level}: ${n.text}`));
  s.onPublish((m) => delivered.push({ topic: m.topic, payload: m.payload.toString(), qos: m.qos, retain: m.retain }));
  /** The packets that went one way, read with mqtt-packet's stream parser (frames may split them). */
  const packets = (direction: 'sent' | 'received'): Packet[] => {
    const out: Packet[] = [];
    const p = parser({ protocolVersion: s.version });
    p.on('packet', (x: Packet) => out.push(x));
    for (const m of messages) if (m.direction === direction && m.kind === 'binary') p.parse(m.payload);
    return out;
  };
  const cmds = (direction: 'sent' | 'received') => packets(direction).map((p) => p.cmd);
  return { t, s, notes, messages, delivered, packets, cmds, dispose: () => (s.dispose(), t.dispose()) };
}
