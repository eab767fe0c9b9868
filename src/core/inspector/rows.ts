import type { Direction, FrameHeaderRecord, RowKind, RowSummary } from '../../shared/protocol';
import { closeFramePayload } from '../closeCodes';
import { eventPayload, type Session } from '../sessions/format';

/** One row of the list as the store keeps it. */
export interface Row {
  time: number;
  direction: Direction;
  kind: RowKind;
  payload: Buffer;
}

/** Every event of a recording as a row, in order. */
export function* recordingRows(session: Session): Generator<Row> {
  const start = Date.parse(session.header.startedAt) || 0;
  for (const event of session.events) {
    const time = start + event.t;
    switch (event.type) {
      case 'message':
      case 'ping':
      case 'pong':
        yield {
          time,
          direction: event.dir,
          kind: event.type === 'message' ? event.kind : event.type,
          payload: eventPayload(event),
        };
        break;
      case 'open':
        yield {
          time,
          direction: 'event',
          kind: 'open',
          payload: Buffer.from(`Connected${event.protocol ? ` (subprotocol ${event.protocol})` : ''}`),
        };
        break;
      case 'close':
        yield {
          time,
          direction: event.byClient ? 'sent' : 'received',
          kind: 'close',
          payload: closeFramePayload(event.code, event.reason ?? ''),
        };
        break;
      case 'error':
        yield { time, direction: 'event', kind: 'error', payload: Buffer.from(event.message) };
        break;
      default:
        yield {
          time,
          direction: 'event',
          kind: 'info',
          payload: Buffer.from(event.type === 'note' ? event.text : 'Reconnected'),
        };
    }
  }
}

const FRAME_KINDS: Record<number, RowSummary['kind']> = {
  0: 'text',
  1: 'text',
  2: 'binary',
  8: 'close',
  9: 'ping',
  10: 'pong',
};

/** A frame header as a list row: the opcode, its flags and its sizes. */
export function frameRow(frame: FrameHeaderRecord): RowSummary {
  const flags = [
    frame.fin ? 'FIN' : 'no FIN',
    frame.rsv1 && 'RSV1',
    frame.rsv2 && 'RSV2',
    frame.rsv3 && 'RSV3',
    frame.masked && 'masked',
  ]
    .filter(Boolean)
    .join(' ');
  return {
    index: frame.index,
    time: frame.time,
    direction: frame.direction,
    kind: FRAME_KINDS[frame.opcode] ?? 'info',
    size: frame.payloadLength,
    preview: `${frame.opcodeName} · ${flags} · header ${frame.headerLength} B + payload ${frame.payloadLength} B`,
  };
}
