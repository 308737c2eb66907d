import { Duration, Stack, Validations } from 'aws-cdk-lib';
import * as iam from 'aws-cdk-lib/aws-iam';
import type * as lambda from 'aws-cdk-lib/aws-lambda';
import * as scheduler from 'aws-cdk-lib/aws-scheduler';
import * as sqs from 'aws-cdk-lib/aws-sqs';
import { Construct } from 'constructs';
import type { ScheduleExpression } from '../../functions/core/schedule-expression';
import type { ScheduledTask } from '../../functions/lambda/scheduled-event';
import type { CertwatchFunction } from './certwatch-function';

/** When a task runs (UTC), and the function that runs it. */
export interface ScheduledInvocation {
  readonly expression: ScheduleExpression;
  readonly target: CertwatchFunction;
}

export interface WatchSchedulesProps {
  /** Task -> when and where. A task without one is not scheduled. */
  readonly schedules: Readonly<Partial<Record<ScheduledTask, ScheduledInvocation>>>;
  /**
   * Attempts after the first, both for delivering the event (EventBridge Scheduler) and for the invocation that
   * failed (Lambda's asynchronous retries).
   * @default 2
   */
  readonly retryAttempts?: number;
}

/**
 * EventBridge Scheduler schedules (not EventBridge rules) for the scheduled and inventory functions, each with a retry policy. An
 * event that cannot be delivered, or whose invocation still fails after its retries, ends on the dead-letter queue
 * (an alarm watches it); an event older than its schedule's period is not worth retrying: the next one is due.
 */
export class WatchSchedules extends Construct {
  readonly deadLetterQueue: sqs.Queue;
  readonly schedules: Partial<Record<ScheduledTask, scheduler.Schedule>> = {};

  constructor(scope: Construct, id: string, props: WatchSchedulesProps) {
    super(scope, id);
    const retryAttempts = props.retryAttempts ?? 2;
    this.deadLetterQueue = new sqs.Queue(this, 'DeadLetters', { encryption: sqs.QueueEncryption.SQS_MANAGED, enforceSSL: true, retentionPeriod: Duration.days(14) });
    Validations.of(this.deadLetterQueue).acknowledge({
      id: 'AwsSolutions-SQS3',
      reason: 'this queue is itself a dead-letter queue (of the schedules and of the scheduled functions\' asynchronous invocations); no redrive policy names it, so cdk-nag cannot tell',
    });
    const scheduled = Object.entries(props.schedules) as [ScheduledTask, ScheduledInvocation][];
    const targets = [...new Set(scheduled.map(([, { target }]) => target))];
    // The schedules' own role: it may invoke exactly these functions (unqualified: no version or alias) and put
    // undeliverable events on the dead-letter queue. Only EventBridge Scheduler of this account may assume it.
    const role = new iam.Role(this, 'Role', {
      assumedBy: new iam.ServicePrincipal('scheduler.amazonaws.com', { conditions: { StringEquals: { 'aws:SourceAccount': Stack.of(this).account } } }),
      description: 'certwatch: EventBridge Scheduler invokes the scheduled functions',
    });
    role.addToPolicy(new iam.PolicyStatement({ actions: ['lambda:InvokeFunction'], resources: targets.map((target) => target.function.functionArn) }));
    role.addToPolicy(new iam.PolicyStatement({ actions: ['sqs:SendMessage'], resources: [this.deadLetterQueue.queueArn] }));
    for (const [task, { expression, target: invoked }] of scheduled) {
      const target: scheduler.IScheduleTarget = {
        bind: () => ({
          arn: invoked.function.functionArn,
          role,
          input: scheduler.ScheduleTargetInput.fromObject({ task }),
          retryPolicy: { maximumRetryAttempts: retryAttempts, maximumEventAgeInSeconds: clamp(expression.longestGapMs, Duration.minutes(1), Duration.hours(24)).toSeconds() },
          deadLetterConfig: { arn: this.deadLetterQueue.queueArn },
        }),
      };
      this.schedules[task] = new scheduler.Schedule(this, pascal(task), {
        description: `certwatch: ${task}`,
        schedule: scheduler.ScheduleExpression.expression(expression.expression),
        target,
      });
    }
    for (const target of targets) {
      const gaps = scheduled.filter(([, invocation]) => invocation.target === target).map(([, { expression }]) => expression.longestGapMs);
      target.function.configureAsyncInvoke({
        retryAttempts,
        // Lambda keeps an event for at most 6 hours; the shortest period of the function's tasks bounds it.
        maxEventAge: clamp(Math.min(...gaps), Duration.minutes(1), Duration.hours(6)),
        onFailure: onlySendTo(this.deadLetterQueue),
      });
    }
  }
}

/**
 * Lambda's on-failure destination, delivered with the function's role: sqs:SendMessage on the queue and nothing
 * else (the CDK's SqsDestination grants GetQueueAttributes and GetQueueUrl too, which Lambda does not call).
 */
function onlySendTo(queue: sqs.IQueue): lambda.IDestination {
  return {
    bind: (_scope, fn) => {
      fn.grantPrincipal.addToPrincipalPolicy(new iam.PolicyStatement({ actions: ['sqs:SendMessage'], resources: [queue.queueArn] }));
      return { destination: queue.queueArn };
    },
  };
}

function clamp(ms: number, min: Duration, max: Duration): Duration {
  return Duration.seconds(Math.min(max.toSeconds(), Math.max(min.toSeconds(), Math.floor(ms / 1000))));
}

function pascal(task: string): string {
  return task[0].toUpperCase() + task.slice(1);
}
