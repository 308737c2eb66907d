import { certificateSourceOf } from '../../core/certificate-id';
import { accountAndRegionOf } from '../../core/cloud-scope';
import { DISAPPEARED_STAGE, INVALID_STAGE } from '../../core/escalation/alerts';
import type { PlannedNotification } from '../../core/watch-state';

// The certwatch commands a message tells its reader to run, quoted for a POSIX shell.

/**
 * The command that reads the certificate again, to verify a fix or reproduce a failure: `certwatch check TARGET` (a
 * whole file for one of its certificates), or `certwatch acm` in the listing's region (with `--iam` for IAM).
 */
export function checkCommand(target: string): string {
  const source = certificateSourceOf(target);
  if (source === 'file') return `certwatch check ${shellQuote(target.replace(/#\d+$/, ''))}`;
  if (source === 'acm' || source === 'iam') {
    const region = accountAndRegionOf(target)?.region;
    const role = /:(arn:aws[a-z-]*:iam::\d{12}:role\/.+)$/.exec(target)?.[1];
    const listing = source === 'iam' ? '--iam' : region && region !== '(no region)' ? `--region ${region}` : '';
    return ['certwatch acm', listing, role ? `--role-arn ${shellQuote(role)}` : ''].filter(Boolean).join(' ');
  }
  return `certwatch check ${shellQuote(target)}`;
}

export function ackCommand(notification: PlannedNotification): string {
  // A certificate may have several alerts at once (an expiry stage, a probe failure, a rejected certificate):
  // name the alert so the right one is silenced.
  const alert = alertToAcknowledge(notification);
  return `certwatch ack ${shellQuote(notification.certificateId)}${alert ? ` --alert ${alert}` : ''}`;
}

/** The `--alert` a notice's ack command names: its own, unless it is the expiry stage (the default). */
export function alertToAcknowledge(notification: PlannedNotification): 'error' | 'invalid' | null {
  if (notification.kind !== 'error' || notification.stage === DISAPPEARED_STAGE) return null;
  return notification.stage === INVALID_STAGE ? 'invalid' : 'error';
}

/** Quotes for a POSIX shell when the text has characters a shell would interpret (IPv6 brackets, spaces). */
function shellQuote(text: string): string {
  return /^[A-Za-z0-9_:./@%+=,-]+$/.test(text) ? text : `'${text.replace(/'/g, `'\\''`)}'`;
}
