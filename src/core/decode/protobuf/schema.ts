/**
 * Protobuf schemas from `.proto` files or from descriptor sets (`protoc --descriptor_set_out`).
 * protobufjs parses them (its parser needs no code generation step and keeps the reflection the
 * decoder walks); this file does the file finding itself, so that imports resolve against the
 * configured roots, files come from the host's `readFile`, counts and sizes stay bounded, and
 * every failure is a `{ file, line, message }` the host can show as an editor diagnostic.
 */
import { dirname, isAbsolute, join, normalize } from 'node:path';
import * as protobuf from 'protobufjs';
import { FileDescriptorSet, type IFileDescriptorProto } from 'protobufjs/ext/descriptor';

/** Most `.proto` files one schema may load (entries and everything they import). */
export const MAX_PROTO_FILES = 500;
/** Largest `.proto` file read, in bytes. */
export const MAX_PROTO_FILE_BYTES = 1024 * 1024;
/** Largest descriptor set read, in bytes. */
export const MAX_DESCRIPTOR_SET_BYTES = 16 * 1024 * 1024;

/** A problem of a schema file, for an editor diagnostic. Lines and columns start at 1. */
export interface ProtoProblem {
  file: string;
  line: number;
  column?: number;
  message: string;
}

/** A loaded schema: protobufjs's root and the message types it defines. */
export interface ProtoSchema {
  readonly root: protobuf.Root;
  /** Full names of the message types (without a leading dot), google.protobuf's own left out. */
  readonly messageTypes: readonly string[];
  /** The files it was made of (absolute paths; a descriptor set's own file names). */
  readonly files: readonly string[];
  /** The message type of that full name (a leading dot is allowed), or undefined. */
  type(name: string): protobuf.Type | undefined;
}

export type ProtoSchemaResult = { schema: ProtoSchema; errors: [] } | { schema?: undefined; errors: ProtoProblem[] };

export interface LoadProtoOptions {
  /** The entry `.proto` files, absolute paths. */
  files: readonly string[];
  /** Import roots, absolute, searched in order; each entry file's own folder is searched after them. */
  roots?: readonly string[];
  /** A file's text, or undefined when it does not exist or cannot be read. */
  readFile(absPath: string): string | undefined;
  maxFiles?: number;
  maxFileBytes?: number;
}

/** The google/protobuf files protobufjs carries (any, duration, empty, field_mask, struct, timestamp, wrappers, descriptor…). */
const BUNDLED: Record<string, protobuf.INamespace> = bundled();

function bundled(): Record<string, protobuf.INamespace> {
  const out: Record<string, protobuf.INamespace> = {};
  const common = protobuf.common as unknown as Record<string, protobuf.INamespace>;
  for (const name of Object.keys(common)) if (name.endsWith('.proto')) out[name] = snakeCase(common[name]);
  // descriptor.proto (for custom options): protobufjs/ext/descriptor holds it; its types' parent is google.protobuf.
  const nested = FileDescriptorSet.parent?.toJSON().nested ?? {};
  out['google/protobuf/descriptor.proto'] = snakeCase({ nested: { google: { nested: { protobuf: { nested } } } } });
  return out;
}

/**
 * protobufjs's copies name fields in lowerCamel (`nullValue`); the .proto files, descriptor sets
 * and this decoder use the .proto names (`null_value`), which for google/protobuf are all snake_case.
 */
function snakeCase(ns: protobuf.INamespace): protobuf.INamespace {
  const snake = (n: string) => n.replace(/[A-Z]/g, (c) => `_${c.toLowerCase()}`);
  const walk = (v: unknown, key?: string): unknown => {
    if (Array.isArray(v)) return key === 'oneof' ? v.map((x) => snake(String(x))) : v.map((x) => walk(x));
    if (typeof v !== 'object' || v === null) return v;
    const out: Record<string, unknown> = {};
    // Under "fields" the keys are field names and the values field definitions.
    for (const [k, x] of Object.entries(v))
      out[key === 'fields' ? snake(k) : k] = walk(x, key === 'fields' ? undefined : k);
    return out;
  };
  return walk(ns) as protobuf.INamespace;
}

/** Parses the entry files and their imports into one schema, or says what is wrong and where. */
export function loadProtoSchema(options: LoadProtoOptions): ProtoSchemaResult {
  const maxFiles = options.maxFiles ?? MAX_PROTO_FILES;
  const maxBytes = options.maxFileBytes ?? MAX_PROTO_FILE_BYTES;
  const root = new protobuf.Root();
  const errors: ProtoProblem[] = [];
  const sources = new Map<string, string>();
  const loadedBundled = new Set<string>();
  const queue: Array<{ file: string; searched: readonly string[] }> = [];

  for (const entry of options.files) {
    const file = normalize(entry);
    const searched = [...(options.roots ?? []).map((r) => normalize(r)), dirname(file)];
    queue.push({ file, searched });
  }
  for (let q = 0; q < queue.length; q++) {
    const { file, searched } = queue[q];
    if (sources.has(file)) continue;
    if (sources.size >= maxFiles) {
      errors.push({ file, line: 1, message: `More than ${maxFiles} .proto files to load; this one was left out.` });
      break;
    }
    const text = options.readFile(file);
    if (text === undefined) {
      if (q < options.files.length) errors.push({ file, line: 1, message: `Cannot read ${file}.` });
      continue;
    }
    if (Buffer.byteLength(text) > maxBytes) {
      errors.push({ file, line: 1, message: `${file} is larger than ${maxBytes} bytes; it was not loaded.` });
      continue;
    }
    sources.set(file, text);
    const parsed = parseOne(text, file, root, errors);
    if (!parsed) continue;
    // protobufjs's parse says what is imported; our scan of the text says where.
    const where = importsOf(text);
    for (const path of parsed.imports) {
      const imp = where.find((i) => i.path === path) ?? { path, line: 1, column: 1 };
      if (BUNDLED[imp.path]) {
        if (!loadedBundled.has(imp.path)) {
          loadedBundled.add(imp.path);
          root.addJSON(BUNDLED[imp.path].nested ?? {});
        }
        continue;
      }
      const found = findImport(imp.path, searched, (p) => options.readFile(p), sources);
      if (found) queue.push({ file: found, searched });
      else if (!parsed.weak.has(imp.path)) {
        errors.push({
          file,
          line: imp.line,
          column: imp.column,
          message: `Cannot find the import "${imp.path}": searched ${searched.join(', ')}. Add the folder that holds it (the one "${imp.path}" is relative to) to the Protobuf import roots.`,
        });
      }
    }
  }
  if (errors.length) return { errors };
  resolveFields(root, sources, errors);
  if (errors.length) return { errors };
  try {
    root.resolveAll();
  } catch (e) {
    const first = [...sources.keys()][0] ?? '';
    return { errors: [{ file: first, line: 1, message: describe(e) }] };
  }
  return { schema: makeSchema(root, [...sources.keys()]), errors: [] };
}

/** A descriptor set as `protoc --descriptor_set_out` writes it (with `--include_imports`, or importing only well-known types). */
export function loadDescriptorSet(bytes: Uint8Array, name = 'descriptor set'): ProtoSchemaResult {
  const fail = (message: string): ProtoSchemaResult => ({ errors: [{ file: name, line: 1, message }] });
  if (bytes.length > MAX_DESCRIPTOR_SET_BYTES) {
    return fail(`${name} is larger than ${MAX_DESCRIPTOR_SET_BYTES} bytes; it was not loaded.`);
  }
  let set: { file?: IFileDescriptorProto[] };
  try {
    set = FileDescriptorSet.decode(bytes) as unknown as { file?: IFileDescriptorProto[] };
  } catch (e) {
    return fail(
      `${name} is not a descriptor set (${describe(e)}). Make one with protoc --descriptor_set_out=FILE --include_imports.`,
    );
  }
  const files = set.file ?? [];
  if (!files.length) return fail(`${name} holds no .proto files.`);
  const have = new Set(files.map((f) => f.name ?? ''));
  const missing = new Set<string>();
  for (const f of files) for (const dep of (f.dependency ?? []) as string[]) if (!have.has(dep)) missing.add(dep);
  const unknown = [...missing].filter((m) => !BUNDLED[m]);
  if (unknown.length) {
    return fail(`${name} lacks ${unknown.join(', ')}, which it imports. Make it with protoc --include_imports.`);
  }
  try {
    // Well-known types imported but not included come from protobufjs's copies.
    const extra: IFileDescriptorProto[] = [];
    for (const m of missing) extra.push(...(protobuf.Root.fromJSON(BUNDLED[m]).toDescriptor('proto3').file ?? []));
    const root = protobuf.Root.fromDescriptor({ file: [...files, ...extra] }, { keepCase: true });
    return { schema: makeSchema(root, [...have]), errors: [] };
  } catch (e) {
    return fail(`${name} could not be read as a schema: ${describe(e)}.`);
  }
}

function makeSchema(root: protobuf.Root, files: string[]): ProtoSchema {
  const messageTypes: string[] = [];
  const walk = (ns: protobuf.NamespaceBase) => {
    for (const o of ns.nestedArray) {
      if (o instanceof protobuf.Type && !o.fullName.startsWith('.google.protobuf.'))
        messageTypes.push(o.fullName.slice(1));
      if (o instanceof protobuf.Namespace || o instanceof protobuf.Type) walk(o);
    }
  };
  walk(root);
  messageTypes.sort();
  const cache = new Map<string, protobuf.Type | undefined>();
  return {
    root,
    messageTypes,
    files,
    type(name) {
      const full = name.startsWith('.') ? name.slice(1) : name;
      if (!cache.has(full)) {
        let t: protobuf.Type | undefined;
        try {
          const found = root.lookup(full);
          t = found instanceof protobuf.Type ? found : undefined;
        } catch {
          t = undefined;
        }
        cache.set(full, t);
      }
      return cache.get(full);
    },
  };
}

/** Parses one file into `root`; a syntax error becomes a problem at its line. */
function parseOne(
  text: string,
  file: string,
  root: protobuf.Root,
  errors: ProtoProblem[],
): { imports: string[]; weak: Set<string> } | undefined {
  const p = protobuf.parse as unknown as { filename: string | null };
  p.filename = file;
  try {
    const r = protobuf.parse(text, root, { keepCase: true });
    const weak = r.weakImports ?? [];
    return { imports: [...(r.imports ?? []), ...weak], weak: new Set(weak) };
  } catch (e) {
    errors.push(syntaxProblem(describe(e), file, text));
    return undefined;
  } finally {
    p.filename = null;
  }
}

/** protobufjs says "illegal token 'x' (file, line 3)": the line is kept, the column found from the token. */
function syntaxProblem(raw: string, file: string, text: string): ProtoProblem {
  const lineMatch = / \((?:.*, )?line (\d+)\)$/.exec(raw);
  const message = lineMatch ? raw.slice(0, lineMatch.index) : raw;
  const token = /'([^']*)'/.exec(message)?.[1];
  let line = lineMatch ? Number(lineMatch[1]) : 0;
  if (!line && token) line = lastLineOf(text, token);
  const id = /^duplicate id (\d+)/.exec(message)?.[1];
  if (!line && id) line = lastLineOf(text, `= ${id}`);
  const lines = text.split('\n');
  const at = token !== undefined && line > 0 ? (lines[line - 1] ?? '').indexOf(token) : -1;
  return {
    file,
    line: Math.max(1, line),
    ...(at >= 0 ? { column: at + 1 } : {}),
    message: message.startsWith('illegal')
      ? `Syntax error: ${message}.`
      : `${message[0].toUpperCase()}${message.slice(1)}.`,
  };
}

/** The last line on which `word` appears as a whole word (for protobufjs errors that name a duplicate without a line). */
function lastLineOf(text: string, word: string): number {
  const re = new RegExp(`(^|[^\\w.])${word.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}(?![\\w])`);
  let line = 0;
  const lines = text.split('\n');
  for (let i = 0; i < lines.length; i++) if (re.test(lines[i])) line = i + 1;
  return line;
}

/** The `import` statements of a file, with their lines (comments blanked first so commented-out imports do not count). */
export function importsOf(text: string): Array<{ path: string; line: number; column: number }> {
  const plain = text.replace(/\/\*[\s\S]*?\*\/|\/\/[^\n]*|"(?:[^"\\\n]|\\.)*"|'(?:[^'\\\n]|\\.)*'/g, (m) =>
    m.startsWith('/') ? m.replace(/[^\n]/g, ' ') : m,
  );
  const out: Array<{ path: string; line: number; column: number }> = [];
  const re = /(^|[;\s])import\s+(?:weak\s+|public\s+)?(["'])([^"'\n]*)\2/g;
  for (let m = re.exec(plain); m; m = re.exec(plain)) {
    const at = m.index + m[1].length;
    const before = plain.slice(0, at);
    const line = before.split('\n').length;
    out.push({ path: m[3], line, column: at - before.lastIndexOf('\n') });
  }
  return out;
}

/** The first root under which `path` exists (a file already read counts). */
function findImport(
  path: string,
  roots: readonly string[],
  readFile: (p: string) => string | undefined,
  sources: Map<string, string>,
): string | undefined {
  if (isAbsolute(path)) return readFile(path) !== undefined ? normalize(path) : undefined;
  for (const r of roots) {
    const candidate = normalize(join(r, path));
    if (sources.has(candidate) || readFile(candidate) !== undefined) return candidate;
  }
  return undefined;
}

/** Resolves each field's type alone, so one that names no known type is a problem at its own line. */
function resolveFields(root: protobuf.Root, sources: Map<string, string>, errors: ProtoProblem[]): void {
  const walk = (ns: protobuf.NamespaceBase) => {
    for (const o of ns.nestedArray) {
      if (o instanceof protobuf.Type) {
        for (const f of o.fieldsArray) {
          try {
            f.resolve();
          } catch (e) {
            const file = f.filename ?? o.filename ?? '';
            const text = sources.get(file) ?? '';
            const line = lineOfField(text, f.type, f.name);
            errors.push({
              file,
              line: line.line,
              ...(line.column ? { column: line.column } : {}),
              message: `Unknown type "${f.type}" of field ${f.name} in ${o.fullName.slice(1)}: ${describe(e)}. Import the file that defines it, or check its name and package.`,
            });
          }
        }
      }
      if (o instanceof protobuf.Namespace || o instanceof protobuf.Type) walk(o);
    }
  };
  walk(root);
}

function lineOfField(text: string, type: string, name: string): { line: number; column?: number } {
  const lines = text.split('\n');
  for (let i = 0; i < lines.length; i++) {
    const at = lines[i].indexOf(type);
    if (at >= 0 && new RegExp(`\\b${name}\\s*=`).test(lines[i].slice(at))) return { line: i + 1, column: at + 1 };
  }
  return { line: Math.max(1, lastLineOf(text, name)) };
}

function describe(e: unknown): string {
  return e instanceof Error ? e.message : String(e);
}
