import type { Status } from '../core/check-result';

// The names of certwatch's own metrics (embedded metric format, namespace Certwatch, dimension `service`): emitted
// by the functions, graphed and alarmed on by the CDK constructs.

export const METRICS_NAMESPACE = 'Certwatch';

export const WATCH_METRICS = {
  /** Days left of the soonest-expiring certificate a batch saw (graph the Minimum). */
  soonestDaysRemaining: 'SoonestDaysRemaining',
  /** Certificates per status, per batch (graph the Sum over a schedule period); `error` is ProbeErrors. */
  certificates: { ok: 'CertificatesOk', warning: 'CertificatesWarning', critical: 'CertificatesCritical', expired: 'CertificatesExpired', error: 'ProbeErrors' },
  notificationsSent: 'NotificationsSent',
  notificationsFailed: 'NotificationsFailed',
  /** Batches a worker could not finish (malformed, or a state it could not write): offered again, or dead letters. */
  batchesFailed: 'BatchesFailed',
  /** From the first batch sent to the last batch done, once per completed run: the dead-man's switch counts these. */
  runDuration: 'RunDuration',
} as const satisfies { certificates: Record<Status, string> } & Record<string, unknown>;

/** The log line a worker writes for each certificate inside an escalation stage (the dashboard's table). */
export const EXPIRING_LOG_MESSAGE = 'certificate in an escalation stage';
