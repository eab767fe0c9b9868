import { randomInt as cryptoRandomInt, randomUUID } from 'node:crypto';

/** A value produced by a `{{$…}}` expression. */
export type DynamicResult = { value: string; secret: boolean } | { error: string };

/** What dynamic values may read from the world. */
export interface DynamicOptions {
  /** `{{$processEnv NAME}}` and `{{$env.NAME}}` only work when true (a trusted workspace, or the CLI). */
  allowProcessEnv: boolean;
  processEnv?: Record<string, string | undefined>;
  now?: () => Date;
}

/** The dynamic values we know, for completion and error messages. */
export const DYNAMIC_NAMES = [
  '$uuid',
  '$random.uuid',
  '$timestamp',
  '$isoTimestamp',
  '$randomInt',
  '$random.integer',
  '$random.float',
  '$random.alphabetic',
  '$random.alphanumeric',
  '$random.hexadecimal',
  '$random.email',
  '$processEnv',
  '$env.NAME',
] as const;

const LETTERS = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz';

/**
 * Evaluates the inside of `{{$…}}`: httpYac spellings (`$randomInt 1 10`, `$processEnv NAME`)
 * and JetBrains ones (`$random.integer(1, 10)`, `$env.NAME`). Integer ranges include the lower
 * and exclude the upper bound, as both clients document.
 */
export function dynamicValue(expression: string, options: DynamicOptions): DynamicResult {
  const m = /^\$([A-Za-z][\w.]*)\s*(?:\((.*)\))?\s*(.*)$/.exec(expression.trim());
  if (!m) return unknown(expression);
  const name = m[1];
  const args = (m[2] !== undefined ? m[2].split(',') : m[3].split(/\s+/)).map((a) => a.trim()).filter(Boolean);
  const now = options.now?.() ?? new Date();
  switch (name) {
    case 'uuid':
    case 'random.uuid':
    case 'guid':
      return plain(randomUUID());
    case 'timestamp':
      return plain(String(Math.floor(now.getTime() / 1000)));
    case 'isoTimestamp':
      return plain(now.toISOString());
    case 'randomInt':
    case 'random.integer': {
      const nums = args.map(Number);
      if (nums.some((n) => !Number.isInteger(n)))
        return {
          error: `{{${expression}}} takes whole numbers, e.g. {{$randomInt 1 10}} or {{$random.integer(1, 10)}}.`,
        };
      const [min, max] = nums.length >= 2 ? nums : nums.length === 1 ? [0, nums[0]] : [0, 1000];
      if (max <= min)
        return {
          error: `{{${expression}}} needs the upper bound (${max}) above the lower bound (${min}); the upper bound is excluded.`,
        };
      return plain(String(cryptoRandomInt(min, max)));
    }
    case 'random.float': {
      const nums = args.map(Number);
      if (nums.some((n) => Number.isNaN(n)))
        return { error: `{{${expression}}} takes numbers, e.g. {{$random.float(0.5, 2.5)}}.` };
      const [min, max] = nums.length >= 2 ? nums : [0, 1000];
      return plain(String(min + Math.random() * (max - min)));
    }
    case 'random.alphabetic':
    case 'random.alphanumeric':
    case 'random.hexadecimal': {
      const length = args.length ? Number(args[0]) : 10;
      if (!Number.isInteger(length) || length <= 0 || length > 10_000)
        return { error: `{{${expression}}} needs a length from 1 to 10000, e.g. {{$${name}(8)}}.` };
      const alphabet =
        name === 'random.alphabetic'
          ? LETTERS
          : name === 'random.alphanumeric'
            ? LETTERS + '0123456789_'
            : '0123456789abcdef';
      return plain(randomString(alphabet, length));
    }
    case 'random.email':
      return plain(`${randomString(LETTERS.slice(26), 8)}@example.com`);
    case 'processEnv':
      return fromProcessEnv(args[0], expression, options);
    default:
      if (name.startsWith('env.')) return fromProcessEnv(name.slice(4), expression, options);
      return unknown(expression);
  }
}

function fromProcessEnv(variable: string | undefined, expression: string, options: DynamicOptions): DynamicResult {
  if (!variable)
    return { error: `{{${expression}}} needs the name of an environment variable, e.g. {{$processEnv API_TOKEN}}.` };
  if (!options.allowProcessEnv) {
    return {
      error: `{{${expression}}} reads the environment variable ${variable}, which is only allowed in a trusted workspace. Trust this workspace to use it, or put the value in http-client.private.env.json.`,
    };
  }
  const value = (options.processEnv ?? process.env)[variable];
  if (value === undefined)
    return {
      error: `The environment variable ${variable} is not set. Set it before starting VS Code or wsi, or put the value in http-client.private.env.json.`,
    };
  return { value, secret: true };
}

function plain(value: string): DynamicResult {
  return { value, secret: false };
}

function unknown(expression: string): DynamicResult {
  return { error: `{{${expression}}} is not a dynamic value. Known ones: ${DYNAMIC_NAMES.join(', ')}.` };
}

function randomString(alphabet: string, length: number): string {
  let out = '';
  for (let i = 0; i < length; i++) out += alphabet[cryptoRandomInt(alphabet.length)];
  return out;
}
