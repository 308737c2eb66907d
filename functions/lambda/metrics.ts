import { MetricUnit, Metrics } from '@aws-lambda-powertools/metrics';
import { METRICS_NAMESPACE } from './metric-names';

/**
 * certwatch's metrics, in CloudWatch's embedded metric format (log lines, no PutMetricData call), dimension
 * `service` from POWERTOOLS_SERVICE_NAME (one per deployment). Handlers add metrics and publish them before they
 * return.
 */
export const metrics = new Metrics({ namespace: METRICS_NAMESPACE });

/**
 * Adds a count of things that happened, only when some did: CloudWatch bills a custom metric for each hour it receives
 * data in, so a count of nothing is not sent (certificates expired, notifications failed: zero almost every hour).
 * The dashboard's graphs and the alarms read a missing count as 0.
 */
export function addCount(name: string, count: number): void {
  if (count > 0) metrics.addMetric(name, MetricUnit.Count, count);
}
