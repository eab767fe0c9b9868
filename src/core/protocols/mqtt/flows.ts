import type { Packet } from 'mqtt-packet';
import type { ComposeAction, ComposeValues } from '../../../shared/compose';
import { failed, reasonName, subackName } from './codes';

/**
 * MQTT's acknowledgement flows, for the client session: packet identifiers, SUBSCRIBE → SUBACK,
 * UNSUBSCRIBE → UNSUBACK, PUBLISH QoS 1 → PUBACK, QoS 2 → PUBREC → PUBREL → PUBCOMP, and the same
 * answered for the broker's PUBLISHes (PUBACK; PUBREC, then PUBCOMP for its PUBREL). Every wait
 * has a bound; each outcome is a sentence.
 */

/** A PUBLISH the broker delivered. */
export interface MqttPublish {
  topic: string;
  payload: Buffer;
  qos: 0 | 1 | 2;
  retain: boolean;
  dup: boolean;
  properties?: Record<string, unknown>;
}

export type QoS = 0 | 1 | 2;

interface Pending {
  /** What it is, for sentences: "PUBLISH #3 to a/b". */
  what: string;
  /** The packet awaited next. */
  awaiting: 'PUBACK' | 'PUBREC' | 'PUBCOMP' | 'SUBACK' | 'UNSUBACK';
  startedAt: number;
  /** Steps done so far, for the sentence ("PUBREC after 2 ms"). */
  steps: string[];
  timer: NodeJS.Timeout;
  resolve(sentence: string): void;
  reject(err: Error): void;
}

const DEFAULT_ACK_TIMEOUT_MS = 10_000;
const MAX_ID = 0xffff;

export class Flows {
  private readonly pending = new Map<number, Pending>();
  /** QoS 2 PUBLISHes received and PUBREC'd, awaiting the broker's PUBREL. */
  private readonly inbound = new Set<number>();
  /** MQTT 5 topic aliases the broker set on this connection. */
  private readonly aliases = new Map<number, string>();
  private lastId = 0;

  constructor(
    private readonly version: 4 | 5,
    private readonly ackTimeoutMs = DEFAULT_ACK_TIMEOUT_MS,
    private readonly send: (p: Packet) => Promise<void>,
    private readonly deliver: (m: MqttPublish) => void,
  ) {}

  /** A new connection was accepted (a clean one: the broker forgot the QoS 2 ids it sent before). */
  start(): void {
    this.inbound.clear();
    this.aliases.clear();
  }

  subscribe(topic: string, qos: QoS): Promise<string> {
    const problem = filterProblem(topic);
    if (problem) return Promise.reject(new Error(problem));
    return this.request('SUBACK', `SUBSCRIBE #{id} to ${topic}`, (messageId) => ({
      cmd: 'subscribe',
      messageId,
      subscriptions: [{ topic, qos }],
    }));
  }

  unsubscribe(topic: string): Promise<string> {
    const problem = filterProblem(topic);
    if (problem) return Promise.reject(new Error(problem));
    return this.request('UNSUBACK', `UNSUBSCRIBE #{id} from ${topic}`, (messageId) => ({
      cmd: 'unsubscribe',
      messageId,
      unsubscriptions: [topic],
    }));
  }

  publish(topic: string, payload: string | Buffer, qos: QoS, retain: boolean): Promise<string> {
    const problem = topicProblem(topic);
    if (problem) return Promise.reject(new Error(problem));
    const body = Buffer.isBuffer(payload) ? payload : Buffer.from(payload);
    if (qos === 0)
      return this.send({ cmd: 'publish', topic, payload: body, qos, retain, dup: false }).then(
        () => `Sent with QoS 0 (no acknowledgement in MQTT)${retain ? ', retained' : ''}.`,
      );
    return this.request(qos === 1 ? 'PUBACK' : 'PUBREC', `PUBLISH #{id} to ${topic}`, (messageId) => ({
      cmd: 'publish',
      messageId,
      topic,
      payload: body,
      qos,
      retain,
      dup: false,
    }));
  }

  /** A packet of the flows from the broker. */
  packet(p: Packet): void {
    switch (p.cmd) {
      case 'publish':
        return this.received(p);
      case 'pubrel':
        if (p.messageId === undefined) return;
        this.inbound.delete(p.messageId);
        return void this.send({ cmd: 'pubcomp', messageId: p.messageId }).catch(() => undefined);
      case 'puback':
      case 'pubrec':
      case 'pubcomp':
        return this.answer(p.cmd.toUpperCase(), p.messageId, p.reasonCode === undefined ? [] : [p.reasonCode]);
      case 'suback':
      case 'unsuback': {
        const codes = Array.isArray(p.granted) ? (p.granted as unknown[]).map(Number) : [];
        return this.answer(p.cmd.toUpperCase(), p.messageId, codes);
      }
    }
  }

  /** Every pending request fails with `why` (the connection ended). */
  end(why: string): void {
    for (const r of this.pending.values()) {
      clearTimeout(r.timer);
      r.reject(new Error(`The ${r.what} got no ${r.awaiting}: ${why}`));
    }
    this.pending.clear();
    this.inbound.clear();
    this.aliases.clear();
  }

  private received(p: Extract<Packet, { cmd: 'publish' }>): void {
    // MQTT 5: a topic alias with a topic sets it; with an empty topic it stands for it.
    const alias = p.properties?.topicAlias;
    if (alias !== undefined && p.topic) this.aliases.set(alias, p.topic);
    const topic = p.topic || (alias !== undefined ? (this.aliases.get(alias) ?? '') : '');
    const m: MqttPublish = {
      topic,
      payload: Buffer.isBuffer(p.payload) ? p.payload : Buffer.from(p.payload),
      qos: p.qos,
      retain: p.retain,
      dup: p.dup,
      ...(p.properties ? { properties: p.properties } : {}),
    };
    const id = p.messageId;
    if (p.qos === 1 && id !== undefined) void this.send({ cmd: 'puback', messageId: id }).catch(() => undefined);
    if (p.qos === 2 && id !== undefined) {
      void this.send({ cmd: 'pubrec', messageId: id }).catch(() => undefined);
      // Delivered once: a resent PUBLISH (before PUBREL) is acknowledged again, not delivered again.
      if (this.inbound.has(id)) return;
      this.inbound.add(id);
    }
    this.deliver(m);
  }

  private request(awaiting: Pending['awaiting'], what: string, packet: (id: number) => Packet): Promise<string> {
    const id = this.nextId();
    if (id === undefined) return Promise.reject(new Error('Every MQTT packet identifier (1–65535) is in use.'));
    const name = what.replace('{id}', String(id));
    return new Promise<string>((resolve, reject) => {
      const r: Pending = {
        what: name,
        awaiting,
        startedAt: performance.now(),
        steps: [],
        timer: this.timer(id, name, awaiting),
        resolve,
        reject,
      };
      this.pending.set(id, r);
      this.send(packet(id)).catch((err: Error) => {
        clearTimeout(r.timer);
        this.pending.delete(id);
        reject(err);
      });
    });
  }

  private timer(id: number, what: string, awaiting: string): NodeJS.Timeout {
    return setTimeout(() => {
      const r = this.pending.get(id);
      if (!r) return;
      this.pending.delete(id);
      r.reject(new Error(`The MQTT broker sent no ${awaiting} for ${what} within ${this.ackTimeoutMs / 1000} s.`));
    }, this.ackTimeoutMs).unref();
  }

  private answer(type: string, id: number | undefined, codes: number[]): void {
    const r = id === undefined ? undefined : this.pending.get(id);
    if (!r || id === undefined || r.awaiting !== type) return;
    const ms = Math.round(performance.now() - r.startedAt);
    clearTimeout(r.timer);
    const names = codes.map((c) => (type === 'SUBACK' ? subackName(c, this.version) : reasonName(c, type)));
    const bad = type === 'SUBACK' ? codes.some((c) => c >= 0x80) : this.version === 5 && codes.some(failed);
    if (bad) {
      this.pending.delete(id);
      return r.reject(new Error(`The MQTT broker refused the ${r.what}: ${type} ${names.join(', ')}.`));
    }
    r.steps.push(`${type} after ${ms} ms`);
    if (type === 'PUBREC') {
      // QoS 2, second half: release it, and wait for PUBCOMP.
      r.awaiting = 'PUBCOMP';
      r.timer = this.timer(id, r.what, 'PUBCOMP');
      void this.send({ cmd: 'pubrel', messageId: id }).catch(() => undefined);
      return;
    }
    this.pending.delete(id);
    const said = type === 'SUBACK' || (this.version === 5 && codes.some((c) => c !== 0)) ? `: ${names.join(', ')}` : '';
    r.resolve(`${r.steps.join(', ')}${said}.`);
  }

  private nextId(): number | undefined {
    for (let i = 0; i < MAX_ID; i++) {
      this.lastId = (this.lastId % MAX_ID) + 1;
      if (!this.pending.has(this.lastId)) return this.lastId;
    }
    return undefined;
  }
}

/** A topic name to publish to: not empty, no wildcards (§4.7). */
export function topicProblem(topic: string): string | undefined {
  if (topic === '') return 'The topic is empty; a PUBLISH needs a topic name (sensors/kitchen).';
  if (/[+#]/.test(topic)) return `The topic "${topic}" has a wildcard (+ or #); a PUBLISH goes to one topic name.`;
  return nul(topic);
}

/** A topic filter: `#` only as the last level, `+` only as a whole level (§4.7.1). */
export function filterProblem(filter: string): string | undefined {
  if (filter === '') return 'The topic filter is empty (sensors/# or sensors/+/temperature).';
  const levels = filter.split('/');
  for (const [i, level] of levels.entries()) {
    if (level.includes('#') && (level !== '#' || i !== levels.length - 1))
      return `The topic filter "${filter}" has # other than as its whole last level.`;
    if (level.includes('+') && level !== '+') return `The topic filter "${filter}" has + other than as a whole level.`;
  }
  return nul(filter);
}

function nul(topic: string): string | undefined {
  return topic.includes('\u0000') ? `The topic "${topic.replace(/\0/g, '\\0')}" has a NUL character.` : undefined;
}

const QOS_CHOICES = ['0', '1', '2'];

/** The composer's MQTT actions. */
export const MQTT_ACTIONS: readonly ComposeAction[] = [
  {
    id: 'publish',
    label: 'Publish',
    description: 'PUBLISH a message to a topic, with its QoS flow done (PUBACK, or PUBREC/PUBREL/PUBCOMP).',
    fields: [
      { name: 'topic', label: 'Topic', kind: 'text', required: true, placeholder: 'sensors/kitchen' },
      { name: 'qos', label: 'QoS', kind: 'choice', choices: QOS_CHOICES, default: '0' },
      { name: 'retain', label: 'Retain', kind: 'flag', default: false },
      { name: 'payload', label: 'Payload', kind: 'multiline', body: true, placeholder: '{"temperature": 21.5}' },
    ],
  },
  {
    id: 'subscribe',
    label: 'Subscribe',
    description: 'SUBSCRIBE to a topic filter; the broker answers with SUBACK.',
    fields: [
      { name: 'topic', label: 'Topic filter', kind: 'text', required: true, placeholder: 'sensors/#' },
      { name: 'qos', label: 'QoS', kind: 'choice', choices: QOS_CHOICES, default: '0' },
    ],
  },
  {
    id: 'unsubscribe',
    label: 'Unsubscribe',
    description: 'UNSUBSCRIBE from a topic filter; the broker answers with UNSUBACK.',
    fields: [{ name: 'topic', label: 'Topic filter', kind: 'text', required: true, placeholder: 'sensors/#' }],
  },
];

export type ComposeRequest =
  | { action: 'subscribe'; topic: string; qos: QoS }
  | { action: 'unsubscribe'; topic: string }
  | { action: 'publish'; topic: string; payload: string; qos: QoS; retain: boolean };

/** The user's values for `action`, checked; a sentence naming the field when one is wrong. */
export function composeValues(action: string, values: ComposeValues): ComposeRequest | { error: string } {
  const text = (name: string) => (typeof values[name] === 'string' ? values[name] : '');
  const topic = text('topic').trim();
  const q = text('qos').trim() || '0';
  if (!QOS_CHOICES.includes(q)) return { error: `QoS is 0, 1 or 2; "${q}" is none of them.` };
  const qos = Number(q) as QoS;
  const flag = values.retain;
  const retain = flag === true || (typeof flag === 'string' && /^(true|yes|on|1|retain)$/i.test(flag.trim()));
  switch (action) {
    case 'subscribe':
      return { action, topic, qos };
    case 'unsubscribe':
      return { action, topic };
    case 'publish':
      return { action, topic, payload: text('payload'), qos, retain };
    default:
      return { error: `MQTT has no action "${action}"; it has ${MQTT_ACTIONS.map((a) => a.id).join(', ')}.` };
  }
}
