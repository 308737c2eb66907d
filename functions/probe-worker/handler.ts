import { MetricUnit } from '@aws-lambda-powertools/metrics';
import type { Context, SQSBatchItemFailure, SQSBatchResponse, SQSEvent, SQSRecord } from 'aws-lambda';
import { daysRemaining } from '../core/judge';
import { parseProbeBatch } from '../core/watch-plan';
import { alertNotifier, batchSummaries, nameResolver, probeRunTracker, stateStore, tlsProbe } from '../lambda/adapters';
import { withBundledCaFiles } from '../lambda/bundled-files';
import { invocationDeadline } from '../lambda/invocation-deadline';
import { logger } from '../lambda/logger';
import { BATCH_FAILED_LOG_MESSAGE, EXPIRING_LOG_MESSAGE, WATCH_METRICS } from '../lambda/metric-names';
import { addCount, metrics } from '../lambda/metrics';
import { finishBatch } from '../use-cases/probe-run';
import { watchBatch, type BatchReport } from '../use-cases/watch-batch';

/** A batch whose states could not all be written: failed, so that SQS offers it again (then the dead-letter queue). */
export class BatchIncompleteError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'BatchIncompleteError';
  }
}

/**
 * The probe worker: each SQS record is one batch of a probe run. It is watched like a local run (probe, fold,
 * claim, publish, record), counted done in the run's progress, and the worker that completes the run records it.
 * A record that fails (malformed, or a state it could not write) is reported in `batchItemFailures`: SQS offers
 * that one again, and moves it to the dead-letter queue after the queue's receive limit.
 */
export async function handler(event: SQSEvent, context?: Pick<Context, 'getRemainingTimeInMillis'>): Promise<SQSBatchResponse> {
  const batchItemFailures: SQSBatchItemFailure[] = [];
  try {
    for (const record of event.Records) {
      try {
        await watchRecord(record, invocationDeadline(context));
      } catch (error) {
        // Logged, not counted in a metric: offered again, it either succeeds or ends on the dead-letter queue, which
        // an alarm watches (the dashboard counts these lines).
        logger.error(BATCH_FAILED_LOG_MESSAGE, {
          messageId: record.messageId,
          receiveCount: record.attributes?.ApproximateReceiveCount,
          error: error as Error,
        });
        batchItemFailures.push({ itemIdentifier: record.messageId });
      }
    }
  } finally {
    metrics.publishStoredMetrics();
  }
  return { batchItemFailures };
}

async function watchRecord(record: SQSRecord, deadline: Date | undefined): Promise<void> {
  const { message, config } = parseProbeBatch(record.body);
  const context = { runId: message.runId, batch: message.batch + 1, batches: message.batches };
  const started = new Date();
  if (started.getTime() > Date.parse(message.expiresAt)) {
    // A later run is already on its way with the same targets: probing these now would only delay it.
    logger.warn('dropped a probe batch older than the schedule period', { ...context, sentAt: message.sentAt });
    return;
  }
  const summary = await watchBatch(withBundledCaFiles(config), {
    probe: tlsProbe(),
    resolver: nameResolver(config.check.dnsServers),
    store: stateStore(),
    summaries: batchSummaries(),
    notifier: alertNotifier(),
    now: started,
    deadline,
  });
  report(summary, context, started);
  if (summary.stopped !== null) {
    throw new BatchIncompleteError(`stopped (${summary.stopped}) with ${summary.targetsLeft.length} of ${summary.targets} targets left`);
  }
  if (summary.storeFailures.length > 0) {
    throw new BatchIncompleteError(`${summary.storeFailures.length} of ${summary.targets} states could not be written: ${summary.storeFailures[0].message}`);
  }
  const finishedAt = new Date();
  const run = await finishBatch(message.runId, { tracker: probeRunTracker(), store: stateStore(), now: finishedAt });
  if (run) {
    const durationMs = finishedAt.getTime() - Date.parse(run.startedAt);
    metrics.addMetric(WATCH_METRICS.runDuration, MetricUnit.Milliseconds, durationMs);
    logger.info('probe run completed', { runId: run.runId, batches: run.batches, durationMs });
  }
}

/**
 * Logs and metrics of one batch: a summary line, one line per certificate inside an escalation stage (the
 * dashboard lists them), one per problem; no line per healthy target (a 100,000-target fleet would pay for them).
 */
function report(summary: BatchReport, context: Readonly<Record<string, unknown>>, now: Date): void {
  addCount(WATCH_METRICS.notificationsSent, summary.notificationsSent);
  addCount(WATCH_METRICS.notificationsFailed, summary.publishFailures.length);
  if (summary.storeFailures.length === 0) {
    // Counted once per batch that completes: a batch offered again is not counted twice.
    for (const [status, metricName] of Object.entries(WATCH_METRICS.certificates)) addCount(metricName, summary.byStatus[status as keyof typeof summary.byStatus]);
  }
  // The certificates read, as the batch left them, and those its summary let it leave unread, as the probe saw them.
  const watched = [
    ...summary.states.map((state) => ({ certificateId: state.certificateId, stage: state.expiry.stage, notAfter: state.certificate?.notAfter ?? null })),
    ...summary.unread,
  ];
  let soonest: number | null = null;
  for (const { certificateId, stage, notAfter } of watched) {
    if (!notAfter) continue;
    const days = daysRemaining(new Date(notAfter), now);
    soonest = soonest === null ? days : Math.min(soonest, days);
    if (stage !== null) logger.info(EXPIRING_LOG_MESSAGE, { certificateId, daysRemaining: days, stage, notAfter });
  }
  if (soonest !== null) metrics.addMetric(WATCH_METRICS.soonestDaysRemaining, MetricUnit.Count, soonest);
  for (const problem of summary.invalidTargets) logger.warn('invalid target', { ...context, target: problem.certificateId, reason: problem.message });
  for (const problem of summary.publishFailures) logger.error('notification not published; retried next run', { ...context, certificateId: problem.certificateId, reason: problem.message });
  for (const problem of summary.storeFailures) logger.error('state not written', { ...context, certificateId: problem.certificateId, reason: problem.message });
  for (const problem of summary.unreadableItems) logger.warn('unreadable state item skipped', { ...context, key: problem.certificateId, reason: problem.message });
  if (summary.summaryUse.problem) logger.warn('batch summary not used or not kept; the states were watched all the same', { ...context, reason: summary.summaryUse.problem });
  logger.info('probe batch watched', {
    ...context,
    targets: summary.targets,
    byStatus: summary.byStatus,
    notificationsSent: summary.notificationsSent,
    notificationsPending: summary.notificationsPending,
    ...(soonest !== null ? { soonestDaysRemaining: soonest } : {}),
    conflicts: summary.conflicts.length,
    statesRead: summary.summaryUse.read,
    statesUnread: summary.summaryUse.unread,
    ...(summary.summaryUse.distrust ? { summaryDistrusted: summary.summaryUse.distrust } : {}),
    summaryWritten: summary.summaryUse.written,
    storeWrites: summary.storeWrites,
    durationMs: Date.now() - now.getTime(),
  });
}

