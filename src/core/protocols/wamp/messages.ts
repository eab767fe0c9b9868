/**
 * WAMP v2 messages over `wamp.2.json` (wamp-proto.org, the basic and advanced profiles): each frame
 * is one JSON array `[code, …]`. The layout of each code, with the spec's field names: `id` is the
 * message's own Request id (or the id of the request it answers), URIs are `topic` / `procedure` /
 * `realm` / `reason` / `error`, payloads `args` (a list) and `kwargs` (a dict).
 */

type Kind = 'id' | 'uri' | 'dict' | 'list' | 'int' | 'string';

interface Layout {
  name: string;
  fields: Array<[field: string, kind: Kind, optional?: true]>;
}

const ARGS: Layout['fields'] = [
  ['args', 'list', true],
  ['kwargs', 'dict', true],
];

export const WAMP_MESSAGES: Record<number, Layout> = {
  1: {
    name: 'HELLO',
    fields: [
      ['realm', 'uri'],
      ['details', 'dict'],
    ],
  },
  2: {
    name: 'WELCOME',
    fields: [
      ['session', 'id'],
      ['details', 'dict'],
    ],
  },
  3: {
    name: 'ABORT',
    fields: [
      ['details', 'dict'],
      ['reason', 'uri'],
    ],
  },
  4: {
    name: 'CHALLENGE',
    fields: [
      ['authmethod', 'string'],
      ['extra', 'dict'],
    ],
  },
  5: {
    name: 'AUTHENTICATE',
    fields: [
      ['signature', 'string'],
      ['extra', 'dict'],
    ],
  },
  6: {
    name: 'GOODBYE',
    fields: [
      ['details', 'dict'],
      ['reason', 'uri'],
    ],
  },
  8: { name: 'ERROR', fields: [['requestType', 'int'], ['id', 'id'], ['details', 'dict'], ['error', 'uri'], ...ARGS] },
  16: { name: 'PUBLISH', fields: [['id', 'id'], ['options', 'dict'], ['topic', 'uri'], ...ARGS] },
  17: {
    name: 'PUBLISHED',
    fields: [
      ['id', 'id'],
      ['publication', 'id'],
    ],
  },
  32: {
    name: 'SUBSCRIBE',
    fields: [
      ['id', 'id'],
      ['options', 'dict'],
      ['topic', 'uri'],
    ],
  },
  33: {
    name: 'SUBSCRIBED',
    fields: [
      ['id', 'id'],
      ['subscription', 'id'],
    ],
  },
  34: {
    name: 'UNSUBSCRIBE',
    fields: [
      ['id', 'id'],
      ['subscription', 'id'],
    ],
  },
  35: {
    name: 'UNSUBSCRIBED',
    fields: [
      ['id', 'id'],
      ['details', 'dict', true],
    ],
  },
  36: { name: 'EVENT', fields: [['subscription', 'id'], ['publication', 'id'], ['details', 'dict'], ...ARGS] },
  48: { name: 'CALL', fields: [['id', 'id'], ['options', 'dict'], ['procedure', 'uri'], ...ARGS] },
  49: {
    name: 'CANCEL',
    fields: [
      ['id', 'id'],
      ['options', 'dict'],
    ],
  },
  50: { name: 'RESULT', fields: [['id', 'id'], ['details', 'dict'], ...ARGS] },
  64: {
    name: 'REGISTER',
    fields: [
      ['id', 'id'],
      ['options', 'dict'],
      ['procedure', 'uri'],
    ],
  },
  65: {
    name: 'REGISTERED',
    fields: [
      ['id', 'id'],
      ['registration', 'id'],
    ],
  },
  66: {
    name: 'UNREGISTER',
    fields: [
      ['id', 'id'],
      ['registration', 'id'],
    ],
  },
  67: {
    name: 'UNREGISTERED',
    fields: [
      ['id', 'id'],
      ['details', 'dict', true],
    ],
  },
  68: { name: 'INVOCATION', fields: [['id', 'id'], ['registration', 'id'], ['details', 'dict'], ...ARGS] },
  69: {
    name: 'INTERRUPT',
    fields: [
      ['id', 'id'],
      ['options', 'dict'],
    ],
  },
  70: { name: 'YIELD', fields: [['id', 'id'], ['options', 'dict'], ...ARGS] },
};

/** Requests (their sender is the asker) and what answers them (the other side asked); CANCEL and INTERRUPT follow up their own side's request. */
export const REQUESTS = new Set([
  'PUBLISH',
  'SUBSCRIBE',
  'UNSUBSCRIBE',
  'CALL',
  'REGISTER',
  'UNREGISTER',
  'INVOCATION',
]);
export const REPLIES = new Set([
  'PUBLISHED',
  'SUBSCRIBED',
  'UNSUBSCRIBED',
  'RESULT',
  'REGISTERED',
  'UNREGISTERED',
  'YIELD',
  'ERROR',
]);
export const FOLLOW_UPS = new Set(['CANCEL', 'INTERRUPT']);
export const HANDSHAKE = new Set(['HELLO', 'WELCOME', 'ABORT', 'CHALLENGE', 'AUTHENTICATE']);

export interface WampMessage {
  value: Record<string, unknown>;
  problem?: string;
}

/** One frame's text as a WAMP message: its named fields, and what is wrong (with the element's index) if anything. */
export function parseWamp(text: string): WampMessage {
  let v: unknown;
  try {
    v = JSON.parse(text);
  } catch (err) {
    return { value: {}, problem: `The message is not valid JSON (${(err as Error).message}).` };
  }
  if (!Array.isArray(v)) return { value: {}, problem: 'A WAMP message is a JSON array: [code, …].' };
  const elements = v as unknown[];
  const code = elements[0];
  if (!Number.isInteger(code))
    return { value: {}, problem: 'Element 0 of a WAMP message is its type code, an integer.' };
  const layout = WAMP_MESSAGES[code as number];
  if (!layout)
    return { value: { code, elements: elements.slice(1) }, problem: `${String(code)} is not a WAMP message code.` };
  const value: Record<string, unknown> = { type: layout.name, code };
  let problem: string | undefined;
  layout.fields.forEach(([field, kind, optional], i) => {
    const at = i + 1;
    const x = elements[at];
    if (x === undefined) {
      if (!optional)
        problem ??= `${layout.name} needs element ${at} (${field}, ${KIND_NAMES[kind]}); the message has ${v.length} elements.`;
      return;
    }
    value[field] = x;
    if (!fits(x, kind))
      problem ??= `${layout.name} element ${at} (${field}) should be ${KIND_NAMES[kind]}; it is ${JSON.stringify(x).slice(0, 40)}.`;
  });
  // Elements past the layout stay in the view.
  if (elements.length > layout.fields.length + 1) value.surplus = elements.slice(layout.fields.length + 1);
  if (elements.length > layout.fields.length + 1)
    problem ??= `${layout.name} has ${v.length} elements; it has at most ${layout.fields.length + 1}.`;
  if (layout.name === 'ERROR' && typeof value.requestType === 'number')
    value.requestName = WAMP_MESSAGES[value.requestType]?.name ?? String(value.requestType);
  return problem ? { value, problem } : { value };
}

const KIND_NAMES: Record<Kind, string> = {
  id: 'an id (an integer)',
  uri: 'a URI (a string)',
  dict: 'a dict (an object)',
  list: 'a list (an array)',
  int: 'an integer',
  string: 'a string',
};

function fits(x: unknown, kind: Kind): boolean {
  switch (kind) {
    case 'id':
    case 'int':
      return Number.isInteger(x);
    case 'uri':
    case 'string':
      return typeof x === 'string';
    case 'dict':
      return typeof x === 'object' && x !== null && !Array.isArray(x);
    case 'list':
      return Array.isArray(x);
  }
}
