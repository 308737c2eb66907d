import type { CertwatchConfig } from '../core/config';
import { planDigest } from '../core/escalation/digest';
import { isClaimable } from '../core/escalation/outbox';
import type { Notifier, RunLedger, StateStore } from '../core/ports';
import type { WatchState } from '../core/watch-state';
import { configuredCertificateIds, type RunProblem } from './watch-targets';

export interface DigestDependencies {
  readonly store: StateStore;
  readonly notifier: Notifier;
  readonly now: Date;
}

export interface DigestOutcome {
  readonly sent: number;
  readonly publishFailures: readonly RunProblem[];
}

/**
 * The digest (when configured): planned from `states` (the configured targets' certificates: a retired target is not
 * reported forever), sent once per period. The ledger records the last period delivered; the digest is claimed in
 * the ledger before it is published, like a notification, and a failed publish is retried by the next call. With
 * `lastRunAt`, the same ledger writes also record when a watch run finished (a local run does both at its end).
 * Throws the store's errors (VersionConflictError: another run wrote the ledger meanwhile).
 */
export async function deliverDigest(config: CertwatchConfig, deps: DigestDependencies, states: readonly WatchState[], options: { readonly lastRunAt?: string } = {}): Promise<DigestOutcome> {
  let ledger = await deps.store.getLedger();
  const run = options.lastRunAt !== undefined ? { lastRunAt: options.lastRunAt } : {};
  const digest = config.digest ? planDigest(states, config.policy, deps.now, config.digest) : null;
  const claimable = digest && digest.id !== ledger.digestSentFor && isClaimable(ledger.digestClaim, deps.now);
  if (!digest || !claimable) {
    if (options.lastRunAt !== undefined) await deps.store.putLedger({ ...ledger, ...run }, ledger.version);
    return { sent: 0, publishFailures: [] };
  }
  ledger = await deps.store.putLedger({ ...ledger, ...run, digestClaim: { id: digest.id, claimedAt: deps.now.toISOString() } }, ledger.version);
  let next: RunLedger;
  const publishFailures: RunProblem[] = [];
  try {
    await deps.notifier.publish(digest);
    next = { ...ledger, digestSentFor: digest.id, digestClaim: null };
  } catch (error) {
    publishFailures.push({ certificateId: digest.certificateId, message: `digest ${digest.id}: ${(error as Error).message}` });
    next = { ...ledger, digestClaim: null };
  }
  await deps.store.putLedger(next, ledger.version);
  return { sent: next.digestSentFor === digest.id ? 1 : 0, publishFailures };
}

/**
 * The deployed digest, on its own schedule: every stored state read (a Scan, once per digest period), those of the
 * configured targets listed. The run ledger's lastRunAt is the probe runs' business, not touched here.
 */
export async function sendScheduledDigest(config: CertwatchConfig, deps: DigestDependencies): Promise<DigestOutcome & { readonly unreadableItems: readonly RunProblem[] }> {
  const { states, unreadable } = await deps.store.list();
  const configured = new Set(configuredCertificateIds(config));
  const outcome = await deliverDigest(
    config,
    deps,
    states.filter((state) => configured.has(state.certificateId)),
  );
  return { ...outcome, unreadableItems: unreadable.map((item) => ({ certificateId: item.key, message: item.reason })) };
}
