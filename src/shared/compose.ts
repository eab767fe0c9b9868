/**
 * What a protocol's composer offers, as data: each action is a small form (Socket.IO "Emit",
 * GraphQL "Subscribe", STOMP "SEND", MQTT "PUBLISH"). The webview draws the form from it, the
 * host runs it through the protocol session's `compose`, and a `.ws` file names the same action
 * on a `===` line (`=== emit chat ack`, the block below it filling the action's `body` field).
 * Types only: imported by the host, the core and the webview.
 */

export type ComposeFieldKind =
  /** One line of text. */
  | 'text'
  /** JSON, checked before sending (arguments, variables, a payload). */
  | 'json'
  /** Several lines, sent as written (a GraphQL query, a STOMP body). */
  | 'multiline'
  /** One of `choices`. */
  | 'choice'
  /** On or off. */
  | 'flag';

export interface ComposeField {
  /** The key in `ComposeValues`, and what a `.ws` `===` line names (`qos=1`). */
  name: string;
  /** For people: "Event", "Arguments (JSON array)". */
  label: string;
  kind: ComposeFieldKind;
  /** For `choice`. */
  choices?: string[];
  /** Shown when empty, and used when left empty (unless `required`). */
  placeholder?: string;
  default?: string | boolean;
  required?: boolean;
  /** The field a `.ws` message block fills (one per action at most). */
  body?: boolean;
}

export interface ComposeAction {
  /** Stable id: what the host runs and a `.ws` `===` line names ("emit", "subscribe", "publish"). */
  id: string;
  /** The button: "Emit", "Subscribe". */
  label: string;
  /** One line on what it does. */
  description?: string;
  /** In order: a `.ws` line's positional words fill the non-body fields in this order. */
  fields: ComposeField[];
}

/** The values of one action's fields, by name: text as typed, flags as booleans. */
export type ComposeValues = Record<string, string | boolean>;
