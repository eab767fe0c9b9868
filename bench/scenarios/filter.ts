/**
 * Filter time over a full store: the time `Filter.update(store)` takes to examine every row,
 * 95th percentile of repeated runs, for a substring, a regular expression and a JSON field
 * condition. The baseline for each is the obvious loop on the main thread (decode every payload,
 * then `includes` / `RegExp.test` / `JSON.parse`), measured in the same process.
 */
import { Filter, type FilterQuery } from '../../src/core/filter';
import { FrameStore } from '../../src/core/frameStore';
import { RegexRunner } from '../../src/core/regexWorker';
import { MessageTemplate } from '../messages';

export interface FilterCase {
  name: string;
  query: FilterQuery;
  matches: number;
  p95Ms: number;
  medianMs: number;
  baselineMs: number;
}

const CASES: Array<{ name: string; query: FilterQuery; naive: (text: string) => boolean }> = [
  { name: 'substring', query: { text: 'Quote' }, naive: (t) => t.toLowerCase().includes('quote') },
  {
    name: 'substring (case-sensitive)',
    query: { text: '"price":512', caseSensitive: true },
    naive: (t) => t.includes('"price":512'),
  },
  {
    name: 'regex',
    query: { mode: 'regex', text: '"price":9\\d\\d\\.5', caseSensitive: true },
    naive: (t) => /"price":9\d\d\.5/.test(t),
  },
  {
    name: 'JSON field',
    query: { json: 'price > 900' },
    naive: (t) => {
      try {
        return (JSON.parse(t) as { price: number }).price > 900;
      } catch {
        return false;
      }
    },
  },
];

/** `bench.js filter --count N --size S --runs R`: prints FilterCase[]. */
export async function filterFromCommandLine(args: string[]): Promise<void> {
  const get = (name: string) => Number(args[args.indexOf(name) + 1]);
  const count = get('--count');
  const runs = get('--runs');
  const template = new MessageTemplate(get('--size'), false);
  const payload = template.make(0);
  const store = new FrameStore();
  for (let i = 0; i < count; i++) {
    template.stamp(i, payload, 0);
    store.append(1_700_000_000_000 + i, 'received', 'text', payload);
  }
  const runner = new RegexRunner();
  const results: FilterCase[] = [];
  for (const c of CASES) {
    const times: number[] = [];
    let matches = 0;
    // One warm-up run (JIT, worker start), then the measured ones.
    for (let i = 0; i <= runs; i++) {
      const filter = new Filter(c.query, { regexRunner: runner });
      const t0 = performance.now();
      matches = await filter.update(store);
      if (i > 0) times.push(performance.now() - t0);
      filter.dispose();
    }
    const baselineMs = naive(store, c.naive, matches);
    times.sort((a, b) => a - b);
    results.push({
      name: c.name,
      query: c.query,
      matches,
      p95Ms: times[Math.min(times.length - 1, Math.ceil(times.length * 0.95) - 1)],
      medianMs: times[Math.floor(times.length / 2)],
      baselineMs,
    });
  }
  runner.dispose();
  process.stdout.write(JSON.stringify(results) + '\n');
}

/** The best of three plain loops; also checks the filter found the same number of rows. */
function naive(store: FrameStore, test: (text: string) => boolean, expected: number): number {
  let best = Infinity;
  for (let run = 0; run < 3; run++) {
    const t0 = performance.now();
    let found = 0;
    for (let i = 0; i < store.length; i++) if (test(store.get(i)!.payload.toString('utf8'))) found++;
    best = Math.min(best, performance.now() - t0);
    if (found !== expected) throw new Error(`The filter found ${expected} rows, the plain loop ${found}.`);
  }
  return best;
}
