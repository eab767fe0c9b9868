import assert from 'node:assert/strict';

/**
 * Watches for uncaught exceptions and unhandled rejections while a suite runs: `watch()` in
 * `before`, `stop()` in `after`, `assertClean()` wherever the suite wants to say "nothing escaped".
 */
export function processGuard(): { watch(): void; stop(): void; assertClean(): void } {
  const uncaught: unknown[] = [];
  const unhandled: unknown[] = [];
  const onUncaught = (err: unknown) => uncaught.push(err);
  const onUnhandled = (reason: unknown) => unhandled.push(reason);
  return {
    watch() {
      process.on('uncaughtException', onUncaught);
      process.on('unhandledRejection', onUnhandled);
    },
    stop() {
      process.removeListener('uncaughtException', onUncaught);
      process.removeListener('unhandledRejection', onUnhandled);
    },
    assertClean() {
      assert.deepEqual(uncaught.map(String), [], 'no uncaught exception');
      assert.deepEqual(unhandled.map(String), [], 'no unhandled rejection');
    },
  };
}
