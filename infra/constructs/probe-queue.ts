import { Duration } from 'aws-cdk-lib';
import * as sqs from 'aws-cdk-lib/aws-sqs';
import { Construct } from 'constructs';

export interface ProbeQueueProps {
  /** How long a worker may take over one batch: the queue hides a message being worked on for six times that. */
  readonly workerTimeout: Duration;
  /**
   * Receives of a batch before it moves to the dead-letter queue: a poison batch is tried this often, never more.
   * @default 3
   */
  readonly maxReceiveCount?: number;
}

/**
 * The batches of a probe run, waiting for the workers, and the dead-letter queue where a batch that failed
 * `maxReceiveCount` times ends (an alarm watches it). Both encrypted by SQS and reachable over TLS only.
 */
export class ProbeQueue extends Construct {
  readonly queue: sqs.Queue;
  readonly deadLetterQueue: sqs.Queue;

  constructor(scope: Construct, id: string, props: ProbeQueueProps) {
    super(scope, id);
    this.deadLetterQueue = new sqs.Queue(this, 'DeadLetters', {
      encryption: sqs.QueueEncryption.SQS_MANAGED,
      enforceSSL: true,
      retentionPeriod: Duration.days(14),
    });
    this.queue = new sqs.Queue(this, 'Queue', {
      encryption: sqs.QueueEncryption.SQS_MANAGED,
      enforceSSL: true,
      // AWS's advice for a Lambda event source: six times the function's timeout, so that retries by the poller
      // and throttled invocations do not make a message visible again while it is still being worked on.
      visibilityTimeout: Duration.seconds(props.workerTimeout.toSeconds() * 6),
      // A batch older than a day is stale (the worker drops batches older than a schedule period anyway).
      retentionPeriod: Duration.days(1),
      deadLetterQueue: { queue: this.deadLetterQueue, maxReceiveCount: props.maxReceiveCount ?? 3 },
    });
  }
}
