import { randomBytes } from 'node:crypto';
import { generate, type IConnackPacket, type Packet } from 'mqtt-packet';
import type { ComposeValues } from '../../../shared/compose';
import type { ConnectionState } from '../../../shared/protocol';
import type { Transport, TransportMessage } from '../../transport';
import { roundTrip, SessionBase } from '../sessionBase';
import { reasonName, returnCodeName, versionName } from './codes';
import { Flows, composeValues, type MqttPublish } from './flows';
import { PacketStream } from './packets';

export interface MqttSettings {
  /** 4 = MQTT 3.1.1 (the default), 5 = MQTT 5. */
  protocolVersion?: 4 | 5;
  /** Default: `wsi-` and 8 random hex digits. */
  clientId?: string;
  /** Clean session (3.1.1) / clean start (5). Default true. */
  clean?: boolean;
  /** Seconds; a PINGREQ goes this often and its PINGRESP is awaited as long. 0 = none. Default 60. */
  keepalive?: number;
  username?: string;
  /** A secret: sent in CONNECT, never written in a note. */
  password?: string;
  /** How long the broker may take to answer CONNECT. Default 10 s. */
  connackTimeoutMs?: number;
  /** How long the broker may take to answer a PUBLISH, SUBSCRIBE or UNSUBSCRIBE. Default 10 s. */
  ackTimeoutMs?: number;
}

const DEFAULT_KEEPALIVE_S = 60;
const DEFAULT_CONNACK_TIMEOUT_MS = 10_000;

/**
 * The MQTT client on a transport: CONNECT on every open (each reconnect too) and its CONNACK
 * awaited, PINGREQ at the keepalive interval (unhealthy when PINGRESP does not come before the
 * next), SUBSCRIBE / UNSUBSCRIBE / PUBLISH with every acknowledgement flow of QoS 1 and 2 done
 * here both ways (see flows.ts), and DISCONNECT before closing. Packets are read with
 * mqtt-packet's stream parser across frames: a broker may split one packet over several.
 */
export class MqttSession extends SessionBase {
  private readonly publishEmitter = this.emitter<MqttPublish>();
  /** Each PUBLISH the broker delivers (once, for QoS 2: a resent one is acknowledged, not repeated). */
  readonly onPublish = this.publishEmitter.event;
  readonly version: 4 | 5;
  readonly clientId: string;
  private stream: PacketStream | undefined;
  private readonly flows: Flows;
  private connackTimer: NodeJS.Timeout | undefined;
  private keepaliveTimer: NodeJS.Timeout | undefined;
  private pingSentAt: number | undefined;

  constructor(
    transport: Transport,
    readonly settings: MqttSettings,
  ) {
    super(transport, 'MQTT');
    this.version = settings.protocolVersion ?? 4;
    this.clientId = settings.clientId ?? `wsi-${randomBytes(4).toString('hex')}`;
    this.flows = new Flows(
      this.version,
      settings.ackTimeoutMs,
      (p) => this.send(p),
      (m) => this.publishEmitter.fire(m),
    );
    this.listen();
  }

  get protocol(): string {
    return this.version === 5 ? 'mqtt5' : 'mqtt';
  }

  /** SUBSCRIBE to one topic filter; resolves with a sentence once SUBACK granted it ("SUBACK after 3 ms: …"). */
  subscribe(topic: string, qos: 0 | 1 | 2 = 0): Promise<string> {
    return this.whenReady('subscribe') ?? this.flows.subscribe(topic, qos);
  }

  unsubscribe(topic: string): Promise<string> {
    return this.whenReady('unsubscribe') ?? this.flows.unsubscribe(topic);
  }

  /** PUBLISH; resolves when its QoS flow is complete ("PUBACK after 3 ms", "PUBREC after 2 ms, PUBCOMP after 4 ms"). */
  publish(
    topic: string,
    payload: string | Buffer,
    options: { qos?: 0 | 1 | 2; retain?: boolean } = {},
  ): Promise<string> {
    return this.whenReady('publish') ?? this.flows.publish(topic, payload, options.qos ?? 0, options.retain ?? false);
  }

  compose(action: string, values: ComposeValues): Promise<string | undefined> {
    const parsed = composeValues(action, values);
    if ('error' in parsed) return Promise.reject(new Error(parsed.error));
    if (parsed.action === 'subscribe') return this.subscribe(parsed.topic, parsed.qos);
    if (parsed.action === 'unsubscribe') return this.unsubscribe(parsed.topic);
    return this.publish(parsed.topic, parsed.payload, parsed);
  }

  /** DISCONNECT (MQTT 5: reason 0x00 Normal disconnection), then a normal close. */
  close(): void {
    const open = this.transport.state.phase === 'open';
    const bye =
      open && this.current === 'ready'
        ? this.send(this.version === 5 ? { cmd: 'disconnect', reasonCode: 0 } : { cmd: 'disconnect' })
        : Promise.resolve();
    void bye.catch(() => undefined).then(() => this.transport.close(1000));
  }

  private whenReady(what: string): Promise<string> | undefined {
    if (this.current === 'ready') return undefined;
    const why =
      this.current === 'closed' && this.refusal
        ? this.refusal
        : `The MQTT broker has not accepted the connection yet (no CONNACK): wait for it, then ${what}.`;
    return Promise.reject(new Error(why));
  }

  private send(packet: Packet): Promise<void> {
    return this.transport.sendBinary(generate(packet, { protocolVersion: this.version }));
  }

  protected state(s: ConnectionState): void {
    if (s.phase === 'open') this.handshake();
    else if (s.phase === 'closed' || s.phase === 'error') {
      const why =
        this.current === 'handshaking' && s.phase === 'closed'
          ? `The MQTT broker closed the connection before CONNACK (${s.message.replace(/\.$/, '')})${this.version === 5 ? ' — a broker that speaks only MQTT 3.1.1 may do so for an MQTT 5 CONNECT' : ''}.`
          : s.message;
      if (this.current === 'handshaking') this.note('error', why);
      this.end(why);
    }
  }

  private handshake(): void {
    this.refusal = undefined;
    this.stream = new PacketStream(
      this.version,
      (p) => this.packet(p),
      (problem) => this.note('error', `The MQTT broker sent a malformed packet: ${problem}`),
    );
    this.setPhase('handshaking');
    const s = this.settings;
    void this.send({
      cmd: 'connect',
      protocolId: 'MQTT',
      protocolVersion: this.version,
      clientId: this.clientId,
      clean: s.clean ?? true,
      keepalive: s.keepalive ?? DEFAULT_KEEPALIVE_S,
      ...(s.username !== undefined ? { username: s.username } : {}),
      ...(s.password !== undefined ? { password: Buffer.from(s.password) } : {}),
    }).catch(() => undefined);
    const wait = s.connackTimeoutMs ?? DEFAULT_CONNACK_TIMEOUT_MS;
    clearTimeout(this.connackTimer);
    this.connackTimer = setTimeout(() => {
      const text = `The MQTT broker did not answer CONNECT with CONNACK within ${wait / 1000} s.`;
      this.note('error', text);
      this.rejectWaiters(text);
    }, wait).unref();
  }

  protected message(m: TransportMessage): void {
    if (m.direction !== 'received') return;
    if (m.kind === 'binary') this.stream?.feed(m.payload);
    else if (m.kind === 'text')
      this.note('error', 'The MQTT broker sent a text frame; MQTT over WebSocket uses binary frames.');
  }

  private packet(p: Packet): void {
    switch (p.cmd) {
      case 'connack':
        return this.connack(p);
      case 'pingresp':
        return this.pong();
      case 'disconnect': {
        const why = p.reasonCode !== undefined ? `: ${reasonName(p.reasonCode, 'DISCONNECT')}` : '';
        const text = p.properties?.reasonString ? ` (${p.properties.reasonString})` : '';
        return this.note('error', `The MQTT broker sent DISCONNECT${why}${text}.`);
      }
      case 'auth':
        return this.note(
          'error',
          `The MQTT broker sent AUTH (${reasonName(p.reasonCode, 'AUTH')}); enhanced authentication is not supported.`,
        );
      default:
        if (this.current === 'ready') this.flows.packet(p);
        else this.note('error', `The MQTT broker sent ${p.cmd.toUpperCase()} before CONNACK.`);
    }
  }

  private connack(p: IConnackPacket): void {
    clearTimeout(this.connackTimer);
    const v5 = this.version === 5;
    // A 3.1.1 broker answers an MQTT 5 CONNECT with its own CONNACK: return code 1 (§3.1.2.2 of 5.0).
    const code = v5 ? (p.reasonCode ?? 0) : (p.returnCode ?? 0);
    const refused = v5 ? code >= 0x80 || (code >= 1 && code <= 5) : code !== 0;
    if (refused) {
      const named =
        v5 && code >= 0x80 ? `reason code ${reasonName(code, 'CONNACK')}` : `return code ${returnCodeName(code)}`;
      const said = p.properties?.reasonString ? ` (${p.properties.reasonString})` : '';
      const old = v5 && code < 0x80 ? " (in MQTT 3.1.1's form: the broker does not speak MQTT 5)" : '';
      this.refusal = `The MQTT broker refused the connection: CONNACK ${named}${said}${old}.`;
      this.note('error', this.refusal);
      this.rejectWaiters(this.refusal);
      return this.setPhase('closed');
    }
    this.setPhase('ready');
    const assigned = p.properties?.assignedClientIdentifier;
    const client = assigned ? `assigned client id ${assigned}` : `client ${this.clientId}`;
    this.note(
      'open',
      `The MQTT broker accepted the connection (${versionName(this.version)}, ${client}, session present: ${p.sessionPresent ? 'yes' : 'no'}).`,
    );
    this.flows.start();
    this.startKeepalive(p.properties?.serverKeepAlive ?? this.settings.keepalive ?? DEFAULT_KEEPALIVE_S);
    this.resolveWaiters();
  }

  private startKeepalive(seconds: number): void {
    clearInterval(this.keepaliveTimer);
    this.pingSentAt = undefined;
    // A new connection starts healthy (the last one may have ended unanswered).
    if (!this.currentHealth.healthy) this.setHealth({ healthy: true, missedPongs: 0 });
    if (!seconds) return;
    this.keepaliveTimer = setInterval(() => {
      if (this.pingSentAt !== undefined)
        this.markUnhealthy(
          `The MQTT broker did not answer PINGREQ with PINGRESP within the keepalive of ${seconds} s.`,
        );
      this.pingSentAt = performance.now();
      void this.send({ cmd: 'pingreq' }).catch(() => undefined);
    }, seconds * 1000).unref();
  }

  private pong(): void {
    const sent = this.pingSentAt;
    this.pingSentAt = undefined;
    this.markHealthy(sent === undefined ? undefined : roundTrip(sent), Date.now(), true);
  }

  protected end(why: string): void {
    clearTimeout(this.connackTimer);
    clearInterval(this.keepaliveTimer);
    this.pingSentAt = undefined;
    this.stream = undefined;
    this.flows.end(why);
    this.rejectWaiters(why);
    this.setPhase('closed');
  }
}
