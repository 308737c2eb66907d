import {
  batchSummaryKey,
  nextBatchSummary,
  observationDigest,
  planBatchReads,
  summaryEntryFor,
  vouchesOtherwise,
  withoutEntries,
  type BatchReadPlan,
  type BatchSummary,
  type SummaryEntry,
} from '../core/batch-summary';
import { MAX_PROBES_PER_WORKER } from '../core/check-settings';
import { configInputFor, type CertwatchConfig } from '../core/config';
import type { ObservedResult } from '../core/escalation/fold';
import { VersionConflictError, type BatchSummaryRead, type BatchSummaryStore, type StateBatchReader, type StateStore } from '../core/ports';
import type { WatchState } from '../core/watch-state';
import { configuredCertificateIds, watchCycle, type RunDependencies, type RunSummary } from './run-watch';
import { SummaryInvalidation, type StoredSummary } from './summary-invalidation';

export interface BatchDependencies extends RunDependencies {
  readonly store: StateStore & StateBatchReader;
  /** Where the batch's summary is kept (batch-summary.ts); without it, every state of the batch is read every run. */
  readonly summaries?: BatchSummaryStore;
}

/** A certificate the summary let the batch leave unread: what the worker reports of it. */
export interface UnreadCertificate {
  readonly certificateId: string;
  /** Its expiry stage, as the summary has it. */
  readonly stage: string | null;
  /** The governing expiry this run's probe saw. */
  readonly notAfter: string | null;
}

/** How the batch used its summary. */
export interface SummaryUse {
  /** States read (before probing, or on their own once their observation differed). */
  readonly read: number;
  /** Certificates left unread: the same observation, nothing due. */
  readonly unread: number;
  /** Read again because a person changed them since the summary was written (acknowledge, forget). */
  readonly changedByHand: number;
  /** Why no entry was trusted (every state read); null when entries were. */
  readonly distrust: string | null;
  /** The summary was written (it changed). */
  readonly written: boolean;
  /** Summary writes that removed entries before states were written (their certificates' observation differed). */
  readonly invalidations: number;
  /** What went wrong reading or writing it (the states are watched all the same); null when nothing did. */
  readonly problem: string | null;
}

/** What a deployed worker did with one batch of a probe run. */
export interface BatchReport extends RunSummary {
  /** The certificates this batch read, as it left them (their metrics: the soonest expiry, those in a stage). */
  readonly states: readonly WatchState[];
  readonly unread: readonly UnreadCertificate[];
  readonly summaryUse: SummaryUse;
}

/**
 * One batch of a deployed probe run: `certwatch run`'s own cycle on the batch's targets, probing at most
 * MAX_PROBES_PER_WORKER at once whatever `check.concurrency` says. The run's record in the ledger and the digest are
 * not a batch's business.
 *
 * With `summaries`, the batch reads its summary and the change journal first (batch-summary.ts), then reads (one
 * BatchGetItem, eventually consistent: a stale read fails its conditional write, and the fold is made again from a
 * consistent read) only the states its summary does not vouch for: no entry, their time come, changed by a person. A
 * vouched-for certificate whose observation is the same is left unread and unwritten; one whose observation differs
 * is read on its own and folded. Before a certificate whose observation differs from an entry in date is folded, that
 * entry is removed from the stored summary (SummaryInvalidation; batch-summary.ts, vouchesOtherwise says why); when
 * that write fails, the certificate is not folded (a store failure: the batch fails and SQS offers it again). The
 * summary is rewritten only when it changed; a write that conflicts with another worker's (the same batch twice), or
 * that would follow another worker's write met while removing entries, keeps theirs, less the entries of what this
 * one folded.
 */
export async function watchBatch(config: CertwatchConfig, deps: BatchDependencies): Promise<BatchReport> {
  const reader: StateBatchReader = deps.store;
  // ACM and IAM are the inventory's: a batch is its endpoint targets alone.
  const bounded: CertwatchConfig = {
    ...config,
    check: { ...config.check, concurrency: Math.min(config.check.concurrency, MAX_PROBES_PER_WORKER) },
    cloud: { acm: [], iam: [] },
  };
  const ids = configuredCertificateIds(bounded);
  const key = batchSummaryKey(configInputFor(bounded));
  let problem: string | null = null;
  let read: BatchSummaryRead | null = null;
  if (deps.summaries) {
    read = await deps.summaries.readBatchSummary(key).catch((error: unknown) => {
      problem = `its summary could not be read, so every state was: ${(error as Error).message}`;
      return null;
    });
  }
  const journal = read?.journal ?? null;
  const plan: BatchReadPlan =
    read && journal ? planBatchReads(read.summary, journal, ids, deps.now) : { trusted: new Map(), changedByHand: [], distrust: distrustWithout(deps.summaries, read) };
  if (read?.unreadable) problem = read.unreadable;
  if (read?.journalUnreadable) problem = `its change journal could not be read, so every state was: ${read.journalUnreadable}`;

  const listed = ids.filter((id) => !plan.trusted.has(id));
  const observedInputs = new Map<string, ObservedResult>();
  const unchanged = new Map<string, SummaryEntry>();
  // Whatever was read, entries are removed before their certificates are folded: when the batch's read failed, the
  // summary is read again the first time a certificate is folded, and none is folded if that fails too.
  const invalidation = deps.summaries ? new SummaryInvalidation(deps.summaries, key, read) : null;
  const { summary, states } = await watchCycle(bounded, deps, {
    readStates: () => reader.getMany(listed),
    refoldOnConflict: true,
    recordRun: false,
    keepStates: true,
    summarized: async (input) => {
      const { certificateId } = input;
      observedInputs.set(certificateId, input);
      const entry = plan.trusted.get(certificateId);
      const stored = invalidation ? (await invalidation.current()).summary : null;
      if (!entry && !stored?.entries[certificateId]) return 'listed';
      const digest = observationDigest(input);
      if (entry && entry.observed === digest) {
        unchanged.set(certificateId, entry);
        return 'unchanged';
      }
      const verdict = entry ? 'unread' : 'listed';
      // An entry not trusted this run (the journal, a summary distrusted) may be trusted again by a later one.
      return invalidation && vouchesOtherwise(stored, certificateId, digest, deps.now) ? invalidation.remove(certificateId).then(() => verdict) : verdict;
    },
  });

  let written = false;
  // No summary is written without both read: one written over a summary not read, or past a journal not read, could
  // vouch for what people or other workers changed.
  const latest = invalidation?.latest;
  if (deps.summaries && invalidation && latest && read && journal && summary.stopped === null) {
    const entries = entriesAfter(ids, { states, summary, unchanged, observedInputs }, bounded, deps.now);
    const next = nextBatchSummary(latest.summary ?? read.summary, key, entries, journal, plan, deps.now);
    if (next) {
      const folded = ids.filter((id) => !unchanged.has(id));
      const outcome = await writeSummary(deps.summaries, next, latest, folded, invalidation.foundOtherWriter);
      written = outcome.written;
      problem ??= outcome.problem;
    }
  }
  const unread = [...unchanged.entries()].map(([certificateId, entry]) => ({ certificateId, stage: entry.stage, notAfter: observedInputs.get(certificateId)?.result.notAfter ?? null }));
  return {
    ...summary,
    states,
    unread,
    summaryUse: {
      read: ids.length - unchanged.size,
      unread: unchanged.size,
      changedByHand: plan.changedByHand.length,
      distrust: plan.distrust,
      written,
      invalidations: invalidation?.writes ?? 0,
      problem,
    },
  };
}

/** Why no entry of the batch's summary is trusted, when it or the change journal could not be read. */
function distrustWithout(summaries: BatchSummaryStore | undefined, read: BatchSummaryRead | null): string {
  if (!summaries) return 'no summaries';
  return read ? 'its change journal could not be read' : 'its summary could not be read';
}

/**
 * The batch's entries as this run left them: an unchanged certificate keeps its entry; a folded one gets a new one
 * from its state; one whose write failed or conflicted gets none (read next run).
 */
function entriesAfter(
  ids: readonly string[],
  run: { states: readonly WatchState[]; summary: RunSummary; unchanged: ReadonlyMap<string, SummaryEntry>; observedInputs: ReadonlyMap<string, ObservedResult> },
  config: CertwatchConfig,
  now: Date,
): Record<string, SummaryEntry> {
  const unsettled = new Set([...run.summary.storeFailures.map((failure) => failure.certificateId), ...run.summary.conflicts]);
  const stateById = new Map(run.states.map((state) => [state.certificateId, state]));
  const entries: Record<string, SummaryEntry> = {};
  for (const id of ids) {
    const kept = run.unchanged.get(id);
    const state = stateById.get(id);
    const input = run.observedInputs.get(id);
    if (kept) entries[id] = kept;
    else if (state && input && !unsettled.has(id)) entries[id] = summaryEntryFor(state, input, config.policy, config.check, now);
  }
  return entries;
}

/**
 * Writes the summary, conditionally. Another worker wrote it first (the same batch delivered twice, or a retry
 * overlapping), found now or while removing entries (`overtaken`: this run's entries, the ones it trusted among them,
 * may be what that worker removed): theirs is kept, less the entries of the certificates this one folded (whose
 * states it may have changed since theirs was computed), once; a second conflict leaves it to the next run.
 */
async function writeSummary(
  summaries: BatchSummaryStore,
  next: BatchSummary,
  stored: StoredSummary,
  folded: readonly string[],
  overtaken: boolean,
): Promise<{ written: boolean; problem: string | null }> {
  if (!overtaken) {
    try {
      await summaries.writeBatchSummary(next, stored.storedVersion);
      return { written: true, problem: null };
    } catch (error) {
      if (!(error instanceof VersionConflictError)) return { written: false, problem: `its summary could not be written: ${(error as Error).message}` };
    }
  }
  try {
    const latest = await summaries.readBatchSummary(next.key);
    if (!latest.summary) return { written: false, problem: null };
    await summaries.writeBatchSummary(withoutEntries(latest.summary, folded), latest.storedVersion);
    return { written: true, problem: null };
  } catch (error) {
    return { written: false, problem: error instanceof VersionConflictError ? null : `its summary could not be written: ${(error as Error).message}` };
  }
}
