import type { Target } from '../../core/target';
import { ProbeError } from '../../core/ports';

const MAX_QUOTED_CHARS = 100;

/** The server refused or does not offer STARTTLS. */
export function starttlsFailed(target: Target, detail: string): ProbeError {
  return new ProbeError('STARTTLS_FAILED', `${target.target}: ${detail}`);
}

/** The server speaks something other than the protocol we asked for. */
export function protocolError(target: Target, detail: string): ProbeError {
  return new ProbeError('PROTOCOL_ERROR', `${target.target}: ${detail}`);
}

/**
 * A server's words, fit for a one-line message: printable ASCII only, at most 100 characters, quoted.
 * A hostile server must not be able to flood our output or inject terminal control sequences into it.
 */
export function quoteReply(text: string): string {
  const printable = text.trim().replace(/[^\x20-\x7e]/g, '?');
  const shortened = printable.length > MAX_QUOTED_CHARS ? `${printable.slice(0, MAX_QUOTED_CHARS)}...` : printable;
  return JSON.stringify(shortened);
}
