import type { Socket } from 'node:net';
import type { Protocol, Target } from '../../core/target';
import { negotiateFtp } from './ftp';
import { negotiateImap } from './imap';
import { negotiateLdap } from './ldap';
import { negotiatePop3 } from './pop3';
import { negotiatePostgres } from './postgres';
import { negotiateSmtp } from './smtp';
import { negotiateXmpp } from './xmpp';

/**
 * Speaks a protocol's plaintext opening on a connected socket until the server agrees to start TLS.
 * Resolves when the next byte on the socket belongs to the TLS handshake. Throws a ProbeError:
 * STARTTLS_FAILED when the server refuses or does not offer STARTTLS, PROTOCOL_ERROR when it speaks
 * something else. The caller owns the deadline and destroys the socket when it passes.
 */
export type StartTlsNegotiator = (socket: Socket, target: Target) => Promise<void>;

// `satisfies` makes a new STARTTLS protocol in `Protocol` a compile error until it has a negotiator.
export const STARTTLS_NEGOTIATORS: Readonly<Record<Exclude<Protocol, 'tls'>, StartTlsNegotiator>> = {
  smtp: negotiateSmtp,
  imap: negotiateImap,
  pop3: negotiatePop3,
  ftp: negotiateFtp,
  postgres: negotiatePostgres,
  ldap: negotiateLdap,
  xmpp: negotiateXmpp,
};
