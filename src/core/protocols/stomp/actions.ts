import type { ComposeAction, ComposeValues } from '../../../shared/compose';
import type { StompVersion } from './frames';

const receipt = { name: 'receipt', label: 'Ask for a RECEIPT', kind: 'flag', default: false } as const;
const headers = {
  name: 'headers',
  label: 'More headers (JSON object)',
  kind: 'json',
  placeholder: '{"persistent":"true"}',
} as const;

/** What the STOMP composer offers; `compose(action, values)` on a STOMP session runs them. */
export const STOMP_ACTIONS: readonly ComposeAction[] = [
  {
    id: 'subscribe',
    label: 'SUBSCRIBE',
    description: 'Subscribe to a destination; its MESSAGE frames link to this SUBSCRIBE.',
    fields: [
      { name: 'destination', label: 'Destination', kind: 'text', placeholder: '/topic/prices', required: true },
      { name: 'id', label: 'Subscription id', kind: 'text', placeholder: 'sub-1 (next free)' },
      {
        name: 'ack',
        label: 'Ack mode',
        kind: 'choice',
        choices: ['auto', 'client', 'client-individual'],
        default: 'auto',
      },
      headers,
      receipt,
    ],
  },
  {
    id: 'unsubscribe',
    label: 'UNSUBSCRIBE',
    description: 'End a subscription by its id.',
    fields: [{ name: 'id', label: 'Subscription id', kind: 'text', placeholder: 'the latest one' }, receipt],
  },
  {
    id: 'send',
    label: 'SEND',
    description: 'Send a message to a destination (content-length is set from the body).',
    fields: [
      { name: 'destination', label: 'Destination', kind: 'text', placeholder: '/queue/orders', required: true },
      headers,
      receipt,
      { name: 'body', label: 'Body', kind: 'multiline', body: true },
    ],
  },
  {
    id: 'ack',
    label: 'ACK',
    description: 'Acknowledge a MESSAGE (client or client-individual ack mode).',
    fields: [
      { name: 'id', label: 'Message id (or its ack header)', kind: 'text', required: true },
      { name: 'subscription', label: 'Subscription (STOMP 1.1; found from the MESSAGE when empty)', kind: 'text' },
      { name: 'transaction', label: 'Transaction', kind: 'text' },
    ],
  },
  {
    id: 'nack',
    label: 'NACK',
    description: 'Refuse a MESSAGE (STOMP 1.1 and 1.2).',
    fields: [
      { name: 'id', label: 'Message id (or its ack header)', kind: 'text', required: true },
      { name: 'subscription', label: 'Subscription (STOMP 1.1; found from the MESSAGE when empty)', kind: 'text' },
      { name: 'transaction', label: 'Transaction', kind: 'text' },
    ],
  },
];

/** A MESSAGE seen, for ACK and NACK: its subscription and its `ack` header (1.2). */
export interface SeenMessage {
  subscription?: string;
  ack?: string;
}

/** What the session knows when it builds a frame. */
export interface ComposeContext {
  version: StompVersion;
  /** Subscription ids in use, oldest first. */
  subscriptions: readonly string[];
  seen(messageId: string): SeenMessage | undefined;
}

/** A frame to send, and what to say once it went (and was confirmed, when a receipt was asked). */
export interface ComposedFrame {
  command: string;
  headers: Array<[string, string]>;
  body?: string;
  receipt: boolean;
  /** "Subscribed to /topic/a as sub-1 (ack auto)". */
  done: string;
  /** A subscription this frame starts (SUBSCRIBE) or ends (UNSUBSCRIBE). */
  subscription?: { id: string; destination?: string; ack?: string; headers?: Array<[string, string]>; end?: boolean };
}

/** The frame for `action` with the user's values; throws a sentence naming the field at fault. */
export function composeFrame(action: string, values: ComposeValues, ctx: ComposeContext): ComposedFrame {
  const wantsReceipt = values.receipt === true || values.receipt === 'true';
  switch (action) {
    case 'subscribe': {
      const destination = required(values, 'destination', 'Destination', 'SUBSCRIBE');
      const id = text(values.id) || nextId(ctx.subscriptions);
      const ack = text(values.ack) || 'auto';
      if (!['auto', 'client', 'client-individual'].includes(ack))
        throw new Error(`Ack mode "${ack}" is not one of auto, client, client-individual.`);
      const extra = extraHeaders(values.headers);
      const h: Array<[string, string]> = [['destination', destination], ['id', id], ['ack', ack], ...extra];
      return {
        command: 'SUBSCRIBE',
        headers: h,
        receipt: wantsReceipt,
        done: `Subscribed to ${destination} as ${id} (ack ${ack})`,
        subscription: { id, destination, ack, headers: extra },
      };
    }
    case 'unsubscribe': {
      const id = text(values.id) || ctx.subscriptions[ctx.subscriptions.length - 1];
      if (!id) throw new Error('Subscription id is empty and there is no subscription to end.');
      return {
        command: 'UNSUBSCRIBE',
        headers: [['id', id]],
        receipt: wantsReceipt,
        done: `Unsubscribed ${id}`,
        subscription: { id, end: true },
      };
    }
    case 'send': {
      const destination = required(values, 'destination', 'Destination', 'SEND');
      const body = typeof values.body === 'string' ? values.body : '';
      const h: Array<[string, string]> = [['destination', destination], ...extraHeaders(values.headers)];
      return {
        command: 'SEND',
        headers: h,
        body,
        receipt: wantsReceipt,
        done: `Sent ${Buffer.byteLength(body)} bytes to ${destination}`,
      };
    }
    case 'ack':
    case 'nack':
      return ackFrame(action === 'ack' ? 'ACK' : 'NACK', values, ctx, wantsReceipt);
    default:
      throw new Error(`STOMP has no "${action}" action; it has ${STOMP_ACTIONS.map((a) => a.id).join(', ')}.`);
  }
}

/** ACK/NACK as each version spells it: 1.2 `id` (the MESSAGE's ack header), 1.1 `message-id` + `subscription`, 1.0 `message-id`. */
function ackFrame(
  command: 'ACK' | 'NACK',
  values: ComposeValues,
  ctx: ComposeContext,
  receipt: boolean,
): ComposedFrame {
  const id = required(values, 'id', 'Message id', command);
  if (command === 'NACK' && ctx.version === '1.0') throw new Error('STOMP 1.0 has no NACK (the server speaks 1.0).');
  const seen = ctx.seen(id);
  const h: Array<[string, string]> = [];
  if (ctx.version === '1.2') h.push(['id', seen?.ack ?? id]);
  else {
    h.push(['message-id', id]);
    const subscription = text(values.subscription) || seen?.subscription;
    if (ctx.version === '1.1') {
      if (!subscription)
        throw new Error(
          `${command} in STOMP 1.1 needs the subscription of message ${id}: no such MESSAGE was seen; fill Subscription.`,
        );
      h.push(['subscription', subscription]);
    }
  }
  const transaction = text(values.transaction);
  if (transaction) h.push(['transaction', transaction]);
  return { command, headers: h, receipt, done: `${command} sent for message ${id}` };
}

function required(values: ComposeValues, name: string, label: string, command: string): string {
  const v = text(values[name]);
  if (!v) throw new Error(`${label} is empty: ${command} needs one.`);
  return v;
}

function text(v: string | boolean | undefined): string {
  return typeof v === 'string' ? v.trim() : '';
}

function nextId(used: readonly string[]): string {
  for (let n = used.length + 1; ; n++) if (!used.includes(`sub-${n}`)) return `sub-${n}`;
}

/** The headers field: a JSON object whose values are strings (numbers and booleans are written as text). */
function extraHeaders(v: string | boolean | undefined): Array<[string, string]> {
  const raw = text(v);
  if (!raw) return [];
  let parsed: unknown;
  try {
    parsed = JSON.parse(raw);
  } catch (err) {
    throw new Error(`More headers is not valid JSON: ${(err as Error).message}.`, { cause: err });
  }
  if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed))
    throw new Error('More headers must be a JSON object of header names and values.');
  return Object.entries(parsed).map(([k, val]) => {
    if (typeof val === 'object' && val !== null) throw new Error(`Header "${k}" must be text, a number or a boolean.`);
    return [k, String(val)];
  });
}
