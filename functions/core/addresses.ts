import { ipVersion } from './ip-address';

// The addresses behind a name: which of them a check probes, in what order, and how a message lists them. Pure.

/** How many addresses a text names before `and N more`. */
export const ADDRESSES_LISTED = 5;

/** The addresses a check probes, and those it leaves out (over `maxAddresses`). */
export interface ChosenAddresses {
  readonly probed: readonly string[];
  readonly notProbed: readonly string[];
}

export interface AddressChoice {
  readonly maxAddresses: number;
  /** The first address the resolver gave, as certwatch did before it probed every address. */
  readonly firstAddress?: boolean;
}

/**
 * The addresses to probe among those a name resolved to: each once, in one stable order (IPv4 numerically, then
 * IPv6), whatever order the resolver answered in, so that a round-robin answer probes the same addresses and
 * reports them alike every run; at most `maxAddresses`. `firstAddress`: the resolver's first, alone.
 */
export function chooseAddresses(resolved: readonly string[], choice: AddressChoice): ChosenAddresses {
  if (choice.firstAddress) return { probed: resolved.slice(0, 1), notProbed: [] };
  const ordered = [...new Set(resolved)].sort(compareAddresses);
  return { probed: ordered.slice(0, choice.maxAddresses), notProbed: ordered.slice(choice.maxAddresses) };
}

/** IPv4 before IPv6, each in numeric order; anything else (a zone id) after them, as text. */
export function compareAddresses(a: string, b: string): number {
  const [aKey, bKey] = [sortKey(a), sortKey(b)];
  return aKey < bKey ? -1 : aKey > bKey ? 1 : 0;
}

function sortKey(address: string): string {
  const version = ipVersion(address);
  if (version === 4) return `4${address.split('.').map((octet) => octet.padStart(3, '0')).join('.')}`;
  if (version === 6) return `6${expandIpv6(address)}`;
  return `9${address}`;
}

/** Eight groups of four hex digits (an embedded IPv4 tail as two groups), for sorting. */
function expandIpv6(address: string): string {
  let text = address.toLowerCase();
  const ipv4Tail = /(\d+)\.(\d+)\.(\d+)\.(\d+)$/.exec(text);
  if (ipv4Tail) {
    const [, a, b, c, d] = ipv4Tail.map(Number);
    const hex = (high: number, low: number) => ((high << 8) | low).toString(16);
    text = `${text.slice(0, ipv4Tail.index)}${hex(a, b)}:${hex(c, d)}`;
  }
  const [head, tail] = text.includes('::') ? text.split('::') : [text, null];
  const headGroups = head ? head.split(':') : [];
  const tailGroups = tail ? tail.split(':') : [];
  const zeros = tail === null ? [] : new Array(8 - headGroups.length - tailGroups.length).fill('0');
  return [...headGroups, ...zeros, ...tailGroups].map((group) => group.padStart(4, '0')).join(':');
}

/** `10.0.0.1, 10.0.0.2 and 3 more`: the first ADDRESSES_LISTED, then how many more. */
export function listAddresses(addresses: readonly string[], total = addresses.length): string {
  const shown = addresses.slice(0, ADDRESSES_LISTED);
  const more = total - shown.length;
  if (more > 0) return `${shown.join(', ')} and ${more} more`;
  return shown.length <= 1 ? shown.join('') : `${shown.slice(0, -1).join(', ')} and ${shown.at(-1)}`;
}
