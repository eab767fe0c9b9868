import * as vscode from 'vscode';
import {
  MessageMatcher,
  type Breakpoint,
  type HeldMessage,
  type MessageMatch,
  type RelayConnection,
} from '../core/relay';
import type { Side } from '../core/transport';

/** Which way a breakpoint watches, as the relay's directions say it. */
const WAYS: Array<{ label: string; detail: string; directions: Side[] }> = [
  { label: 'Both ways', detail: 'Messages from the app and from the server', directions: [] },
  { label: 'App → server', detail: 'What your app sends', directions: ['sent'] },
  { label: 'Server → app', detail: 'What the server sends', directions: ['received'] },
];

/**
 * A breakpoint condition as typed: `/regex/`, a JSON field condition (the filter bar's grammar,
 * `type == "order" && qty > 10`), or else text to find. Throws a sentence when it is not valid.
 */
export function breakpointMatch(text: string, directions: Side[]): MessageMatch {
  const t = text.trim();
  const regex = /^\/(.+)\/$/.exec(t);
  const match: MessageMatch = regex
    ? { text: regex[1], mode: 'regex' }
    : /(==|!=|>=|<=|[<>]|~=|\bexists\b|&&)/.test(t)
      ? { json: t }
      : { text: t };
  const withWay = directions.length ? { ...match, directions } : match;
  new MessageMatcher(withWay); // Throws the sentence.
  return withWay;
}

/** A held message as the user sees it: where, which way, and its text. */
export interface HeldView {
  key: string;
  connection: RelayConnection;
  message: HeldMessage;
}

/** The preview of a held message: its text (at most 200 characters), or its size when binary. */
export function heldPreview(m: HeldMessage): string {
  if (m.kind === 'binary') return `${m.payload.length} bytes of binary`;
  const text = m.payload.toString('utf8');
  return text.length > 200 ? `${text.slice(0, 200)}…` : text;
}

/** "app → server" or "server → app". */
export function wayOf(direction: Side): string {
  return direction === 'sent' ? 'app → server' : 'server → app';
}

/** Asks for a breakpoint (which way, then the condition); undefined when dismissed. */
export async function askBreakpoint(
  timeout: Pick<Breakpoint, 'timeoutMs' | 'onTimeout'>,
): Promise<Breakpoint | undefined> {
  const way = await vscode.window.showQuickPick(WAYS, { title: 'Relay breakpoint: which messages' });
  if (!way) return undefined;
  const text = await vscode.window.showInputBox({
    title: 'Relay breakpoint: hold messages that match',
    prompt: 'A field condition (type == "order" && qty > 10), /a regex/, or text to find',
    validateInput: (v) => {
      if (!v.trim()) return 'Type a condition, a /regex/ or some text.';
      try {
        breakpointMatch(v, way.directions);
        return undefined;
      } catch (err) {
        return (err as Error).message;
      }
    },
  });
  if (!text) return undefined;
  return { match: breakpointMatch(text, way.directions), name: `${way.label}: ${text.trim()}`, ...timeout };
}

/** Asks what to do with a held message, then does it: forward, edit and forward, or drop. */
export async function decide(view: HeldView, choice?: string): Promise<void> {
  const { connection, message } = view;
  const action =
    choice ??
    (
      await vscode.window.showQuickPick(
        message.kind === 'binary' ? ['Forward', 'Drop'] : ['Forward', 'Edit and forward…', 'Drop'],
        {
          title: `Held ${wayOf(message.direction)}: ${heldPreview(message).slice(0, 80)}`,
        },
      )
    )?.replace('Edit and forward…', 'Edit…');
  if (action === 'Forward') connection.forward(message.id);
  else if (action === 'Drop') connection.drop(message.id);
  else if (action === 'Edit…') {
    const edited = await vscode.window.showInputBox({
      title: `Edit the held message (${wayOf(message.direction)}), then Enter to forward it`,
      value: message.payload.toString('utf8'),
      valueSelection: [0, 0],
    });
    // Escape leaves it held.
    if (edited !== undefined) connection.forward(message.id, edited);
  }
}
