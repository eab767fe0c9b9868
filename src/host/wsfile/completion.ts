import * as vscode from 'vscode';
import { KNOWN_DIRECTIVES } from '../../core/wsfile/directives';
import { DYNAMIC_NAMES } from '../../core/wsfile/dynamic';
import type { WsRequest } from '../../core/wsfile/types';
import { isSecretName } from '../../core/wsfile/variables';
import type { WsDocuments } from './documentCache';
import type { EnvironmentPicker } from './environment';

/** Characters that open completion by themselves: `# @`, `{{`, `{{$`. */
export const COMPLETION_TRIGGERS = ['@', '{', '$'];

/** Handshake headers people set on WebSocket requests (not Sec-WebSocket-Key/Version: the client makes those). */
const HEADERS: Array<[name: string, description: string]> = [
  ['Authorization', 'credentials, e.g. "Bearer {{token}}" (masked in hovers and logs)'],
  ['Cookie', 'cookies sent with the handshake (masked in hovers and logs)'],
  ['Origin', 'the origin the server checks, e.g. https://example.com'],
  ['Sec-WebSocket-Protocol', 'subprotocols to offer, comma-separated (same as # @subprotocol)'],
  ['Sec-WebSocket-Extensions', 'extensions to offer, e.g. permessage-deflate'],
  ['User-Agent', 'the client name sent to the server'],
  ['Host', 'overrides the Host header'],
  ['Accept-Language', 'preferred languages'],
  ['Cache-Control', 'e.g. no-cache'],
  ['Pragma', 'e.g. no-cache'],
  ['Proxy-Authorization', 'credentials for a proxy (masked in hovers and logs)'],
  ['Referer', 'the page the connection comes from'],
  ['X-Api-Key', 'an API key (masked in hovers and logs)'],
  ['X-Request-Id', 'a request id, e.g. {{$uuid}}'],
  ['X-Forwarded-For', 'the original client address'],
  ['X-Requested-With', 'e.g. XMLHttpRequest'],
];

/** What each `===` step does, with the text to insert. */
const STEPS: Array<[insert: string, description: string]> = [
  ['wait-for-server', 'wait for one more server message before the next step (repeat to wait for more)'],
  ['wait 500ms', 'pause before the next step (ms, s, m, h)'],
  ['binary hex', 'the next block is hex bytes, sent as one binary frame'],
  ['binary base64', 'the next block is base64, sent as one binary frame'],
  ['close 1000 bye', 'close the connection with this code and reason'],
];

/** Directives that take no value. */
const FLAG_DIRECTIVES = new Set(['reconnect', 'insecure']);

/** Snippets for dynamic values that take arguments (`$` escaped for the snippet syntax). */
const DYNAMIC_SNIPPETS: Record<string, string> = {
  $randomInt: '\\$randomInt ${1:0} ${2:1000}',
  '$random.integer': '\\$random.integer(${1:0}, ${2:1000})',
  '$random.float': '\\$random.float(${1:0}, ${2:1})',
  '$random.alphabetic': '\\$random.alphabetic(${1:10})',
  '$random.alphanumeric': '\\$random.alphanumeric(${1:10})',
  '$random.hexadecimal': '\\$random.hexadecimal(${1:16})',
  $processEnv: '\\$processEnv ${1:NAME}',
  '$env.NAME': '\\$env.${1:NAME}',
};

const DYNAMIC_DOCS: Record<string, string> = {
  $uuid: 'a random UUID v4',
  '$random.uuid': 'a random UUID v4',
  $timestamp: 'Unix time in seconds',
  $isoTimestamp: 'the current UTC time, ISO 8601',
  $randomInt: 'an integer in [min, max), default [0, 1000)',
  '$random.integer': 'an integer in [from, to)',
  '$random.float': 'a number in [from, to)',
  '$random.alphabetic': 'n random letters',
  '$random.alphanumeric': 'n random letters, digits or _',
  '$random.hexadecimal': 'n random hex digits',
  '$random.email': 'a random address at example.com',
  $processEnv: 'a process environment variable (trusted workspaces only; masked)',
  '$env.NAME': 'a process environment variable (trusted workspaces only; masked)',
};

/**
 * Completion in `.ws` files: directives after `# @` / `// @`, variables after `{{` (file variables
 * above the line, the selected environment, dynamic values), step keywords after `=== `, and
 * header names at the start of a line in a request's header block.
 */
export class WsCompletionProvider implements vscode.CompletionItemProvider {
  constructor(
    private readonly documents: WsDocuments,
    private readonly environments: EnvironmentPicker,
  ) {}

  provideCompletionItems(
    document: vscode.TextDocument,
    position: vscode.Position,
  ): vscode.CompletionItem[] | undefined {
    const text = document.lineAt(position.line).text;
    const before = text.slice(0, position.character);
    const after = text.slice(position.character);

    const variable = /\{\{\s*([^{}\s]*)$/.exec(before);
    if (variable) return this.variables(document, position, variable[1], after);

    const directive = /^\s*(?:#|\/\/)\s*@([\w.-]*)$/.exec(before);
    if (directive) return directives(wordRange(position, directive[1].length));

    const step = /^===\s+([\w-]*)$/.exec(before);
    if (step) return steps(wordRange(position, step[1].length));

    const header = /^([\w-]*)$/.exec(before);
    const request = header && !after.includes(':') ? this.headerBlockOf(document, position.line) : undefined;
    if (request) return this.headers(request, position, header![1].length);
    return undefined;
  }

  /** The request whose header block holds `line`: below its request line, with only header or comment lines between. */
  private headerBlockOf(document: vscode.TextDocument, line: number): WsRequest | undefined {
    const requests = this.documents.get(document).requests.filter((r) => r.urlRange.startLine < line);
    const request = requests[requests.length - 1];
    if (!request) return undefined;
    for (let l = request.urlRange.startLine + 1; l < line; l++) {
      const t = document.lineAt(l).text;
      if (t.trim() === '' || /^(===(\s|$)|###)/.test(t)) return undefined;
    }
    return request;
  }

  private headers(request: WsRequest, position: vscode.Position, typed: number): vscode.CompletionItem[] {
    const present = new Set(request.headers.filter((h) => h.line !== position.line).map((h) => h.name.toLowerCase()));
    const range = wordRange(position, typed);
    return HEADERS.filter(([name]) => !present.has(name.toLowerCase())).map(([name, description], i) => {
      const item = new vscode.CompletionItem(name, vscode.CompletionItemKind.Field);
      item.detail = 'handshake header';
      item.documentation = description;
      item.insertText = `${name}: `;
      item.range = range;
      item.sortText = String(i).padStart(2, '0');
      return item;
    });
  }

  private variables(
    document: vscode.TextDocument,
    position: vscode.Position,
    typed: string,
    after: string,
  ): vscode.CompletionItem[] {
    const range = wordRange(position, typed.length);
    // Close the braces unless they are already there (auto-closing pairs usually add them).
    const closing = '}}'.slice(/^\}{0,2}/.exec(after)![0].length);
    const items: vscode.CompletionItem[] = [];
    const seen = new Set<string>();

    if (!typed.startsWith('$')) {
      const env = this.environments.contextFor(document);
      for (const name of Object.keys(env.environment ?? {})) {
        seen.add(name);
        const item = new vscode.CompletionItem(name, vscode.CompletionItemKind.Variable);
        item.detail = `environment "${env.environmentName}"`;
        item.documentation = isSecretName(name) ? 'A secret-looking value (hidden here).' : env.environment![name];
        item.insertText = name + closing;
        item.range = range;
        item.sortText = `0-${name}`;
        items.push(item);
      }
      // Later definitions win below them; list each visible name once, with its latest value.
      const visible = new Map<string, string>();
      for (const v of this.documents.get(document).variables) if (v.line < position.line) visible.set(v.name, v.value);
      for (const [name, value] of visible) {
        if (seen.has(name)) continue; // The environment wins over file variables.
        const item = new vscode.CompletionItem(name, vscode.CompletionItemKind.Variable);
        item.detail = 'file variable';
        item.documentation = isSecretName(name) ? 'A secret-looking value (hidden here).' : value;
        item.insertText = name + closing;
        item.range = range;
        item.sortText = `1-${name}`;
        items.push(item);
      }
    }

    for (const name of DYNAMIC_NAMES) {
      const item = new vscode.CompletionItem(name, vscode.CompletionItemKind.Function);
      item.detail = 'dynamic value';
      item.documentation = DYNAMIC_DOCS[name];
      const snippet = DYNAMIC_SNIPPETS[name];
      item.insertText = snippet ? new vscode.SnippetString(snippet + closing) : name + closing;
      item.filterText = name;
      item.range = range;
      item.sortText = `2-${name}`;
      items.push(item);
    }
    return items;
  }
}

function directives(range: vscode.Range): vscode.CompletionItem[] {
  return Object.entries(KNOWN_DIRECTIVES).map(([name, description]) => {
    const item = new vscode.CompletionItem(name, vscode.CompletionItemKind.Keyword);
    item.detail = `@${name}`;
    item.documentation = description;
    item.insertText = FLAG_DIRECTIVES.has(name) ? name : `${name} `;
    item.range = range;
    return item;
  });
}

function steps(range: vscode.Range): vscode.CompletionItem[] {
  return STEPS.map(([insert, description], i) => {
    const item = new vscode.CompletionItem(insert, vscode.CompletionItemKind.Keyword);
    item.detail = `=== ${insert}`;
    item.documentation = description;
    item.range = range;
    item.sortText = String(i);
    return item;
  });
}

/** The `length` characters before the cursor, which the chosen item replaces. */
function wordRange(position: vscode.Position, length: number): vscode.Range {
  return new vscode.Range(position.line, position.character - length, position.line, position.character);
}
