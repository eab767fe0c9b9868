import { DYNAMIC_NAMES, dynamicValue, type DynamicOptions } from './dynamic';
import { splitLines } from './parse';
import type { Diagnostic, FileVariable, ParsedWsFile, Range, WsRequest } from './types';

/** Everything `{{…}}` can refer to when a request is sent. */
export interface VariableContext extends DynamicOptions {
  /** The file's `@name = value` lines, as the parser returned them. */
  fileVariables: FileVariable[];
  /** The selected environment's variables (`$shared` already merged in), if any. */
  environment?: Record<string, string>;
  /** Its name, for error messages. */
  environmentName?: string;
  /** Set by request scripts (`request.variables.set`, httpYac `exports`): looked up first. */
  scriptVariables?: Map<string, string>;
  /** JetBrains' `client.global` values: looked up last. */
  globals?: Map<string, string>;
}

/** A resolved text; `secrets` lists the substituted values that must be masked in logs and UI. */
export type Resolution = { value: string; secret: boolean; secrets: string[] } | { error: string };

/** `{{ name }}`; no braces inside, which keeps matching linear. */
const PLACEHOLDER = /\{\{([^{}]*)\}\}/g;
const MAX_DEPTH = 16;

/** Header names whose values are secret-looking: Authorization, Cookie, and anything with token, secret, key or password. */
export function isSecretName(name: string): boolean {
  return (
    /^(authorization|proxy-authorization|cookie|set-cookie)$/i.test(name) ||
    /token|secret|key|passw(or)?d|credential|api[-_]?key/i.test(name)
  );
}

/**
 * Replaces every `{{…}}` in `text`, as seen from document line `atLine` (file variables count only when
 * defined above it). Environment values win over file variables, as in JetBrains. Fails with a
 * sentence rather than leave a literal `{{x}}` in what is sent.
 */
export function resolveText(text: string, context: VariableContext, atLine: number): Resolution {
  return resolveAt(text, context, atLine, 0);
}

function resolveAt(text: string, context: VariableContext, atLine: number, depth: number): Resolution {
  if (depth > MAX_DEPTH)
    return {
      error: `Variables refer to each other more than ${MAX_DEPTH} levels deep near line ${atLine + 1}; one probably refers to itself.`,
    };
  let secret = false;
  const secrets: string[] = [];
  let failure: string | undefined;
  const value = text.replace(PLACEHOLDER, (whole: string, inner: string) => {
    if (failure) return whole;
    const expression = inner.trim();
    const r = resolveExpression(expression, context, atLine, depth);
    if ('error' in r) {
      failure = r.error;
      return whole;
    }
    if (r.secret) {
      secret = true;
      if (r.value) secrets.push(r.value);
    }
    secrets.push(...r.secrets);
    return r.value;
  });
  if (failure) return { error: failure };
  return { value, secret, secrets: unique(secrets) };
}

function resolveExpression(expression: string, context: VariableContext, atLine: number, depth: number): Resolution {
  if (!expression) return { error: `Line ${atLine + 1} has an empty {{}}. Put a variable name inside, e.g. {{host}}.` };
  if (expression.startsWith('$')) {
    const r = dynamicValue(expression, context);
    return 'error' in r ? r : { value: r.value, secret: r.secret, secrets: r.secret && r.value ? [r.value] : [] };
  }
  const scripted = context.scriptVariables?.get(expression);
  if (scripted !== undefined) return markSecret({ value: scripted, secret: false, secrets: [] }, expression);
  const env = context.environment;
  if (env && Object.prototype.hasOwnProperty.call(env, expression)) {
    // Environment values may use dynamic values and other variables too.
    const r = resolveAt(env[expression], { ...context, fileVariables: [] }, atLine, depth + 1);
    return markSecret(r, expression);
  }
  const definition = visibleDefinition(context.fileVariables, expression, atLine);
  if (definition) return markSecret(resolveAt(definition.value, context, definition.line, depth + 1), expression);
  const global = context.globals?.get(expression);
  if (global !== undefined) return markSecret({ value: global, secret: false, secrets: [] }, expression);
  return { error: undefinedMessage(expression, context, atLine) };
}

function markSecret(r: Resolution, name: string): Resolution {
  if ('error' in r || !isSecretName(name)) return r;
  return { value: r.value, secret: true, secrets: unique([...r.secrets, ...(r.value ? [r.value] : [])]) };
}

/** The last definition of `name` above `atLine`. */
function visibleDefinition(variables: FileVariable[], name: string, atLine: number): FileVariable | undefined {
  let found: FileVariable | undefined;
  for (const v of variables) if (v.name === name && v.line < atLine) found = v;
  return found;
}

function undefinedMessage(name: string, context: VariableContext, atLine: number): string {
  const later = context.fileVariables.find((v) => v.name === name && v.line >= atLine);
  if (later)
    return `{{${name}}} on line ${atLine + 1} is defined only below it, on line ${later.line + 1}. Move "@${name} = …" above its first use.`;
  const where = context.environmentName
    ? `the "${context.environmentName}" environment`
    : 'an environment (none is selected)';
  return `{{${name}}} on line ${atLine + 1} is not defined. Add "@${name} = …" above it, or define it in ${where} in http-client.env.json.`;
}

/** A request with every variable resolved: what is actually sent during the handshake. */
export interface ResolvedHandshake {
  url: string;
  headers: Array<{ name: string; value: string; secret: boolean }>;
  /** Values to mask wherever they would be shown. */
  secrets: string[];
}

/** Resolves the URL and headers of a request; the first failure wins. */
export function resolveHandshake(request: WsRequest, context: VariableContext): ResolvedHandshake | { error: string } {
  const url = resolveText(request.url, context, request.urlRange.startLine);
  if ('error' in url) return url;
  const secrets = [...url.secrets];
  const headers: ResolvedHandshake['headers'] = [];
  for (const h of request.headers) {
    const r = resolveText(h.value, context, h.line);
    if ('error' in r) return r;
    const secret = r.secret || isSecretName(h.name);
    if (secret && r.value) {
      secrets.push(r.value);
      const token = /^\S+\s+(\S+)$/.exec(r.value)?.[1]; // "Bearer abc": mask "abc" alone too.
      if (token && token.length >= 4) secrets.push(token);
    }
    secrets.push(...r.secrets);
    headers.push({ name: h.name, value: r.value, secret });
  }
  return { url: url.value, headers, secrets: unique(secrets) };
}

/** The one masker's (src/core/mask.ts), re-exported for the callers that resolve variables. */
export { maskSecrets } from '../mask';

/** What the static check may assume about the world. */
export interface UnresolvedCheckOptions {
  environment?: Record<string, string>;
  environmentName?: string;
  allowProcessEnv: boolean;
}

/**
 * Every `{{…}}` in the file that would not resolve when sent, with its exact range: for diagnostics
 * as you type. Dynamic values are checked by name only (their values change on every send).
 */
export function findUnresolvedVariables(
  text: string,
  parsed: ParsedWsFile,
  options: UnresolvedCheckOptions,
): Diagnostic[] {
  const lines = splitLines(text);
  const out: Diagnostic[] = [];
  const scripted = scriptSetNames(parsed);
  const scan = (line: number, fromCol = 0, toCol?: number) => {
    const src = lines[line] ?? '';
    const re = new RegExp(PLACEHOLDER.source, 'g');
    let m: RegExpExecArray | null;
    while ((m = re.exec(src))) {
      if (m.index < fromCol || (toCol !== undefined && m.index + m[0].length > toCol)) continue;
      if (scripted.has(m[1].trim())) continue; // A script sets it when it runs.
      const problem = staticProblem(m[1].trim(), line, parsed.variables, options);
      if (!problem) continue;
      const range: Range = { startLine: line, startCol: m.index, endLine: line, endCol: m.index + m[0].length };
      out.push({ severity: problem.severity, code: 'unresolved-variable', range, message: problem.message });
    }
  };
  for (const v of parsed.variables) scan(v.line, lines[v.line].indexOf('=') + 1);
  for (const request of parsed.requests) {
    scan(request.urlRange.startLine, request.urlRange.startCol, request.urlRange.endCol);
    for (const h of request.headers) scan(h.line, lines[h.line].indexOf(':') + 1);
    for (const step of request.steps) {
      if (step.type !== 'send') continue;
      for (let l = step.lines.startLine; l <= step.lines.endLine; l++) scan(l);
    }
  }
  return out;
}

/** Names the file's scripts set (`request.variables.set("x"`, `client.global.set("x"`, httpYac `exports.x =`). */
function scriptSetNames(parsed: ParsedWsFile): Set<string> {
  const names = new Set<string>();
  for (const r of parsed.requests)
    for (const s of r.scripts ?? []) {
      const code = s.code ?? '';
      for (const m of code.matchAll(/(?:variables|global)\.set\(\s*["'`]([^"'`]+)["'`]/g)) names.add(m[1]);
      for (const m of code.matchAll(/\bexports\.([A-Za-z_$][\w$]*)\s*=/g)) names.add(m[1]);
    }
  return names;
}

function staticProblem(
  expression: string,
  line: number,
  variables: FileVariable[],
  options: UnresolvedCheckOptions,
): { severity: 'error' | 'warning'; message: string } | undefined {
  if (!expression) return { severity: 'error', message: 'Empty {{}}: put a variable name inside, e.g. {{host}}.' };
  if (expression.startsWith('$')) {
    const name = /^\$([A-Za-z][\w.]*)/.exec(expression)?.[1] ?? '';
    if (name === 'processEnv' || name.startsWith('env.')) {
      if (!options.allowProcessEnv)
        return {
          severity: 'warning',
          message: `{{${expression}}} reads a process environment variable, which is only allowed in a trusted workspace. Trust this workspace to use it.`,
        };
      return undefined;
    }
    const known = DYNAMIC_NAMES.some((d) => d === '$' + name) || name === 'guid';
    return known
      ? undefined
      : {
          severity: 'error',
          message: `{{${expression}}} is not a dynamic value. Known ones: ${DYNAMIC_NAMES.join(', ')}.`,
        };
  }
  if (options.environment && Object.prototype.hasOwnProperty.call(options.environment, expression)) return undefined;
  if (variables.some((v) => v.name === expression && v.line < line)) return undefined;
  const later = variables.find((v) => v.name === expression && v.line >= line);
  if (later)
    return {
      severity: 'error',
      message: `{{${expression}}} is defined only below this line (line ${later.line + 1}). Move "@${expression} = …" above its first use.`,
    };
  const env = options.environmentName
    ? `the "${options.environmentName}" environment`
    : 'an environment (none is selected)';
  return {
    severity: 'warning',
    message: `{{${expression}}} is not defined. Add "@${expression} = …" above this line, or define it in ${env} in http-client.env.json.`,
  };
}

function unique(values: string[]): string[] {
  return [...new Set(values)];
}
