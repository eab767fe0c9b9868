/**
 * Memory: bytes the FrameStore holds per stored message, measured as the growth of
 * heapUsed + arrayBuffers between two full garbage collections around filling it.
 */
import { FrameStore } from '../../src/core/frameStore';
import { MessageTemplate } from '../messages';

export interface MemoryResult {
  messages: number;
  payloadBytes: number;
  bytesPerMessage: number;
  overheadPerMessage: number;
}

function used(): number {
  const gc = (globalThis as { gc?: () => void }).gc;
  if (!gc) throw new Error('Run with node --expose-gc.');
  for (let i = 0; i < 3; i++) gc();
  const m = process.memoryUsage();
  return m.heapUsed + m.arrayBuffers;
}

/** `bench.js memory --count N --size S`: prints one MemoryResult. */
export function memoryFromCommandLine(args: string[]): void {
  const get = (name: string) => Number(args[args.indexOf(name) + 1]);
  const count = get('--count');
  const size = get('--size');
  const template = new MessageTemplate(size, false);
  const payload = template.make(0);
  const before = used();
  const store = new FrameStore();
  for (let i = 0; i < count; i++) {
    template.stamp(i, payload, 0);
    store.append(1_700_000_000_000 + i, 'received', 'text', payload);
  }
  const after = used();
  if (store.length !== count) throw new Error('store lost rows');
  const bytesPerMessage = (after - before) / count;
  const result: MemoryResult = {
    messages: count,
    payloadBytes: size,
    bytesPerMessage,
    overheadPerMessage: bytesPerMessage - size,
  };
  process.stdout.write(JSON.stringify(result) + '\n');
}
