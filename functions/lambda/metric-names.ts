import type { Status } from '../core/check-result';

// The names of certwatch's own metrics (embedded metric format, namespace Certwatch, dimension `service`): emitted
// by the functions, graphed and alarmed on by the CDK constructs. Counts are sent only when not zero (addCount).

export const METRICS_NAMESPACE = 'Certwatch';

export const WATCH_METRICS = {
  /** Days left of the soonest-expiring certificate a batch saw (graph the Minimum). */
  soonestDaysRemaining: 'SoonestDaysRemaining',
  /** Certificates per status, per batch (graph the Sum over a schedule period); `error` is ProbeErrors. */
  certificates: { ok: 'CertificatesOk', warning: 'CertificatesWarning', critical: 'CertificatesCritical', expired: 'CertificatesExpired', error: 'ProbeErrors' },
  notificationsSent: 'NotificationsSent',
  notificationsFailed: 'NotificationsFailed',
  /** From the first batch sent to the last batch done, once per completed run: the dead-man's switch counts these. */
  runDuration: 'RunDuration',
} as const satisfies { certificates: Record<Status, string> } & Record<string, unknown>;

/** The log line a worker writes for each certificate inside an escalation stage (the dashboard's table). */
export const EXPIRING_LOG_MESSAGE = 'certificate in an escalation stage';

/** The log line of a batch a worker could not finish (malformed, or a state it could not write): the dashboard counts them. */
export const BATCH_FAILED_LOG_MESSAGE = 'probe batch failed; SQS offers it again until its receive limit';
