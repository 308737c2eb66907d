import { Duration } from 'aws-cdk-lib';
import * as sqs from 'aws-cdk-lib/aws-sqs';
import { Construct } from 'constructs';

export interface ProbeQueueProps {
  /**
   * How long a batch a worker took stays hidden: at least the worker's timeout (AWS's advice: six times it, so that
   * retries of a throttled invocation do not make it visible while it is worked on). A failed batch is offered again
   * once it is over: its retry.
   */
  readonly visibilityTimeout: Duration;
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
      visibilityTimeout: props.visibilityTimeout,
      // A batch older than a day is stale (the worker drops batches older than a schedule period anyway).
      retentionPeriod: Duration.days(1),
      deadLetterQueue: { queue: this.deadLetterQueue, maxReceiveCount: props.maxReceiveCount ?? 3 },
    });
  }
}
