import { checkTargets, type CheckRequest, type CheckSettings } from './check-targets';
import type { CheckResult, Status } from '../core/check-result';
import type { CertwatchConfig } from '../core/config';
import { filePathOf, fileTarget, isFileTarget } from '../core/file-target';
import { foldObservation, type FoldOutcome, type ObservedResult } from '../core/escalation/fold';
import { afterDelivery, isClaimable, withClaims } from '../core/escalation/outbox';
import {
  VersionConflictError,
  type CertificateFileSource,
  type CertificateProbe,
  type NameResolver,
  type Notifier,
  type StateListing,
  type StateStore,
  type UnreadableItem,
} from '../core/ports';
import { certificateIdForResult, certificateIdForTarget, certificateSourceOf } from '../core/certificate-id';
import { InvalidTargetError } from '../core/target';
import type { WatchState } from '../core/watch-state';
import { retryOnConflict } from './retry-on-conflict';
import { Slots } from './slots';

// The watch pipeline every run shares, the local `certwatch run` and a deployed worker's batch alike: probe the
// targets, fold each result into its certificate's state, claim the outbox in one conditional write, publish what
// was claimed, record what was delivered. What differs is how the states are read (the whole table, or the batch's
// items) and what comes after (ACM and IAM listings, the digest and what is not configured; or metrics).

export interface WatchDependencies {
  readonly probe: CertificateProbe;
  /** Finds the addresses behind each target's host (the config's `check.dnsServers`, or the system's). */
  readonly resolver: NameResolver;
  /**
   * Its states are read while the first targets are probed. A read that fails (a store that could not open, say)
   * stops the watch: no further target is probed, and once the probes in flight have answered it rejects with the
   * store's error, having written and published nothing.
   */
  readonly store: StateStore;
  readonly notifier: Notifier;
  /** The run's clock: every decision in one run uses the same instant. */
  readonly now: Date;
  /** Called as targets finish probing (for a progress line). */
  readonly onProgress?: (done: number, total: number) => void;
  /** Reads `file://` targets; without it (the Lambda) a file target is reported invalid. */
  readonly files?: CertificateFileSource;
}

/** What folding and delivering needs: the store, the notifier and the run's clock. */
export type SettleDependencies = Pick<WatchDependencies, 'store' | 'notifier' | 'now'>;

export interface WatchTargetsOptions {
  /**
   * Reads the states the folds start from, while the first targets are probed: every stored state (a local run,
   * which also reports what is no longer configured and lists ACM and IAM against them), or the configured targets'
   * certificates (a deployed batch: configuredCertificateIds).
   */
  readonly readStates: (store: StateStore, config: CertwatchConfig) => Promise<StateListing>;
  /**
   * A fold whose write finds that the item changed since it was read folds again, once, from a fresh consistent
   * read: what states read eventually consistent need (a stale read only ever fails the write's condition). Off,
   * the conflict is reported and the item left to the writer that won.
   * @default false
   */
  readonly refoldOnConflict?: boolean;
}

export interface RunProblem {
  readonly certificateId: string;
  readonly message: string;
}

/** What a watch reports, a local run's summary and a deployed batch's alike. */
export interface WatchReport {
  /** Targets watched, invalid ones included (and, in a run, each ACM or IAM certificate and failed listing). */
  readonly targets: number;
  readonly byStatus: Readonly<Record<Status, number>>;
  /** Targets that could not be parsed: reported, not stored. */
  readonly invalidTargets: readonly RunProblem[];
  readonly notificationsSent: number;
  /** Decided but not delivered (SNS failed): retried next run. */
  readonly notificationsPending: number;
  readonly publishFailures: readonly RunProblem[];
  readonly storeFailures: readonly RunProblem[];
  /** Items in the store that are not readable states: skipped every run until `certwatch forget` deletes them. */
  readonly unreadableItems: readonly RunProblem[];
  /** Another run changed the item first: left to that run. */
  readonly conflicts: readonly string[];
  readonly storeWrites: number;
}

/** What one certificate contributed to the summary (invalid targets contribute nothing here). */
export interface TargetOutcome {
  /** The certificate's state after this run (the stored one when the write failed; none if never stored, or deleted). */
  readonly state?: WatchState;
  readonly sent: number;
  readonly pending: number;
  readonly publishFailures: readonly RunProblem[];
  readonly storeFailure?: RunProblem;
  readonly conflict?: string;
}

/** How a run folds an observation into a state, or retires a state, each within the store's bound. */
export interface Settlers {
  observe(previous: WatchState | undefined, input: ObservedResult): Promise<TargetOutcome>;
  /** `outcome` null: nothing to say, the state is deleted at once. */
  retire(previous: WatchState, outcome: FoldOutcome | null): Promise<TargetOutcome>;
}

/** The states a watch started from. */
export interface StoredStates {
  readonly byId: ReadonlyMap<string, WatchState>;
  readonly unreadable: readonly UnreadableItem[];
}

/** A watch under way: its states being read, its settlers (for more folds of the same run), its targets being probed. */
export interface TargetsWatch {
  readonly stored: Promise<StoredStates>;
  readonly settlers: Settlers;
  /** Every certificate folded or retired so far. */
  readonly observed: ReadonlySet<string>;
  /** The targets' results and the outcomes of their folds, once every target is probed and folded. */
  readonly watched: Promise<{ readonly results: readonly CheckResult[]; readonly outcomes: readonly TargetOutcome[] }>;
  /** The store's writes when the watch began. */
  readonly writesBefore: number;
}

/**
 * Store work (fold, write, publish, record) in flight at once. Each certificate's own steps stay in order; the
 * bound keeps a large fleet from opening a burst of requests against the table (or the embedded server's CPU).
 * Above the 25 items of one BatchWriteItem, so that an exclusive store's creates fill whole batches when folds
 * queue up behind the probes (16 left a first run's writes trailing the probing by 0.3-0.9 s).
 */
const STORE_CONCURRENCY = 32;

/**
 * Probes every target, judges, persists, decides, notifies; never stops on one target's failure. Pipelined: the
 * states are read while the first targets are probed, and each result is folded, written and notified as soon as
 * its probe answers, while the others are still being probed. A certificate's steps run in order: write the
 * decision and claim its outbox (one conditional write), publish, record what was sent. The config refuses two
 * targets with one certificate id, so no two folds in a run touch the same item.
 */
export function startWatch(config: CertwatchConfig, deps: WatchDependencies, options: WatchTargetsOptions): TargetsWatch {
  const requests: CheckRequest[] = config.targets.map((t) => ({ target: t.target, servername: t.servername, caFiles: t.caFiles, filePath: t.filePath }));
  const settings: CheckSettings = { ...config.check, caFiles: [] };
  const refold = options.refoldOnConflict ?? false;

  const writesBefore = deps.store.writeCount;
  // No fold starts without the states; a failed read stops the probing, which then rejects with the store's error.
  const stopProbing = new AbortController();
  const stored: Promise<StoredStates> = options
    .readStates(deps.store, config)
    .then(({ states, unreadable }) => ({ byId: new Map(states.map((state) => [state.certificateId, state])), unreadable }));
  stored.catch((error: unknown) => stopProbing.abort(error));

  const { settlers, observed } = createSettlers(config, deps, refold);
  // Each result is folded as soon as it is judged, while the other targets are still being probed.
  const outcomes = new Map<CheckResult, Promise<TargetOutcome[]>>();
  const fold = async (index: number, result: CheckResult): Promise<TargetOutcome[]> => {
    if (result.error?.code === 'INVALID_TARGET') return []; // reported, not stored
    const { byId } = await stored;
    const { owner, tags, target } = config.targets[index];
    const base = { source: certificateSourceOf(result.target), owner, tags };
    // A file that cannot be read fails every certificate it held (their escalation goes on from what was read).
    const wholeFile = isFileTarget(target) && result.target === fileTarget(filePathOf(target));
    const ids = wholeFile ? certificatesOfFile(byId, result.target) : [certificateIdForResult(result)];
    return Promise.all(
      ids.map((id) => settlers.observe(byId.get(id), { ...base, certificateId: id, target: wholeFile ? id : result.target, result: wholeFile ? { ...result, target: id } : result })),
    );
  };
  const probing = checkTargets(requests, settings, {
    probe: deps.probe,
    resolver: deps.resolver,
    files: deps.files,
    now: () => deps.now,
    onProgress: deps.onProgress,
    onResult: (index, result) => {
      const outcome = fold(index, result);
      outcome.catch(() => undefined); // awaited below, after probing, in config order
      outcomes.set(result, outcome);
    },
    signal: stopProbing.signal,
  });
  const watched = probing.then(async (results) => ({ results, outcomes: (await Promise.all(results.map((result) => outcomes.get(result) ?? Promise.resolve([])))).flat() }));
  return { stored, settlers, observed, watched, writesBefore };
}

/**
 * Folds and retirements of one run, STORE_CONCURRENCY at a time, each certificate's steps in order; `observed`
 * collects every certificate they touch. With `refold`, a fold whose first write conflicts folds again from a
 * consistent read (for states read eventually consistent).
 */
export function createSettlers(config: CertwatchConfig, deps: SettleDependencies, refold = false): { readonly settlers: Settlers; readonly observed: ReadonlySet<string> } {
  const storeSlots = new Slots(STORE_CONCURRENCY);
  const observed = new Set<string>();
  const settlers: Settlers = {
    observe: (previous, input) => {
      observed.add(input.certificateId);
      return storeSlots.run(() => settle(previous, input, config, deps, refold));
    },
    retire: (previous, outcome) => {
      observed.add(previous.certificateId);
      return storeSlots.run(() => settleRetirement(previous, outcome, deps));
    },
  };
  return { settlers, observed };
}

/** The report of what a watch's results and outcomes came to (storeWrites aside), and the states it left. */
export function summarize(
  results: readonly CheckResult[],
  outcomes: readonly TargetOutcome[],
  unreadable: readonly UnreadableItem[],
): Omit<WatchReport, 'storeWrites'> & { readonly states: readonly WatchState[] } {
  const byStatus: Record<Status, number> = { ok: 0, warning: 0, critical: 0, expired: 0, error: 0 };
  const invalidTargets: RunProblem[] = [];
  for (const result of results) {
    byStatus[result.status]++;
    if (result.error?.code === 'INVALID_TARGET') invalidTargets.push({ certificateId: result.target, message: result.error.message });
  }
  const tally = { sent: 0, pending: 0 };
  const publishFailures: RunProblem[] = [];
  const storeFailures: RunProblem[] = [];
  const conflicts: string[] = [];
  for (const outcome of outcomes) {
    tally.sent += outcome.sent;
    tally.pending += outcome.pending;
    publishFailures.push(...outcome.publishFailures);
    if (outcome.storeFailure) storeFailures.push(outcome.storeFailure);
    if (outcome.conflict) conflicts.push(outcome.conflict);
  }
  return {
    targets: results.length,
    byStatus,
    invalidTargets,
    notificationsSent: tally.sent,
    notificationsPending: tally.pending,
    publishFailures,
    storeFailures,
    unreadableItems: unreadable.map((item) => ({ certificateId: item.key, message: item.reason })),
    conflicts,
    // The states as this run left them, retired ones aside (a retired target is not reported forever).
    states: outcomes.flatMap((outcome) => (outcome.state && outcome.state.retiredAt === undefined ? [outcome.state] : [])),
  };
}

/** The certificate ids of the config's endpoint targets that parse (the others are reported by the probe, not stored). */
export function configuredCertificateIds(config: CertwatchConfig): string[] {
  return config.targets.flatMap((watched) => {
    try {
      return isFileTarget(watched.target) ? [] : [certificateIdForTarget(watched.target, watched.servername)];
    } catch (error) {
      if (error instanceof InvalidTargetError) return [];
      throw error;
    }
  });
}

/** The stored certificates of a file (`file://PATH#N`); none yet: the file's own id, for its failure. */
function certificatesOfFile(byId: ReadonlyMap<string, WatchState>, fileTarget: string): string[] {
  const known = [...byId.keys()].filter((id) => id.startsWith(`${fileTarget}#`));
  return known.length > 0 ? known : [fileTarget];
}

/**
 * Folds one observation and delivers what it decided; a store failure or conflict is its outcome, not the run's.
 * With `refold`, a conflict on the first write (nothing published yet) folds again, once, from a consistent read.
 */
async function settle(previous: WatchState | undefined, input: ObservedResult, config: CertwatchConfig, deps: SettleDependencies, refold: boolean): Promise<TargetOutcome> {
  const progress: Progress = { sent: 0, publishFailures: [] };
  let from = previous;
  for (let attempt = 1; ; attempt++) {
    try {
      const { state: folded } = foldObservation(from, input, config.policy, deps.now);
      return { ...(await deliver(from, folded, deps, progress)), ...progress };
    } catch (error) {
      // Nothing is published before the claim's write: a conflict on it leaves nothing half done to fold again.
      if (!(refold && attempt === 1 && error instanceof VersionConflictError && progress.sent === 0 && progress.publishFailures.length === 0)) {
        return failedSettlement(input.certificateId, from, error, progress);
      }
      try {
        from = await deps.store.get(input.certificateId);
      } catch (reread) {
        return failedSettlement(input.certificateId, from, reread, progress);
      }
    }
  }
}

/**
 * Retires a state: delivers what its retirement decided (a `disappeared` notice, a recovery), and deletes the state
 * once nothing is left to deliver (at once when nothing was decided). An undelivered notice keeps it for the next run.
 */
async function settleRetirement(previous: WatchState, outcome: FoldOutcome | null, deps: SettleDependencies): Promise<TargetOutcome> {
  const progress: Progress = { sent: 0, publishFailures: [] };
  try {
    if (!outcome) {
      await deps.store.delete(previous.certificateId, previous.version);
      return { pending: 0, ...progress };
    }
    const { state, pending } = await deliver(previous, outcome.state, deps, progress);
    if (pending > 0) return { state, pending, ...progress };
    await deps.store.delete(state.certificateId, state.version);
    return { pending: 0, ...progress };
  } catch (error) {
    return failedSettlement(previous.certificateId, previous, error, progress);
  }
}

/** What was published before a failed write still counts: it was sent (and is sent again once the claim lapses). */
function failedSettlement(certificateId: string, previous: WatchState | undefined, error: unknown, progress: Progress): TargetOutcome {
  const failure = error instanceof VersionConflictError ? { conflict: certificateId } : { storeFailure: { certificateId, message: (error as Error).message } };
  return { state: previous, pending: 0, ...progress, ...failure };
}

/** What a fold has delivered so far: kept even when a later write fails. */
interface Progress {
  sent: number;
  publishFailures: RunProblem[];
}

/**
 * Writes a folded state and claims its outbox in one conditional write (the decision is durable, and a racing run
 * loses the write, before anything is sent), publishes what it claimed, then records what was delivered and
 * releases what was not, for the next run.
 */
async function deliver(previous: WatchState | undefined, folded: WatchState, deps: SettleDependencies, progress: Progress): Promise<{ state: WatchState; pending: number }> {
  const claimed = folded.pending.filter((n) => isClaimable(n, deps.now)).map((n) => n.id);
  let state = claimed.length > 0 ? withClaims(folded, claimed, deps.now.toISOString()) : folded;
  if (previous === undefined || claimed.length > 0 || meaningfullyChanged(previous, state)) {
    state = await deps.store.put(state, previous?.version ?? 0);
  }
  if (claimed.length === 0) return { state, pending: state.pending.length };

  const delivered = new Map<string, string>();
  for (const notification of state.pending.filter((n) => claimed.includes(n.id))) {
    try {
      delivered.set(notification.id, (await deps.notifier.publish(notification)).messageId);
      progress.sent++;
    } catch (error) {
      progress.publishFailures.push({ certificateId: state.certificateId, message: `notification ${notification.id}: ${(error as Error).message}` });
    }
  }
  const recorded = await recordDelivery(deps.store, state, claimed, delivered, deps.now);
  return { state: recorded, pending: recorded.pending.length };
}

/**
 * Marks the delivered notifications sent and releases the undelivered claims. An acknowledgement written by a
 * person between our claim and now is not overwritten: on a conflict, re-read and apply the same record.
 */
async function recordDelivery(store: StateStore, claimedState: WatchState, claimed: readonly string[], delivered: ReadonlyMap<string, string>, now: Date): Promise<WatchState> {
  let state = claimedState;
  return retryOnConflict(
    () => store.put(afterDelivery(state, claimed, delivered, now), state.version),
    async (conflict) => {
      const latest = await store.get(claimedState.certificateId);
      if (!latest) throw conflict;
      state = latest;
    },
  );
}

/** Whether a write is needed: `lastCheckedAt` alone does not justify rewriting every item every run. */
function meaningfullyChanged(before: WatchState, after: WatchState): boolean {
  return !sameData({ ...before, lastCheckedAt: null, version: null }, { ...after, lastCheckedAt: null, version: null });
}

/**
 * Equal as stored: key order ignored and undefined members absent (the store drops them), for the plain data a
 * state is. Cheaper than comparing serialised copies, which took most of a quiet run's time after probing.
 */
function sameData(a: unknown, b: unknown): boolean {
  if (a === b) return true;
  if (typeof a !== 'object' || typeof b !== 'object' || a === null || b === null) return false;
  if (Array.isArray(a) || Array.isArray(b)) {
    if (!Array.isArray(a) || !Array.isArray(b) || a.length !== b.length) return false;
    return a.every((element, index) => sameData(element, b[index]));
  }
  const aRecord = a as Record<string, unknown>;
  const bRecord = b as Record<string, unknown>;
  let members = 0;
  for (const key in aRecord) {
    if (aRecord[key] === undefined) continue;
    if (!sameData(aRecord[key], bRecord[key])) return false;
    members++;
  }
  for (const key in bRecord) if (bRecord[key] !== undefined) members--;
  return members === 0;
}
