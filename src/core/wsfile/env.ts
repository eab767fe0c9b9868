import { existsSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { parseTree, printParseErrorCode, type ParseError } from 'jsonc-parser';
import type { Diagnostic } from './types';

/** The JetBrains file names: public values, and private ones that override them. */
export const PUBLIC_ENV_FILE = 'http-client.env.json';
export const PRIVATE_ENV_FILE = 'http-client.private.env.json';
/** The JetBrains environment whose values every environment inherits. */
export const SHARED_ENV = '$shared';

/** One environment file: a path (read from disk when `text` is absent) and optionally its contents. */
export interface EnvSource {
  path: string;
  text?: string;
}

/** A problem in an environment file; `range` points into that file. */
export interface EnvDiagnostic extends Diagnostic {
  file: string;
}

/** Named environments with their variables, merged from the public and private files. */
export interface Environments {
  environments: Record<string, Record<string, string>>;
  /** Names in file order, without `$shared`. */
  names: string[];
  diagnostics: EnvDiagnostic[];
}

/**
 * Reads `http-client.env.json` and `http-client.private.env.json`. A missing file is no error;
 * bad JSON is reported with its line and column. Private values override public ones.
 * Non-string scalars become strings; objects (e.g. JetBrains' SSLConfiguration) are skipped.
 */
export function loadEnvironments(sources: { public?: EnvSource; private?: EnvSource }): Environments {
  const result: Environments = { environments: {}, names: [], diagnostics: [] };
  for (const source of [sources.public, sources.private]) {
    if (!source) continue;
    let text = source.text;
    if (text === undefined) {
      if (!existsSync(source.path)) continue;
      try {
        text = readFileSync(source.path, 'utf8');
      } catch (err) {
        result.diagnostics.push(
          envDiagnostic(source.path, 0, 0, `${source.path} could not be read: ${(err as Error).message}.`),
        );
        continue;
      }
    }
    mergeEnvFile(source.path, text, result);
  }
  return result;
}

/** The variables of one environment, `$shared` underneath; an error sentence when it does not exist. */
export function selectEnvironment(
  envs: Environments,
  name: string,
): { variables: Record<string, string> } | { error: string } {
  const chosen = envs.environments[name];
  if (!chosen || name === SHARED_ENV) {
    const known = envs.names.length
      ? `Known environments: ${envs.names.join(', ')}.`
      : `No environments are defined; add one to ${PUBLIC_ENV_FILE}.`;
    return { error: `There is no environment "${name}". ${known}` };
  }
  return { variables: { ...(envs.environments[SHARED_ENV] ?? {}), ...chosen } };
}

/** The environment files that apply to a `.ws` file: the nearest directory, upwards, that has either. */
export function findEnvFiles(wsFileDir: string): { public: EnvSource; private: EnvSource } | undefined {
  let dir = wsFileDir;
  for (;;) {
    const pub = join(dir, PUBLIC_ENV_FILE);
    const priv = join(dir, PRIVATE_ENV_FILE);
    if (existsSync(pub) || existsSync(priv)) return { public: { path: pub }, private: { path: priv } };
    const parent = dirname(dir);
    if (parent === dir) return undefined;
    dir = parent;
  }
}

function mergeEnvFile(path: string, text: string, into: Environments): void {
  let data: unknown;
  try {
    data = JSON.parse(text.replace(/^\uFEFF/, ''));
  } catch (err) {
    const { line, col, what } = jsonError(text, (err as Error).message);
    into.diagnostics.push(
      envDiagnostic(
        path,
        line,
        col,
        `${path} is not valid JSON at line ${line + 1}, column ${col + 1}: ${what}. Fix it; until then its environments are not used.`,
      ),
    );
    return;
  }
  if (!data || typeof data !== 'object' || Array.isArray(data)) {
    into.diagnostics.push(
      envDiagnostic(
        path,
        0,
        0,
        `${path} must hold one JSON object of environments, like {"dev": {"host": "localhost"}}.`,
      ),
    );
    return;
  }
  for (const [envName, vars] of Object.entries(data as Record<string, unknown>)) {
    if (!vars || typeof vars !== 'object' || Array.isArray(vars)) {
      const { line, col } = offsetToPosition(text, Math.max(0, text.indexOf(JSON.stringify(envName))));
      into.diagnostics.push(
        envDiagnostic(
          path,
          line,
          col,
          `Environment "${envName}" in ${path} must be an object of variables, like {"host": "localhost"}.`,
        ),
      );
      continue;
    }
    const target = (into.environments[envName] ??= {});
    if (envName !== SHARED_ENV && !into.names.includes(envName)) into.names.push(envName);
    for (const [key, value] of Object.entries(vars as Record<string, unknown>)) {
      if (typeof value === 'string' || typeof value === 'number' || typeof value === 'boolean')
        target[key] = String(value);
    }
  }
}

/** What jsonc-parser's error codes mean, in words. */
// Keyed by printParseErrorCode's names: ParseErrorCode is a const enum, which isolated modules cannot read.
const JSON_ERRORS: Record<string, string> = {
  InvalidSymbol: 'an unexpected character',
  InvalidNumberFormat: 'a number that is not written as JSON writes numbers',
  PropertyNameExpected: 'a property name (in double quotes) was expected',
  ValueExpected: 'a value was expected',
  ColonExpected: 'a colon was expected after the property name',
  CommaExpected: 'a comma was expected',
  CloseBraceExpected: 'a closing } was expected',
  CloseBracketExpected: 'a closing ] was expected',
  EndOfFileExpected: 'nothing may follow the object',
  InvalidCommentToken: 'comments are not allowed in JSON',
  UnexpectedEndOfComment: 'a comment that never ends',
  UnexpectedEndOfString: 'a string that never ends',
  UnexpectedEndOfNumber: 'a number that ends too soon',
  InvalidUnicode: 'an invalid \\u escape',
  InvalidEscapeCharacter: 'an invalid escape in a string',
  InvalidCharacter: 'a character that must be escaped inside a string',
};

/**
 * Where and what the first error of text that `JSON.parse` refused is, as jsonc-parser (the
 * parser VS Code itself uses for JSON) finds it with comments and trailing commas disallowed.
 */
export function jsonError(text: string, parseMessage = ''): { line: number; col: number; what: string } {
  const errors: ParseError[] = [];
  // A byte order mark is no column an editor shows: positions count from after it.
  const body = text.replace(/^\uFEFF/, '');
  parseTree(body, errors, { disallowComments: true, allowTrailingComma: false });
  const first = errors[0];
  if (!first) return { ...offsetToPosition(body, body.length), what: parseMessage || 'the JSON does not parse' };
  return {
    ...offsetToPosition(body, first.offset),
    what: JSON_ERRORS[printParseErrorCode(first.error)] ?? printParseErrorCode(first.error),
  };
}

function offsetToPosition(text: string, offset: number): { line: number; col: number } {
  const before = text.slice(0, offset).split(/\r\n|\r|\n/);
  return { line: before.length - 1, col: before[before.length - 1].length };
}

function envDiagnostic(file: string, line: number, col: number, message: string): EnvDiagnostic {
  return {
    file,
    severity: 'error',
    code: 'env-json',
    range: { startLine: line, startCol: col, endLine: line, endCol: col + 1 },
    message,
  };
}
