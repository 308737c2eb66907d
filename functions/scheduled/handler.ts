import { MetricUnit } from '@aws-lambda-powertools/metrics';
import type { Context } from 'aws-lambda';
import { randomUUID } from 'node:crypto';
import { alertNotifier, probeBatchQueue, probeRunTracker, stateStore } from '../lambda/adapters';
import { watchPlan, watchPlanConfig } from '../lambda/bundled-files';
import { invocationDeadline } from '../lambda/invocation-deadline';
import { parseOrReject } from '../lambda/invalid-event-error';
import { logger } from '../lambda/logger';
import { WATCH_METRICS } from '../lambda/metric-names';
import { addCount, metrics } from '../lambda/metrics';
import { sendDigest } from '../use-cases/run-watch';
import { startProbeRun } from '../use-cases/probe-run';
import { parseScheduledEvent } from '../lambda/scheduled-event';

export interface ProbeRunStarted {
  readonly task: 'probe';
  readonly runId: string;
  readonly batches: number;
}

export interface DigestDone {
  readonly task: 'digest';
  readonly sent: number;
}


/** A digest that could not be published: the invocation fails, and Lambda's asynchronous retries try it again. */
export class DigestPublishError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'DigestPublishError';
  }
}

/**
 * The function the schedules invoke (EventBridge Scheduler, asynchronously). `{"task":"probe"}` starts a probe
 * run: the run is recorded and the watch plan's batches go to the probe queue, for the workers. `{"task":"digest"}`
 * sends the digest of the period, once. (The ACM and IAM inventory is a function of its own: inventory/handler.ts.)
 */
export async function handler(event: unknown, context?: Pick<Context, 'getRemainingTimeInMillis'>): Promise<ProbeRunStarted | DigestDone> {
  const task = parseOrReject((input) => parseScheduledEvent(input, ['probe', 'digest']), event, (reason) => logger.error('rejected a malformed scheduled event', { reason }));
  return task === 'probe' ? probe() : digest(invocationDeadline(context));
}

async function probe(): Promise<ProbeRunStarted> {
  const plan = watchPlan();
  const run = await startProbeRun(plan, { tracker: probeRunTracker(), queue: probeBatchQueue(), store: stateStore(), now: new Date(), runId: randomUUID() });
  logger.info('probe run started', { runId: run.runId, batches: run.batches, targets: plan.batches.reduce((sum, batch) => sum + batch.length, 0) });
  if (run.batches === 0) {
    // No endpoint targets (ACM and IAM only): the run is complete as it starts, for the dead-man's switch too.
    metrics.addMetric(WATCH_METRICS.runDuration, MetricUnit.Milliseconds, 0);
    metrics.publishStoredMetrics();
  }
  return { task: 'probe', runId: run.runId, batches: run.batches };
}

async function digest(deadline: Date | undefined): Promise<DigestDone> {
  const outcome = await sendDigest(watchPlanConfig(), { store: stateStore(), notifier: alertNotifier(), now: new Date(), deadline });
  for (const item of outcome.unreadableItems) logger.warn('skipped an unreadable state item', { key: item.certificateId, reason: item.message });
  addCount(WATCH_METRICS.notificationsSent, outcome.sent);
  addCount(WATCH_METRICS.notificationsFailed, outcome.publishFailures.length);
  metrics.publishStoredMetrics();
  if (outcome.publishFailures.length > 0) {
    for (const failure of outcome.publishFailures) logger.error('could not publish the digest', { reason: failure.message });
    throw new DigestPublishError(outcome.publishFailures.map((failure) => failure.message).join('; '));
  }
  logger.info(outcome.sent > 0 ? 'digest sent' : 'no digest due', { sent: outcome.sent });
  return { task: 'digest', sent: outcome.sent };
}
