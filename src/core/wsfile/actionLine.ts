import type { ComposeAction, ComposeValues } from '../../shared/compose';

/**
 * The words of a protocol action's `===` line (`=== emit chat ack namespace=/admin`) as the
 * action's values: `name=value` sets a field, a bare word equal to a flag's name turns it on, and
 * the other words fill the non-body fields in order. A word may be a "quoted string" (JSON rules)
 * or a balanced {…} / […] group, so JSON with spaces stays one word.
 */
export function actionValues(action: ComposeAction, words: string[]): { values: ComposeValues } | { error: string } {
  const values: ComposeValues = {};
  const positional = action.fields.filter((f) => !f.body && f.kind !== 'flag');
  let next = 0;
  for (const word of words) {
    const eq = /^([A-Za-z][\w-]*)=([\s\S]*)$/.exec(word);
    const named = eq && action.fields.find((f) => f.name === eq[1]);
    if (named) {
      values[named.name] = named.kind === 'flag' ? !/^(false|off|no|0)$/i.test(eq[2]) : unquote(eq[2]);
      continue;
    }
    const flag = action.fields.find((f) => f.kind === 'flag' && f.name === word);
    if (flag) {
      values[flag.name] = true;
      continue;
    }
    while (next < positional.length && values[positional[next].name] !== undefined) next++;
    const field = positional[next++];
    if (!field) {
      const names = action.fields.filter((f) => !f.body).map((f) => (f.kind === 'flag' ? f.name : `${f.name}=…`));
      return {
        error: `"${word}" is one word too many for "=== ${action.id}"; it takes ${names.join(' ') || 'no words'}${bodyHint(action)}.`,
      };
    }
    values[field.name] = unquote(word);
  }
  const missing = action.fields.find((f) => f.required && !f.body && values[f.name] === undefined);
  if (missing)
    return {
      error: `"=== ${action.id}" needs ${missing.label.toLowerCase()} (${missing.name}); write it after the action's name.`,
    };
  return { values };
}

function bodyHint(action: ComposeAction): string {
  const body = action.fields.find((f) => f.body);
  return body ? `, and its ${body.label.toLowerCase()} on the lines below` : '';
}

/** Splits an action line's arguments into words (quotes and bracket groups kept whole). */
export function actionWords(text: string): string[] | { error: string; at: number } {
  const words: string[] = [];
  let i = 0;
  while (i < text.length) {
    while (i < text.length && /\s/.test(text[i])) i++;
    if (i >= text.length) break;
    const start = i;
    let depth = 0;
    let quoted = false;
    for (; i < text.length; i++) {
      const c = text[i];
      if (quoted) {
        if (c === '\\') i++;
        else if (c === '"') quoted = false;
      } else if (c === '"') quoted = true;
      else if (c === '{' || c === '[') depth++;
      else if ((c === '}' || c === ']') && depth > 0) depth--;
      else if (/\s/.test(c) && depth === 0) break;
    }
    if (quoted) return { error: 'a quoted word is not closed; end it with "', at: start };
    if (depth > 0) return { error: 'a { or [ group is not closed', at: start };
    words.push(text.slice(start, i));
  }
  return words;
}

/** `"a b"` → `a b` (JSON string rules); anything else as written. */
function unquote(word: string): string {
  if (word.length >= 2 && word.startsWith('"') && word.endsWith('"')) {
    try {
      return JSON.parse(word) as string;
    } catch {
      return word.slice(1, -1);
    }
  }
  return word;
}
