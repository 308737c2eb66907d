import { lookup } from 'node:dns/promises';
import { ProbeError } from '../../core/ports';
import { toProbeError } from '../probe-error';
import type { DnsAnswer } from './cached-resolver';

// The system's resolver (getaddrinfo: /etc/hosts, nsswitch, the configured name servers), as a connection by name
// would use it, asked for every address at once.

/**
 * getaddrinfo gives no TTL: its answers are kept this long, enough for one run's targets on a name to share one
 * lookup, short enough that a Lambda container kept warm between scheduled runs asks again.
 */
export const SYSTEM_ANSWER_TTL_MS = 60_000;

/** Every address of `name`, IPv4 and IPv6, in the system's order. getaddrinfo cannot be cancelled: past the deadline it is no longer waited for. */
export async function systemLookup(name: string, timeoutMs: number): Promise<DnsAnswer> {
  let timer: NodeJS.Timeout | undefined;
  const deadline = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new ProbeError('DNS_TIMEOUT', `${name}: no answer from the system's resolver within ${timeoutMs} ms`)), timeoutMs);
  });
  const lookingUp = lookup(name, { all: true, verbatim: true });
  try {
    const found = await Promise.race([lookingUp, deadline]);
    if (found.length === 0) throw new ProbeError('DNS_NOT_FOUND', `${name}: host name not found`);
    return { addresses: found.map((entry) => entry.address), ttlMs: SYSTEM_ANSWER_TTL_MS };
  } catch (error) {
    lookingUp.catch(() => undefined);
    throw toProbeError(error, name);
  } finally {
    clearTimeout(timer);
  }
}
