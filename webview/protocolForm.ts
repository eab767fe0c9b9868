import type { ComposeAction, ComposeField, ComposeValues } from '../src/shared/compose';
import { el } from './dom';

type FieldInput = HTMLInputElement | HTMLSelectElement;

/**
 * The fields of one protocol compose action (Socket.IO emit: event, namespace, wait for ack), drawn
 * from the action's description. The field marked `body` is the composer's big text area; the rest
 * are drawn here, in a row above it. Values go to the host as typed; the host checks them.
 */
export class ProtocolForm {
  readonly element: HTMLElement;
  private inputs = new Map<string, FieldInput>();
  private action: ComposeAction | undefined;

  constructor() {
    this.element = el('div', 'protocol-form');
    this.element.id = 'protocol-form';
    this.element.hidden = true;
  }

  /** The action's body field, if it has one: the text area holds it. */
  get body(): ComposeField | undefined {
    return this.action?.fields.find((f) => f.body);
  }

  get current(): ComposeAction | undefined {
    return this.action;
  }

  /** Draws `action`'s fields (none: the plain composer). */
  show(action: ComposeAction | undefined): void {
    if (action?.id === this.action?.id && action?.label === this.action?.label) return;
    this.action = action;
    this.inputs = new Map();
    this.element.replaceChildren();
    this.element.hidden = !action || action.fields.every((f) => f.body);
    if (!action) return;
    if (action.description) this.element.title = action.description;
    for (const field of action.fields) {
      if (field.body) continue;
      const input = fieldInput(field);
      input.id = `compose-${field.name}`;
      this.inputs.set(field.name, input);
      const label = el('label', `protocol-field protocol-field-${field.kind}`);
      if (field.kind === 'flag') label.append(input, document.createTextNode(` ${field.label}`));
      else label.append(document.createTextNode(`${field.label} `), input);
      this.element.append(label);
    }
  }

  /** The values typed, with the body's text. */
  values(body: string): ComposeValues {
    const values: ComposeValues = {};
    for (const [name, input] of this.inputs)
      values[name] = input instanceof HTMLInputElement && input.type === 'checkbox' ? input.checked : input.value;
    const b = this.body;
    if (b) values[b.name] = body;
    return values;
  }
}

function fieldInput(field: ComposeField): FieldInput {
  if (field.kind === 'choice') {
    const s = el('select', 'composer-mode');
    for (const c of field.choices ?? []) {
      const o = el('option', undefined, c);
      o.value = c;
      s.append(o);
    }
    if (typeof field.default === 'string') s.value = field.default;
    s.setAttribute('aria-label', field.label);
    return s;
  }
  const i = el('input', 'filter-input');
  i.setAttribute('aria-label', field.label);
  if (field.kind === 'flag') {
    i.type = 'checkbox';
    i.checked = field.default === true;
    return i;
  }
  i.type = 'text';
  i.spellcheck = false;
  if (field.placeholder) i.placeholder = field.placeholder;
  if (typeof field.default === 'string') i.value = field.default;
  return i;
}
