/** An event a handler cannot act on (malformed, unknown action or task): its message names every bad field. */
export class InvalidEventError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'InvalidEventError';
  }
}

/**
 * `parse(event)`; an InvalidEventError is logged (its reason, never the event, which may hold what logs must not)
 * by `log` and thrown on: the invocation fails, saying why.
 */
export function parseOrReject<Parsed>(parse: (event: unknown) => Parsed, event: unknown, log: (reason: string) => void): Parsed {
  try {
    return parse(event);
  } catch (error) {
    if (error instanceof InvalidEventError) log(error.message);
    throw error;
  }
}
