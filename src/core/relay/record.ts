import type { ConnectionState, HandshakeInfo } from '../../shared/protocol';
import { listen, SessionRecorder, recorderOptionsFor, type RecordingSink } from '../sessions/recorder';
import type { TransportMessage, TransportNote } from '../transport';
import type { RelayConnection } from './connection';

/** `relay.wslog` → `relay-3.wslog`: one recording per relayed connection. */
export function recordingPath(base: string, id: number): string {
  const dot = base.lastIndexOf('.');
  const slash = Math.max(base.lastIndexOf('/'), base.lastIndexOf('\\'));
  return dot > slash ? `${base.slice(0, dot)}-${id}${base.slice(dot)}` : `${base}-${id}`;
}

/**
 * Records a relayed connection as a session (.wslog), like any other: its server-leg handshake and
 * open state first, then every event. Events that come while the file is being created wait in order.
 * Resolves with the recorder (close it when the connection ended), or rejects with the recorder's sentence.
 */
export async function recordRelayed(connection: RelayConnection, path: string): Promise<SessionRecorder> {
  const waiting: Array<(sink: RecordingSink) => void> = [];
  const queue: RecordingSink = {
    recordHandshake: (info: HandshakeInfo) => waiting.push((s) => s.recordHandshake(info)),
    recordMessage: (m: TransportMessage) => waiting.push((s) => s.recordMessage(m)),
    recordNote: (n: TransportNote) => waiting.push((s) => s.recordNote(n)),
    recordState: (st: ConnectionState) => waiting.push((s) => s.recordState(st)),
  };
  let sink: RecordingSink = queue;
  const forward: RecordingSink = {
    recordHandshake: (info) => sink.recordHandshake(info),
    recordMessage: (m) => sink.recordMessage(m),
    recordNote: (n) => sink.recordNote(n),
    recordState: (st) => sink.recordState(st),
  };
  const opened = connection.state;
  const sub = listen(connection, forward);
  let recorder: SessionRecorder;
  try {
    recorder = await SessionRecorder.create(
      path,
      recorderOptionsFor(connection, { source: 'relay', startedAt: Date.now() }),
    );
  } catch (err) {
    sub.dispose();
    throw err;
  }
  recorder.recordHandshake(connection.handshake);
  recorder.recordState(opened);
  for (const w of waiting) w(recorder);
  sink = recorder;
  return recorder;
}
