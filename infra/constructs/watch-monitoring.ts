import { Duration } from 'aws-cdk-lib';
import * as cloudwatch from 'aws-cdk-lib/aws-cloudwatch';
import { SnsAction } from 'aws-cdk-lib/aws-cloudwatch-actions';
import type * as sns from 'aws-cdk-lib/aws-sns';
import type * as sqs from 'aws-cdk-lib/aws-sqs';
import { Construct } from 'constructs';
import { BATCH_FAILED_LOG_MESSAGE, EXPIRING_LOG_MESSAGE, METRICS_NAMESPACE, WATCH_METRICS } from '../../functions/lambda/metric-names';
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
  /** Whether to build the dashboard ($3 a month beyond an account's first three). @default true */
  readonly dashboard?: boolean;
}

/**
 * The watcher's own health: three alarms that reach the alarm topic, and one dashboard. Each alarm watches as few
 * metrics as tell it (CloudWatch bills an alarm by the metrics it reads):
 * - WatcherErrors: the scheduled function, a worker or the inventory failed (an error Lambda counts: a crash, a time
 *   out, an invocation that threw), or a notification could not be published. A batch a worker could not finish is
 *   offered again: one that keeps failing ends on a dead-letter queue (DeadLetters), and its run never completes (the
 *   dead-man's switch); the dashboard counts them.
 * - DeadLetters: a schedule event, an invocation or a probe batch ended on a dead-letter queue.
 * - DeadMansSwitch: no probe run completed in two schedule periods (no data counts as breaching): a watcher that
 *   stopped, for whatever reason, is the worst failure it can have.
 */
export class WatchMonitoring extends Construct {
  readonly errorsAlarm: cloudwatch.Alarm;
  readonly deadLettersAlarm: cloudwatch.Alarm;
  readonly deadMansSwitch: cloudwatch.Alarm;
  /** Absent when WatchMonitoringProps.dashboard is false. */
  readonly dashboard?: cloudwatch.Dashboard;

  constructor(scope: Construct, id: string, props: WatchMonitoringProps) {
    super(scope, id);
    const period = Duration.minutes(Math.max(1, Math.ceil(props.probePeriod.toMinutes({ integral: false }))));
    const watchMetric = (metricName: string, statistic: string, label: string, metricPeriod: Duration = period) =>
      new cloudwatch.Metric({ namespace: METRICS_NAMESPACE, metricName, dimensionsMap: { service: props.serviceName }, statistic, period: metricPeriod, label });
    const fiveMinutes = Duration.minutes(5);
    const action = new SnsAction(props.alarmTopic);

    this.errorsAlarm = new cloudwatch.MathExpression({
      expression: `FILL(scheduled, 0) + FILL(workers, 0) + ${props.inventory ? 'FILL(inventory, 0) + ' : ''}FILL(unpublished, 0)`,
      usingMetrics: {
        scheduled: props.scheduled.function.metricErrors({ period: fiveMinutes, statistic: 'Sum' }),
        workers: props.workers.function.metricErrors({ period: fiveMinutes, statistic: 'Sum' }),
        ...(props.inventory ? { inventory: props.inventory.function.metricErrors({ period: fiveMinutes, statistic: 'Sum' }) } : {}),
        unpublished: watchMetric(WATCH_METRICS.notificationsFailed, 'Sum', 'notifications failed', fiveMinutes),
      },
      period: fiveMinutes,
      label: 'function errors and notifications that failed',
    }).createAlarm(this, 'WatcherErrors', {
      alarmDescription: 'certwatch: the scheduled function, a probe worker or the inventory failed, or a notification could not be published (see their logs)',
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

    if (props.dashboard ?? true) this.dashboard = this.buildDashboard(props, { period, fiveMinutes, watchMetric, runsCompleted });
  }

  /**
   * Soonest expiry, certificates by status, the certificates inside a stage, failures, notifications, queue depth, the
   * runs and the alarms. A count a function did not send (nothing happened) is drawn as 0.
   */
  private buildDashboard(
    props: WatchMonitoringProps,
    { period, fiveMinutes, watchMetric, runsCompleted }: { period: Duration; fiveMinutes: Duration; watchMetric: (name: string, statistic: string, label: string) => cloudwatch.Metric; runsCompleted: cloudwatch.Metric },
  ): cloudwatch.Dashboard {
    const counted = (metricName: string, label: string) => {
      const id = `${metricName[0].toLowerCase()}${metricName.slice(1)}`;
      return new cloudwatch.MathExpression({ expression: `FILL(${id}, 0)`, usingMetrics: { [id]: watchMetric(metricName, 'Sum', label) }, label, period });
    };
    const statuses = WATCH_METRICS.certificates;
    const queueMetrics = [
      props.probeQueue.metricApproximateNumberOfMessagesVisible({ period: fiveMinutes, statistic: 'Maximum', label: 'batches waiting' }),
      props.probeQueue.metricApproximateNumberOfMessagesNotVisible({ period: fiveMinutes, statistic: 'Maximum', label: 'batches in progress' }),
      ...props.deadLetterQueues.map((queue, index) =>
        queue.metricApproximateNumberOfMessagesVisible({ period: fiveMinutes, statistic: 'Maximum', label: `dead letters (${index === 0 ? 'probe batches' : 'schedules'})` }),
      ),
    ];
    const dashboard = new cloudwatch.Dashboard(this, 'Dashboard', { defaultInterval: Duration.days(7) });
    dashboard.addWidgets(
      new cloudwatch.SingleValueWidget({
        title: 'Soonest expiry (days left)',
        metrics: [watchMetric(WATCH_METRICS.soonestDaysRemaining, 'Minimum', 'days left, soonest certificate')],
        width: 6,
      }),
      new cloudwatch.GraphWidget({
        title: 'Certificates by status (per probe run)',
        stacked: true,
        left: [
          counted(statuses.ok, 'ok'),
          counted(statuses.warning, 'warning'),
          counted(statuses.critical, 'critical'),
          counted(statuses.expired, 'expired'),
          counted(statuses.error, 'probe failed'),
        ],
        width: 18,
      }),
    );
    dashboard.addWidgets(
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
    dashboard.addWidgets(
      new cloudwatch.GraphWidget({
        title: 'Failures',
        left: [
          counted(statuses.error, 'probes failed'),
          counted(WATCH_METRICS.notificationsFailed, 'notifications failed'),
          props.scheduled.function.metricErrors({ period, statistic: 'Sum', label: 'scheduled function errors' }),
          props.workers.function.metricErrors({ period, statistic: 'Sum', label: 'worker errors' }),
          ...(props.inventory ? [props.inventory.function.metricErrors({ period, statistic: 'Sum', label: 'inventory errors' })] : []),
        ],
        width: 12,
      }),
      new cloudwatch.GraphWidget({
        title: 'Notifications',
        left: [counted(WATCH_METRICS.notificationsSent, 'sent'), counted(WATCH_METRICS.notificationsFailed, 'failed')],
        width: 12,
      }),
    );
    dashboard.addWidgets(
      new cloudwatch.LogQueryWidget({
        title: 'Batches a worker could not finish (offered again; dead letters after three)',
        logGroupNames: [props.workers.logGroup.logGroupName],
        queryLines: [`filter message = "${BATCH_FAILED_LOG_MESSAGE}"`, 'stats count(*) as failed by bin(1h)'],
        view: cloudwatch.LogQueryVisualizationType.BAR,
        width: 12,
      }),
      new cloudwatch.GraphWidget({ title: 'Probe queue depth', left: queueMetrics, width: 12 }),
    );
    dashboard.addWidgets(
      new cloudwatch.GraphWidget({
        title: 'Probe runs',
        left: [watchMetric(WATCH_METRICS.runDuration, 'Maximum', 'run duration (ms)')],
        right: [runsCompleted],
        width: 12,
      }),
      new cloudwatch.AlarmStatusWidget({ title: 'Alarms', alarms: [this.errorsAlarm, this.deadLettersAlarm, this.deadMansSwitch], width: 12 }),
    );
    return dashboard;
  }
}
