import * as vscode from 'vscode';
import type { WsRequest, WsStep } from '../../core/wsfile/types';
import { spanToRange, type WsDocuments } from './documentCache';

const PREVIEW_CHARS = 60;

/** The Outline of a `.ws` file: one symbol per request, with its script steps as children. */
export class WsDocumentSymbolProvider implements vscode.DocumentSymbolProvider {
  constructor(private readonly documents: WsDocuments) {}

  provideDocumentSymbols(document: vscode.TextDocument): vscode.DocumentSymbol[] {
    return this.documents.get(document).requests.map((request) => requestSymbol(document, request));
  }
}

function requestSymbol(document: vscode.TextDocument, request: WsRequest): vscode.DocumentSymbol {
  const urlLine = request.urlRange.startLine;
  const range = spanToRange(document, {
    startLine: Math.min(request.range.startLine, urlLine),
    endLine: Math.max(request.range.endLine, urlLine),
  });
  const selection = spanToRange(document, { startLine: urlLine, endLine: urlLine });
  const detail = request.named ? request.url : request.keyword === 'none' ? '' : request.keyword;
  const symbol = new vscode.DocumentSymbol(
    request.name || `Request ${request.index + 1}`,
    detail,
    vscode.SymbolKind.Event,
    range,
    selection,
  );
  for (const step of request.steps) {
    const stepRange = spanToRange(document, step.lines);
    if (!range.contains(stepRange)) continue; // Never expected; VS Code rejects children outside their parent.
    const first = spanToRange(document, { startLine: step.lines.startLine, endLine: step.lines.startLine });
    symbol.children.push(new vscode.DocumentSymbol(stepName(step), stepDetail(step), stepKind(step), stepRange, first));
  }
  return symbol;
}

function stepName(step: WsStep): string {
  switch (step.type) {
    case 'send': {
      const m = step.message;
      const text =
        m.kind === 'text' ? m.text : m.kind === 'file' ? `${m.as === 'text' ? '<@' : '<'} ${m.path}` : m.source;
      return preview(text) || `(${m.kind} message)`;
    }
    case 'wait-for-server':
      return step.count === 1 ? 'wait for a server message' : `wait for ${step.count} server messages`;
    case 'wait':
      return `wait ${step.ms} ms`;
    case 'close':
      return `close ${step.code}${step.reason ? ` ${preview(step.reason)}` : ''}`;
    case 'action':
      return `${step.action} ${preview(
        Object.values(step.values)
          .filter((v) => typeof v === 'string')
          .join(' '),
      )}`.trim();
    case 'wait-for':
      return `wait for ${preview(step.condition)}`;
    case 'expect':
      return `expect ${preview(step.expect.text)}`;
  }
}

/** The message kind for sends (`text`, `json`, `hex`, `base64`, `file`), else the step type. */
function stepDetail(step: WsStep): string {
  if (step.type !== 'send') return step.type;
  const m = step.message;
  if (m.kind === 'text') return m.json ? 'json' : 'text';
  if (m.kind === 'file') return `file (${m.as})`;
  return m.kind;
}

function stepKind(step: WsStep): vscode.SymbolKind {
  if (step.type === 'send')
    return step.message.kind === 'text' && step.message.json ? vscode.SymbolKind.Object : vscode.SymbolKind.String;
  return vscode.SymbolKind.Operator;
}

function preview(text: string): string {
  const oneLine = text.replace(/\s+/g, ' ').trim();
  return oneLine.length > PREVIEW_CHARS ? `${oneLine.slice(0, PREVIEW_CHARS - 1)}…` : oneLine;
}

/** Folding: each request's whole span, and each message block that spans several lines. */
export class WsFoldingRangeProvider implements vscode.FoldingRangeProvider {
  constructor(private readonly documents: WsDocuments) {}

  provideFoldingRanges(document: vscode.TextDocument): vscode.FoldingRange[] {
    const ranges: vscode.FoldingRange[] = [];
    for (const request of this.documents.get(document).requests) {
      if (request.range.endLine > request.range.startLine)
        ranges.push(
          new vscode.FoldingRange(request.range.startLine, request.range.endLine, vscode.FoldingRangeKind.Region),
        );
      for (const step of request.steps) {
        if (step.type === 'send' && step.lines.endLine > step.lines.startLine)
          ranges.push(new vscode.FoldingRange(step.lines.startLine, step.lines.endLine));
      }
    }
    return ranges;
  }
}
