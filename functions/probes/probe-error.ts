import type { ErrorCode } from '../core/check-result';
import { ProbeError } from '../core/ports';

const SOCKET_ERROR_CODES: Record<string, ErrorCode> = {
  ECONNREFUSED: 'CONNECTION_REFUSED',
  ECONNRESET: 'CONNECTION_RESET',
  EPIPE: 'CONNECTION_RESET',
  ETIMEDOUT: 'TIMEOUT',
  ENOTFOUND: 'DNS_NOT_FOUND',
  EHOSTUNREACH: 'CONNECTION_REFUSED',
  ENETUNREACH: 'CONNECTION_REFUSED',
  EADDRNOTAVAIL: 'CONNECTION_REFUSED',
};

/** Maps whatever a socket, resolver or TLS layer threw to a ProbeError with a stable code. */
export function toProbeError(error: unknown, where: string): ProbeError {
  if (error instanceof ProbeError) return error;
  const err = error as NodeJS.ErrnoException & { reason?: string; library?: string };
  const code = err?.code ?? '';
  const message = err?.message ?? String(error);
  if (SOCKET_ERROR_CODES[code]) return new ProbeError(SOCKET_ERROR_CODES[code], `${where}: ${describe(code, message)}`);
  if (/^E?AI_|^EAI|^ESERVFAIL|^ENODATA|^ECONNREFUSED_DNS/.test(code) || err?.syscall === 'getaddrinfo') {
    return new ProbeError(`DNS_${code.replace(/^E/, '') || 'FAILED'}`, `${where}: name lookup failed (${code})`);
  }
  if (/WRONG_VERSION_NUMBER|PACKET_LENGTH_TOO_LONG|RECORD_LAYER_FAILURE|HTTP_REQUEST|UNKNOWN_PROTOCOL/.test(code + message)) {
    return new ProbeError('PROTOCOL_ERROR', `${where}: the server did not answer with TLS (${err.reason ?? code})`);
  }
  if (code.startsWith('ERR_SSL') || code.startsWith('ERR_TLS') || /alert|handshake|ssl/i.test(message)) {
    return new ProbeError('TLS_HANDSHAKE_FAILED', `${where}: TLS handshake failed (${err.reason ?? message})`);
  }
  return new ProbeError('PROTOCOL_ERROR', `${where}: ${message}`);
}

function describe(code: string, message: string): string {
  switch (code) {
    case 'ECONNREFUSED':
      return 'connection refused';
    case 'ECONNRESET':
    case 'EPIPE':
      return 'connection reset by the server';
    case 'ENOTFOUND':
      return 'host name not found';
    default:
      return message;
  }
}
