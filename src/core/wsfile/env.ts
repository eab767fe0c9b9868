import { existsSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
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
    const { line, col } = jsonErrorPosition((err as Error).message, text);
    into.diagnostics.push(
      envDiagnostic(
        path,
        line,
        col,
        `${path} is not valid JSON at line ${line + 1}, column ${col + 1}: ${cleanJsonMessage((err as Error).message)}. Fix it; until then its environments are not used.`,
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

/** Line and column of a `JSON.parse` error, from "at position N" or "(line L column C)". */
export function jsonErrorPosition(message: string, text: string): { line: number; col: number } {
  const lc = /line (\d+) column (\d+)/.exec(message);
  if (lc) return { line: Number(lc[1]) - 1, col: Number(lc[2]) - 1 };
  const pos = /position (\d+)/.exec(message);
  if (pos) return offsetToPosition(text, Number(pos[1]));
  // "Unexpected end of JSON input" has no position: it is at the end.
  return offsetToPosition(text, text.length);
}

function offsetToPosition(text: string, offset: number): { line: number; col: number } {
  const before = text.slice(0, offset).split(/\r\n|\r|\n/);
  return { line: before.length - 1, col: before[before.length - 1].length };
}

function cleanJsonMessage(message: string): string {
  return message
    .replace(/\s*in JSON at position \d+.*$/, '')
    .replace(/\s*\(line \d+ column \d+\)/, '')
    .replace(/^JSON\.parse: /, '');
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
