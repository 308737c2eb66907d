import { createHash } from 'node:crypto';
import type { Finding, FindingCode } from './check-result';
import type { Thresholds } from './check-settings';
import { DAY_MS } from './duration';
import { CLOCK_TOLERANCE_MS } from './escalation/clock';
import type { ObservedResult } from './escalation/fold';
import { nextDecisionAt } from './escalation/next-decision';
import type { EscalationPolicy } from './escalation/policy';
import type { WatchState } from './watch-state';

// A deployed batch's summary: one small item per batch of the watch plan that says, for each of its certificates,
// what the observation folded last was (a digest) and when its state can next change with that observation. A
// worker reads it instead of its batch's states: a certificate whose observation is the same and whose time has not
// come is neither read, folded nor written; only the others are. Changes people make between runs (acknowledge,
// forget) go to a journal the worker reads with the summary, so that it reads those certificates again. Pure: the
// store adapter keeps both items.

/**
 * What a summary promises, in this version of the code. Part of its key: a release that folds or judges differently
 * starts new summaries (bump it with such a change; SUMMARY_TRUST_MS bounds what a forgotten bump costs).
 */
export const BATCH_SUMMARY_FORMAT = 1;

/**
 * Each certificate is read at least this often, whatever its summary says: what no summary can know (a state written
 * by a `certwatch run` against the deployed table, a table restored from a backup) is seen within this long.
 */
export const SUMMARY_TRUST_MS = DAY_MS;

/** Changes the journal keeps: a summary more changes behind than this reads its whole batch again. */
export const JOURNAL_KEPT = 100;

/** What a batch's summary holds for one certificate. */
export interface SummaryEntry {
  /** observationDigest of what was folded into the state last. */
  readonly observed: string;
  /** When the state can next change with that observation (nextDecisionAt), at most SUMMARY_TRUST_MS after it was written. */
  readonly dueAt: string;
  /** The expiry stage the state is in (null: none), for the worker's report. */
  readonly stage: string | null;
}

export interface BatchSummary {
  /** batchSummaryKey of the batch it summarizes. */
  readonly key: string;
  /** By certificate id: the batch's certificates whose state was known when it was written. */
  readonly entries: Readonly<Record<string, SummaryEntry>>;
  /** The change journal's sequence its entries took into account. */
  readonly journalSequence: number;
  readonly writtenAt: string;
  /** Its version as stored (its next write is conditional on it); 0: none stored. */
  readonly version: number;
}

/**
 * The journal's id for a change to any certificate: a `certwatch run` on a table deployed workers use (it may change
 * every state). A batch that finds it since its summary trusts no entry, and keeps none in the summary it writes.
 */
export const EVERY_CERTIFICATE = '*';

/** One change a person made (acknowledge, forget; or a run from outside the deployment: EVERY_CERTIFICATE), numbered. */
export interface HandChange {
  readonly certificateId: string;
  readonly sequence: number;
}

/** The change journal: how many changes were made, and the latest JOURNAL_KEPT of them. */
export interface ChangeJournalRecord {
  readonly sequence: number;
  readonly recent: readonly HandChange[];
  readonly version: number;
}

export const EMPTY_JOURNAL: ChangeJournalRecord = { sequence: 0, recent: [], version: 0 };

/** The journal after one more change to `certificateId` (the oldest dropped past JOURNAL_KEPT). */
export function journalWith(journal: ChangeJournalRecord, certificateId: string): ChangeJournalRecord {
  const sequence = journal.sequence + 1;
  return { ...journal, sequence, recent: [...journal.recent, { certificateId, sequence }].slice(-JOURNAL_KEPT) };
}

/**
 * The key of a batch's summary: its config as it travels in the batch's message (targets, policy, thresholds) and
 * the summary format. Any change to them (a deploy that moves targets between batches, a new policy) starts a new
 * summary: an entry is never read against another config.
 */
export function batchSummaryKey(batchConfig: unknown): string {
  return createHash('sha256').update(canonicalJson({ format: BATCH_SUMMARY_FORMAT, config: batchConfig })).digest('base64url').slice(0, 32);
}

/** Findings the judge derives from the clock: their presence, severity or text changes with time alone. */
const CLOCK_FINDINGS: ReadonlySet<FindingCode> = new Set<FindingCode>(['EXPIRES_SOON', 'EXPIRED', 'NOT_YET_VALID']);

/**
 * A digest of an observation as the fold takes it, without what the judge derives from the clock (statuses, days
 * left, the expiry findings, severities) or what varies from run to run without meaning (how long the probe took, the
 * order the resolver gave the addresses in). Two runs that saw the same thing give the same digest; what the clock
 * changes is nextDecisionAt's business.
 */
export function observationDigest(input: ObservedResult): string {
  const { result } = input;
  const findings = (list: readonly Finding[]) => list.filter((finding) => !CLOCK_FINDINGS.has(finding.code)).map((finding) => [finding.code, finding.message]);
  const seen = {
    certificateId: input.certificateId,
    source: input.source,
    target: input.target,
    owner: input.owner,
    tags: input.tags,
    scope: input.scope ?? null,
    result: {
      target: result.target,
      host: result.host,
      port: result.port,
      servername: result.servername,
      protocol: result.protocol,
      notAfter: result.notAfter,
      leaf: result.leaf,
      chain: result.chain,
      trusted: result.trusted,
      findings: findings(result.findings),
      error: result.error,
      addresses: [...result.addresses]
        .sort((a, b) => (a.address < b.address ? -1 : a.address > b.address ? 1 : 0))
        .map((address) => ({ address: address.address, notAfter: address.notAfter, fingerprintSha256: address.fingerprintSha256, findings: findings(address.findings), error: address.error })),
    },
  };
  return createHash('sha256').update(canonicalJson(seen)).digest('base64url').slice(0, 22);
}

/** The summary entry of a certificate that folding `input` at `now` left as `state`. */
export function summaryEntryFor(state: WatchState, input: ObservedResult, policy: EscalationPolicy, thresholds: Thresholds, now: Date): SummaryEntry {
  const trustedUntil = now.getTime() + SUMMARY_TRUST_MS;
  const next = nextDecisionAt(state, input, policy, thresholds, now)?.getTime() ?? trustedUntil;
  return { observed: observationDigest(input), dueAt: new Date(Math.min(next, trustedUntil)).toISOString(), stage: state.expiry.stage };
}

/**
 * Whether `summary` holds an entry for `certificateId` that a later run could trust for another observation than
 * `digest` (this run's): in date, and of another digest. Such an entry is removed from the stored summary before the
 * certificate's new state is written (invalidate before fold): were the summary's own write to fail afterwards, the
 * entry would vouch for a state no longer stored, and the old observation seen again (a rollback, a stale node) would
 * leave the certificate unread and silent until the entry's due time.
 *
 * An entry that is due needs no such write: planBatchReads trusts no entry whose due time has come, and it stays due
 * (the next run's clock is later) until a summary write replaces it, and every such write gives the certificate an
 * entry from the state its writer folded, or none: a due entry is never carried over (watch-batch.ts keeps only the
 * entries it trusted, and a merge drops what its writer folded).
 */
export function vouchesOtherwise(summary: BatchSummary | null, certificateId: string, digest: string, now: Date): boolean {
  const entry = summary?.entries[certificateId];
  return entry !== undefined && Date.parse(entry.dueAt) > now.getTime() && entry.observed !== digest;
}

/** `summary` without the entries of `certificateIds` (the same summary when it has none of them). */
export function withoutEntries(summary: BatchSummary, certificateIds: Iterable<string>): BatchSummary {
  const dropped = new Set(certificateIds);
  if (!Object.keys(summary.entries).some((id) => dropped.has(id))) return summary;
  return { ...summary, entries: Object.fromEntries(Object.entries(summary.entries).filter(([id]) => !dropped.has(id))) };
}

/** What a batch may skip reading: the entries it trusts, or why it trusts none. */
export interface BatchReadPlan {
  /** Certificate id -> its entry: its state need not be read when the observation's digest is `observed`. */
  readonly trusted: ReadonlyMap<string, SummaryEntry>;
  /** Certificates people changed since the summary was written: read again. */
  readonly changedByHand: readonly string[];
  /** Why no entry is trusted (read the whole batch, as without a summary); null when some may be. */
  readonly distrust: string | null;
}

/**
 * The entries of `summary` a run at `now` may trust for `certificateIds` (the batch's): those whose time has not come
 * and that no person has changed since (the journal). None when there is no summary, when it was written by a clock
 * ahead of this one, when more changes were made since than the journal keeps, or when a run outside the deployment
 * has changed any (EVERY_CERTIFICATE: each read again, as changed by hand).
 */
export function planBatchReads(summary: BatchSummary | null, journal: ChangeJournalRecord, certificateIds: readonly string[], now: Date): BatchReadPlan {
  const none = (distrust: string): BatchReadPlan => ({ trusted: new Map(), changedByHand: [], distrust });
  if (!summary) return none('no summary of this batch yet');
  if (Date.parse(summary.writtenAt) > now.getTime() + CLOCK_TOLERANCE_MS) return none(`its summary was written at ${summary.writtenAt}, by a clock ahead of this one`);
  if (journal.sequence < summary.journalSequence) return none('the change journal is older than the summary (a table restored from a backup?)');
  const since = journal.recent.filter((change) => change.sequence > summary.journalSequence);
  if (since.length < journal.sequence - summary.journalSequence) return none(`${journal.sequence - summary.journalSequence} changes by hand since its summary, more than the journal keeps`);
  const changed = new Set(since.map((change) => change.certificateId));
  if (changed.has(EVERY_CERTIFICATE)) return { trusted: new Map(), changedByHand: [...certificateIds], distrust: 'a certwatch run outside the deployment changed states since its summary' };
  const trusted = new Map<string, SummaryEntry>();
  const changedByHand: string[] = [];
  for (const certificateId of certificateIds) {
    const entry = summary.entries[certificateId];
    if (changed.has(certificateId)) changedByHand.push(certificateId);
    else if (entry && Date.parse(entry.dueAt) > now.getTime()) trusted.set(certificateId, entry);
  }
  return { trusted, changedByHand, distrust: null };
}

/**
 * The summary a batch leaves, or null when the stored one still says it all. `entries`: the batch's certificates, each
 * with its entry as this run left it (skipped: the entry trusted; folded: a new one) or none (a write that failed or
 * conflicted, a target left when the run stopped: read next time). Written when an entry changed, when it read
 * certificates people changed, or when the journal has moved on by half of what it keeps (so that the summary does
 * not fall so far behind that its whole batch is read).
 *
 * A certificate people changed since the stored summary gets no entry: it is read again next run. The journal is told
 * of a change before the change is written (an acknowledgement's put, a forget's delete), and the batch's states are
 * read eventually consistent, so this run may have read it as it was before; its entry would then vouch for a state
 * that no longer is (a forgotten certificate left unwatched for up to SUMMARY_TRUST_MS, instead of starting again).
 */
export function nextBatchSummary(
  previous: BatchSummary | null,
  key: string,
  entries: Readonly<Record<string, SummaryEntry>>,
  journal: ChangeJournalRecord,
  plan: BatchReadPlan,
  now: Date,
): BatchSummary | null {
  const changed = new Set(plan.changedByHand);
  const kept = changed.size > 0 ? Object.fromEntries(Object.entries(entries).filter(([id]) => !changed.has(id))) : entries;
  const next: BatchSummary = { key, entries: kept, journalSequence: journal.sequence, writtenAt: now.toISOString(), version: previous?.version ?? 0 };
  if (!previous || plan.distrust !== null || plan.changedByHand.length > 0) return next;
  if (journal.sequence - previous.journalSequence > JOURNAL_KEPT / 2) return next;
  return canonicalJson(previous.entries) === canonicalJson(kept) ? null : next;
}

/** JSON with every object's keys sorted: the same data, the same text. */
function canonicalJson(value: unknown): string {
  return JSON.stringify(value, (_key, member: unknown) =>
    member !== null && typeof member === 'object' && !Array.isArray(member)
      ? Object.fromEntries(Object.entries(member as Record<string, unknown>).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)))
      : member,
  );
}
