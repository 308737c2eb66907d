import type { Duration } from 'aws-cdk-lib';
import { Construct } from 'constructs';
import { CertwatchFunction, type BindableTable, type BindableTopic, type FunctionVpcPlacement } from './certwatch-function';
import type { ProbeQueue } from './probe-queue';

export interface ProbeWorkersProps {
  readonly table: BindableTable;
  readonly topic: BindableTopic;
  readonly probeQueue: ProbeQueue;
  /** The CA files the targets name, shipped in the bundle. */
  readonly bundledFiles: Readonly<Record<string, string>>;
  /** A worker's limit for one batch (see probeCapacity). */
  readonly timeout: Duration;
  /** Workers at once, at most (the event source's maximum concurrency, 2 to 1,000). */
  readonly maxConcurrency: number;
  /** @default 512 */
  readonly memorySize?: number;
  /** @default outside any VPC */
  readonly vpc?: FunctionVpcPlacement;
  /** @default 'certwatch' */
  readonly serviceName?: string;
}

/**
 * The probe workers: each invocation takes one batch from the probe queue, probes it, folds every result into its
 * certificate's state (BatchGetItem, then conditional PutItem; GetItem to re-read after a conflict), publishes what
 * the escalation decided, and counts the batch done in the run's progress item (UpdateItem); the worker that
 * completes a run records it in the run ledger (GetItem, PutItem). A batch that fails is retried alone, and ends on
 * the dead-letter queue after the queue's receive limit.
 */
export class ProbeWorkers extends Construct {
  readonly handler: CertwatchFunction;

  constructor(scope: Construct, id: string, props: ProbeWorkersProps) {
    super(scope, id);
    this.handler = new CertwatchFunction(this, 'Function', {
      entry: 'probe-worker/handler.ts',
      description: 'certwatch: probe one batch of targets, remember, notify',
      timeout: props.timeout,
      memorySize: props.memorySize ?? 512,
      bundledFiles: props.bundledFiles,
      serviceName: props.serviceName,
    })
      .bindTable(props.table, ['BatchGetItem', 'GetItem', 'PutItem', 'UpdateItem'])
      .bindTopic(props.topic)
      .consumeQueue(props.probeQueue.queue, { batchSize: 1, maxConcurrency: props.maxConcurrency });
    if (props.vpc) this.handler.placeInVpc(props.vpc);
  }
}
