/** A mistake in how certwatch was called: one line on stderr, exit code 3, no stack trace. */
export class UsageError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'UsageError';
  }
}
