import type { ProtocolInfo } from '../src/shared/protocol';
import { el } from './dom';

/**
 * Which protocol the rows are decoded with: as recognised, raw, or another protocol; and what is
 * spoken ("Socket.IO, recognised by the URL"). Picking changes the view only, never the frames.
 */
export class ProtocolPicker {
  readonly element: HTMLElement;
  private readonly select: HTMLSelectElement;
  private readonly label: HTMLElement;
  private readonly payloads: HTMLSelectElement;
  private readonly payloadProblem: HTMLElement;

  constructor(
    private readonly pick: (choice: string) => void,
    pickPayloads: (choice: string) => void,
  ) {
    this.element = el('div', 'protocol-picker');
    this.label = el('span', 'protocol-label');
    this.label.id = 'protocol-label';
    const caption = el('label', 'protocol-caption', 'Decode as');
    caption.htmlFor = 'decoder-choice';
    this.select = el('select', 'composer-mode filter-select');
    this.select.id = 'decoder-choice';
    this.select.setAttribute('aria-label', 'Decode messages as');
    this.select.addEventListener('change', () => this.pick(this.select.value));
    const payloadCaption = el('label', 'protocol-caption', 'Payloads');
    payloadCaption.htmlFor = 'payload-choice';
    this.payloads = el('select', 'composer-mode filter-select');
    this.payloads.id = 'payload-choice';
    this.payloads.setAttribute('aria-label', 'Read binary payloads as');
    this.payloads.title =
      'How binary payloads are read: MessagePack, CBOR, Protobuf (with a type from the workspace’s .proto files), compressed; remembered for this URL';
    this.payloads.addEventListener('change', () => pickPayloads(this.payloads.value));
    this.payloadProblem = el('span', 'protocol-problem');
    this.payloadProblem.id = 'payload-problem';
    this.element.append(this.label, caption, this.select, payloadCaption, this.payloads, this.payloadProblem);
  }

  show(info: ProtocolInfo): void {
    const options = info.choices.map((c) => {
      const o = el('option', undefined, c.id === 'auto' && info.label ? `As recognised: ${info.label}` : c.label);
      o.value = c.id;
      return o;
    });
    this.select.replaceChildren(...options);
    this.select.value = info.choice;
    this.label.textContent = info.label ? (info.speaking ? `Speaking ${info.label}` : `Decoding ${info.label}`) : '';
    this.label.hidden = !info.label;
    this.label.title = info.how ? `${info.label} (${info.how})` : '';
    const p = info.payloads;
    this.payloads.replaceChildren(
      ...p.choices.map((c) => {
        const o = el('option', undefined, c.label);
        o.value = c.id;
        return o;
      }),
    );
    this.payloads.value = p.choice;
    this.payloadProblem.textContent = p.problem ?? '';
    this.payloadProblem.hidden = !p.problem;
  }
}
