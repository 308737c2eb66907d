import { checkTargets, type CheckRequest, type CheckSettings } from './check-targets';
import type { CheckResult, Status } from '../core/check-result';
import type { CertwatchConfig, WatchedTarget } from '../core/config';
import { foldObservation } from '../core/escalation/fold';
import { afterDelivery, isClaimable, withClaims } from '../core/escalation/outbox';
import { VersionConflictError, type CertificateProbe, type NameResolver, type Notifier, type StateListing, type StateStore } from '../core/ports';
import { certificateIdForResult, certificateIdForTarget } from '../core/certificate-id';
import { InvalidTargetError } from '../core/target';
import type { WatchState } from '../core/watch-state';
import { retryOnConflict } from './retry-on-conflict';
import { Slots } from './slots';

// The watch pipeline every run shares, the local `certwatch run` and a deployed worker's batch alike: probe the
// targets, fold each result into its certificate's state, claim the outbox in one conditional write, publish what
// was claimed, record what was delivered. What differs is how the states are read (the whole table, or the batch's
// items) and what is done with the outcome (a digest and a report of what is not configured, or metrics).

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
}

export interface WatchTargetsOptions {
  /**
   * Reads the states the folds start from, while the first targets are probed: every
   * stored state (a local run, which also reports what is no longer configured), or the configured targets'
   * certificates (a batch: configuredCertificateIds).
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
  /** Targets watched, invalid ones included. */
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
  /** Another writer changed the item first: left to it. */
  readonly conflicts: readonly string[];
  /** Writes this watch made. */
  readonly storeWrites: number;
}

/** What watching a list of targets did. */
export interface WatchOutcome extends WatchReport {
  readonly results: readonly CheckResult[];
  /** The watched certificates' states as this watch left them (the stored one when a write failed), in target order. */
  readonly states: readonly WatchState[];
  /** The states read before folding, by certificate id. */
  readonly read: ReadonlyMap<string, WatchState>;
}

/**
 * Store work (fold, write, publish, record) in flight at once. Each certificate's own steps stay in order; the
 * bound keeps a large fleet from opening a burst of requests against the table (or the embedded server's CPU).
 * Above the 25 items of one BatchWriteItem, so that an exclusive store's creates fill whole batches when folds
 * queue up behind the probes (16 left a first run's writes trailing the probing by 0.3-0.9 s).
 */
const STORE_CONCURRENCY = 32;

/** The dependencies and the options a fold needs. */
interface FoldDependencies extends WatchDependencies {
  readonly refoldOnConflict: boolean;
}

/** What one target contributed (invalid targets contribute nothing here). */
interface TargetOutcome {
  /** The certificate's state after this run (the stored one when the write failed; none if never stored). */
  readonly state?: WatchState;
  readonly sent: number;
  readonly pending: number;
  readonly publishFailures: readonly RunProblem[];
  readonly storeFailure?: RunProblem;
  readonly conflict?: string;
}

/**
 * Probes every target, judges, persists, decides, notifies. Never stops on one target's failure. Pipelined: the
 * store finishes opening (when given still opening) and its states are read while the first targets are probed,
 * and each result is folded, written and notified as soon as its probe answers, while the others are still being
 * probed. A certificate's steps run in order: write the decision and claim its outbox (one conditional write),
 * publish, record what was sent. The config refuses two targets with one certificate id, so no two folds touch the
 * same item.
 */
export async function watchTargets(config: CertwatchConfig, deps: WatchDependencies, options: WatchTargetsOptions): Promise<WatchOutcome> {
  const requests: CheckRequest[] = config.targets.map((t) => ({ target: t.target, servername: t.servername, caFiles: t.caFiles }));
  const settings: CheckSettings = { ...config.check, caFiles: [] };

  const foldDeps: FoldDependencies = { ...deps, refoldOnConflict: options.refoldOnConflict ?? false };
  const writesBefore = deps.store.writeCount;
  // No fold starts without the states; a failed read stops the probing, which then rejects with the store's error.
  const stopProbing = new AbortController();
  const stored = options.readStates(deps.store, config).then(({ states, unreadable }) => ({ byId: new Map(states.map((state) => [state.certificateId, state])), unreadable }));
  stored.catch((error: unknown) => stopProbing.abort(error));

  const storeSlots = new Slots(STORE_CONCURRENCY);
  // Each result is folded as soon as it is judged, while the other targets are still being probed.
  const outcomes: Promise<TargetOutcome | null>[] = new Array(requests.length);
  const fold = async (index: number, result: CheckResult): Promise<TargetOutcome | null> => {
    if (result.error?.code === 'INVALID_TARGET') return null; // reported, not stored
    const { byId } = await stored;
    const previous = byId.get(certificateIdForResult(result));
    return storeSlots.run(() => settle(previous, config.targets[index], result, config, foldDeps));
  };
  const probing = checkTargets(requests, settings, {
    probe: deps.probe,
    resolver: deps.resolver,
    now: () => deps.now,
    onProgress: deps.onProgress,
    onResult: (index, result) => {
      outcomes[index] = fold(index, result);
      outcomes[index].catch(() => undefined); // awaited below, after probing, in config order
    },
    signal: stopProbing.signal,
  });

  const results = await probing;
  const byStatus: Record<Status, number> = { ok: 0, warning: 0, critical: 0, expired: 0, error: 0 };
  const tally = { sent: 0, pending: 0 };
  const invalidTargets: RunProblem[] = [];
  const publishFailures: RunProblem[] = [];
  const storeFailures: RunProblem[] = [];
  const conflicts: string[] = [];
  const states: WatchState[] = [];
  const { unreadable, byId } = await stored;
  const settled = await Promise.all(outcomes);
  for (const [index, result] of results.entries()) {
    byStatus[result.status]++;
    if (result.error?.code === 'INVALID_TARGET') {
      invalidTargets.push({ certificateId: result.target, message: result.error.message });
      continue;
    }
    const outcome = settled[index]!;
    tally.sent += outcome.sent;
    tally.pending += outcome.pending;
    publishFailures.push(...outcome.publishFailures);
    if (outcome.storeFailure) storeFailures.push(outcome.storeFailure);
    if (outcome.conflict) conflicts.push(outcome.conflict);
    if (outcome.state) states.push(outcome.state);
  }
  return {
    targets: results.length,
    results,
    byStatus,
    invalidTargets,
    notificationsSent: tally.sent,
    notificationsPending: tally.pending,
    publishFailures,
    storeFailures,
    unreadableItems: unreadable.map((item) => ({ certificateId: item.key, message: item.reason })),
    conflicts,
    states,
    read: byId,
    storeWrites: deps.store.writeCount - writesBefore,
  };
}

/** The certificate ids of the config's targets that parse (the others are reported by the probe, not stored). */
export function configuredCertificateIds(config: CertwatchConfig): string[] {
  return config.targets.flatMap((watched) => {
    try {
      return [certificateIdForTarget(watched.target, watched.servername)];
    } catch (error) {
      if (error instanceof InvalidTargetError) return [];
      throw error;
    }
  });
}

/** Folds and notifies one valid target; a store failure or conflict is its outcome, not the run's. */
async function settle(previous: WatchState | undefined, watched: WatchedTarget, result: CheckResult, config: CertwatchConfig, deps: FoldDependencies): Promise<TargetOutcome> {
  const certificateId = certificateIdForResult(result);
  const progress: Progress = { sent: 0, publishFailures: [] };
  let from = previous;
  for (let attempt = 1; ; attempt++) {
    try {
      return { ...(await foldAndNotify(from, certificateId, watched, result, config, deps, progress)), ...progress };
    } catch (error) {
      // Nothing is published before the claim's write: a conflict on it leaves nothing half done to fold again.
      if (error instanceof VersionConflictError && deps.refoldOnConflict && attempt === 1 && progress.sent === 0 && progress.publishFailures.length === 0) {
        try {
          from = await deps.store.get(certificateId);
          continue;
        } catch (reread) {
          return { state: previous, pending: 0, ...progress, storeFailure: { certificateId, message: (reread as Error).message } };
        }
      }
      // What was published before a failed write still counts: it was sent (and is sent again once the claim lapses).
      const failure = error instanceof VersionConflictError ? { conflict: certificateId } : { storeFailure: { certificateId, message: (error as Error).message } };
      return { state: from, pending: 0, ...progress, ...failure };
    }
  }
}

/** What a fold has delivered so far: kept even when a later write fails. */
interface Progress {
  sent: number;
  publishFailures: RunProblem[];
}

/**
 * Folds one result into the certificate's state and claims the outbox in one conditional write (the decision is
 * durable, and a racing run loses the write, before anything is sent), publishes what it claimed, then records
 * what was delivered and releases what was not, for the next run.
 */
async function foldAndNotify(
  previous: WatchState | undefined,
  certificateId: string,
  watched: WatchedTarget,
  result: CheckResult,
  config: CertwatchConfig,
  deps: FoldDependencies,
  progress: Progress,
): Promise<{ state: WatchState; pending: number }> {
  const { state: folded } = foldObservation(
    previous,
    { certificateId, source: 'tls', target: result.target, owner: watched.owner, tags: watched.tags, result },
    config.policy,
    deps.now,
  );
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
      progress.publishFailures.push({ certificateId, message: `notification ${notification.id}: ${(error as Error).message}` });
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
