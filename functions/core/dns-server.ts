import { ipVersion } from './ip-address';

// A DNS server as users name one (`check.dnsServers`, `--dns-server`, the on-demand event's `dnsServer`): an IP
// address with an optional port. Pure.

export const DNS_PORT = 53;

export interface DnsServer {
  readonly address: string;
  readonly port: number;
}

export class InvalidDnsServerError extends Error {
  constructor(input: string, reason: string) {
    super(`invalid DNS server ${JSON.stringify(input)}: ${reason}`);
    this.name = 'InvalidDnsServerError';
  }
}

export const DNS_SERVER_FORMS = '10.0.0.2, 10.0.0.3:5353, 2001:db8::53 or [2001:db8::53]:5353';

/**
 * `10.0.0.2`, `10.0.0.3:5353`, `2001:db8::53`, `[2001:db8::53]:5353`: an address, not a name (a name would need a
 * resolver to find the resolver). Throws InvalidDnsServerError.
 */
export function parseDnsServer(input: string): DnsServer {
  const text = input.trim();
  let address = text;
  let portText: string | undefined;
  const bracketed = /^\[([^\]]*)\](?::(.*))?$/.exec(text);
  if (bracketed) {
    [, address, portText] = bracketed;
    if (ipVersion(address) !== 6) throw new InvalidDnsServerError(input, `"${address}" is not an IPv6 address (use ${DNS_SERVER_FORMS})`);
  } else if (ipVersion(text) === 0) {
    const colon = text.lastIndexOf(':');
    if (colon >= 0 && text.indexOf(':') === colon) [address, portText] = [text.slice(0, colon), text.slice(colon + 1)];
  }
  if (ipVersion(address) === 0) throw new InvalidDnsServerError(input, `give an IP address, not a host name (${DNS_SERVER_FORMS})`);
  return { address: address.toLowerCase(), port: portText === undefined ? DNS_PORT : parsePort(input, portText) };
}

function parsePort(input: string, text: string): number {
  const port = /^\d{1,5}$/.test(text) ? Number(text) : Number.NaN;
  if (!(port >= 1 && port <= 65535)) throw new InvalidDnsServerError(input, `port "${text}" is not a number in 1-65535`);
  return port;
}

/** `10.0.0.2:53`, `[2001:db8::53]:5353`: how resolvers and messages write a server. */
export function formatDnsServer(server: DnsServer): string {
  return ipVersion(server.address) === 6 ? `[${server.address}]:${server.port}` : `${server.address}:${server.port}`;
}
