/**
 * The one argv parser of `wsi` (every command): `node:util` parseArgs in strict mode, with
 * sentences for its errors, and the one duration reader (src/core/wsfile/duration.ts) for every
 * duration option. Pure Node, no vscode.
 */
import { parseArgs } from 'node:util';
import { durationHint, parseDuration } from './wsfile/duration';

export interface OptionSpec {
  type: 'string' | 'boolean';
  multiple?: boolean;
  /** For a missing value: `--env needs a value, e.g. --env local.` */
  example?: string;
}

export type ParsedCommandLine = {
  values: Record<string, string | boolean | string[] | undefined>;
  positionals: string[];
  help: boolean;
};

/**
 * Parses `argv` (after the command name) against `options`. `--help`/`-h` is always known.
 * Errors name the option and point to `wsi COMMAND --help`.
 */
export function parseCommandLine(
  command: string,
  argv: string[],
  options: Record<string, OptionSpec>,
): ParsedCommandLine | { error: string } {
  const config: Record<string, { type: 'string' | 'boolean'; multiple?: boolean; short?: string }> = {
    help: { type: 'boolean', short: 'h' },
  };
  for (const [name, spec] of Object.entries(options))
    config[name] = spec.multiple ? { type: spec.type, multiple: true } : { type: spec.type };
  const more = `Run "wsi ${command} --help" to see its options.`;
  try {
    const { values, positionals } = parseArgs({ args: argv, options: config, strict: true, allowPositionals: true });
    const help = values.help === true;
    delete values.help;
    return { values: values as ParsedCommandLine['values'], positionals, help };
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    const message = (e as Error).message;
    if (code === 'ERR_PARSE_ARGS_UNKNOWN_OPTION') {
      const name = /'([^']+)'/.exec(message)?.[1] ?? message;
      return { error: `"wsi ${command}" has no option ${name}. ${more}` };
    }
    if (code === 'ERR_PARSE_ARGS_INVALID_OPTION_VALUE') {
      const name = /--([a-z-]+)/.exec(message)?.[1];
      const spec = name ? options[name] : undefined;
      if (spec?.type === 'string')
        return { error: `--${name} needs a value${spec.example ? `, e.g. --${name} ${spec.example}` : ''}. ${more}` };
      if (spec?.type === 'boolean') return { error: `--${name} takes no value. ${more}` };
    }
    return { error: `${message} ${more}` };
  }
}

/**
 * A duration option: "500ms", "2s", "1m", "1h"; a plain number is milliseconds.
 * Returns `fallback` when the option was not given.
 */
export function durationOption(
  values: ParsedCommandLine['values'],
  name: string,
  fallback: number,
): number | { error: string } {
  const v = values[name];
  if (typeof v !== 'string') return fallback;
  const ms = parseDuration(v, 'ms');
  return ms === undefined ? { error: durationHint(v, `--${name}`) } : ms;
}
