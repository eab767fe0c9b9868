import * as vscode from 'vscode';
import type { WsRequest } from '../../core/wsfile/types';
import { MASK, maskSecrets } from '../../core/mask';
import { resolveHandshake } from '../../core/wsfile/variables';
import type { WsDocuments } from './documentCache';
import type { EnvironmentPicker } from './environment';

/**
 * Hover on a request line or a header line: the URL and headers as they would be sent, variables
 * resolved with the selected environment. Secret values (Authorization, Cookie, token-like names,
 * `$processEnv`) are masked; a variable that does not resolve shows the resolver's sentence.
 */
export class WsHoverProvider implements vscode.HoverProvider {
  constructor(
    private readonly documents: WsDocuments,
    private readonly environments: EnvironmentPicker,
  ) {}

  provideHover(document: vscode.TextDocument, position: vscode.Position): vscode.Hover | undefined {
    const parsed = this.documents.get(document);
    const request = parsed.requests.find(
      (r) => r.urlRange.startLine === position.line || r.headers.some((h) => h.line === position.line),
    );
    if (!request) return undefined;
    const env = this.environments.contextFor(document);
    const markdown = new vscode.MarkdownString();
    markdown.isTrusted = false;
    markdown.supportHtml = false;
    markdown.supportThemeIcons = true;
    const where = env.error
      ? ''
      : env.environmentName
        ? ` (environment "${env.environmentName}")`
        : ' (no environment selected)';
    if (env.error) markdown.appendMarkdown(`$(warning) ${escapeMarkdown(env.error)}\n\n`);
    const resolved = resolveHandshake(request, {
      fileVariables: parsed.variables,
      environment: env.environment,
      environmentName: env.environmentName,
      allowProcessEnv: vscode.workspace.isTrusted,
    });
    if ('error' in resolved) {
      markdown.appendMarkdown(
        `**The handshake cannot be resolved**${escapeMarkdown(where)}\n\n$(error) ${escapeMarkdown(resolved.error)}`,
      );
    } else {
      markdown.appendMarkdown(`**Handshake as sent**${escapeMarkdown(where)}\n\n`);
      const lines = [`${requestKeyword(request)} ${maskSecrets(withScheme(resolved.url, request), resolved.secrets)}`];
      for (const h of resolved.headers)
        lines.push(`${h.name}: ${h.secret ? MASK : maskSecrets(h.value, resolved.secrets)}`);
      if (request.settings.subprotocols.length)
        lines.push(`# subprotocols offered: ${request.settings.subprotocols.join(', ')}`);
      markdown.appendMarkdown(codeBlock(lines.join('\n')));
    }
    const line = document.lineAt(position.line);
    return new vscode.Hover(markdown, line.range);
  }
}

function requestKeyword(request: WsRequest): string {
  return request.keyword === 'none' ? 'WEBSOCKET' : request.keyword;
}

/** The URL the runner connects to: `WS host/path` means ws://host/path, `WSS …` wss://. */
function withScheme(url: string, request: WsRequest): string {
  if (/^[A-Za-z][A-Za-z0-9+.-]*:\/\//.test(url)) return url;
  return `${request.keyword === 'WSS' ? 'wss' : 'ws'}://${url}`;
}

/** A fenced block whose fence is longer than any run of backticks inside, so values cannot break out. */
function codeBlock(text: string): string {
  const longest = Math.max(0, ...(text.match(/`+/g) ?? []).map((run) => run.length));
  const fence = '`'.repeat(Math.max(3, longest + 1));
  return `${fence}text\n${text}\n${fence}\n`;
}

function escapeMarkdown(text: string): string {
  return text.replace(/[\\`*_{}[\]()#+\-.!<>|~$]/g, '\\$&');
}
