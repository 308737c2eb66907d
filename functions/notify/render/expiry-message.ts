import { listAddresses } from '../../core/addresses';
import { fitFirst, SMS_MAX_CHARS, SUBJECT_MAX_CHARS, toSmsText } from '../text-limits';
import { ackCommand, checkCommand } from './certwatch-commands';
import { lines, numbered, section } from './email-layout';
import { acknowledgedSection, acknowledgeLines, certificateSections, footer } from './email-sections';
import { findingAdvice } from './finding-advice';
import type { MessageView, RenderedMessage } from './message-view';
import { longDuration, shortWhen, utcSeconds } from './time-format';
import { safeField } from './untrusted-text';

// An expiry stage reached: how long is left, which certificate of the chain governs, and how to renew it.

export function renderExpiry(view: MessageView): RenderedMessage {
  const { notification, certificate } = view;
  const label = notification.stage.toUpperCase();
  const when = `${view.governingIsLeaf ? '' : 'intermediate '}${shortWhen(view)}`;
  const which = view.governingIsLeaf ? 'certificate' : 'intermediate certificate';
  const headline = view.remainingMs !== null && view.remainingMs < 0
    ? `${label}: the ${which} for ${view.target} expired ${longDuration(-view.remainingMs)} ago, on ${utcSeconds(certificate?.notAfter)}.`
    : `${label}: the ${which} for ${view.target} expires in ${view.remainingMs === null ? 'an unknown time' : longDuration(view.remainingMs)}, on ${utcSeconds(certificate?.notAfter)}.`;
  const stale = view.addresses?.stale ?? [];
  const email = [
    headline,
    view.addressSummary ? `${view.addressSummary}.` : null,
    view.governingIsLeaf || !view.governing ? null : `It is the intermediate "${safeField(view.governing.subject)}" that expires first, before the leaf.`,
    '',
    ...certificateSections(view),
    ...section('WHAT TO DO', renewalAdvice(view)),
    ...acknowledgedSection(view),
    ...section('HOW TO ACKNOWLEDGE', acknowledgeLines(view)),
    ...footer(view),
  ];
  // A pool with stale nodes: where the old certificate still is, as far as the line has room.
  const onStale = stale.length > 0 && view.addresses ? [` ${when} on ${listAddresses(stale)} (${stale.length} of ${view.addresses.total})`, ` ${when} on ${stale.length} of ${view.addresses.total} addresses`] : [];
  return {
    subject: fitFirst(`[certwatch] ${label} `, view.asciiTarget, [...onStale.slice(1), ` ${when}`], SUBJECT_MAX_CHARS),
    sms: fitFirst(toSmsText(`CERTWATCH ${label} `), toSmsText(view.asciiTarget), [...onStale, ` ${when}`].map(toSmsText), SMS_MAX_CHARS),
    email: lines(email),
    default: lines([headline, `Target: ${view.target}`, `Certificate id: ${notification.certificateId}`, `Stage: ${notification.stage}, status: ${notification.status}`, `Acknowledge: ${ackCommand(notification)}`]),
  };
}

function renewalAdvice(view: MessageView): string[] {
  const { target, governing } = view;
  const advice: string[] = [];
  if (!view.governingIsLeaf && governing) {
    advice.push(`The intermediate "${safeField(governing.subject)}" expires first: install the current chain (intermediates) from your CA on every server behind ${target}; renewing the leaf alone keeps the old intermediate if the server is configured with it.`);
  } else if (isAcm(view.notification.certificateId)) {
    advice.push('ACM-issued: check the renewal status in ACM (the DNS validation records must still exist and the certificate must be in use). Imported: re-import the renewed certificate into the same ARN.');
  } else if (view.addresses && view.addresses.stale.length > 0) {
    const stale = view.addresses.stale;
    advice.push(`The renewed certificate is deployed on ${view.addresses.newest.count} of ${view.addresses.total} addresses behind ${target}: deploy it to ${listAddresses(stale)} too and reload ${stale.length === 1 ? 'it' : 'them'} (a node the load balancer or DNS rotation still sends clients to).`);
  } else {
    advice.push('Renew the certificate, or find out why automated renewal (certbot, cert-manager, your CA) has not replaced it.');
    advice.push(`Deploy it to every server behind ${target} and reload them.`);
  }
  advice.push(...findingAdvice(view.certificate?.findings ?? []));
  advice.push(`Verify: ${checkCommand(view.target)}`);
  return numbered(advice);
}

function isAcm(certificateId: string): boolean {
  return /^arn:aws[a-z-]*:acm:/.test(certificateId);
}
