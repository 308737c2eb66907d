import { Annotations, Duration, Stack } from 'aws-cdk-lib';
import { Construct } from 'constructs';
import type { CertwatchConfig } from '../functions/core/config';
import { parseScheduleExpression } from '../functions/core/schedule-expression';
import { DEPLOYED_PROBES_PER_WORKER } from '../functions/core/check-settings';
import { largestBatchSize, MAX_RECEIVES, PREFERRED_BATCH_SIZE, probeCapacity, type ProbeCapacity } from '../functions/core/watch-plan';
import { AlarmTopic } from './constructs/alarm-topic';
import { AlertTopic } from './constructs/alert-topic';
import { InventoryWatch } from './constructs/inventory-watch';
import { OnDemandCheck } from './constructs/on-demand-check';
import { ProbeQueue } from './constructs/probe-queue';
import { ProbeWorkers } from './constructs/probe-workers';
import { ScheduledWatch } from './constructs/scheduled-watch';
import { StateTable } from './constructs/state-table';
import { WatchMonitoring } from './constructs/watch-monitoring';
import { WatchSchedules } from './constructs/watch-schedules';
import { prepareWatchDeployment } from './watch-deployment';

/** ACM and IAM change by hand or by renewal, rarely within hours: listed every six hours (each listing is paged and throttled). */
export const INVENTORY_SCHEDULE = 'rate(6 hours)';

export interface CertWatchProps {
  /** The validated config: `loadConfigFile('certwatch.config.json')`, the same validator as `certwatch run`. */
  readonly config: CertwatchConfig;
  /** Where the config came from, for error messages. @default 'certwatch config' */
  readonly configSource?: string;
  /**
   * Targets per probe batch (one SQS message, one worker invocation).
   * @default PREFERRED_BATCH_SIZE (250), or fewer when a batch whose every address timed out would leave a failed
   * batch no time for its retries within the probe schedule's period, or could outlast Lambda's 15 minutes
   */
  readonly batchSize?: number;
  /** Probe workers at most at once (2 to 1,000). @default 50 */
  readonly maxWorkers?: number;
  /** A probe worker's memory, in MB. @default DEFAULT_WORKER_MEMORY_MB (512) */
  readonly workerMemoryMb?: number;
  /**
   * The `service` dimension of the functions' metrics and logs: tells apart two deployments in one account.
   * @default the stack's name
   */
  readonly serviceName?: string;
}

/**
 * certwatch in AWS: the state table, the alert topic with the audiences' subscriptions, the scheduled function and
 * its schedules, the probe queue and its workers, the on-demand function, and the watcher's own alarms (to an alarm
 * topic) and dashboard. Add it to any CDK stack; certwatch's own stack is this construct and its outputs.
 */
export class CertWatch extends Construct {
  readonly stateTable: StateTable;
  readonly alertTopic: AlertTopic;
  readonly alarmTopic: AlarmTopic;
  readonly probeQueue: ProbeQueue;
  readonly onDemand: OnDemandCheck;
  readonly scheduled: ScheduledWatch;
  readonly workers: ProbeWorkers;
  /** The ACM and IAM inventory, when the config lists either. */
  readonly inventory?: InventoryWatch;
  readonly schedules: WatchSchedules;
  readonly monitoring: WatchMonitoring;
  /** The arithmetic of a probe run (batches, a worker's worst case, a run's worst case), as deployed. */
  readonly capacity: ProbeCapacity;

  constructor(scope: Construct, id: string, props: CertWatchProps) {
    super(scope, id);
    const { config } = props;
    const { timeoutMs, maxAddresses } = config.check;
    // The config's check.concurrency when it sets one; else a worker's own default, higher than the CLI's.
    const concurrency = config.check.givenConcurrency ?? DEPLOYED_PROBES_PER_WORKER;
    const periodMs = config.schedule.probe.longestGapMs;
    const batchSize = props.batchSize ?? largestBatchSize({ timeoutMs, concurrency, maxAddresses, periodMs }, PREFERRED_BATCH_SIZE);
    const maxWorkers = props.maxWorkers ?? 50;
    if (batchSize === 0) {
      throw new Error(`one target whose ${maxAddresses} addresses all time out (check.timeoutMs ${timeoutMs}) would outlast Lambda's 15 minutes: lower check.timeoutMs or check.maxAddresses`);
    }
    if (!Number.isInteger(batchSize) || batchSize < 1 || batchSize > 1000) throw new Error(`batchSize must be 1 to 1000, got ${batchSize}`);
    if (!Number.isInteger(maxWorkers) || maxWorkers < 2 || maxWorkers > 1000) throw new Error(`maxWorkers must be 2 to 1000, got ${maxWorkers}`);
    const serviceName = props.serviceName ?? Stack.of(this).stackName;
    const deployment = prepareWatchDeployment(config, { batchSize, concurrency, source: props.configSource ?? 'certwatch config' });

    this.capacity = probeCapacity({ targets: config.targets.length, batchSize, concurrency, timeoutMs, maxAddresses, workers: maxWorkers, periodMs });
    const workerTimeout = Duration.seconds(Math.ceil(this.capacity.worstBatchMs / 1000));
    if (workerTimeout.toSeconds() > Duration.minutes(15).toSeconds()) {
      throw new Error(
        `a batch of ${batchSize} targets whose addresses all time out takes ${workerTimeout.toHumanString()}, over Lambda's 15 minutes: lower check.timeoutMs, check.maxAddresses or batchSize, or raise check.concurrency`,
      );
    }
    const period = Duration.seconds(periodMs / 1000).toHumanString();
    if (this.capacity.worstRunMs > periodMs) {
      Annotations.of(this).addWarningV2(
        'certwatch:RunLongerThanPeriod',
        `if every endpoint timed out, a probe run would take ${Duration.seconds(this.capacity.worstRunMs / 1000).toHumanString()}, longer than schedule.probe's period: batches older than a period are dropped. Raise maxWorkers or check.concurrency, or lower check.timeoutMs.`,
      );
    }
    if (this.capacity.retriesWithinPeriod < MAX_RECEIVES - 1) {
      Annotations.of(this).addWarningV2(
        'certwatch:FewRetriesWithinPeriod',
        `a failed probe batch is offered again after ${Duration.seconds(this.capacity.visibilityTimeoutMs / 1000).toHumanString()} (six times a worker's ${workerTimeout.toHumanString()}): ${this.capacity.retriesWithinPeriod} of its ${MAX_RECEIVES - 1} retries come within schedule.probe's period of ${period}, and the next run covers the rest. Lower batchSize, check.timeoutMs or check.maxAddresses, or raise check.concurrency, for more.`,
      );
    }

    this.stateTable = new StateTable(this, 'StateTable');
    const contacts = (names: readonly string[]) => Object.fromEntries(names.map((name) => [name, config.audiences[name]]));
    this.alertTopic = new AlertTopic(this, 'AlertTopic', { audiences: config.audiences });
    this.alarmTopic = new AlarmTopic(this, 'AlarmTopic', { key: this.alertTopic.key, audiences: contacts(config.alarmNotify) });
    this.probeQueue = new ProbeQueue(this, 'ProbeQueue', { visibilityTimeout: Duration.millis(this.capacity.visibilityTimeoutMs), maxReceiveCount: MAX_RECEIVES });
    const vpc = config.vpc ?? undefined;

    this.onDemand = new OnDemandCheck(this, 'OnDemandCheck', { table: this.stateTable, vpc, serviceName });
    this.scheduled = new ScheduledWatch(this, 'Scheduled', {
      table: this.stateTable,
      topic: this.alertTopic,
      probeQueue: this.probeQueue.queue,
      bundledFiles: deployment.scheduledFiles,
      serviceName,
    });
    if (config.cloud.acm.length + config.cloud.iam.length > 0) {
      this.inventory = new InventoryWatch(this, 'Inventory', {
        table: this.stateTable,
        topic: this.alertTopic,
        cloud: config.cloud,
        bundledFiles: deployment.inventoryFiles,
        serviceName,
      });
    }
    this.workers = new ProbeWorkers(this, 'ProbeWorkers', {
      table: this.stateTable,
      topic: this.alertTopic,
      probeQueue: this.probeQueue,
      bundledFiles: deployment.workerFiles,
      timeout: workerTimeout,
      maxConcurrency: maxWorkers,
      memorySize: props.workerMemoryMb,
      vpc,
      serviceName,
    });
    this.schedules = new WatchSchedules(this, 'Schedules', {
      schedules: {
        probe: { expression: config.schedule.probe, target: this.scheduled.handler },
        ...(config.schedule.digest ? { digest: { expression: config.schedule.digest, target: this.scheduled.handler } } : {}),
        ...(this.inventory ? { inventory: { expression: parseScheduleExpression(INVENTORY_SCHEDULE), target: this.inventory.handler } } : {}),
      },
    });
    this.monitoring = new WatchMonitoring(this, 'Monitoring', {
      scheduled: this.scheduled.handler,
      workers: this.workers.handler,
      inventory: this.inventory?.handler,
      probeQueue: this.probeQueue.queue,
      deadLetterQueues: [this.probeQueue.deadLetterQueue, this.schedules.deadLetterQueue],
      alarmTopic: this.alarmTopic.topic,
      serviceName,
      probePeriod: Duration.millis(config.schedule.probe.longestGapMs),
      dashboard: config.dashboard,
    });
  }
}
