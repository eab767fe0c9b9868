import type { ComposeValues } from '../../shared/compose';
import type { MessageDecoder } from '../decode';
import { JsonConditions } from '../filterAll';
import type { ProtocolSession } from '../protocols';
import { formatDuration } from './duration';
import type { MessageCounter } from './runWait';
import type { WsStep } from './types';
import { resolveText, type VariableContext } from './variables';

/** What the protocol steps of a run need. */
export interface ProtocolStepContext {
  session?: ProtocolSession;
  /** The protocol's decoder, for `=== wait-for` on what the frames mean. */
  decoder?: MessageDecoder;
  counter: MessageCounter;
  /** Server messages counted when the previous step started (a wait-for looks from there). */
  baseline: number;
  variables: VariableContext;
  limitMs: number;
  secrets: string[];
  signal?: AbortSignal;
  /** The action's sentence (an ack's latency), for the caller to show. */
  onSentence?: (sentence: string) => void;
}

/** `=== emit chat ack`: the protocol session runs the action, within the wait limit. A sentence when it fails. */
export async function runAction(
  step: Extract<WsStep, { type: 'action' }>,
  ctx: ProtocolStepContext,
): Promise<string | undefined> {
  const { session } = ctx;
  if (!session?.compose)
    return `"=== ${step.action}" needs the protocol spoken on this connection, and it is not (see the note above on why).`;
  const values: ComposeValues = {};
  for (const [name, value] of Object.entries(step.values)) {
    if (typeof value !== 'string') {
      values[name] = value;
      continue;
    }
    const r = resolveText(value, ctx.variables, step.lines.startLine);
    if ('error' in r) return r.error;
    ctx.secrets.push(...r.secrets);
    values[name] = r.value;
  }
  let timer: NodeJS.Timeout | undefined;
  const limit = new Promise<never>((_, reject) => {
    timer = setTimeout(
      () => reject(new Error(`"${step.action}" did not finish within ${formatDuration(ctx.limitMs)}.`)),
      ctx.limitMs,
    );
  });
  try {
    await Promise.race([session.ready(), limit]);
    const sentence = await Promise.race([session.compose(step.action, values), limit]);
    if (sentence) ctx.onSentence?.(sentence);
    return undefined;
  } catch (err) {
    return (err as Error).message;
  } finally {
    clearTimeout(timer);
  }
}

/** `=== wait-for type == "next"`: a server message since the previous step began that meets the condition. */
export async function runWaitFor(
  step: Extract<WsStep, { type: 'wait-for' }>,
  ctx: ProtocolStepContext,
): Promise<string | undefined> {
  const conditions = new JsonConditions(step.condition);
  const { decoder } = ctx;
  const outcome = await ctx.counter.waitForMatch(
    ctx.baseline,
    (m) => {
      const view = decoder?.sniff({ index: m.seq, direction: 'received', kind: m.kind, payload: m.payload })
        ? safeDecode(decoder, m, ctx.counter)
        : undefined;
      if (view && conditions.matchesValue(view)) return true;
      return m.kind === 'text' && conditions.matches(m.payload, 0, m.payload.length);
    },
    ctx.limitMs,
    ctx.signal,
  );
  if (typeof outcome === 'object') return undefined;
  const what = `a server message where ${step.condition}`;
  if (outcome === 'aborted') return `stopped while waiting for ${what}.`;
  if (outcome === 'closed')
    return `the connection ended while waiting for ${what}: ${ctx.counter.endReason ?? 'it closed'}`;
  return `waited ${formatDuration(ctx.limitMs)} for ${what}, but none came (${ctx.counter.count - ctx.baseline} other messages did). Check the condition against a message's decoded view in the inspector, or raise the wait timeout.`;
}

export function safeDecode(
  decoder: MessageDecoder,
  m: { seq: number; kind: 'text' | 'binary'; payload: Buffer },
  counter: MessageCounter,
): unknown {
  // The earlier messages, for a protocol whose packets may span frames (MQTT).
  const rows = (seq: number) => {
    const k = counter.message(seq);
    return k && { index: k.seq, direction: 'received' as const, kind: k.kind, payload: k.payload };
  };
  try {
    return decoder.decode({ index: m.seq, direction: 'received', kind: m.kind, payload: m.payload }, { rows })?.value;
  } catch {
    return undefined;
  }
}
