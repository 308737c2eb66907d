import type { CertificateInfo } from './certificate';
import type { CheckError, ErrorCode, Finding, FindingCode, Status } from './check-result';

// The remembered state of one watched certificate, and the notification model. Plain data: the
// escalation engine (pure) transforms it, the store persists it, the notifier renders it.

export type AlertKind = 'expiry' | 'recovery' | 'error' | 'digest';
/** Where a watched certificate is read: an endpoint (TLS, STARTTLS), a certificate file, an ACM or IAM listing. */
export type CertificateSource = 'tls' | 'file' | 'acm' | 'iam';

/**
 * The last known certificate of a watched target. Kept when probes fail: a failure never erases it. Bounded as
 * the engine stores it (SANs, chain, findings, long texts), so that one odd certificate cannot push the item, a
 * copy of it in every pending notice, past DynamoDB's 400 KB.
 */
export interface KnownCertificate {
  /** Leaf fingerprint: a new one means the certificate was replaced. */
  readonly fingerprintSha256: string;
  readonly subject: string;
  readonly issuer: string;
  /** The leaf's SANs, the first `DETAIL_LIMITS.sans` (100) of them: `sanCount` says how many there are. */
  readonly sans: readonly string[];
  /** How many SANs the leaf has, when more than `sans` holds; absent when `sans` holds them all. */
  readonly sanCount?: number;
  /**
   * Leaf notBefore: with the leaf's own notAfter (`chain[0]`) it gives the lifetime that fraction-based stages
   * and the lifetime cap use. Not up to the governing notAfter: an intermediate expiring first must not shrink it.
   */
  readonly notBefore: string;
  /** Governing notAfter: the earliest among the served certificates. */
  readonly notAfter: string;
  readonly serialNumber: string;
  /** Served certificates, leaf first, each with its SANs bounded as the leaf's. */
  readonly chain: readonly StoredCertificateInfo[];
  /**
   * Findings when it was last read (RENEWAL_OVERDUE re-judged every run). Not EXPIRES_SOON or EXPIRED: they
   * follow from notAfter and the clock, and their day counts would make the item differ every day.
   */
  readonly findings: readonly Finding[];
  readonly firstSeenAt: string;
}

/** A served certificate as remembered: `sans` bounded as in KnownCertificate. */
export interface StoredCertificateInfo extends CertificateInfo {
  /** How many SANs it has, when more than `sans` holds; absent when `sans` holds them all. */
  readonly sanCount?: number;
}

/**
 * One address behind a watched name, as the last run saw it. Remembered (with `addressCount`) only for a target
 * served by more than one address: the state of a target at one address stays as it always was.
 */
export interface AddressSeen {
  /** The IP address as text. */
  readonly address: string;
  /** The leaf it served; while its probe fails, the one it served when it last answered (null: never). */
  readonly fingerprintSha256: string | null;
  /** The earliest expiry among what it served, with the fingerprint above. */
  readonly notAfter: string | null;
  /** Why its last probe failed; null when it answered. */
  readonly errorCode: ErrorCode | null;
}

/** What one notification says, frozen when it is decided so that a retry sends the same thing. */
export interface PlannedNotification {
  /**
   * Deterministic: certificateId, kind, stage and decision time. A retried run re-decides the same id, which is
   * how it recognises a decision already made (pending or sent) instead of sending it again.
   */
  readonly id: string;
  readonly kind: AlertKind;
  /**
   * Stage name for expiry and recovery; `error` for probe failures; `invalid` (INVALID_STAGE) for a served
   * certificate clients reject (kind `error`, and its `recovery`); `digest` for digests.
   */
  readonly stage: string;
  readonly audiences: readonly string[];
  readonly certificateId: string;
  readonly target: string;
  readonly decidedAt: string;
  readonly status: Status;
  readonly daysRemaining: number | null;
  readonly certificate: KnownCertificate | null;
  readonly error: CheckError | null;
  readonly consecutiveFailures: number;
  readonly owner: string | null;
  /** The addresses behind the target when the decision was made (absent for a target at one address). */
  readonly addresses?: readonly AddressSeen[];
  /** How many addresses there were, when more than `addresses` holds. */
  readonly addressCount?: number;
  /** Only for `digest`: every certificate needing attention (inside the first stage, failing, rejected), in `soonestExpiryFirst` order (renderers keep it). */
  readonly digest?: readonly DigestLine[];
  /** Only for an expiry `recovery`: set when the certificate was replaced by the observation that decided it. */
  readonly replaced?: boolean;
  /**
   * Only for an expiry `recovery` that de-escalates: the lower stage the certificate is in now, which no longer
   * notifies this notice's audiences (its own audiences keep getting its notices). Absent: it left every stage.
   */
  readonly stageNow?: string;
  /**
   * Only for an expiry `recovery` decided after a clock that was ahead (clock.ts): the expiry notice that clock sent
   * which this one corrects, its stage and the time that clock gave it. Those it told were told a stage the
   * certificate is not in; `stageNow` is the one it is in (absent: none).
   */
  readonly corrects?: { readonly stage: string; readonly decidedAt: string };
  /**
   * The certificate's acknowledgements when it was decided (the one of a stage it just left among them): who said
   * they are on it, until when, and their note, so that the next notices show it. Absent when there were none.
   */
  readonly acknowledgements?: readonly Acknowledgement[];
  /**
   * Set by the run about to publish it, in the same conditional write as the rest of the state: a run that
   * loses that write, or finds a claim younger than the lease, leaves the notice to the claimant. An expired
   * claim (the claimant died mid-publish) is taken over: at least once, and never twice while a run is alive.
   */
  readonly claimedAt?: string;
  /** Until when the claim holds: the claiming run's deadline, its wrap-up and a margin (see outbox.isClaimable). */
  readonly claimedUntil?: string;
}

export interface DigestLine {
  readonly certificateId: string;
  readonly target: string;
  readonly subject: string | null;
  readonly notAfter: string | null;
  readonly daysRemaining: number | null;
  readonly stage: string | null;
  readonly status: Status;
  /**
   * What the line is listed for is acknowledged at the digest's time: its expiry stage, else its probe failure,
   * else its invalid alert (the order `certwatch ack` chooses by default).
   */
  readonly acknowledged: boolean;
  /** When `acknowledged`: the acknowledgement that applies (who, until when, their note). */
  readonly acknowledgement?: Acknowledgement;
  /**
   * The findings for which clients reject the certificate served (REJECTING_FINDING_CODES), while its invalid alert
   * is active: why a certificate outside every stage is listed. Absent when it has no active invalid alert.
   */
  readonly rejectedFor?: readonly FindingCode[];
  /** Which addresses behind the name serve which certificate, when they differ (see `describeAddresses`). */
  readonly addressSummary?: string;
}

export interface SentNotification {
  readonly id: string;
  readonly kind: AlertKind;
  readonly stage: string;
  readonly audiences: readonly string[];
  readonly decidedAt: string;
  /**
   * A recovery that left the certificate in a stage (PlannedNotification.stageNow: eased, or a correction): its series
   * goes on (clock.ts reads it). Absent otherwise, and in notices recorded before it was kept.
   */
  readonly stageNow?: string;
  readonly sentAt: string;
  /** SNS MessageId (or the local notifier's id). */
  readonly messageId: string | null;
}

export interface Acknowledgement {
  /**
   * The expiry stage acknowledged: the next stage fires regardless, like an escalation level. `error` in
   * `errorAlert.acknowledgement`, which acknowledges the probe-failure alert; `invalid` in
   * `invalidAlert.acknowledgement`, which acknowledges the alert about a certificate clients reject.
   */
  readonly stage: string;
  readonly at: string;
  /**
   * Snooze: silent until then (still only for this stage). null: until the stage changes (or the probe answers, or
   * for `invalid` another certificate is served or this one is accepted again).
   */
  readonly until: string | null;
  readonly note: string | null;
  /** Who acknowledged it (the CLI's --by, by default the user's name; the Lambda event's `by`). Absent in older states. */
  readonly by?: string | null;
  /**
   * The certificate acknowledged: a replacement clears the acknowledgement (expiry and invalid alerts). null for a
   * probe-failure alert.
   */
  readonly fingerprintSha256: string | null;
}

export type HistoryEvent =
  | 'first-seen'
  | 'replaced'
  | 'status-changed'
  | 'stage-changed'
  | 'acknowledged'
  | 'probe-failing'
  | 'probe-recovered'
  /** An answering probe found a certificate clients reject (the invalid alert became active). */
  | 'invalid'
  /** An answering probe found the certificate accepted again (the invalid alert is over). */
  | 'valid-again'
  /** Its ACM or IAM listing no longer has it (or a failing listing works again): kept only to deliver its last notices. */
  | 'retired'
  /** The addresses behind the name changed what they serve: which serve the renewed certificate, which an older one. */
  | 'addresses-changed'
  | 'notified'
  /** The state had been written by a clock ahead of the run's: what was decided beyond its horizon was set aside. */
  | 'clock-ahead';

/** The alert about a served certificate clients reject (`WatchState.invalidAlert`). */
export interface InvalidAlert {
  /** The last answering probe found a rejecting finding. A failing probe leaves it as it was. */
  readonly active: boolean;
  /** When the alert last notified (decision time); repeats follow the policy's `errorRepeatEveryMs`. */
  readonly lastNotifiedAt: string | null;
  /** Everyone told about it: they get the one `recovery` (stage `invalid`) when the certificate is accepted again. */
  readonly audiencesTold: readonly string[];
  /**
   * The alert acknowledged (stage `invalid`, with the fingerprint of the certificate acknowledged): its repeats
   * stop until another certificate is served, the alert recovers, or `until`.
   */
  readonly acknowledgement: Acknowledgement | null;
}

export interface HistoryEntry {
  readonly at: string;
  readonly event: HistoryEvent;
  readonly detail: string;
}

export interface WatchState {
  /** `tls:<canonical target>` or the ACM certificate ARN. */
  readonly certificateId: string;
  readonly source: CertificateSource;
  readonly target: string;
  /**
   * ACM and IAM: the listing it was last seen in (`acm:eu-west-1`, `iam:<role ARN>`, scopeId). While that listing
   * fails, the certificate keeps escalating from what it last listed; once the listing works and no longer has it,
   * it has disappeared. Absent for other sources.
   */
  readonly scope?: string;
  /**
   * Set when the certificate left its listing (or a failing listing works again): the state stays only until the
   * notices already decided for it (the `disappeared` notice, a recovery) are delivered, then it is deleted.
   */
  readonly retiredAt?: string;
  readonly owner: string | null;
  readonly tags: Readonly<Record<string, string>>;
  readonly lastCheckedAt: string;
  /** Status of the latest observation (`error` while the probe fails). */
  readonly status: Status;
  readonly certificate: KnownCertificate | null;
  /**
   * The addresses behind the target, bounded (DETAIL_LIMITS.addresses: those not serving the newest certificate
   * first), in address order. Absent while the target is served by one address, and in states stored before pools.
   */
  readonly addresses?: readonly AddressSeen[];
  /** How many addresses were probed, when more than `addresses` holds. */
  readonly addressCount?: number;
  readonly lastError: CheckError | null;
  readonly consecutiveFailures: number;
  readonly expiry: {
    /** Current escalation stage; null outside every stage. */
    readonly stage: string | null;
    readonly stageEnteredAt: string | null;
    /** When the current stage last notified (decision time). */
    readonly lastNotifiedAt: string | null;
    /**
     * Everyone told about this certificate's expiry and still involved: they get the recovery notice. A move to a
     * lower stage sends the recovery to those it no longer notifies and keeps only those it does.
     */
    readonly audiencesTold: readonly string[];
  };
  readonly errorAlert: {
    readonly active: boolean;
    readonly lastNotifiedAt: string | null;
    readonly audiencesTold: readonly string[];
    /**
     * The probe-failure alert acknowledged (stage `error`): its repeats stop (until `until`). Cleared when the
     * probe answers again. Absent in states stored before error acknowledgements existed: read it as null.
     */
    readonly acknowledgement?: Acknowledgement | null;
  };
  /**
   * The third alert track: the certificate served is one clients reject now (HOSTNAME_MISMATCH, SELF_SIGNED,
   * UNTRUSTED_ROOT, INCOMPLETE_CHAIN, CHAIN_INVALID, NOT_YET_VALID), whatever its expiry. Absent in states stored
   * before this alert existed, and in states whose certificate was never rejected (so that adding it does not
   * rewrite every item): read absent as inactive.
   */
  readonly invalidAlert?: InvalidAlert;
  /** The expiry stage acknowledged; never silences the probe-failure alert (see `errorAlert.acknowledgement`). */
  readonly acknowledgement: Acknowledgement | null;
  /**
   * The expiry acknowledgement the last change of stage cleared (a replacement's clearing is not kept), and when: a run
   * after a clock that was ahead gives it back when that change was the clock's (clock.ts). Absent when none was.
   */
  readonly clearedAcknowledgement?: { readonly acknowledgement: Acknowledgement; readonly clearedAt: string };
  /** Outbox: decided but not yet published. Retried every run until published. */
  readonly pending: readonly PlannedNotification[];
  /** The most recent notifications sent (bounded). */
  readonly sent: readonly SentNotification[];
  /** Changes worth remembering (bounded). */
  readonly history: readonly HistoryEntry[];
  /** Optimistic concurrency: every write is conditional on the version read. */
  readonly version: number;
}
