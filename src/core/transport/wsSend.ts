import type { Socket } from 'node:net';
import WebSocket from 'ws';
import { formatBytes, formatMs } from './wsDescribe';
import { MAX_PENDING_PONGS } from './wsOptions';

/**
 * Sends one message and settles when its bytes reached the socket: rejects after `limitMs` when
 * the server stopped reading, and when the bytes were dropped with the connection. `note` gets the
 * sentence for the list; the rejection carries the one for the caller.
 */
export function boundedSend(
  socket: WebSocket,
  bytes: Buffer,
  binary: boolean,
  limitMs: number,
  note: (text: string) => void,
): Promise<void> {
  const raw = (socket as unknown as { _socket?: Socket })._socket;
  return new Promise((resolve, reject) => {
    let settled = false;
    const timer = setTimeout(() => {
      if (settled) return;
      settled = true;
      const waiting = socket.bufferedAmount + (raw?.writableLength ?? 0);
      note(`Sending stopped after ${formatMs(limitMs)}: the server is not reading.`);
      reject(
        new Error(
          `The server stopped reading: ${formatBytes(waiting)} were still waiting to be sent after ${formatMs(limitMs)}. Check that the server reads its socket, or close the connection (the send limit is sendTimeoutMs).`,
        ),
      );
    }, limitMs);
    timer.unref?.();
    socket.send(bytes, { binary }, (err) => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      // Node calls a write's callback without an error when the socket is destroyed with it in flight:
      // the bytes reached the socket only if it is still writable (a flushed write leaves it so).
      const dropped = !err && (!raw || raw.destroyed || raw.writableEnded) && socket.readyState !== WebSocket.OPEN;
      if (!err && !dropped) return resolve();
      note(
        `Not delivered: a ${binary ? 'binary' : 'text'} message of ${formatBytes(bytes.length)} was dropped with the connection before it was sent.`,
      );
      reject(
        new Error(
          err
            ? `Sending failed: ${err.message}`
            : `Not delivered: the connection was dropped before the ${formatBytes(bytes.length)} message was sent.`,
        ),
      );
    });
  });
}

/**
 * Answers the server's pings with pongs, reporting each ping, and each pong once it was really
 * written. A server that pings faster than it reads (MAX_PENDING_PONGS unwritten) is not answered
 * any more: `flooded` is told, and the connection closes with 1008.
 */
export function answerPings(
  socket: WebSocket,
  answer: boolean,
  on: { received(data: Buffer): void; answered(data: Buffer): void; flooded(): void },
): void {
  let pending = 0;
  socket.on('ping', (data: Buffer) => {
    on.received(data);
    if (!answer || socket.readyState !== WebSocket.OPEN) return;
    if (pending >= MAX_PENDING_PONGS) {
      on.flooded();
      socket.close(1008, 'the server sent more pings than it let us answer');
      return;
    }
    pending++;
    socket.pong(data, true, (err?: Error) => {
      pending--;
      const raw = (socket as unknown as { _socket?: Socket })._socket;
      if (!err && raw && !raw.destroyed) on.answered(data);
    });
  });
}
