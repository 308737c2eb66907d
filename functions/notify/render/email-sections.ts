import { INVALID_STAGE } from '../../core/escalation/alerts';
import { DETAIL_LIMITS } from '../../core/safe-text';
import { ackCommand, alertToAcknowledge } from './certwatch-commands';
import { boundedList, section } from './email-layout';
import type { MessageView } from './message-view';
import type { AddressSeen } from '../../core/watch-state';
import { longDuration, snoozeExample, utcMinutes, utcSeconds } from './time-format';
import { safeField, safeLine } from './untrusted-text';

// The sections several emails share: the certificate (WHAT, WHERE, WHEN, CHAIN, FINDINGS), how to acknowledge,
// and the footer naming the notification.

/** WHAT / WHERE / WHEN / CHAIN / FINDINGS for a known certificate; WHERE and the days left when it is not. */
export function certificateSections(view: MessageView, title = 'WHAT'): string[] {
  const { certificate, notification } = view;
  if (!certificate) return [...section('WHERE', whereLines(view)), ...addressesSection(view), ...section('WHEN', [`Days left:     ${notification.daysRemaining ?? 'unknown'} (certificate details not recorded)`])];
  const sans = certificate.sans.slice(0, DETAIL_LIMITS.sans).map(safeField);
  // The engine stores the first names only; `sanCount` is how many the certificate has.
  const sanTotal = Math.max(certificate.sanCount ?? 0, certificate.sans.length);
  const listed = sans.join(', ');
  const more = sanTotal > sans.length ? `, ... and ${sanTotal - sans.length} more` : '';
  const chain = boundedList(certificate.chain, DETAIL_LIMITS.chain, (cert, index) => {
    const mark = cert === view.governing ? '  <- expires first' : '';
    return `  ${index + 1}. ${safeField(cert.subject)}  notAfter ${utcSeconds(cert.notAfter)}${cert.selfIssued ? '  (self-issued)' : ''}${mark}`;
  }, '  ');
  const findings = boundedList(certificate.findings, DETAIL_LIMITS.findings, (finding) => `  - [${finding.severity}] ${finding.code}: ${safeField(finding.message)}`, '  ');
  return [
    ...section(title, [
      `Certificate:   ${safeField(certificate.subject)}`,
      `Names (SANs):  ${sanTotal === 0 ? 'none' : `${listed}${more} (${sanTotal} in total)`}`,
      `Issuer:        ${safeField(certificate.issuer)}`,
      `Serial:        ${safeField(certificate.serialNumber)}`,
      `SHA-256:       ${safeField(certificate.fingerprintSha256)}`,
    ]),
    ...section('WHERE', whereLines(view)),
    ...addressesSection(view),
    ...section('WHEN', [
      `Expires:       ${utcSeconds(certificate.notAfter)} (notAfter ${safeLine(certificate.notAfter)})`,
      `Time left:     ${view.remainingMs === null ? 'unknown' : view.remainingMs < 0 ? `none: expired ${longDuration(-view.remainingMs)} ago` : longDuration(view.remainingMs)}`,
      `Valid from:    ${utcSeconds(certificate.notBefore)}`,
      notification.kind !== 'recovery'
        ? `Stage:         ${notification.stage} (status ${notification.status})`
        : notification.corrects
          ? `Alert:         "${notification.corrects.stage}" sent early, by a clock that was ahead; ${notification.stageNow !== undefined ? `the stage is "${notification.stageNow}"` : 'in no stage'} (status now ${notification.status})`
          : notification.stageNow !== undefined && notification.stage !== 'error'
          ? `Alert:         "${notification.stage}", eased to "${notification.stageNow}" (status now ${notification.status})`
          : `Alert:         "${notification.stage}", resolved (status now ${notification.status})`,
      `As of:         ${utcSeconds(view.now.toISOString())}`,
    ]),
    ...(chain.length > 0 ? [`CHAIN (leaf first)`, ...chain, ''] : []),
    // EXPIRES_SOON and EXPIRED are not stored (WHEN says the time left), so an expiring certificate may list none.
    ...(findings.length > 0 ? ['FINDINGS', ...findings, ''] : section('FINDINGS', [notification.kind === 'expiry' ? 'none besides the expiry (see WHEN)' : 'none'])),
  ];
}

export function whereLines(view: MessageView): string[] {
  const { notification } = view;
  const addresses = view.addressSummary ?? (view.addresses ? `all ${view.addresses.total} serve the same certificate` : null);
  return [
    `Target:        ${view.target}`,
    `Certificate id: ${safeLine(notification.certificateId)}`,
    ...(notification.owner ? [`Owner:         ${safeField(notification.owner)}`] : []),
    ...(addresses ? [`Addresses:     ${addresses}`] : []),
  ];
}

/** ADDRESSES: each address behind the name and what it serves (or last served), the stale ones marked. */
export function addressesSection(view: MessageView): string[] {
  const entries = view.notification.addresses ?? [];
  if (entries.length === 0) return [];
  const total = view.notification.addressCount ?? entries.length;
  const stale = new Set(view.addresses?.stale ?? []);
  const width = Math.max(...entries.map((entry) => entry.address.length));
  const served = (entry: AddressSeen) => `SHA-256 ${safeLine(entry.fingerprintSha256 ?? '').slice(0, 11)}... expiring ${utcMinutes(entry.notAfter)}`;
  const listed = entries.map((entry) => {
    const what = entry.errorCode === null
      ? `serves ${served(entry)}`
      : `could not be checked (${safeLine(entry.errorCode)})${entry.fingerprintSha256 ? `; last served ${served(entry)}` : ''}`;
    return `  ${safeLine(entry.address).padEnd(width)}  ${what}${stale.has(entry.address) ? '  <- older than the others' : ''}`;
  });
  const more = total > entries.length ? [`  ... and ${total - entries.length} more, serving the newest certificate`] : [];
  return [`ADDRESSES (${total} probed)`, ...listed, ...more, ''];
}

/** HOW TO ACKNOWLEDGE: what acknowledging silences, the CLI command, the Lambda payload, and how long it lasts. */
export function acknowledgeLines(view: MessageView): string[] {
  const { notification } = view;
  const until = snoozeExample(view.now);
  const alert = alertToAcknowledge(notification);
  const payload = JSON.stringify({ action: 'ack', certificateId: notification.certificateId, ...(alert ? { alert } : {}), until });
  const silences = {
    error: 'Acknowledging silences the reminders for this probe failure.',
    invalid: 'Acknowledging silences the reminders that clients reject this certificate (not the expiry notices); serving another certificate clears it.',
    expiry: `Acknowledging silences the "${notification.stage}" reminders for this certificate; a later stage still notifies, and a replaced certificate clears it.`,
  };
  const lasting = { error: 'the probe recovers', invalid: 'another certificate is served or clients accept it again', expiry: 'the stage changes' };
  return [
    silences[alert ?? 'expiry'],
    `CLI:     ${ackCommand(notification)} --until ${until}`,
    `Lambda:  invoke the certwatch on-demand function with ${payload}`,
    `Leave out --until (and "until") to stay silent until ${lasting[alert ?? 'expiry']}.`,
  ];
}

export function footer(view: MessageView): string[] {
  const { notification } = view;
  return ['--', `certwatch ${notification.kind} notification ${safeLine(notification.id)}, stage ${notification.stage}, to ${notification.audiences.join(', ') || 'nobody'}, decided ${utcSeconds(notification.decidedAt)}.`];
}

/**
 * ACKNOWLEDGED: the certificate's acknowledgements when the notice was decided (the one of a stage it just left among
 * them): who said they are on it, since and until when, and their note (`OPS-42`). Nothing when there are none.
 */
export function acknowledgedSection(view: MessageView): string[] {
  const acknowledgements = view.notification.acknowledgements ?? [];
  if (acknowledgements.length === 0) return [];
  return section(
    'ACKNOWLEDGED',
    acknowledgements.map((ack) => {
      const what = ack.stage === 'error' ? 'The probe-failure alert' : ack.stage === INVALID_STAGE ? 'The invalid-certificate alert' : `The "${safeField(ack.stage)}" stage`;
      const by = ack.by ? ` by ${safeField(ack.by)}` : '';
      const until = ack.until ? ` until ${utcMinutes(ack.until)}${Date.parse(ack.until) <= view.now.getTime() ? ' (over)' : ''}` : '';
      return `${what}: acknowledged${by} on ${utcMinutes(ack.at)}${until}${ack.note ? `: ${safeField(ack.note)}` : ''}`;
    }),
  );
}
