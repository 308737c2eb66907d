import { compareAddresses, listAddresses } from '../addresses';
import type { CheckResult, ErrorCode } from '../check-result';
import { DETAIL_LIMITS } from '../safe-text';
import type { AddressSeen, KnownCertificate, WatchState } from '../watch-state';

// The addresses behind a watched name, as its state remembers them: what each served last, which still serve an
// older certificate than the others, and the sentence messages use to say so. Pure.

/** The addresses a state remembers, and how many there were when more than it keeps. */
export interface AddressesSeen {
  readonly addresses?: readonly AddressSeen[];
  readonly addressCount?: number;
}

/**
 * What a result shows of the target's addresses, remembered: an address whose probe failed keeps what it served
 * when it last answered. Several addresses only (a target at one address stores none); a result that reached no
 * address (the name did not resolve) keeps what the state knew. Bounded: those not serving the newest certificate
 * are kept first, so the addresses a message must name are there; then in address order.
 */
export function addressesSeen(result: CheckResult, previous: AddressesSeen | undefined): AddressesSeen {
  if (result.addresses.length === 0) return previous?.addresses ? pick(previous) : {};
  if (result.addresses.length === 1) return {};
  const before = new Map((previous?.addresses ?? []).map((entry) => [entry.address, entry]));
  const seen = result.addresses.map((entry): AddressSeen => {
    if (!entry.error) return { address: entry.address, fingerprintSha256: entry.fingerprintSha256, notAfter: entry.notAfter, errorCode: null };
    const last = before.get(entry.address);
    return { address: entry.address, fingerprintSha256: last?.fingerprintSha256 ?? null, notAfter: last?.notAfter ?? null, errorCode: entry.error.code };
  });
  const newest = newestCertificate(seen);
  const byAddress = (a: AddressSeen, b: AddressSeen) => compareAddresses(a.address, b.address);
  const servesNewest = (entry: AddressSeen) => entry.errorCode === null && entry.fingerprintSha256 === newest?.fingerprintSha256;
  const [newestEntries, others] = [seen.filter(servesNewest).sort(byAddress), seen.filter((entry) => !servesNewest(entry)).sort(byAddress)];
  // One address serving the newest certificate (so it is known), then every other one, then the rest.
  const kept = [...newestEntries.slice(0, 1), ...others, ...newestEntries.slice(1)].slice(0, DETAIL_LIMITS.addresses).sort(byAddress);
  return { addresses: kept, ...(seen.length > kept.length ? { addressCount: seen.length } : {}) };
}

function pick({ addresses, addressCount }: AddressesSeen): AddressesSeen {
  return { addresses, ...(addressCount !== undefined ? { addressCount } : {}) };
}

/**
 * Whether a new certificate from some addresses must not replace the one known yet: the known one expires first,
 * and an address that served it could not be checked this time. A node that stops answering has not been renewed,
 * and taking the others' word would send a recovery now and start a new series when it answers again.
 */
export function replacementUnconfirmed(previous: AddressesSeen | undefined, result: CheckResult, known: KnownCertificate, seen: KnownCertificate): boolean {
  if (Date.parse(seen.notAfter) <= Date.parse(known.notAfter)) return false;
  const servedKnown = new Set((previous?.addresses ?? []).filter((entry) => entry.fingerprintSha256 === known.fingerprintSha256).map((entry) => entry.address));
  return result.addresses.some((entry) => entry.error && servedKnown.has(entry.address));
}

interface CertificateGroup {
  readonly fingerprintSha256: string;
  readonly notAfter: string;
  readonly addresses: string[];
}

/** The certificate served with the latest expiry (the renewed one), by the addresses that answered. */
function newestCertificate(addresses: readonly AddressSeen[]): CertificateGroup | null {
  return groupsOf(addresses.filter((entry) => entry.errorCode === null))[0] ?? null;
}

/** Answering addresses grouped by leaf: latest expiry first, then the larger group, then fingerprint. */
function groupsOf(answering: readonly AddressSeen[]): CertificateGroup[] {
  const groups = new Map<string, CertificateGroup>();
  for (const entry of answering) {
    if (entry.fingerprintSha256 === null || entry.notAfter === null) continue;
    const group = groups.get(entry.fingerprintSha256) ?? { fingerprintSha256: entry.fingerprintSha256, notAfter: entry.notAfter, addresses: [] };
    group.addresses.push(entry.address);
    groups.set(entry.fingerprintSha256, group);
  }
  return [...groups.values()].sort(
    (a, b) => Date.parse(b.notAfter) - Date.parse(a.notAfter) || b.addresses.length - a.addresses.length || (a.fingerprintSha256 < b.fingerprintSha256 ? -1 : 1),
  );
}

/** What the addresses behind a name serve, for messages: the newest certificate, the others, the failing. */
export interface AddressPicture {
  readonly total: number;
  /**
   * The newest certificate and how many addresses serve it: those not remembered count as serving it, exactly so
   * while every address serving another one is remembered (`exact`), as an upper bound otherwise.
   */
  readonly newest: CertificateGroup & { readonly count: number };
  /** Every address not serving the newest certificate is among those remembered. */
  readonly exact: boolean;
  /** Other certificates served, earliest expiry first. */
  readonly others: readonly CertificateGroup[];
  /** Addresses that could not be checked, by error and what they served when they last answered. */
  readonly failing: readonly { readonly errorCode: ErrorCode; readonly lastNotAfter: string | null; readonly addresses: string[] }[];
  /** Addresses serving (or, failing, last seen serving) a certificate that expires before the newest: the stale ones. */
  readonly stale: readonly string[];
}

/** The picture of a state's (or a notice's) addresses; null for one address, or when none answered. */
export function addressPicture(seen: AddressesSeen): AddressPicture | null {
  const addresses = seen.addresses ?? [];
  if (addresses.length < 2) return null;
  const [newest, ...others] = groupsOf(addresses.filter((entry) => entry.errorCode === null));
  if (!newest) return null;
  const total = seen.addressCount ?? addresses.length;
  const failing = new Map<string, { errorCode: ErrorCode; lastNotAfter: string | null; addresses: string[] }>();
  for (const entry of addresses.filter((candidate) => candidate.errorCode !== null)) {
    const key = `${entry.errorCode} ${entry.notAfter}`;
    const group = failing.get(key) ?? { errorCode: entry.errorCode!, lastNotAfter: entry.notAfter, addresses: [] };
    group.addresses.push(entry.address);
    failing.set(key, group);
  }
  const older = (notAfter: string | null) => notAfter !== null && Date.parse(notAfter) < Date.parse(newest.notAfter);
  const stale = addresses.filter((entry) => older(entry.notAfter)).map((entry) => entry.address);
  const unlisted = total - addresses.length;
  return {
    total,
    // Remembering keeps one address of the newest certificate, then the others: a second one means all fitted.
    exact: unlisted === 0 || newest.addresses.length >= 2,
    newest: { ...newest, count: newest.addresses.length + unlisted },
    others: others.reverse(),
    failing: [...failing.values()],
    stale,
  };
}

/** How many addresses are behind the name (more than remembered, when bounded); null for one address. */
export function addressCountOf(seen: AddressesSeen): number | null {
  return seen.addresses ? (seen.addressCount ?? seen.addresses.length) : null;
}

/** The stale addresses (see AddressPicture.stale), in address order; none for one address or when all agree. */
export function staleAddresses(seen: AddressesSeen): string[] {
  return [...(addressPicture(seen)?.stale ?? [])];
}

/**
 * `2 of 3 addresses serve the renewed certificate; 10.0.0.7 still serves the one expiring 2026-12-02`: which
 * addresses behind the name serve which certificate, and which could not be checked. null when they all serve one
 * (or the target has one address). Counts are exact while fewer than DETAIL_LIMITS.addresses addresses differ from
 * the newest.
 */
export function describeAddresses(seen: AddressesSeen): string | null {
  const picture = addressPicture(seen);
  if (!picture || (picture.others.length === 0 && picture.failing.length === 0)) return null;
  const { newest, total } = picture;
  const which = picture.stale.length > 0 ? 'the renewed certificate' : `the certificate expiring ${day(newest.notAfter)}`;
  const verb = (addresses: readonly string[], singular: string, plural: string) => (addresses.length === 1 ? singular : plural);
  const unlisted = total - (seen.addresses?.length ?? 0);
  return [
    `${picture.exact ? '' : 'at most '}${newest.count} of ${total} addresses serve ${which}`,
    ...picture.others.map((group) =>
      Date.parse(group.notAfter) < Date.parse(newest.notAfter)
        ? `${listAddresses(group.addresses)} still ${verb(group.addresses, 'serves', 'serve')} the one expiring ${day(group.notAfter)}`
        : `${listAddresses(group.addresses)} ${verb(group.addresses, 'serves', 'serve')} another certificate, also expiring ${day(group.notAfter)}`,
    ),
    ...picture.failing.map(
      (group) =>
        `${listAddresses(group.addresses)} could not be checked (${group.errorCode})${group.lastNotAfter ? ` and last served the one expiring ${day(group.lastNotAfter)}` : ''}`,
    ),
    ...(picture.exact ? [] : [`${unlisted} more addresses are not listed (certwatch check lists them all)`]),
  ].join('; ');
}

/** The sentence for a state's addresses, or what a state that had one says once they agree again. */
export function addressesChange(before: Pick<WatchState, 'addresses' | 'addressCount'> | undefined, after: AddressesSeen): string | null {
  const then = before ? describeAddresses(before) : null;
  const now = describeAddresses(after);
  if (now === then) return null;
  if (now !== null) return now;
  const picture = addressPicture(after);
  return picture ? `all ${picture.total} addresses serve the certificate expiring ${day(picture.newest.notAfter)}` : 'the target is served by one address';
}

function day(iso: string): string {
  return iso.slice(0, 10);
}
