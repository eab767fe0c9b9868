import { el } from './dom';
import { setVisibleText } from './invisible';

/** Children rendered per object or array before a "show more" row. */
const PAGE = 200;

/** Callbacks for the per-node actions. */
export interface JsonTreeActions {
  copy(text: string): void;
  /** Where a node's bytes lie in the payload (Protobuf), when known: a "bytes" action shows them. */
  bytesOf?(path: string): { start: number; end: number } | undefined;
  showBytes?(range: { start: number; end: number }): void;
}

/**
 * A collapsible JSON tree built from `<details>` elements; children are built only when a node
 * opens, so a huge document costs nothing until it is explored. Values go in as text.
 */
export function jsonTree(value: unknown, actions: JsonTreeActions): HTMLElement {
  const root = el('div', 'json-tree');
  root.setAttribute('role', 'tree');
  root.append(node('', '$', value, actions, true));
  return root;
}

function node(key: string, path: string, value: unknown, actions: JsonTreeActions, open: boolean): HTMLElement {
  const isContainer = value !== null && typeof value === 'object';
  const label = el('span', 'json-line');
  if (key) label.append(visible(el('span', 'json-key'), key), el('span', 'json-colon', ': '));
  label.append(isContainer ? el('span', 'json-summary', summary(value)) : scalar(value));
  label.append(nodeActions(path, value, actions));
  if (!isContainer) {
    const leaf = el('div', 'json-node leaf');
    leaf.setAttribute('role', 'treeitem');
    leaf.append(label);
    return leaf;
  }
  const details = el('details', 'json-node');
  details.setAttribute('role', 'treeitem');
  const head = el('summary');
  head.append(label);
  details.append(head);
  let built = false;
  const build = () => {
    if (built) return;
    built = true;
    const entries = Array.isArray(value) ? value.map((v, i) => [String(i), v] as const) : Object.entries(value);
    const children = el('div', 'json-children');
    details.append(children);
    let shown = 0;
    const more = () => {
      const end = Math.min(entries.length, shown + PAGE);
      for (; shown < end; shown++) {
        const [k, v] = entries[shown] as readonly [string, unknown];
        children.append(
          node(Array.isArray(value) ? `[${k}]` : k, childPath(path, k, Array.isArray(value)), v, actions, false),
        );
      }
      if (shown < entries.length) {
        const button = el(
          'button',
          'json-more',
          `Show ${Math.min(PAGE, entries.length - shown)} more of ${entries.length - shown}`,
        );
        button.addEventListener('click', () => {
          button.remove();
          more();
        });
        children.append(button);
      }
    };
    more();
  };
  details.addEventListener('toggle', () => {
    if (details.open) build();
  });
  if (open) {
    details.open = true;
    build();
  }
  return details;
}

function nodeActions(path: string, value: unknown, actions: JsonTreeActions): HTMLElement {
  const bar = el('span', 'json-actions');
  const copyPath = el('button', 'json-action', 'path');
  copyPath.title = `Copy path ${path}`;
  copyPath.addEventListener('click', (e) => {
    e.preventDefault();
    actions.copy(path);
  });
  const copyValue = el('button', 'json-action', 'value');
  copyValue.title = 'Copy value';
  copyValue.addEventListener('click', (e) => {
    e.preventDefault();
    actions.copy(typeof value === 'string' ? value : JSON.stringify(value, null, 2));
  });
  bar.append(copyPath, copyValue);
  const range = actions.bytesOf?.(path);
  if (range && actions.showBytes) {
    const bytes = el('button', 'json-action json-bytes', 'bytes');
    bytes.title = `Show bytes ${range.start}–${range.end - 1} in the hex dump`;
    bytes.addEventListener('click', (e) => {
      e.preventDefault();
      actions.showBytes?.(range);
    });
    bar.append(bytes);
  }
  return bar;
}

function scalar(value: unknown): HTMLElement {
  const type = value === null ? 'null' : typeof value;
  return visible(el('span', `json-value json-${type}`), type === 'string' ? JSON.stringify(value) : String(value));
}

/** Bidi controls and invisible characters in keys and strings show as marks. */
function visible(span: HTMLElement, text: string): HTMLElement {
  setVisibleText(span, text);
  return span;
}

function summary(value: object): string {
  if (Array.isArray(value)) return `[${value.length}]`;
  const keys = Object.keys(value);
  return `{${keys.length}}${keys.length ? ' ' + keys.slice(0, 4).join(', ') + (keys.length > 4 ? ', …' : '') : ''}`;
}

/** `$.a.b[0]["odd key"]` */
export function childPath(parent: string, key: string, inArray: boolean): string {
  if (inArray) return `${parent}[${key}]`;
  return /^[A-Za-z_$][\w$]*$/.test(key) ? `${parent}.${key}` : `${parent}[${JSON.stringify(key)}]`;
}
