import type { Context } from 'aws-lambda';
import { alertNotifier, cloudReaders, stateStore } from '../lambda/adapters';
import { watchPlanConfig } from '../lambda/bundled-files';
import { invocationDeadline } from '../lambda/invocation-deadline';
import { parseOrReject } from '../lambda/invalid-event-error';
import { logger } from '../lambda/logger';
import { WATCH_METRICS } from '../lambda/metric-names';
import { addCount, metrics } from '../lambda/metrics';
import { parseScheduledEvent } from '../lambda/scheduled-event';
import { watchInventory } from '../use-cases/watch-inventory';

export interface InventoryDone {
  readonly task: 'inventory';
  readonly certificates: number;
  readonly sent: number;
  readonly listingFailures: number;
}

/**
 * The ACM and IAM inventory, invoked by its schedule with `{"task":"inventory"}`: every scope of the config listed
 * (its own account's regions, other accounts through their roles, IAM's server certificates) and folded as
 * `certwatch run` folds them. A function of its own: only it may list certificates, and only its bundle carries the
 * ACM, IAM and STS clients.
 */
export async function handler(event: unknown, context?: Pick<Context, 'getRemainingTimeInMillis'>): Promise<InventoryDone> {
  parseOrReject((input) => parseScheduledEvent(input, ['inventory']), event, (reason) => logger.error('rejected a malformed scheduled event', { reason }));
  return inventory(invocationDeadline(context));
}

async function inventory(deadline: Date | undefined): Promise<InventoryDone> {
  const summary = await watchInventory(watchPlanConfig(), { store: stateStore(), notifier: alertNotifier(), now: new Date(), deadline, cloud: cloudReaders() });
  for (const failure of summary.listingFailures) logger.error('listing failed; its certificates keep escalating from the last listing', { scope: failure.certificateId, reason: failure.message });
  for (const failure of summary.publishFailures) logger.error('notification not published; retried next inventory', { certificateId: failure.certificateId, reason: failure.message });
  for (const failure of summary.storeFailures) logger.error('state not written', { certificateId: failure.certificateId, reason: failure.message });
  for (const item of summary.unreadableItems) logger.warn('skipped an unreadable state item', { key: item.certificateId, reason: item.message });
  addCount(WATCH_METRICS.notificationsSent, summary.notificationsSent);
  addCount(WATCH_METRICS.notificationsFailed, summary.publishFailures.length);
  metrics.publishStoredMetrics();
  logger.info('inventory done', {
    certificates: summary.targets,
    byStatus: summary.byStatus,
    disappeared: summary.disappeared.length,
    listingFailures: summary.listingFailures.length,
    notificationsSent: summary.notificationsSent,
    storeWrites: summary.storeWrites,
  });
  return { task: 'inventory', certificates: summary.targets, sent: summary.notificationsSent, listingFailures: summary.listingFailures.length };
}
