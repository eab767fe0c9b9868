import type { ConnectionState } from '../../shared/protocol';
import type { Session } from '../sessions/format';
import { describeClose } from '../transport/wsDescribe';

/**
 * The state of a panel restored after a window reload: how its recorded connection ended when
 * that was before the reload (closed by either side, or failed), else that the reload ended it.
 * `kept` is the sentence on the messages shown again.
 */
export function stateAfterReload(url: string, recorded: Session | undefined, kept: string): ConnectionState {
  let last: Session['events'][number] | undefined;
  for (const e of recorded?.events ?? [])
    if (e.type === 'open' || e.type === 'close' || e.type === 'error' || e.type === 'reconnect') last = e;
  if (last?.type === 'close') {
    const { code, reason, byClient } = last;
    const message = `${describeClose(code, reason, byClient)} That was before the window reload.${kept} Reconnect to open it again.`;
    return { phase: 'closed', url, code, reason, byClient, message };
  }
  if (last?.type === 'error')
    return {
      phase: 'error',
      url,
      message: `${last.message} That was before the window reload.${kept} Reconnect to try again.`,
    };
  return {
    phase: 'closed',
    url,
    code: 1001,
    reason: '',
    byClient: true,
    message: `The connection ended with the window reload.${kept} Reconnect to open it again.`,
  };
}
