import { checkTargets, type CheckRequest, type CheckSettings } from './check-targets';
import type { CheckResult, Status } from '../core/check-result';
import type { CertwatchConfig, WatchedTarget } from '../core/config';
import { foldObservation } from '../core/escalation/fold';
import { afterDelivery, isClaimable, withClaims, type Claim } from '../core/escalation/outbox';
import { planDigest } from '../core/escalation/digest';
import {
  NoAnswerError,
  VersionConflictError,
  type CertificateProbe,
  type Notifier,
  type RunLedger,
  type StateStore,
  type UnreadableItem,
  type UnreadableRevision,
} from '../core/ports';
import { certificateIdForResult, certificateIdForTarget } from '../core/certificate-id';
import type { PlannedNotification, WatchState } from '../core/watch-state';
import { Circuit, DEFAULT_RUN_DEADLINE_MS, guardedNotifier, guardedStore, LEASE_MARGIN_MS, RunControl } from './run-control';
import { retryOnConflict } from './retry-on-conflict';

export interface RunDependencies {
  readonly probe: CertificateProbe;
  /**
   * Its states are listed while the first targets are probed. A listing that fails (a store that could not open,
   * say) stops the run: no further target is probed, and once the probes in flight have answered the run rejects
   * with the store's error, having written and published nothing. A store that answers nothing in time (a
   * NoAnswerError) is the run's circuit's business instead: the run stops and says what was left.
   */
  readonly store: StateStore;
  readonly notifier: Notifier;
  /** The run's clock: every decision in one run uses the same instant. */
  readonly now: Date;
  /**
   * Wall-clock time at which the run starts no more work (probes, decisions, publishes); it then has WRAP_UP_MS to
   * release its claims and record what it delivered. A Lambda passes its remaining invocation time minus a margin.
   * @default DEFAULT_RUN_DEADLINE_MS (5 minutes) from the start
   */
  readonly deadline?: Date;
  /** Stops the run early, like its deadline (a signal); the abort reason says why. */
  readonly stop?: AbortSignal;
  /** The wrap-up after the deadline or a stop. @default WRAP_UP_MS (10 s) */
  readonly wrapUpMs?: number;
  /** Called as targets finish probing (for a progress line). */
  readonly onProgress?: (done: number, total: number) => void;
}

export interface RunProblem {
  readonly certificateId: string;
  readonly message: string;
}

/** A dependency that answered nothing within its time limit, and was called no more in the run. */
export interface UnansweredDependency {
  readonly dependency: string;
  readonly message: string;
}

export interface RunSummary {
  readonly at: string;
  readonly targets: number;
  readonly byStatus: Readonly<Record<Status, number>>;
  /** Targets that could not be parsed: reported, not stored. */
  readonly invalidTargets: readonly RunProblem[];
  readonly notificationsSent: number;
  /** Decided but not delivered (SNS failed, the run stopped, or another run holds the claim): retried next run. */
  readonly notificationsPending: number;
  /** The notices counted in notificationsPending, as `<certificateId> <kind>/<stage>`. */
  readonly pendingNotices: readonly string[];
  readonly publishFailures: readonly RunProblem[];
  readonly storeFailures: readonly RunProblem[];
  /**
   * Items in the store that are not readable states, under no configured target: skipped every run until
   * `certwatch forget` deletes them.
   */
  readonly unreadableItems: readonly RunProblem[];
  /**
   * Unreadable items under a configured target: replaced by this run's fresh state of it (conditionally on the item
   * being as read), so that the target is watched again; what they held is lost.
   */
  readonly replacedItems: readonly RunProblem[];
  /** Another run changed the item first: left to that run. */
  readonly conflicts: readonly string[];
  /**
   * Certificates in the store that no configured target names any more, sorted: no longer probed nor notified,
   * but still listed by `status` until `certwatch forget` deletes them.
   */
  readonly notInConfig: readonly string[];
  readonly storeWrites: number;
  /** Why the run stopped before doing all its work (its deadline, a signal, a store that does not answer); null: it did not. */
  readonly stopped: string | null;
  /** Targets not probed, or probed but not recorded, because the run stopped: the next run watches them. */
  readonly targetsLeft: readonly string[];
  /** Dependencies that answered nothing in time: each was called no more in this run. */
  readonly unanswered: readonly UnansweredDependency[];
}

/**
 * Store work (fold, write, publish, record) in flight at once. Each certificate's own steps stay in order; the
 * bound keeps a large fleet from opening a burst of requests against the table (or the embedded server's CPU).
 * Above the 25 items of one BatchWriteItem, so that an exclusive store's creates fill whole batches when folds
 * queue up behind the probes (16 left a first run's writes trailing the probing by 0.3-0.9 s).
 */
const STORE_CONCURRENCY = 32;

/** What one target contributed to the summary (invalid targets contribute nothing here). */
interface TargetOutcome {
  /** The certificate's state after this run (the stored one when the write failed or the run stopped; none if never stored). */
  readonly state?: WatchState;
  readonly sent: number;
  readonly publishFailures: readonly RunProblem[];
  readonly storeFailure?: RunProblem;
  readonly conflict?: string;
  /** The unreadable item this target's state replaced. */
  readonly replaced?: RunProblem;
  /** Not recorded: the run had stopped before its turn. */
  readonly left?: true;
}

/** What every step of one run shares: its ports (guarded by its circuits), its time and its control. */
interface RunContext {
  readonly config: CertwatchConfig;
  readonly now: Date;
  readonly store: StateStore;
  readonly notifier: Notifier;
  readonly control: RunControl;
  readonly notifierCircuit: Circuit;
  /** A claim by this run: it holds until the run's deadline and wrap-up are over, plus a margin (in the run's time). */
  claim(): Claim;
}

/**
 * One full watch cycle: probe every target, judge, persist, decide, notify. Never stops on one target's failure.
 * Pipelined: the stored states are read while the first targets are probed, and each result is folded, written and
 * notified as soon as its probe answers, while the others are still being probed. A certificate's steps run in order:
 * write the decision and claim its outbox (one conditional write), publish, record what was sent. The config refuses
 * two targets with one certificate id, so no two folds in a run touch the same item.
 *
 * Bounded in time: at its deadline (or `stop`) the run starts no more probes, decisions or publishes; within
 * WRAP_UP_MS it releases the claims it made and did not publish and records what it delivered, and says what was
 * left. A dependency that answers nothing in time is called no more (a circuit): a silent store stops the run, a
 * silent notifier leaves the remaining notices pending, unclaimed, for the next run.
 */
export async function runWatch(config: CertwatchConfig, deps: RunDependencies): Promise<RunSummary> {
  const control = new RunControl(deps.deadline ?? new Date(Date.now() + DEFAULT_RUN_DEADLINE_MS), deps.stop, deps.wrapUpMs);
  try {
    return await watch(config, deps, control);
  } finally {
    control.dispose();
  }
}

async function watch(config: CertwatchConfig, deps: RunDependencies, control: RunControl): Promise<RunSummary> {
  const at = deps.now.toISOString();
  const requests: CheckRequest[] = config.targets.map((t) => ({ target: t.target, servername: t.servername, caFiles: t.caFiles }));
  const settings: CheckSettings = { ...config.check, caFiles: [] };
  const storeCircuit = new Circuit();
  const notifierCircuit = new Circuit();
  storeCircuit.whenOpen((error) => control.stop(`${error.dependency} got no answer in time`));
  const run: RunContext = {
    config,
    now: deps.now,
    store: guardedStore(deps.store, storeCircuit, control.endSignal),
    notifier: guardedNotifier(deps.notifier, notifierCircuit, control.endSignal),
    control,
    notifierCircuit,
    claim: () => ({ claimedAt: at, claimedUntil: new Date(deps.now.getTime() + (control.endsAt - Date.now()) + LEASE_MARGIN_MS).toISOString() }),
  };

  const writesBefore = deps.store.writeCount;
  // No fold starts without the listing; a failed one stops the probing, which then rejects with the store's error.
  const listingFailed = new AbortController();
  const stored = run.store.list().then(({ states, unreadable }) => ({
    byId: new Map(states.map((state) => [state.certificateId, state])),
    unreadable: new Map(unreadable.map((item) => [item.key, item])),
  }));
  stored.catch((error: unknown) => listingFailed.abort(error));

  const storeSlots = new Slots(STORE_CONCURRENCY);
  // Each result is folded as soon as it is judged, while the other targets are still being probed.
  const results: (CheckResult | undefined)[] = new Array(requests.length);
  const outcomes: (Promise<TargetOutcome | null> | undefined)[] = new Array(requests.length);
  const fold = async (index: number, result: CheckResult): Promise<TargetOutcome | null> => {
    if (result.error?.code === 'INVALID_TARGET') return null; // reported, not stored
    const listing = await stored.catch(() => null);
    if (!listing) return { sent: 0, publishFailures: [], left: true };
    const certificateId = certificateIdForResult(result);
    const previous = listing.byId.get(certificateId);
    // An unreadable item under a configured target must not silence it: a fresh state replaces it, if still as read.
    const over = previous ? undefined : listing.unreadable.get(certificateId);
    const left: TargetOutcome = { state: previous, sent: 0, publishFailures: [], left: true };
    if (control.stopSignal.aborted) return left;
    return storeSlots.run(() => (control.stopSignal.aborted ? Promise.resolve(left) : settle(previous, over, config.targets[index], result, run)));
  };
  const probing = checkTargets(requests, settings, {
    probe: deps.probe,
    now: () => deps.now,
    onProgress: deps.onProgress,
    onResult: (index, result) => {
      results[index] = result;
      const outcome = fold(index, result);
      outcome.catch(() => undefined); // awaited below, after probing, in config order
      outcomes[index] = outcome;
    },
    signal: AbortSignal.any([listingFailed.signal, control.stopSignal]),
    abortProbes: control.stopSignal,
  });
  // Stopped (deadline, signal, a silent store): what was probed is what there is. A listing that failed otherwise
  // rejects the run with the store's error.
  await probing.catch((error: unknown) => {
    if (!control.stopSignal.aborted) throw error;
  });

  const settled = await Promise.all(outcomes.map((outcome) => outcome ?? Promise.resolve(undefined)));
  const listing = await stored.catch((error: unknown) => {
    if (error instanceof NoAnswerError) return null;
    throw error;
  });

  const byStatus: Record<Status, number> = { ok: 0, warning: 0, critical: 0, expired: 0, error: 0 };
  let sent = 0;
  const invalidTargets: RunProblem[] = [];
  const publishFailures: RunProblem[] = [];
  const storeFailures: RunProblem[] = [];
  const conflicts: string[] = [];
  const replacedItems: RunProblem[] = [];
  const targetsLeft: string[] = [];
  const finalStates: WatchState[] = [];
  requests.forEach((request, index) => {
    const result = results[index];
    const outcome = settled[index];
    if (result) byStatus[result.status]++;
    if (result?.error?.code === 'INVALID_TARGET') {
      invalidTargets.push({ certificateId: result.target, message: result.error.message });
      return;
    }
    if (!result || !outcome || outcome.left) {
      targetsLeft.push(result?.target ?? request.target);
      // Not probed: what the store holds for it (notices pending from earlier runs among it) is what there is.
      const previous = outcome?.state ?? storedStateOf(listing?.byId, request);
      if (previous) finalStates.push(previous);
      return;
    }
    sent += outcome.sent;
    publishFailures.push(...outcome.publishFailures);
    if (outcome.storeFailure) storeFailures.push(outcome.storeFailure);
    if (outcome.conflict) conflicts.push(outcome.conflict);
    if (outcome.replaced) replacedItems.push(outcome.replaced);
    if (outcome.state) finalStates.push(outcome.state);
  });

  if (listing && !storeCircuit.openedBy) {
    try {
      // The digest lists the configured targets as this run left them (a retired target is not reported forever).
      const current = settled.flatMap((outcome) => (outcome?.state && !outcome.left ? [outcome.state] : []));
      sent += (await deliverDigest(run, current, publishFailures)).sent;
    } catch (error) {
      if (error instanceof VersionConflictError) conflicts.push(error.certificateId);
      else storeFailures.push({ certificateId: 'certwatch#ledger', message: (error as Error).message });
    }
  }

  // Every configured target's certificate, probed or not (a run that stopped early probed only some).
  const configured = new Set(requests.flatMap((request) => certificateIdOf(request) ?? []));
  const notInConfig = listing ? [...listing.byId.keys()].filter((certificateId) => !configured.has(certificateId)).sort() : [];
  const replacedIds = new Set(replacedItems.map((item) => item.certificateId));
  const unreadableItems = [...(listing?.unreadable.values() ?? [])].filter((item) => !replacedIds.has(item.key)).map((item) => ({ certificateId: item.key, message: item.reason }));
  const pendingNotices = finalStates.flatMap((state) => state.pending.map(describePending));

  return {
    at,
    targets: requests.length,
    byStatus,
    invalidTargets,
    notificationsSent: sent,
    notificationsPending: pendingNotices.length,
    pendingNotices,
    publishFailures,
    storeFailures,
    unreadableItems,
    replacedItems,
    conflicts,
    notInConfig,
    storeWrites: deps.store.writeCount - writesBefore,
    stopped: control.stoppedBecause,
    targetsLeft,
    unanswered: [storeCircuit.openedBy, notifierCircuit.openedBy].flatMap((error) => (error ? [{ dependency: error.dependency, message: error.message }] : [])),
  };
}

/** The stored state of a configured target that was not probed (the run stopped first), if the listing holds one. */
function storedStateOf(byId: ReadonlyMap<string, WatchState> | undefined, request: CheckRequest): WatchState | undefined {
  const certificateId = certificateIdOf(request);
  return certificateId === null ? undefined : byId?.get(certificateId);
}

/** A configured target's certificate id; null for one that does not parse (it has no state). */
function certificateIdOf(request: CheckRequest): string | null {
  try {
    return certificateIdForTarget(request.target, request.servername);
  } catch {
    return null;
  }
}

function describePending(notice: PlannedNotification): string {
  return `${notice.certificateId} ${notice.kind}/${notice.stage}`;
}

/**
 * Folds and notifies one valid target; a store failure or conflict is its outcome, not the run's. `over`: the
 * unreadable item its first write replaces (none stored as a state).
 */
async function settle(previous: WatchState | undefined, over: UnreadableItem | undefined, watched: WatchedTarget, result: CheckResult, run: RunContext): Promise<TargetOutcome> {
  const certificateId = certificateIdForResult(result);
  const progress: Progress = { sent: 0, publishFailures: [] };
  try {
    const state = await foldAndNotify(previous, over?.revision, certificateId, watched, result, run, progress);
    return { state, ...progress, ...(over ? { replaced: { certificateId, message: over.reason } } : {}) };
  } catch (error) {
    // What was published before a failed write still counts: it was sent (and is sent again once the claim lapses).
    const failure = error instanceof VersionConflictError ? { conflict: certificateId } : { storeFailure: { certificateId, message: (error as Error).message } };
    return { state: previous, ...progress, ...failure };
  }
}

/** At most `limit` tasks at a time; the others wait in order. */
class Slots {
  private running = 0;
  private readonly waiting: (() => void)[] = [];

  constructor(private readonly limit: number) {}

  async run<T>(task: () => Promise<T>): Promise<T> {
    if (this.running >= this.limit) await new Promise<void>((start) => this.waiting.push(start));
    else this.running++;
    try {
      return await task();
    } finally {
      const nextTask = this.waiting.shift();
      if (nextTask) nextTask();
      else this.running--;
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
 * what was delivered and releases what was not, for the next run. Nothing is claimed once the run has stopped or its
 * notifier has gone silent: the decision is written, its notices left unclaimed for the next run.
 */
async function foldAndNotify(
  previous: WatchState | undefined,
  over: UnreadableRevision | undefined,
  certificateId: string,
  watched: WatchedTarget,
  result: CheckResult,
  run: RunContext,
  progress: Progress,
): Promise<WatchState> {
  const { state: folded } = foldObservation(
    previous,
    { certificateId, source: 'tls', target: result.target, owner: watched.owner, tags: watched.tags, result },
    run.config.policy,
    run.now,
  );
  const publishing = () => !run.control.stopSignal.aborted && !run.notifierCircuit.openedBy;
  const claimed = publishing() ? folded.pending.filter((n) => isClaimable(n, run.now)).map((n) => n.id) : [];
  let state = claimed.length > 0 ? withClaims(folded, claimed, run.claim()) : folded;
  if (previous === undefined || claimed.length > 0 || meaningfullyChanged(previous, state)) {
    state = await run.store.put(state, previous?.version ?? over ?? 0);
  }
  if (claimed.length === 0) return state;

  const delivered = new Map<string, string>();
  for (const notification of state.pending.filter((n) => claimed.includes(n.id))) {
    // Stopped, or the notifier went silent meanwhile: the rest is released below, for the next run.
    if (!publishing()) break;
    try {
      delivered.set(notification.id, (await run.notifier.publish(notification)).messageId);
      progress.sent++;
    } catch (error) {
      progress.publishFailures.push({ certificateId, message: `notification ${notification.id}: ${(error as Error).message}` });
    }
  }
  return recordDelivery(run.store, state, claimed, delivered, run.now);
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

/**
 * The digest (when configured): planned from the states of the configured targets, sent once per period. The ledger
 * records the last period delivered and when the watcher last ran; the digest is claimed in the ledger before it is
 * published, like a notification, and a failed publish is retried by the next run. A run that stopped early, or
 * whose notifier went silent, only records that it ran.
 */
async function deliverDigest(run: RunContext, states: readonly WatchState[], publishFailures: RunProblem[]): Promise<{ sent: number }> {
  const { config, now, store } = run;
  let ledger = await store.getLedger();
  const lastRunAt = now.toISOString();
  const publishing = !run.control.stopSignal.aborted && !run.notifierCircuit.openedBy;
  const digest = config.digest && publishing ? planDigest(states, config.policy, now, config.digest) : null;
  const claimable = digest && digest.id !== ledger.digestSentFor && isClaimable(ledger.digestClaim, now);
  if (!digest || !claimable) {
    await store.putLedger({ ...ledger, lastRunAt }, ledger.version);
    return { sent: 0 };
  }
  ledger = await store.putLedger({ ...ledger, lastRunAt, digestClaim: { id: digest.id, ...run.claim() } }, ledger.version);
  let next: RunLedger;
  try {
    await run.notifier.publish(digest);
    next = { ...ledger, digestSentFor: digest.id, digestClaim: null };
  } catch (error) {
    publishFailures.push({ certificateId: digest.certificateId, message: `digest ${digest.id}: ${(error as Error).message}` });
    next = { ...ledger, digestClaim: null };
  }
  await store.putLedger(next, ledger.version);
  return { sent: next.digestSentFor === digest.id ? 1 : 0 };
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
