import { Duration } from 'aws-cdk-lib';
import * as cloudwatch from 'aws-cdk-lib/aws-cloudwatch';
import { SnsAction } from 'aws-cdk-lib/aws-cloudwatch-actions';
import type * as sns from 'aws-cdk-lib/aws-sns';
import type * as sqs from 'aws-cdk-lib/aws-sqs';
import { Construct } from 'constructs';
import { EXPIRING_LOG_MESSAGE, METRICS_NAMESPACE, WATCH_METRICS } from '../../functions/lambda/metric-names';
import type { CertwatchFunction } from './certwatch-function';

export interface WatchMonitoringProps {
  readonly scheduled: CertwatchFunction;
  readonly workers: CertwatchFunction;
  /** @default none (no ACM or IAM in the config) */
  readonly inventory?: CertwatchFunction;
  readonly probeQueue: sqs.IQueue;
  /** Every dead-letter queue of the deployment: a message on any of them is a run that did not happen. */
  readonly deadLetterQueues: readonly sqs.IQueue[];
  /** Where the alarms go (and their return to OK). */
  readonly alarmTopic: sns.ITopic;
  /** The `service` dimension the functions emit their metrics with. */
  readonly serviceName: string;
  /** The probe schedule's longest gap between runs: the dashboard's period, and the dead-man's switch's. */
  readonly probePeriod: Duration;
}

/**
 * The watcher's own health: three alarms that reach the alarm topic, and one dashboard.
 * - WatcherErrors: the scheduled function, a worker or the inventory failed, a batch could not be finished, or a notification
 *   could not be published.
 * - DeadLetters: a schedule event, an invocation or a probe batch ended on a dead-letter queue.
 * - DeadMansSwitch: no probe run completed in two schedule periods (no data counts as breaching): a watcher that
 *   stopped, for whatever reason, is the worst failure it can have.
 */
export class WatchMonitoring extends Construct {
  readonly errorsAlarm: cloudwatch.Alarm;
  readonly deadLettersAlarm: cloudwatch.Alarm;
  readonly deadMansSwitch: cloudwatch.Alarm;
  readonly dashboard: cloudwatch.Dashboard;

  constructor(scope: Construct, id: string, props: WatchMonitoringProps) {
    super(scope, id);
    const period = Duration.minutes(Math.max(1, Math.ceil(props.probePeriod.toMinutes({ integral: false }))));
    const watchMetric = (metricName: string, statistic: string, label: string, metricPeriod: Duration = period) =>
      new cloudwatch.Metric({ namespace: METRICS_NAMESPACE, metricName, dimensionsMap: { service: props.serviceName }, statistic, period: metricPeriod, label });
    const fiveMinutes = Duration.minutes(5);
    const action = new SnsAction(props.alarmTopic);

    this.errorsAlarm = new cloudwatch.MathExpression({
      expression: `FILL(scheduled, 0) + FILL(workers, 0) + ${props.inventory ? 'FILL(inventory, 0) + ' : ''}FILL(batches, 0) + FILL(unpublished, 0)`,
      usingMetrics: {
        scheduled: props.scheduled.function.metricErrors({ period: fiveMinutes, statistic: 'Sum' }),
        workers: props.workers.function.metricErrors({ period: fiveMinutes, statistic: 'Sum' }),
        ...(props.inventory ? { inventory: props.inventory.function.metricErrors({ period: fiveMinutes, statistic: 'Sum' }) } : {}),
        batches: watchMetric(WATCH_METRICS.batchesFailed, 'Sum', 'batches failed', fiveMinutes),
        unpublished: watchMetric(WATCH_METRICS.notificationsFailed, 'Sum', 'notifications failed', fiveMinutes),
      },
      period: fiveMinutes,
      label: 'function errors, failed batches and notifications that failed',
    }).createAlarm(this, 'WatcherErrors', {
      alarmDescription:
        'certwatch: the scheduled function or a probe worker failed, a batch could not be finished, or a notification could not be published (see their logs)',
      threshold: 1,
      evaluationPeriods: 1,
      comparisonOperator: cloudwatch.ComparisonOperator.GREATER_THAN_OR_EQUAL_TO_THRESHOLD,
      treatMissingData: cloudwatch.TreatMissingData.NOT_BREACHING,
    });

    const deadLetters = Object.fromEntries(
      props.deadLetterQueues.map((queue, index) => [`dlq${index}`, queue.metricApproximateNumberOfMessagesVisible({ period: fiveMinutes, statistic: 'Maximum' })]),
    );
    this.deadLettersAlarm = new cloudwatch.MathExpression({
      expression: Object.keys(deadLetters)
        .map((name) => `FILL(${name}, 0)`)
        .join(' + '),
      usingMetrics: deadLetters,
      period: fiveMinutes,
      label: 'messages on dead-letter queues',
    }).createAlarm(this, 'DeadLetters', {
      alarmDescription: 'certwatch: a schedule event, a scheduled invocation or a probe batch failed for good and waits on a dead-letter queue',
      threshold: 1,
      evaluationPeriods: 1,
      comparisonOperator: cloudwatch.ComparisonOperator.GREATER_THAN_OR_EQUAL_TO_THRESHOLD,
      treatMissingData: cloudwatch.TreatMissingData.NOT_BREACHING,
    });

    const runsCompleted = watchMetric(WATCH_METRICS.runDuration, 'SampleCount', 'probe runs completed');
    this.deadMansSwitch = runsCompleted.createAlarm(this, 'DeadMansSwitch', {
      alarmDescription: `certwatch: no probe run completed in two schedule periods (${period.toHumanString()} each): the watcher has stopped watching`,
      threshold: 1,
      evaluationPeriods: 2,
      datapointsToAlarm: 2,
      comparisonOperator: cloudwatch.ComparisonOperator.LESS_THAN_THRESHOLD,
      treatMissingData: cloudwatch.TreatMissingData.BREACHING,
    });

    for (const alarm of [this.errorsAlarm, this.deadLettersAlarm, this.deadMansSwitch]) {
      alarm.addAlarmAction(action);
      alarm.addOkAction(action);
    }

    const statuses = WATCH_METRICS.certificates;
    const queueMetrics = [
      props.probeQueue.metricApproximateNumberOfMessagesVisible({ period: fiveMinutes, statistic: 'Maximum', label: 'batches waiting' }),
      props.probeQueue.metricApproximateNumberOfMessagesNotVisible({ period: fiveMinutes, statistic: 'Maximum', label: 'batches in progress' }),
      ...props.deadLetterQueues.map((queue, index) =>
        queue.metricApproximateNumberOfMessagesVisible({ period: fiveMinutes, statistic: 'Maximum', label: `dead letters (${index === 0 ? 'probe batches' : 'schedules'})` }),
      ),
    ];
    this.dashboard = new cloudwatch.Dashboard(this, 'Dashboard', { defaultInterval: Duration.days(7) });
    this.dashboard.addWidgets(
      new cloudwatch.SingleValueWidget({
        title: 'Soonest expiry (days left)',
        metrics: [watchMetric(WATCH_METRICS.soonestDaysRemaining, 'Minimum', 'days left, soonest certificate')],
        width: 6,
      }),
      new cloudwatch.GraphWidget({
        title: 'Certificates by status (per probe run)',
        stacked: true,
        left: [
          watchMetric(statuses.ok, 'Sum', 'ok'),
          watchMetric(statuses.warning, 'Sum', 'warning'),
          watchMetric(statuses.critical, 'Sum', 'critical'),
          watchMetric(statuses.expired, 'Sum', 'expired'),
          watchMetric(statuses.error, 'Sum', 'probe failed'),
        ],
        width: 18,
      }),
    );
    this.dashboard.addWidgets(
      new cloudwatch.LogQueryWidget({
        title: 'Soonest-expiring certificates (inside an escalation stage)',
        logGroupNames: [props.workers.logGroup.logGroupName],
        queryLines: [
          'fields certificateId, daysRemaining, stage, notAfter',
          `filter message = "${EXPIRING_LOG_MESSAGE}"`,
          'stats min(daysRemaining) as daysLeft, latest(stage) as currentStage, latest(notAfter) as expires by certificateId',
          'sort daysLeft asc',
          'limit 50',
        ],
        view: cloudwatch.LogQueryVisualizationType.TABLE,
        width: 24,
        height: 8,
      }),
    );
    this.dashboard.addWidgets(
      new cloudwatch.GraphWidget({
        title: 'Failures',
        left: [
          watchMetric(statuses.error, 'Sum', 'probes failed'),
          watchMetric(WATCH_METRICS.batchesFailed, 'Sum', 'batches failed'),
          watchMetric(WATCH_METRICS.notificationsFailed, 'Sum', 'notifications failed'),
          props.scheduled.function.metricErrors({ period, statistic: 'Sum', label: 'scheduled function errors' }),
          props.workers.function.metricErrors({ period, statistic: 'Sum', label: 'worker errors' }),
          ...(props.inventory ? [props.inventory.function.metricErrors({ period, statistic: 'Sum', label: 'inventory errors' })] : []),
        ],
        width: 12,
      }),
      new cloudwatch.GraphWidget({
        title: 'Notifications',
        left: [watchMetric(WATCH_METRICS.notificationsSent, 'Sum', 'sent'), watchMetric(WATCH_METRICS.notificationsFailed, 'Sum', 'failed')],
        width: 12,
      }),
    );
    this.dashboard.addWidgets(
      new cloudwatch.GraphWidget({ title: 'Probe queue depth', left: queueMetrics, width: 12 }),
      new cloudwatch.GraphWidget({
        title: 'Probe runs',
        left: [watchMetric(WATCH_METRICS.runDuration, 'Maximum', 'run duration (ms)')],
        right: [runsCompleted],
        width: 12,
      }),
    );
    this.dashboard.addWidgets(
      new cloudwatch.AlarmStatusWidget({ title: 'Alarms', alarms: [this.errorsAlarm, this.deadLettersAlarm, this.deadMansSwitch], width: 24 }),
    );
  }
}
