import type { ComposeAction, ComposeValues } from '../../../shared/compose';
import { ComposeReader, ms } from '../composeValues';
import type { SocketIoSession } from './session';

/** What the composer offers over Socket.IO. */
export const SOCKET_IO_ACTIONS: readonly ComposeAction[] = [
  {
    id: 'emit',
    label: 'Emit',
    description: 'An event with JSON arguments, optionally waiting for its acknowledgement',
    fields: [
      { name: 'event', label: 'Event', kind: 'text', required: true, placeholder: 'chat' },
      {
        name: 'args',
        label: 'Arguments (JSON; an array is several arguments)',
        kind: 'json',
        body: true,
        placeholder: '[{"text": "hi"}]',
      },
      { name: 'namespace', label: 'Namespace', kind: 'text', placeholder: '/' },
      { name: 'ack', label: 'Wait for ack', kind: 'flag', default: false },
    ],
  },
  {
    id: 'connect',
    label: 'Join namespace',
    description: 'CONNECT to another namespace, with an optional auth payload',
    fields: [
      { name: 'namespace', label: 'Namespace', kind: 'text', required: true, placeholder: '/admin' },
      { name: 'auth', label: 'Auth (JSON object)', kind: 'json', body: true, placeholder: '{"token": "…"}' },
    ],
  },
];

/** Runs a Socket.IO compose action. */
export async function composeSocketIo(
  session: SocketIoSession,
  action: string,
  values: ComposeValues,
): Promise<string | undefined> {
  const r = new ComposeReader(values, action === 'connect' ? 'Join namespace' : 'Emit');
  if (action === 'connect') {
    const namespace = r.text('namespace', 'a namespace', { required: true });
    const { sid } = await session.connect(namespace, r.object('auth', 'The auth payload'));
    return `Joined ${namespace}${sid ? ` (sid ${sid})` : ''}.`;
  }
  if (action !== 'emit') throw new Error(`Socket.IO has no "${action}" action; use emit or connect.`);
  const event = r.text('event', 'an event name', { required: true });
  const parsed = r.json('args', 'The arguments');
  const args = parsed === undefined ? [] : Array.isArray(parsed) ? parsed : [parsed];
  const namespace = r.text('namespace', 'a namespace') || undefined;
  if (!r.flag('ack')) {
    await session.emit(event, args, namespace);
    return undefined;
  }
  const { args: answer, latencyMs } = await session.emitWithAck(event, args, namespace);
  return `"${event}" acknowledged after ${ms(latencyMs)}: ${JSON.stringify(answer)}`;
}
