import type { ToWebview } from '../../shared/protocol';

/** Answers the view's requests: each exactly once, with its result or a sentence. */
export class Replies {
  constructor(private readonly post: (message: ToWebview) => void) {}

  /** Replies to request `id` when `work` settles. */
  answer(id: number, work: Promise<unknown>): void {
    work.then(
      (result) => this.post({ type: 'response', id, ok: true, result }),
      (err: Error) => this.post({ type: 'response', id, ok: false, error: err.message }),
    );
  }

  /**
   * Replies to request `id` whose work starts with a dialog: the view is told the user has the
   * turn while `dialog` is open (its request then has no time bound), then the work's bound runs.
   */
  answerAfterDialog<T>(id: number, dialog: () => PromiseLike<T>, work: (picked: T) => Promise<unknown>): void {
    this.post({ type: 'requestProgress', id, waitingForUser: true });
    const done = Promise.resolve()
      .then(dialog)
      .finally(() => this.post({ type: 'requestProgress', id, waitingForUser: false }))
      .then(work);
    this.answer(id, done);
  }

  /** Replies to request `id` at once. */
  fail(id: number, error: string): void {
    this.post({ type: 'response', id, ok: false, error });
  }
}
