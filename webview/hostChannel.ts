import { PROTOCOL_VERSION, type FilterQuery, type FromWebview, type ToWebview } from '../src/shared/protocol';
import { RequestBounds } from './requestBounds';

interface VsCodeApi {
  postMessage(message: unknown): void;
  getState(): unknown;
  setState(state: unknown): void;
}
declare function acquireVsCodeApi(): VsCodeApi;

/** UI state kept by VS Code across hide/show and reloads (never connection data). */
export interface ViewState {
  url?: string;
  follow?: boolean;
  selected?: number;
  /** First visible list position when not following. */
  scrollStart?: number;
  hiddenColumns?: string[];
  view?: 'messages' | 'frames' | 'handshake' | 'stats';
  timeMode?: 'wall' | 'relative';
  filter?: FilterQuery | null;
  /** The history file of the panel's last connection: a reload shows its messages again. */
  recordedTo?: string;
  /** The recording the panel shows, reopened after a reload. */
  recordingFile?: string;
  composer?: { draft?: string; mode?: string; history?: unknown };
}

/** Requests wait at most this long for their reply. */
const REQUEST_TIMEOUT_MS = 15000;

type Pending = { resolve: (result: unknown) => void; reject: (err: Error) => void };
type RequestMessage = Extract<FromWebview, { id: number }>;
type DistributiveOmit<T, K extends PropertyKey> = T extends unknown ? Omit<T, K> : never;

/** The webview's end of the typed channel to the extension host. */
export class HostChannel {
  private readonly api = acquireVsCodeApi();
  private nextId = 1;
  private readonly pending = new Map<number, Pending>();
  private handler: (message: ToWebview) => void = () => undefined;
  private readonly bounds = new RequestBounds(
    REQUEST_TIMEOUT_MS,
    (id) => {
      const pending = this.pending.get(id);
      this.pending.delete(id);
      pending?.reject(new Error('The extension did not answer in time.'));
    },
    { set: (run, ms) => window.setTimeout(run, ms), clear: (handle) => window.clearTimeout(handle as number) },
  );

  constructor() {
    window.addEventListener('message', (event: MessageEvent) => {
      const message = event.data as ToWebview;
      if (!message || typeof message !== 'object') return;
      if (message.type === 'requestProgress') {
        this.bounds.waitingForUser(message.id, message.waitingForUser);
        return;
      }
      if (message.type === 'response') {
        const pending = this.pending.get(message.id);
        if (!pending) return;
        this.pending.delete(message.id);
        this.bounds.settle(message.id);
        if (message.ok) pending.resolve(message.result);
        else pending.reject(new Error(message.error ?? 'The request failed.'));
        return;
      }
      this.handler(message);
    });
  }

  /** Receive every host message except replies, which go to their request. */
  onMessage(handler: (message: ToWebview) => void): void {
    this.handler = handler;
  }

  /** Tell the host we listen; it answers with a snapshot. */
  ready(): void {
    this.post({ type: 'ready', protocolVersion: PROTOCOL_VERSION });
  }

  post(message: FromWebview): void {
    this.api.postMessage(message);
  }

  /** Sends a request and resolves with its reply; rejects on an error reply or a timeout (none while the host waits on the user). */
  request(message: DistributiveOmit<RequestMessage, 'id'>): Promise<unknown> {
    const id = this.nextId++;
    return new Promise((resolve, reject) => {
      this.pending.set(id, { resolve, reject });
      this.bounds.start(id);
      this.post({ ...message, id });
    });
  }

  getState(): ViewState {
    const state = this.api.getState();
    return state && typeof state === 'object' ? state : {};
  }

  updateState(patch: ViewState): void {
    this.api.setState({ ...this.getState(), ...patch });
  }
}
