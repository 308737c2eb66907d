import type { Duration } from 'aws-cdk-lib';
import { Construct } from 'constructs';
import { CertwatchFunction, type BindableTable, type BindableTopic, type FunctionVpcPlacement } from './certwatch-function';
import type { ProbeQueue } from './probe-queue';

/**
 * A worker's memory by default. Its CPU share is in proportion (Lambda gives a whole vCPU at 1,769 MB), so a batch's
 * CPU costs the same at any size below that, and only the time it waits on the network costs more: measured, a batch
 * is mostly CPU (handshakes, parsing), and 512 MB costs 4% more than 256 MB (docs/benchmarks.md). A batch of 250
 * handshakes at once peaked at 186 MB with test certificates: 512 MB leaves room for real chains and long SAN lists,
 * and twice the CPU for a wave of handshakes that each have check.timeoutMs to finish.
 */
export const DEFAULT_WORKER_MEMORY_MB = 512;

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
  /** @default DEFAULT_WORKER_MEMORY_MB */
  readonly memorySize?: number;
  /** @default outside any VPC */
  readonly vpc?: FunctionVpcPlacement;
  /** @default 'certwatch' */
  readonly serviceName?: string;
}

/**
 * The probe workers: each invocation takes one batch from the probe queue, reads its summary and the change journal
 * (GetItem), probes the batch, reads the states its summary does not vouch for (BatchGetItem; GetItem for one whose
 * observation changed, or to re-read after a conflict), folds each result into its certificate's state (conditional
 * PutItem), publishes what the escalation decided, rewrites the summary when it changed (PutItem), and counts the
 * batch done in the run's progress item (UpdateItem); the worker that completes a run records it in the run ledger
 * (GetItem, PutItem). A batch that fails is offered again alone once the queue's visibility timeout is over, and ends
 * on the dead-letter queue after the queue's receive limit.
 */
export class ProbeWorkers extends Construct {
  readonly handler: CertwatchFunction;

  constructor(scope: Construct, id: string, props: ProbeWorkersProps) {
    super(scope, id);
    this.handler = new CertwatchFunction(this, 'Function', {
      entry: 'probe-worker/handler.ts',
      description: 'certwatch: probe one batch of targets, remember, notify',
      timeout: props.timeout,
      memorySize: props.memorySize ?? DEFAULT_WORKER_MEMORY_MB,
      bundledFiles: props.bundledFiles,
      serviceName: props.serviceName,
    })
      .bindTable(props.table, ['BatchGetItem', 'GetItem', 'PutItem', 'UpdateItem'])
      .bindTopic(props.topic)
      .consumeQueue(props.probeQueue.queue, { batchSize: 1, maxConcurrency: props.maxConcurrency });
    if (props.vpc) this.handler.placeInVpc(props.vpc);
  }
}
