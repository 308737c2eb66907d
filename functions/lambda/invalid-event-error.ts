/** An event a handler cannot act on (malformed, unknown action or task): its message names every bad field. */
export class InvalidEventError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'InvalidEventError';
  }
}
