import * as fs from 'node:fs';
import * as path from 'node:path';
import * as vscode from 'vscode';
import {
  findEnvFiles,
  loadEnvironments,
  selectEnvironment,
  PUBLIC_ENV_FILE,
  type EnvDiagnostic,
  type Environments,
} from '../../core/wsfile/env';
import { isWsDocument } from './documentCache';

/** Command that picks the environment `.ws` requests resolve their variables from. */
export const SELECT_ENVIRONMENT_COMMAND = 'websocketInspector.selectEnvironment';
/** Where the selected name is kept (per workspace). */
const STATE_KEY = 'websocketInspector.wsfile.environment';
/** The environment files (public and private) anywhere in the workspace. */
const ENV_FILE_GLOB = '**/http-client*.env.json';

/** What a `.ws` document's variables resolve against: the selected environment, if it exists for that file. */
export interface WsEnvironmentContext {
  /** The selected environment's variables (`$shared` merged underneath); absent when none is selected or it does not exist. */
  environment?: Record<string, string>;
  /** The selected name (also when it does not exist here; see `error`). */
  environmentName?: string;
  /** JSON problems in the environment files that apply to this document; each names its file. */
  envDiagnostics: EnvDiagnostic[];
  /** A sentence when the selected environment is not defined in this document's environment files. */
  error?: string;
  /** The environment names defined for this document, in file order. */
  names: string[];
  /** The environment files that apply (they may not both exist), when any were found. */
  files?: { public: string; private: string };
}

interface Loaded {
  files?: { public: string; private: string };
  envs: Environments;
  /** Modification times of the files when read ('' when missing), to notice changes the watcher cannot see (files outside the workspace). */
  stamp: string;
}

interface EnvironmentItem extends vscode.QuickPickItem {
  environment: string | undefined;
}

const NO_ENVIRONMENTS: Environments = { environments: {}, names: [], diagnostics: [] };

/**
 * The selected environment for `.ws` requests, kept in workspace state, with a status bar item
 * (visible while a `.ws` editor is active) that opens a quick pick of the environments found
 * for the active file. Environment files are re-read when any of them changes on disk.
 */
export class EnvironmentPicker implements vscode.Disposable {
  private readonly emitter = new vscode.EventEmitter<void>();
  /** Fires when the selection changes or an environment file is created, changed or deleted. */
  readonly onDidChange = this.emitter.event;
  private readonly status = vscode.window.createStatusBarItem(
    'websocketInspector.environment',
    vscode.StatusBarAlignment.Right,
    100,
  );
  private readonly loaded = new Map<string, Loaded>();
  private readonly disposables: vscode.Disposable[] = [];

  constructor(private readonly context: vscode.ExtensionContext) {
    this.status.name = 'WebSocket Environment';
    this.status.command = SELECT_ENVIRONMENT_COMMAND;
    const watcher = vscode.workspace.createFileSystemWatcher(ENV_FILE_GLOB);
    const envFilesChanged = () => {
      this.loaded.clear();
      this.emitter.fire();
      this.updateStatus();
    };
    this.disposables.push(
      this.emitter,
      this.status,
      watcher,
      watcher.onDidCreate(envFilesChanged),
      watcher.onDidChange(envFilesChanged),
      watcher.onDidDelete(envFilesChanged),
      vscode.commands.registerCommand(SELECT_ENVIRONMENT_COMMAND, (name?: unknown) => this.select(name)),
      vscode.window.onDidChangeActiveTextEditor(() => this.updateStatus()),
      vscode.workspace.onDidOpenTextDocument((document) => {
        // A language change closes and reopens the document under its new id.
        if (document === vscode.window.activeTextEditor?.document) this.updateStatus();
      }),
    );
    this.updateStatus();
  }

  /** The selected environment name, if any. */
  get selected(): string | undefined {
    return this.context.workspaceState.get<string>(STATE_KEY) || undefined;
  }

  /** Selects an environment by name (`undefined`: none) and tells every listener. */
  async setSelected(name: string | undefined): Promise<void> {
    const value = name || undefined;
    if (value !== this.selected) {
      await this.context.workspaceState.update(STATE_KEY, value);
      this.emitter.fire();
    }
    this.updateStatus();
  }

  /** The variables a document resolves against, with the problems of its environment files. */
  contextFor(document: vscode.TextDocument): WsEnvironmentContext {
    const { files, envs } = this.load(document);
    const name = this.selected;
    const base = { envDiagnostics: envs.diagnostics, names: envs.names, ...(files ? { files } : {}) };
    if (!name) return base;
    const chosen = selectEnvironment(envs, name);
    if ('error' in chosen) {
      const where = files
        ? ` (from ${describe(files.public)})`
        : ` (no ${PUBLIC_ENV_FILE} was found next to this file or above it)`;
      return { ...base, environmentName: name, error: chosen.error.replace(/\.$/, '') + where + '.' };
    }
    return { ...base, environment: chosen.variables, environmentName: name };
  }

  /**
   * The command: with a string argument, selects that environment ('' for none); otherwise shows a
   * quick pick of the environments found for the active `.ws` file. Resolves to the selected name.
   */
  async select(arg?: unknown): Promise<string | undefined> {
    if (typeof arg === 'string') {
      await this.setSelected(arg);
      return this.selected;
    }
    const active = vscode.window.activeTextEditor?.document;
    const document = active && isWsDocument(active) ? active : undefined;
    const { files, envs } = this.load(document);
    const selected = this.selected;
    const items: EnvironmentItem[] = [
      {
        label: '$(circle-slash) No environment',
        description: selected ? undefined : 'selected',
        environment: undefined,
      },
      ...envs.names.map((name) => ({
        label: `$(server-environment) ${name}`,
        description: name === selected ? 'selected' : undefined,
        detail: variableSummary(envs, name),
        environment: name,
      })),
    ];
    if (selected && !envs.names.includes(selected)) {
      items.push({
        label: `$(warning) ${selected}`,
        description: 'selected, not defined for this file',
        environment: selected,
      });
    }
    const problems = envs.diagnostics.length
      ? ` ${envs.diagnostics.length} problem(s) in the environment files; see the Problems view.`
      : '';
    const placeHolder = files
      ? `Environment for .ws requests, from ${describe(files.public)}.${problems}`
      : `No ${PUBLIC_ENV_FILE} was found next to this file or above it; add one with {"dev": {"host": "localhost:8080"}}.`;
    const pick = await vscode.window.showQuickPick(items, { title: 'Select Environment', placeHolder });
    if (!pick) return selected;
    await this.setSelected(pick.environment);
    return this.selected;
  }

  dispose(): void {
    for (const d of this.disposables.splice(0)) d.dispose();
    this.loaded.clear();
  }

  /** The environment files for a document (its folder, then upwards; else the workspace root), read once until they change. */
  private load(document: vscode.TextDocument | undefined): Loaded {
    const dirs = searchDirs(document);
    const key = dirs.join('\0');
    const hit = this.loaded.get(key);
    if (hit && (!hit.files || hit.stamp === stampOf(hit.files))) return hit;
    let result: Loaded = { envs: NO_ENVIRONMENTS, stamp: '' };
    for (const dir of dirs) {
      const found = findEnvFiles(dir);
      if (!found) continue;
      const files = { public: found.public.path, private: found.private.path };
      const stamp = stampOf(files);
      result = { files, envs: loadEnvironments(found), stamp };
      break;
    }
    this.loaded.set(key, result);
    return result;
  }

  private updateStatus(): void {
    const document = vscode.window.activeTextEditor?.document;
    if (!document || !isWsDocument(document)) {
      this.status.hide();
      return;
    }
    const context = this.contextFor(document);
    if (context.error) {
      this.status.text = `$(warning) env: ${context.environmentName}`;
      this.status.tooltip = `${context.error} Click to select another environment.`;
      this.status.backgroundColor = new vscode.ThemeColor('statusBarItem.warningBackground');
    } else {
      this.status.text = context.environmentName
        ? `$(server-environment) env: ${context.environmentName}`
        : '$(server-environment) No environment';
      this.status.tooltip = context.files
        ? `Variables of .ws requests come from this environment (${describe(context.files.public)}). Click to change it.`
        : `No ${PUBLIC_ENV_FILE} was found for this file. Click to select an environment.`;
      this.status.backgroundColor = undefined;
    }
    this.status.show();
  }
}

/** Where to look for environment files: the document's folder (upwards), then the workspace root. */
function searchDirs(document: vscode.TextDocument | undefined): string[] {
  const dirs: string[] = [];
  if (document?.uri.scheme === 'file') dirs.push(path.dirname(document.uri.fsPath));
  const folder =
    (document && vscode.workspace.getWorkspaceFolder(document.uri)) ?? vscode.workspace.workspaceFolders?.[0];
  if (folder?.uri.scheme === 'file' && !dirs.includes(folder.uri.fsPath)) dirs.push(folder.uri.fsPath);
  return dirs;
}

function stampOf(files: { public: string; private: string }): string {
  return [files.public, files.private]
    .map((file) => {
      try {
        const stat = fs.statSync(file);
        return `${stat.mtimeMs}:${stat.size}`;
      } catch {
        return '';
      }
    })
    .join('|');
}

function describe(file: string): string {
  return vscode.workspace.asRelativePath(file);
}

/** The variable names of an environment (never their values: they may be secrets). */
function variableSummary(envs: Environments, name: string): string | undefined {
  const names = Object.keys(envs.environments[name] ?? {});
  if (names.length === 0) return undefined;
  const shown = names.slice(0, 8).join(', ');
  return names.length > 8 ? `${shown}, … (${names.length} variables)` : shown;
}
