import { el } from './dom';

/** The message composer: a text box, Send, and Ctrl/Cmd+Enter. */
export class Composer {
  readonly element: HTMLElement;
  private readonly input: HTMLElement & { value: string };
  private readonly sendButton: HTMLElement;
  private readonly error: HTMLElement;
  private enabled = false;

  constructor(
    private readonly send: (text: string) => Promise<void>,
    private readonly onDraft: (text: string) => void,
  ) {
    this.element = el('div', 'composer');
    this.input = document.createElement('vscode-textarea') as HTMLElement & { value: string };
    this.input.id = 'composer';
    this.input.setAttribute('placeholder', 'Message to send (Ctrl+Enter or ⌘+Enter)');
    this.input.setAttribute('label', 'Message to send');
    this.input.setAttribute('rows', '3');
    this.input.setAttribute('resize', 'vertical');
    this.input.addEventListener('keydown', (e: KeyboardEvent) => {
      if (e.key === 'Enter' && (e.ctrlKey || e.metaKey)) {
        e.preventDefault();
        void this.submit();
      }
    });
    this.input.addEventListener('input', () => this.onDraft(this.input.value));
    this.sendButton = document.createElement('vscode-button');
    this.sendButton.id = 'send';
    this.sendButton.setAttribute('icon', 'send');
    this.sendButton.textContent = 'Send';
    this.sendButton.addEventListener('click', () => void this.submit());
    this.error = el('div', 'composer-error');
    this.error.id = 'composer-error';
    this.error.setAttribute('role', 'alert');
    const row = el('div', 'composer-row');
    row.append(this.input, this.sendButton);
    this.element.append(row, this.error);
    this.setEnabled(false);
  }

  setDraft(text: string): void {
    this.input.value = text;
  }

  /** Sending is possible only while the connection is open. */
  setEnabled(enabled: boolean): void {
    this.enabled = enabled;
    this.sendButton.toggleAttribute('disabled', !enabled);
  }

  private async submit(): Promise<void> {
    const text = this.input.value;
    this.error.textContent = '';
    if (!this.enabled) {
      this.error.textContent = 'Not connected. Reconnect, then send.';
      return;
    }
    try {
      await this.send(text);
    } catch (err) {
      this.error.textContent = (err as Error).message;
    }
  }
}
