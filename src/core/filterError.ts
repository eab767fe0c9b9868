/** A filter that cannot run, with a sentence for the person who wrote it. */
export class FilterError extends Error {
  override readonly name = 'FilterError';
}

/** The sentence for a regular expression stopped by its time budget. */
export const REGEX_TIMEOUT_MESSAGE =
  'The regular expression took too long and was stopped. Simplify it, for example avoid nested repeats like (a+)+.';
