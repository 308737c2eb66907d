import { Resolver } from 'node:dns/promises';
import { formatDnsServer, type DnsServer } from '../../core/dns-server';
import { ProbeError } from '../../core/ports';
import type { DnsAnswer, NameLookup } from './cached-resolver';

// DNS servers of the user's choosing (split-horizon internal zones, tests), asked for A and AAAA records through
// Node's own DNS client (c-ares): UDP, and TCP when an answer comes back truncated; the records' TTLs with them.

/** Whole tries of every server within one lookup's time limit. */
const TRIES = 2;

/** c-ares's codes for "no such name" and "no record of that type": either way, no address. */
const NO_ADDRESS = new Set(['ENOTFOUND', 'ENODATA']);

/** Looks names up at `servers` (tried in order), A and AAAA at once. */
export function dnsServerLookup(servers: readonly DnsServer[]): NameLookup {
  const named = servers.map(formatDnsServer);
  return async (name: string, timeoutMs: number): Promise<DnsAnswer> => {
    // One resolver per lookup: cancelling it at the deadline must not cancel other names' lookups.
    const resolver = new Resolver({ timeout: Math.max(1, Math.floor(timeoutMs / (TRIES * 2 * servers.length))), tries: TRIES });
    resolver.setServers(named);
    const timer = setTimeout(() => resolver.cancel(), timeoutMs);
    try {
      const [v4, v6] = await Promise.allSettled([resolver.resolve4(name, { ttl: true }), resolver.resolve6(name, { ttl: true })]);
      const records = [v4, v6].flatMap((answer) => (answer.status === 'fulfilled' ? answer.value : []));
      if (records.length > 0) {
        return { addresses: records.map((record) => record.address), ttlMs: Math.min(...records.map((record) => record.ttl)) * 1000 };
      }
      const errors = [v4, v6].flatMap((answer) => (answer.status === 'rejected' ? [answer.reason as NodeJS.ErrnoException] : []));
      throw lookupError(name, errors.find((error) => !NO_ADDRESS.has(error.code ?? '')), named, timeoutMs);
    } finally {
      clearTimeout(timer);
    }
  };
}

/** The more telling of the two families' failures; no failure at all (empty answers) is no address either. */
function lookupError(name: string, failure: NodeJS.ErrnoException | undefined, servers: readonly string[], timeoutMs: number): ProbeError {
  const asked = `asked ${servers.join(', ')}`;
  if (!failure) return new ProbeError('DNS_NOT_FOUND', `${name}: host name not found (no A or AAAA record; ${asked})`);
  const code = failure.code ?? 'FAILED';
  if (code === 'ECANCELLED' || code === 'ETIMEOUT') return new ProbeError('DNS_TIMEOUT', `${name}: no answer from the DNS server within ${timeoutMs} ms (${asked})`);
  return new ProbeError(`DNS_${code.replace(/^E/, '')}`, `${name}: name lookup failed (${code}; ${asked})`);
}
