import { Metrics } from '@aws-lambda-powertools/metrics';
import { METRICS_NAMESPACE } from './metric-names';

/**
 * certwatch's metrics, in CloudWatch's embedded metric format (log lines, no PutMetricData call), dimension
 * `service` from POWERTOOLS_SERVICE_NAME (one per deployment). Handlers add metrics and publish them before they
 * return.
 */
export const metrics = new Metrics({ namespace: METRICS_NAMESPACE });
