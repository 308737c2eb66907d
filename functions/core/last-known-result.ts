import type { CheckResult, Finding, Observation } from './check-result';
import type { Thresholds } from './check-settings';
import { EXPIRY_FINDING_CODES } from './escalation/alerts';
import { judge, statusOf, type Judgement } from './judge';
import { judgedResult, withoutEndpoint } from './judged-result';
import type { WatchState } from './watch-state';

// While an ACM or IAM listing fails, the certificates it last listed are not seen, yet they still expire: each is
// judged again at `now` from what was last listed, so that its escalation goes on (the listing's own error alert
// tells that it fails). Pure.

/** The result a certificate's last listing gives at `now`; null when nothing was ever read for it. */
export function resultFromLastReading(state: WatchState, thresholds: Thresholds, now: Date): CheckResult | null {
  const known = state.certificate;
  if (!known || known.chain.length === 0) return null;
  const observation: Observation = { chain: known.chain, chainProblem: null, chainProblemDetail: null, hostnameMismatch: null };
  const judged = judge(observation, thresholds, now);
  // Only the clock's findings are new; the rest are as the last listing judged them.
  const expiry = judged.findings.filter((finding) => EXPIRY_FINDING_CODES.has(finding.code));
  const findings: Finding[] = [...expiry, ...known.findings];
  const judgement: Judgement = { ...judged, status: statusOf(expiryStatusOf(expiry), findings), trusted: true, findings };
  return judgedResult(withoutEndpoint(state.target), observation, judgement, 0);
}

function expiryStatusOf(expiry: readonly Finding[]): Judgement['status'] {
  const [finding] = expiry;
  if (!finding) return 'ok';
  if (finding.code === 'EXPIRED') return 'expired';
  return finding.severity === 'critical' ? 'critical' : 'warning';
}
