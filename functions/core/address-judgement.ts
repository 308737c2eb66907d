import { listAddresses } from './addresses';
import { STATUS_RANK, worstStatus, type AddressResult, type CheckError, type CheckResult, type Finding, type Observation } from './check-result';
import type { Thresholds } from './check-settings';
import { judge, type Judgement } from './judge';

// A target served by several addresses (a load balancer's nodes, round-robin DNS, a dual-stack host) is judged by
// its worst address: one node still serving the old certificate is the partial outage a renewal leaves. Pure.

/** What probing one address gave: what it served, or why it could not be read. */
export type AddressProbe =
  | { readonly address: string; readonly observation: Observation; readonly error?: undefined }
  | { readonly address: string; readonly error: CheckError; readonly observation?: undefined };

/** The judged part of a CheckResult: everything but where the target is and how long it took. */
export type TargetJudgement = Pick<CheckResult, 'status' | 'daysRemaining' | 'notAfter' | 'leaf' | 'chain' | 'trusted' | 'findings' | 'addresses' | 'error'>;

interface Answered {
  readonly address: string;
  readonly observation: Observation;
  readonly judgement: Judgement;
}

/**
 * Judges a target from its addresses' probes (in probing order), `notProbed` being those left out over the bound:
 * - Status and notAfter are the worst over the addresses that answered; the target's leaf and chain are those of
 *   the address whose certificate expires first (worst status, then fingerprint, then order break ties), so that
 *   the answer does not depend on the order the resolver gave.
 * - A finding every answering address shares is reported as it is; one that only some have names them first.
 * - MIXED_CERTIFICATES when they serve different leaves: critical when the worst address is critical or expired
 *   (a certificate clients reject is critical), else a warning. ADDRESS_UNREACHABLE (warning) for each address
 *   that failed while others answered; ADDRESSES_NOT_PROBED (warning) for those left out.
 * - When every address fails, the target is an error with the first address's error.
 * With one address this is `judge` as it always was.
 */
export function judgeAddresses(probes: readonly AddressProbe[], notProbed: readonly string[], thresholds: Thresholds, now: Date): TargetJudgement {
  const answered: Answered[] = [];
  const addresses = probes.map((probe): AddressResult => {
    if (probe.error) return { address: probe.address, status: 'error', notAfter: null, fingerprintSha256: null, findings: [], error: probe.error };
    const judgement = judge(probe.observation, thresholds, now);
    answered.push({ address: probe.address, observation: probe.observation, judgement });
    return {
      address: probe.address,
      status: judgement.status,
      notAfter: judgement.notAfter,
      fingerprintSha256: probe.observation.chain[0].fingerprintSha256,
      findings: judgement.findings,
      error: null,
    };
  });
  const firstError = probes.find((probe) => probe.error)?.error ?? null;
  if (answered.length === 0) {
    return { status: 'error', daysRemaining: null, notAfter: null, leaf: null, chain: [], trusted: false, findings: [], addresses, error: firstError };
  }

  const governing = [...answered].sort(expiresFirst)[0];
  const poolFindings = [
    ...mixedCertificates(answered),
    ...addresses.flatMap((entry) => (entry.error ? [unreachable(entry.address, entry.error)] : [])),
    ...(notProbed.length > 0 ? [notProbedFinding(probes.length, notProbed)] : []),
  ];
  return {
    status: worstStatus([...answered.map((entry) => entry.judgement.status), ...poolFindings.flatMap((finding) => (finding.severity === 'info' ? [] : [finding.severity]))]),
    daysRemaining: governing.judgement.daysRemaining,
    notAfter: governing.judgement.notAfter,
    leaf: governing.observation.chain[0],
    chain: governing.observation.chain,
    trusted: answered.every((entry) => entry.judgement.trusted),
    findings: [...sharedFindings([governing, ...answered.filter((entry) => entry !== governing)]), ...poolFindings],
    addresses,
    error: null,
  };
}

/** Earliest notAfter first; then the worse status, the lower fingerprint, the earlier address (probing order). */
function expiresFirst(a: Answered, b: Answered): number {
  const byExpiry = Date.parse(a.judgement.notAfter) - Date.parse(b.judgement.notAfter);
  if (byExpiry !== 0) return byExpiry;
  const byStatus = STATUS_RANK[b.judgement.status] - STATUS_RANK[a.judgement.status];
  if (byStatus !== 0) return byStatus;
  const [aPrint, bPrint] = [a.observation.chain[0].fingerprintSha256, b.observation.chain[0].fingerprintSha256];
  return aPrint < bPrint ? -1 : aPrint > bPrint ? 1 : 0;
}

/** Each distinct finding once, in the order first met; prefixed with the addresses that have it unless all do. */
function sharedFindings(answered: readonly Answered[]): Finding[] {
  const byText = new Map<string, { finding: Finding; addresses: string[] }>();
  for (const entry of answered) {
    for (const finding of entry.judgement.findings) {
      const key = `${finding.code}\u0000${finding.severity}\u0000${finding.message}`;
      const seen = byText.get(key) ?? { finding, addresses: [] };
      if (!seen.addresses.includes(entry.address)) seen.addresses.push(entry.address);
      byText.set(key, seen);
    }
  }
  return [...byText.values()].map(({ finding, addresses }) =>
    addresses.length === answered.length ? finding : { ...finding, message: `${listAddresses(addresses)}: ${finding.message}` },
  );
}

/** Which addresses serve which leaf, latest expiry first; none when they all serve one. */
function mixedCertificates(answered: readonly Answered[]): Finding[] {
  const groups = new Map<string, { notAfter: string; addresses: string[] }>();
  for (const entry of answered) {
    const fingerprint = entry.observation.chain[0].fingerprintSha256;
    const group = groups.get(fingerprint) ?? { notAfter: entry.judgement.notAfter, addresses: [] };
    group.addresses.push(entry.address);
    groups.set(fingerprint, group);
  }
  if (groups.size < 2) return [];
  const described = [...groups.entries()]
    .sort(([, a], [, b]) => Date.parse(b.notAfter) - Date.parse(a.notAfter))
    .map(([fingerprint, group]) => `${listAddresses(group.addresses)} ${group.addresses.length === 1 ? 'serves' : 'serve'} ${shortFingerprint(fingerprint)} (expires ${group.notAfter})`);
  const worst = worstStatus(answered.map((entry) => entry.judgement.status));
  return [
    {
      code: 'MIXED_CERTIFICATES',
      severity: worst === 'critical' || worst === 'expired' ? 'critical' : 'warning',
      message: `${answered.length} addresses serve ${groups.size} different certificates: ${described.join('; ')}`,
    },
  ];
}

function unreachable(address: string, error: CheckError): Finding {
  return { code: 'ADDRESS_UNREACHABLE', severity: 'warning', message: `${address} could not be checked while the other addresses answered: ${error.code} (${error.message})` };
}

function notProbedFinding(probed: number, notProbed: readonly string[]): Finding {
  const total = probed + notProbed.length;
  return {
    code: 'ADDRESSES_NOT_PROBED',
    severity: 'warning',
    message: `${notProbed.length} of ${total} addresses not probed (at most ${probed} are: --max-addresses, check.maxAddresses): ${listAddresses(notProbed)}`,
  };
}

/** `SHA-256 AB:CD:EF:01...`: enough of a fingerprint to tell certificates apart in a sentence. */
function shortFingerprint(fingerprint: string): string {
  return `SHA-256 ${fingerprint.slice(0, 11)}...`;
}
