import { Duration } from 'aws-cdk-lib';
import type * as sqs from 'aws-cdk-lib/aws-sqs';
import { Construct } from 'constructs';
import { CertwatchFunction, type BindableTable, type BindableTopic } from './certwatch-function';

export interface ScheduledWatchProps {
  readonly table: BindableTable;
  /** The alert topic: the digest is published there. */
  readonly topic: BindableTopic;
  /** Where a probe run's batches go. */
  readonly probeQueue: sqs.IQueue;
  /** The watch plan, shipped in the bundle. */
  readonly bundledFiles: Readonly<Record<string, string>>;
  /**
   * Memory: the digest holds every watched certificate's state at once (about 6 KB each in memory).
   * @default 1536
   */
  readonly memorySize?: number;
  /** @default 'certwatch' */
  readonly serviceName?: string;
}

/**
 * The function the schedules invoke. `{"task":"probe"}` starts a probe run: it records the run (one item) and
 * sends the plan's batches to the probe queue. `{"task":"digest"}` lists the states (Scan) and publishes the digest
 * once per period, claimed in the run ledger (GetItem, PutItem). It probes nothing itself.
 */
export class ScheduledWatch extends Construct {
  readonly handler: CertwatchFunction;

  constructor(scope: Construct, id: string, props: ScheduledWatchProps) {
    super(scope, id);
    this.handler = new CertwatchFunction(this, 'Function', {
      entry: 'scheduled/handler.ts',
      description: 'certwatch: start a probe run (batches to the probe queue), send the digest',
      timeout: Duration.minutes(5),
      memorySize: props.memorySize ?? 1536,
      bundledFiles: props.bundledFiles,
      serviceName: props.serviceName,
    })
      .bindTable(props.table, ['GetItem', 'PutItem', 'Scan'])
      .bindQueue(props.probeQueue)
      .bindTopic(props.topic);

  }
}
