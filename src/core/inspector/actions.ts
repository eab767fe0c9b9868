import type { Transport } from '../transport';
import type { EditorContent } from './model';

/** A file the user chose to send, read only once it is sent. */
export interface PickedFile {
  read(): PromiseLike<Uint8Array>;
}

/**
 * What the view can ask for that only the host around the inspector can do: dialogs, editors,
 * the clipboard, replays, and hearing of each connection as it opens (the recorder hooks in there).
 * VS Code's panel implements it; core tests and benches use simple ones.
 */
export interface InspectorActions {
  /** Asks the user for a file to send (a dialog); undefined when cancelled. */
  pickFile(): PromiseLike<PickedFile | undefined>;
  /** Opens a row's content in an editor. */
  openInEditor(content: EditorContent): void;
  copy(text: string): void;
  /** Replays the recording the inspector shows. */
  replay(): void;
  /** `connection` started opening (a connect or a reconnect); `opening` settles when it opened or failed. */
  connecting(connection: Transport, opening: Promise<void>): void;
  /** The user picked how payloads are read on `url` (the host remembers it for that URL). */
  payloadsChosen?(url: string, choice: string): void;
}

/** Actions of an inspector with no host around it: no file is ever chosen, the rest does nothing. */
export const NO_ACTIONS: InspectorActions = {
  pickFile: () => Promise.resolve(undefined),
  openInEditor: () => undefined,
  copy: () => undefined,
  replay: () => undefined,
  connecting: () => undefined,
};
