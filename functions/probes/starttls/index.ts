import type { Socket } from 'node:net';
import type { Protocol, Target } from '../../core/target';

/**
 * Speaks a protocol's plaintext opening on a connected socket until the server agrees to start TLS.
 * Resolves when the next byte on the socket belongs to the TLS handshake. Throws a ProbeError:
 * STARTTLS_FAILED when the server refuses or does not offer STARTTLS, PROTOCOL_ERROR when it speaks
 * something else. The caller owns the deadline and destroys the socket when it passes.
 */
export type StartTlsNegotiator = (socket: Socket, target: Target) => Promise<void>;

export const STARTTLS_NEGOTIATORS: Partial<Record<Protocol, StartTlsNegotiator>> = {};
