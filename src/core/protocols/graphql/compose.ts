import type { ComposeAction, ComposeValues } from '../../../shared/compose';
import { ComposeReader } from '../composeValues';
import type { GraphqlSession } from './session';

/** What the composer offers over GraphQL (either dialect). */
export const GRAPHQL_ACTIONS: readonly ComposeAction[] = [
  {
    id: 'subscribe',
    label: 'Subscribe',
    description: 'Start an operation (a subscription, or a query or mutation over the socket)',
    fields: [
      {
        name: 'query',
        label: 'Query',
        kind: 'multiline',
        body: true,
        required: true,
        placeholder: 'subscription { ticks }',
      },
      { name: 'variables', label: 'Variables (JSON object)', kind: 'json', placeholder: '{"symbol": "BTC"}' },
      { name: 'operationName', label: 'Operation name', kind: 'text' },
    ],
  },
  {
    id: 'complete',
    label: 'Complete',
    description: 'Stop a running operation by its id',
    fields: [{ name: 'id', label: 'Operation id', kind: 'text', required: true, placeholder: '1' }],
  },
  { id: 'ping', label: 'Ping', description: 'A graphql-transport-ws ping; the pong shows in the list', fields: [] },
];

/** Runs a GraphQL compose action. */
export async function composeGraphql(
  session: GraphqlSession,
  action: string,
  values: ComposeValues,
): Promise<string | undefined> {
  switch (action) {
    case 'subscribe': {
      const r = new ComposeReader(values, 'Subscribe');
      const query = r.text('query', 'a query', { required: true });
      const variables = r.object('variables', 'The variables');
      const operationName = r.text('operationName', 'an operation name') || undefined;
      await session.ready();
      const op = session.subscribe({
        query,
        ...(variables ? { variables } : {}),
        ...(operationName ? { operationName } : {}),
      });
      return `Started operation ${op.id}${operationName ? ` (${operationName})` : ''}; its results arrive as messages. Complete it with id ${op.id}.`;
    }
    case 'complete': {
      const id = new ComposeReader(values, 'Complete').text('id', 'an operation id', { required: true });
      await session.completeById(id);
      return `Completed operation ${id}.`;
    }
    case 'ping':
      if (session.protocol === 'graphql-ws')
        throw new Error('The legacy graphql-ws dialect has no ping; its server sends "ka".');
      await session.ping();
      return undefined;
    default:
      throw new Error(`GraphQL has no "${action}" action; use subscribe, complete or ping.`);
  }
}
