import type { FindingCode } from '../core/check-result';
import { accountAndRegionOf } from '../core/cloud-scope';
import { addressCountOf, describeAddresses, staleAddresses } from '../core/escalation/addresses-seen';
import { rejectingCodes } from '../core/escalation/alerts';
import { soonestExpiryFirst } from '../core/escalation/digest';
import { daysRemaining } from '../core/judge';
import type { Acknowledgement, AddressSeen, WatchState } from '../core/watch-state';
import { acknowledgementsOf } from '../core/escalation/acknowledge';

/** One line of `certwatch status` (and the Lambda's `status` action). */
export interface StatusRow {
  readonly certificateId: string;
  readonly target: string;
  /** Where it is read: `tls` (endpoints, STARTTLS), `file`, `acm` or `iam`. */
  readonly source: string;
  /** ACM and IAM: the account (null when only the default credentials know it) and the region (`global` for IAM). */
  readonly account: string | null;
  readonly region: string | null;
  readonly status: string;
  readonly daysRemaining: number | null;
  readonly notAfter: string | null;
  readonly subject: string | null;
  readonly stage: string | null;
  /** The addresses behind the name as the last run saw them (bounded); null for a target at one address. */
  readonly addresses: readonly AddressSeen[] | null;
  /** How many addresses there are, when more than `addresses` lists. */
  readonly addressCount: number | null;
  /** Those still serving (or, failing, last seen serving) a certificate older than the newest. */
  readonly staleAddresses: readonly string[];
  /** Which addresses serve which certificate, when they differ: `2 of 3 addresses serve the renewed certificate; ...`. */
  readonly addressSummary: string | null;
  /** While its invalid alert is active: the findings for which clients reject the certificate served. */
  readonly rejectedFor: readonly FindingCode[] | null;
  readonly lastNotifiedAt: string | null;
  /** Each acknowledgement in a line: `urgent until 2026-12-01T09:00:00.000Z by alice: OPS-42`; null: none. */
  readonly acknowledged: string | null;
  /** The same, as data: the alert's stage, when, until when, by whom and why. */
  readonly acknowledgements: readonly Acknowledgement[];
  readonly consecutiveFailures: number;
  readonly lastError: string | null;
  readonly pendingNotifications: number;
}

function statusRow(state: WatchState, now: Date): StatusRow {
  const lastSent = state.sent.at(-1);
  const where = accountAndRegionOf(state.certificateId);
  return {
    certificateId: state.certificateId,
    target: state.target,
    source: state.source,
    account: where?.account ?? null,
    region: where?.region ?? null,
    status: state.status,
    daysRemaining: state.certificate ? daysRemaining(new Date(state.certificate.notAfter), now) : null,
    notAfter: state.certificate?.notAfter ?? null,
    subject: state.certificate?.subject ?? null,
    stage: state.expiry.stage,
    addresses: state.addresses ?? null,
    addressCount: addressCountOf(state),
    staleAddresses: staleAddresses(state),
    addressSummary: describeAddresses(state),
    rejectedFor: state.invalidAlert?.active ? rejectingCodes(state.certificate?.findings ?? []) : null,
    lastNotifiedAt: lastSent?.sentAt ?? null,
    acknowledged: describeAcknowledgements(state),
    acknowledgements: acknowledgementsOf(state),
    consecutiveFailures: state.consecutiveFailures,
    lastError: state.lastError ? `${state.lastError.code}: ${state.lastError.message}` : null,
    pendingNotifications: state.pending.length,
  };
}

/** Every watched certificate, soonest expiry first, unknown expiry last. */
export function statusReport(states: readonly WatchState[], now: Date): StatusRow[] {
  return states.map((state) => statusRow(state, now)).sort(soonestExpiryFirst);
}

/** Every alert's acknowledgement: the expiry stage's, the probe failure's (`error`), the invalid alert's (`invalid`). */
function describeAcknowledgements(state: WatchState): string | null {
  const acks = acknowledgementsOf(state);
  if (acks.length === 0) return null;
  return acks.map((ack) => `${ack.stage}${ack.until ? ` until ${ack.until}` : ''}${ack.by ? ` by ${ack.by}` : ''}${ack.note ? `: ${ack.note}` : ''}`).join(', ');
}
