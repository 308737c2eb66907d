import { isDeepStrictEqual } from 'node:util';
import { checkOne, type CheckRequest, type CheckSettings } from '../check/check-targets';
import type { CheckResult, Status } from '../core/check-result';
import type { CertwatchConfig, WatchedTarget } from '../core/config';
import { markPublished, observe } from '../core/escalation';
import { planDigest } from '../core/escalation-digest';
import { VersionConflictError, type Notifier, type StateStore } from '../core/ports';
import { parseTarget } from '../core/target';
import type { WatchState } from '../core/watch-state';
import type { CertificateProbe } from '../probes/tls-probe';

export interface RunDependencies {
  readonly probe: CertificateProbe;
  readonly store: StateStore;
  readonly notifier: Notifier;
  /** The run's clock: every decision in one run uses the same instant. */
  readonly now: Date;
  /** Called as targets finish probing (for a progress line). */
  readonly onProgress?: (done: number, total: number) => void;
}

export interface RunProblem {
  readonly certificateId: string;
  readonly message: string;
}

export interface RunSummary {
  readonly at: string;
  readonly targets: number;
  readonly byStatus: Readonly<Record<Status, number>>;
  /** Targets that could not be parsed: reported, not stored. */
  readonly invalidTargets: readonly RunProblem[];
  readonly notificationsSent: number;
  /** Decided but not delivered (SNS failed): retried next run. */
  readonly notificationsPending: number;
  readonly publishFailures: readonly RunProblem[];
  readonly storeFailures: readonly RunProblem[];
  /** Another run changed the item first: left to that run. */
  readonly conflicts: readonly string[];
  readonly storeWrites: number;
}

export function certificateIdFor(result: Pick<CheckResult, 'target' | 'host' | 'servername'>): string {
  return `tls:${result.target}`;
}

/**
 * Store work (fold, write, publish, record) in flight at once. Each certificate's own steps stay in order; the
 * bound keeps a large fleet from opening a burst of requests against the table (or the embedded server's CPU).
 */
const STORE_CONCURRENCY = 16;

/** What one target contributed to the summary (invalid targets contribute nothing here). */
interface TargetOutcome {
  readonly sent: number;
  readonly pending: number;
  readonly publishFailures: readonly RunProblem[];
  readonly storeFailure?: RunProblem;
  readonly conflict?: string;
}

/**
 * One full watch cycle: probe every target, judge, persist, decide, notify. Never stops on one target's failure.
 * Pipelined: the stored states are read while the first targets are probed, and each result is folded, written
 * and notified as soon as its probe answers, while the others are still being probed. A certificate's steps run in
 * order (write the decision, publish, record what was sent); a certificate listed twice is folded in config order.
 */
export async function runWatch(config: CertwatchConfig, deps: RunDependencies): Promise<RunSummary> {
  const at = deps.now.toISOString();
  const writesBefore = deps.store.writeCount;
  const requests: CheckRequest[] = config.targets.map((t) => ({ target: t.target, servername: t.servername, caFiles: t.caFiles }));
  const settings: CheckSettings = { ...config.check, caFiles: [] };

  // A failed read fails the run once probing is over, as it would if it were read then; no fold starts without it.
  const known = deps.store.list().then((states) => new Map(states.map((state) => [state.certificateId, state])));
  known.catch(() => undefined);

  const storeSlots = new Slots(STORE_CONCURRENCY);
  const probed = requests.map(() => new Deferred<CheckResult>());
  // Probing starts first: the folds are chained below while the first handshakes are under way.
  const probing = probeAll(requests, settings, deps, (index, result) => probed[index].resolve(result));
  const outcomes: Promise<TargetOutcome | null>[] = []; // null: an invalid target, not stored
  const lastFoldOf = new Map<string, Promise<unknown>>();
  for (const [index, request] of requests.entries()) {
    const key = certificateKeyOf(request);
    const previousFold = (key === null ? undefined : lastFoldOf.get(key)) ?? Promise.resolve();
    const outcome = previousFold.then(async () => {
      const result = await probed[index].promise;
      if (result.error?.code === 'INVALID_TARGET') return null;
      const previous = (await known).get(certificateIdFor(result));
      return storeSlots.run(() => settle(previous, config.targets[index], result, config, deps));
    });
    outcome.catch(() => undefined); // awaited below, after probing, in config order
    outcomes.push(outcome);
    if (key !== null) lastFoldOf.set(key, outcome);
  }

  const results = await probing;
  const byStatus: Record<Status, number> = { ok: 0, warning: 0, critical: 0, expired: 0, error: 0 };
  const tally = { sent: 0, pending: 0 };
  const invalidTargets: RunProblem[] = [];
  const publishFailures: RunProblem[] = [];
  const storeFailures: RunProblem[] = [];
  const conflicts: string[] = [];
  const settled = await Promise.all(outcomes);
  for (const [index, result] of results.entries()) {
    byStatus[result.status]++;
    if (result.error?.code === 'INVALID_TARGET') {
      invalidTargets.push({ certificateId: result.target, message: result.error.message });
      continue;
    }
    const outcome = settled[index] as TargetOutcome;
    tally.sent += outcome.sent;
    tally.pending += outcome.pending;
    publishFailures.push(...outcome.publishFailures);
    if (outcome.storeFailure) storeFailures.push(outcome.storeFailure);
    if (outcome.conflict) conflicts.push(outcome.conflict);
  }

  try {
    tally.sent += (await deliverDigest(config, deps, publishFailures)).sent;
  } catch (error) {
    if (error instanceof VersionConflictError) conflicts.push(error.certificateId);
    else storeFailures.push({ certificateId: 'certwatch#ledger', message: (error as Error).message });
  }

  return {
    at,
    targets: results.length,
    byStatus,
    invalidTargets,
    notificationsSent: tally.sent,
    notificationsPending: tally.pending,
    publishFailures,
    storeFailures,
    conflicts,
    storeWrites: deps.store.writeCount - writesBefore,
  };
}

/** Probes every target, `check.concurrency` at a time, handing each result on as soon as it is judged. */
async function probeAll(
  requests: readonly CheckRequest[],
  settings: CheckSettings,
  deps: RunDependencies,
  onResult: (index: number, result: CheckResult) => void,
): Promise<CheckResult[]> {
  const results: CheckResult[] = new Array(requests.length);
  const checkDeps = { probe: deps.probe, now: () => deps.now };
  let next = 0;
  let done = 0;
  const worker = async () => {
    while (next < requests.length) {
      const index = next++;
      results[index] = await checkOne(requests[index], settings, checkDeps);
      onResult(index, results[index]);
      deps.onProgress?.(++done, requests.length);
    }
  };
  await Promise.all(Array.from({ length: Math.max(1, Math.min(settings.concurrency, requests.length)) }, worker));
  return results;
}

/** Folds and notifies one valid target; a store failure or conflict is its outcome, not the run's. */
async function settle(previous: WatchState | undefined, watched: WatchedTarget, result: CheckResult, config: CertwatchConfig, deps: RunDependencies): Promise<TargetOutcome> {
  const certificateId = certificateIdFor(result);
  try {
    return await foldAndNotify(previous, certificateId, watched, result, config, deps);
  } catch (error) {
    if (error instanceof VersionConflictError) return { sent: 0, pending: 0, publishFailures: [], conflict: certificateId };
    return { sent: 0, pending: 0, publishFailures: [], storeFailure: { certificateId, message: (error as Error).message } };
  }
}

/**
 * The certificate a request will be stored under, known before probing (its result has the same target, host and
 * servername), so that a certificate listed twice is folded in config order; null for a target that does not parse.
 */
function certificateKeyOf(request: CheckRequest): string | null {
  try {
    return certificateIdFor(parseTarget(request.target, request.servername));
  } catch {
    return null;
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

class Deferred<T> {
  resolve!: (value: T) => void;
  readonly promise = new Promise<T>((resolve) => (this.resolve = resolve));
}

/**
 * Folds one result into the certificate's state, writes it if anything changed (the decision is durable
 * before anything is sent), then publishes the outbox and records what was delivered.
 */
async function foldAndNotify(
  previous: WatchState | undefined,
  certificateId: string,
  watched: WatchedTarget,
  result: CheckResult,
  config: CertwatchConfig,
  deps: RunDependencies,
): Promise<{ sent: number; pending: number; publishFailures: RunProblem[] }> {
  const { state: folded } = observe(
    previous,
    { certificateId, source: 'tls', target: result.target, owner: watched.owner, tags: watched.tags, result },
    config.policy,
    deps.now,
  );
  let state = folded;
  if (previous === undefined || meaningfullyChanged(previous, state)) {
    state = await deps.store.put(state, previous?.version ?? 0);
  }
  const publishFailures: RunProblem[] = [];
  let sent = 0;
  for (const notification of state.pending) {
    try {
      const { messageId } = await deps.notifier.publish(notification);
      state = markPublished(state, notification.id, messageId, deps.now);
      sent++;
    } catch (error) {
      publishFailures.push({ certificateId, message: `notification ${notification.id}: ${(error as Error).message}` });
    }
  }
  if (sent > 0) state = await deps.store.put(state, state.version);
  return { sent, pending: state.pending.length, publishFailures };
}

/**
 * The digest (when configured): planned from every stored state, sent once per period. The ledger records the
 * last period delivered and when the watcher last ran; a failed publish is retried by the next run of the period.
 */
async function deliverDigest(config: CertwatchConfig, deps: RunDependencies, publishFailures: RunProblem[]): Promise<{ sent: number }> {
  const ledger = await deps.store.getLedger();
  let digestSentFor = ledger.digestSentFor;
  let sent = 0;
  if (config.digest) {
    const digest = planDigest(await deps.store.list(), config.policy, deps.now, config.digest);
    if (digest && digest.id !== ledger.digestSentFor) {
      try {
        await deps.notifier.publish(digest);
        digestSentFor = digest.id;
        sent = 1;
      } catch (error) {
        publishFailures.push({ certificateId: digest.certificateId, message: `digest ${digest.id}: ${(error as Error).message}` });
      }
    }
  }
  await deps.store.putLedger({ lastRunAt: deps.now.toISOString(), digestSentFor, version: ledger.version }, ledger.version);
  return { sent };
}

/** Whether a write is needed: `lastCheckedAt` alone does not justify rewriting every item every run. */
function meaningfullyChanged(before: WatchState, after: WatchState): boolean {
  // Most runs change nothing, which a direct walk proves cheaply (serialising and parsing both states took most of a
  // quiet run's time after probing); any other answer is decided as before, by the states' JSON.
  if (provablySameJson(before, after, 0, EVERY_RUN_FIELDS)) return false;
  const comparable = (state: WatchState) => JSON.parse(JSON.stringify({ ...state, lastCheckedAt: null, version: null })) as unknown;
  return !isDeepStrictEqual(comparable(before), comparable(after));
}

const EVERY_RUN_FIELDS: ReadonlySet<string> = new Set<keyof WatchState>(['lastCheckedAt', 'version']);

/**
 * True when `a` and `b` are plain data (no toJSON, class instance or bigint) and equal once through JSON.stringify
 * and JSON.parse: members JSON drops are absent, array items it cannot write are null, key order is irrelevant;
 * `skip` is left out at this level. False when they differ, or when only JSON itself can tell.
 */
function provablySameJson(a: unknown, b: unknown, depth: number, skip?: ReadonlySet<string>): boolean {
  const aIsObject = typeof a === 'object' && a !== null;
  const bIsObject = typeof b === 'object' && b !== null;
  if (!aIsObject && !bIsObject) return typeof a !== 'bigint' && jsonScalar(a) === jsonScalar(b);
  if (!aIsObject || !bIsObject || depth > 32 || !isPlain(a) || !isPlain(b) || Array.isArray(a) !== Array.isArray(b)) return false;
  if (Array.isArray(a) && Array.isArray(b)) {
    if (a.length !== b.length) return false;
    for (let i = 0; i < a.length; i++) {
      if (!provablySameJson(droppedByJson(a[i]) ? null : a[i], droppedByJson(b[i]) ? null : b[i], depth + 1)) return false;
    }
    return true;
  }
  const aRecord = a as Record<string, unknown>;
  const bRecord = b as Record<string, unknown>;
  const members = (record: Record<string, unknown>) => Object.keys(record).filter((key) => !skip?.has(key) && !droppedByJson(record[key]));
  const aKeys = members(aRecord);
  if (aKeys.length !== members(bRecord).length) return false;
  return aKeys.every((key) => Object.hasOwn(bRecord, key) && provablySameJson(aRecord[key], bRecord[key], depth + 1));
}

/** A plain object or array without toJSON: JSON writes exactly its members. */
function isPlain(value: object): boolean {
  const prototype = Object.getPrototypeOf(value) as unknown;
  const plain = Array.isArray(value) ? prototype === Array.prototype : prototype === Object.prototype || prototype === null;
  return plain && typeof (value as { toJSON?: unknown }).toJSON !== 'function';
}

/** Members JSON leaves out of objects (and writes as null in arrays). */
function droppedByJson(value: unknown): boolean {
  return value === undefined || typeof value === 'function' || typeof value === 'symbol';
}

/** A scalar as it reads back from JSON: non-finite numbers become null. */
function jsonScalar(value: unknown): unknown {
  return typeof value === 'number' && !Number.isFinite(value) ? null : value;
}
