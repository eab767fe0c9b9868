import { readFileSync, statSync } from 'node:fs';
import * as path from 'node:path';
import * as vscode from 'vscode';
import {
  checkPayloadChoice,
  loadDescriptorSet,
  loadProtoSchema,
  type ProtoProblem,
  type ProtoSchema,
} from '../core/decode';
import { payloadsForUrl } from '../core/protocols';

/** Files looked at, at most, for each setting's globs. */
const MAX_FILES = 500;
const RELOAD_DELAY_MS = 300;

/** What an inspector panel needs of the workspace for payloads: the schema, and the choice per URL. */
export interface PayloadHost {
  schema(): ProtoSchema | undefined;
  readonly onSchemaChanged: vscode.Event<void>;
  /** The picker's last choice for `url`, else the setting websocketInspector.decoders' for it. */
  choiceFor(url: string): string | undefined;
  remember(url: string, choice: string): void;
}

/**
 * The workspace's Protobuf schema: every `.proto` file the setting websocketInspector.protobuf.files
 * finds (imports resolved against websocketInspector.protobuf.roots, then the file's folder), or
 * when there is none, the descriptor sets (`.binpb`, `.desc`) it finds. Problems are editor
 * diagnostics at their lines; the schema is loaded again when such a file or the settings change.
 */
export class ProtobufWorkspace implements PayloadHost, vscode.Disposable {
  private current: ProtoSchema | undefined;
  private readonly diagnostics = vscode.languages.createDiagnosticCollection('websocketInspector.protobuf');
  private readonly changed = new vscode.EventEmitter<void>();
  readonly onSchemaChanged = this.changed.event;
  private readonly disposables: vscode.Disposable[] = [];
  private timer: NodeJS.Timeout | undefined;
  private loading: Promise<void> | undefined;

  constructor(
    private readonly state: vscode.Memento,
    private readonly log: vscode.LogOutputChannel,
  ) {
    const watcher = vscode.workspace.createFileSystemWatcher('**/*.{proto,binpb,desc}');
    const later = () => this.reloadSoon();
    this.disposables.push(
      this.diagnostics,
      this.changed,
      watcher,
      watcher.onDidChange(later),
      watcher.onDidCreate(later),
      watcher.onDidDelete(later),
      vscode.workspace.onDidChangeConfiguration((e) => {
        if (e.affectsConfiguration('websocketInspector.protobuf')) later();
      }),
    );
    this.loading = this.load().catch((e: Error) => this.log.warn(`Protobuf: ${e.message}`));
  }

  /** Settles once the first load is done (tests and the first panel wait for it). */
  ready(): Promise<void> {
    return this.loading ?? Promise.resolve();
  }

  schema(): ProtoSchema | undefined {
    return this.current;
  }

  choiceFor(url: string): string | undefined {
    const remembered = this.state.get<string>(key(url));
    if (remembered && !checkPayloadChoice(remembered)) return remembered;
    const patterns = vscode.workspace
      .getConfiguration('websocketInspector')
      .get<Record<string, unknown>>('decoders', {});
    return payloadsForUrl(url, patterns);
  }

  remember(url: string, choice: string): void {
    void this.state.update(key(url), choice === 'auto' ? undefined : choice);
  }

  dispose(): void {
    clearTimeout(this.timer);
    for (const d of this.disposables) d.dispose();
  }

  private reloadSoon(): void {
    clearTimeout(this.timer);
    this.timer = setTimeout(() => {
      this.loading = this.load().catch((e: Error) => this.log.warn(`Protobuf: ${e.message}`));
    }, RELOAD_DELAY_MS);
  }

  private async load(): Promise<void> {
    const config = vscode.workspace.getConfiguration('websocketInspector.protobuf');
    const globs = config.get<string[]>('files', ['**/*.proto', '**/*.binpb', '**/*.desc']);
    const folders = vscode.workspace.workspaceFolders ?? [];
    const roots = config
      .get<string[]>('roots', [])
      .flatMap((r) => (path.isAbsolute(r) ? [r] : folders.map((f) => path.join(f.uri.fsPath, r))));
    const found: string[] = [];
    for (const glob of globs) {
      const uris = await vscode.workspace.findFiles(glob, '**/node_modules/**', MAX_FILES);
      for (const u of uris) if (u.scheme === 'file' && !found.includes(u.fsPath)) found.push(u.fsPath);
    }
    const protos = found.filter((f) => f.endsWith('.proto')).sort();
    const sets = found.filter((f) => !f.endsWith('.proto')).sort();
    this.diagnostics.clear();
    let schema: ProtoSchema | undefined;
    if (protos.length) {
      const result = loadProtoSchema({ files: protos, roots, readFile });
      this.report(result.errors);
      schema = result.schema;
    } else if (sets.length) {
      const file = sets[0];
      const result = loadDescriptorSet(readFileSync(file), file);
      this.report(result.errors.map((e) => ({ ...e, file: e.file || file })));
      schema = result.schema;
      if (sets.length > 1) this.log.info(`Protobuf: ${sets.length} descriptor sets found; using ${file}.`);
    }
    this.current = schema;
    if (schema)
      this.log.info(
        `Protobuf: ${schema.messageTypes.length} message types from ${schema.files.length} files${protos.length ? '' : ' (a descriptor set)'}.`,
      );
    this.changed.fire();
  }

  private report(problems: readonly ProtoProblem[]): void {
    const byFile = new Map<string, vscode.Diagnostic[]>();
    for (const p of problems) {
      const line = Math.max(0, p.line - 1);
      const column = Math.max(0, (p.column ?? 1) - 1);
      const d = new vscode.Diagnostic(
        new vscode.Range(line, column, line, column + 1_000),
        p.message,
        vscode.DiagnosticSeverity.Error,
      );
      d.source = 'WebSocket Inspector (Protobuf)';
      byFile.set(p.file, [...(byFile.get(p.file) ?? []), d]);
      this.log.warn(`Protobuf: ${p.file}:${p.line}: ${p.message}`);
    }
    for (const [file, list] of byFile) this.diagnostics.set(vscode.Uri.file(file), list);
  }
}

function key(url: string): string {
  return `websocketInspector.payloads:${url}`;
}

function readFile(file: string): string | undefined {
  try {
    return statSync(file).isFile() ? readFileSync(file, 'utf8') : undefined;
  } catch {
    return undefined;
  }
}
