import type { KeepaliveTest } from './decode';
import { KIND_CODES, type FrameColumns } from './frameStore';

const TEXT = KIND_CODES.indexOf('text');
const BINARY = KIND_CODES.indexOf('binary');

/**
 * Removes the protocol's keepalives from `rows[0, count)` in place (the filter's matches so far),
 * by the decoder's cheap test on the stored bytes; returns how many rows are left.
 */
export function dropKeepalives(c: FrameColumns, rows: Uint32Array, count: number, test: KeepaliveTest): number {
  const { kinds, chunks, chunkIndexes, chunkOffsets, sizes } = c;
  let kept = 0;
  for (let i = 0; i < count; i++) {
    const r = rows[i];
    const kind = kinds[r];
    if (kind === TEXT || kind === BINARY) {
      const start = chunkOffsets[r];
      if (test(kind === TEXT ? 'text' : 'binary', chunks[chunkIndexes[r]], start, start + sizes[r])) continue;
    }
    rows[kept++] = r;
  }
  return kept;
}
