import type { ComposeAction, ComposeValues } from '../../../shared/compose';
import { ComposeReader, ms } from '../composeValues';
import type { SignalrSession } from './session';

const LABELS: Record<string, string> = { invoke: 'Invoke', send: 'Send', stream: 'Stream' };

const target = { name: 'target', label: 'Target (hub method)', kind: 'text', required: true } as const;
const args = {
  name: 'arguments',
  label: 'Arguments (JSON array)',
  kind: 'json',
  placeholder: '[]',
  body: true,
} as const;

/** What the SignalR composer offers. */
export const SIGNALR_ACTIONS: readonly ComposeAction[] = [
  {
    id: 'invoke',
    label: 'Invoke',
    description: 'Calls a hub method and waits for its Completion (result and latency).',
    fields: [target, args],
  },
  {
    id: 'send',
    label: 'Send',
    description: 'Calls a hub method without an invocation id: no Completion comes back.',
    fields: [target, args],
  },
  {
    id: 'stream',
    label: 'Stream',
    description: 'Starts a streaming hub method (StreamInvocation); its items arrive as rows.',
    fields: [target, args],
  },
  {
    id: 'cancel',
    label: 'Cancel stream',
    description: 'Stops a running stream (CancelInvocation).',
    fields: [{ name: 'id', label: 'Invocation id', kind: 'text', placeholder: 'the latest stream' }],
  },
];

/** Runs one of SIGNALR_ACTIONS on `session`. */
export async function composeSignalr(
  session: SignalrSession,
  action: string,
  values: ComposeValues,
): Promise<string | undefined> {
  if (action === 'cancel') return cancel(session, values);
  if (!['invoke', 'send', 'stream'].includes(action))
    throw new Error(`SignalR has no "${action}" action; it has invoke, send, stream and cancel.`);
  const r = new ComposeReader(values, LABELS[action]);
  const name = r.text('target', 'a target (the hub method)', { required: true });
  const list = r.json('arguments', 'Arguments') ?? [];
  if (!Array.isArray(list)) throw new Error('Arguments must be a JSON array ([42, "text"]); nothing was sent.');
  // While the handshake is under way, wait for it (its timeout bounds the wait); otherwise say why not.
  if (session.phase === 'handshaking') await session.ready();
  if (action === 'send') {
    await session.send(name, list);
    return undefined;
  }
  if (action === 'stream') {
    const s = session.stream(name, list);
    // Its end (Completion, error) is a note; the items are rows.
    await s.started;
    return `Stream ${s.id} (${name}) started: its items arrive as rows; Cancel stream stops it.`;
  }
  const { result, latencyMs } = await session.invoke(name, list);
  return result === undefined
    ? `Completed after ${ms(latencyMs)} (no result).`
    : `Completed after ${ms(latencyMs)}: ${JSON.stringify(result)}`;
}

async function cancel(session: SignalrSession, values: ComposeValues): Promise<string> {
  const running = session.streams();
  const wanted = typeof values.id === 'string' ? values.id.trim() : '';
  const s = wanted ? running.find((r) => r.id === wanted) : running[running.length - 1];
  if (!s)
    throw new Error(
      wanted
        ? `There is no running stream ${wanted} (running: ${running.map((r) => r.id).join(', ') || 'none'}).`
        : 'There is no running stream to cancel.',
    );
  await s.cancel();
  return `Cancelled stream ${s.id} (${s.target}) after ${s.items.length} items.`;
}
