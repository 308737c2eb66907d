import type { DnsServer } from '../../core/dns-server';
import type { NameResolver } from '../../core/ports';
import { CachedResolver } from './cached-resolver';
import { dnsServerLookup } from './dns-server-lookup';
import { systemLookup } from './system-lookup';

/** The resolver a check uses: the DNS servers given, else the system's; answers cached (see CachedResolver). */
export function createResolver(dnsServers: readonly DnsServer[] = []): NameResolver {
  return new CachedResolver(dnsServers.length > 0 ? dnsServerLookup(dnsServers) : systemLookup);
}
