/** RECEIPTs asked for and not yet seen, each with a bound on the wait. */
export class Receipts {
  private readonly pending = new Map<string, { resolve(): void; reject(err: Error): void; timer: NodeJS.Timeout }>();
  private count = 0;

  /** A new receipt id: `subscribe-3`. */
  next(prefix: string): string {
    return `${prefix}-${++this.count}`;
  }

  /** Resolves when the RECEIPT for `id` arrives; rejects with a sentence after `ms`, or when failed. */
  wait(id: string, ms: number): Promise<void> {
    const p = new Promise<void>((resolve, reject) => {
      const timer = setTimeout(
        () => this.fail(id, `The STOMP server sent no RECEIPT for ${id} within ${ms / 1000} s.`),
        ms,
      ).unref();
      this.pending.set(id, { resolve, reject, timer });
    });
    // Whoever does not await it is not told about the rejection as an unhandled one.
    p.catch(() => undefined);
    return p;
  }

  done(id: string): void {
    const w = this.pending.get(id);
    if (!w) return;
    this.pending.delete(id);
    clearTimeout(w.timer);
    w.resolve();
  }

  fail(id: string, why: string): void {
    const w = this.pending.get(id);
    if (!w) return;
    this.pending.delete(id);
    clearTimeout(w.timer);
    w.reject(new Error(why));
  }

  failAll(why: string): void {
    for (const id of [...this.pending.keys()]) this.fail(id, `No RECEIPT for ${id}: ${why}`);
  }
}
