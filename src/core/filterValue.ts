import { ANY, type JsonCondition, type JsonLiteral, type PathStep } from './filterJson';

/**
 * The JSON field condition over a value a decoder made (a protocol's or a codec's view), with the
 * meaning the byte scanner has over JSON text: the condition holds when any value the path reaches
 * satisfies it (`[*]` reaches every element or property).
 */
export function matchesValue(condition: JsonCondition, value: unknown): boolean {
  return reach(value, condition.path).some((v) => holds(v, condition));
}

function reach(doc: unknown, path: readonly PathStep[]): unknown[] {
  let values = [doc];
  for (const step of path) {
    values = values.flatMap((v): unknown[] => {
      if (v === null || typeof v !== 'object') return [];
      if (step === ANY) return Object.values(v) as unknown[];
      if (typeof step === 'number') return Array.isArray(v) && step < v.length ? [(v as unknown[])[step]] : [];
      return !Array.isArray(v) && Object.hasOwn(v, step) ? [(v as Record<string, unknown>)[step]] : [];
    });
  }
  return values;
}

/** The condition's operator and literal on one value (its path already followed). */
export function holds(v: unknown, { op, value: literal }: JsonCondition): boolean {
  if (op === undefined) return true;
  const lit = literal as JsonLiteral;
  const equals = () => (lit === null ? v === null : typeof v === typeof lit && v === lit);
  switch (op) {
    case '==':
      return equals();
    case '!=':
      return !equals();
    case 'contains':
      if (typeof v === 'string') return v.includes(String(lit));
      if (Array.isArray(v)) return v.some((x) => x === lit);
      return v !== null && typeof v === 'object' && typeof lit === 'string' && Object.hasOwn(v, lit);
    default: {
      const comparable =
        (typeof v === 'number' && typeof lit === 'number') || (typeof v === 'string' && typeof lit === 'string');
      if (!comparable) return false;
      const [a, b] = [v, lit];
      return op === '>' ? a > b : op === '>=' ? a >= b : op === '<' ? a < b : a <= b;
    }
  }
}
