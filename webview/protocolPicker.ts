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

  constructor(private readonly pick: (choice: string) => void) {
    this.element = el('div', 'protocol-picker');
    this.label = el('span', 'protocol-label');
    this.label.id = 'protocol-label';
    this.select = el('select', 'composer-mode filter-select');
    this.select.id = 'decoder-choice';
    this.select.setAttribute('aria-label', 'Decode messages as');
    this.select.addEventListener('change', () => this.pick(this.select.value));
    this.element.append(this.label, this.select);
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
    this.label.title = info.how ? `${info.label} (${info.how})` : '';
  }
}
