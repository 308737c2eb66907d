import { rejectingCodes, rejectingFindings } from '../../core/escalation/alerts';
import { DETAIL_LIMITS } from '../../core/safe-text';
import { fitFirst, SMS_MAX_CHARS, SUBJECT_MAX_CHARS, toSmsText } from '../text-limits';
import { ackCommand, checkCommand } from './certwatch-commands';
import { boundedList, lines, numbered, section } from './email-layout';
import { acknowledgedSection, acknowledgeLines, certificateSections, footer } from './email-sections';
import { findingAdvice, shortFixes } from './finding-advice';
import type { MessageView, RenderedMessage } from './message-view';
import { leftClause, utcSeconds } from './time-format';
import { safeField } from './untrusted-text';

/**
 * The certificate served is one clients refuse now (a wrong name, an untrusted or incomplete chain, ...),
 * whatever its expiry: what is wrong, in the findings' own words, and what to do about each.
 */
export function renderInvalid(view: MessageView): RenderedMessage {
  const { notification, certificate } = view;
  const rejecting = rejectingFindings(certificate?.findings ?? []);
  const codes = rejectingCodes(rejecting);
  const codeList = codes.length > 0 ? codes.join(', ') : 'see the findings';
  const headline = `INVALID: clients reject the certificate served by ${view.target}: ${codeList}.`;
  const reasons = boundedList(rejecting, DETAIL_LIMITS.findings, (finding) => `- ${finding.code}: ${safeField(finding.message)}`);
  const email = [
    headline,
    certificate
      ? `It is not about expiry: the certificate ${view.remainingMs !== null && view.remainingMs < 0 ? 'expired' : 'expires'} on ${utcSeconds(certificate.notAfter)}${leftClause(view)}, but browsers and API clients refuse the connection now.`
      : 'Browsers and API clients refuse the connection now.',
    '',
    ...section('WHY CLIENTS REJECT IT', reasons.length > 0 ? reasons : ['see FINDINGS below']),
    ...certificateSections(view),
    ...section('WHAT TO DO', numbered([...findingAdvice(rejecting), `Verify: ${checkCommand(view.target)}`])),
    ...acknowledgedSection(view),
    ...section('HOW TO ACKNOWLEDGE', acknowledgeLines(view)),
    ...footer(view),
  ];
  // Most to least informative: every code before the fixes (the email has those), every code before the words.
  const subjects = codeVariants(codes).flatMap((list) => [` cert rejected by clients: ${list}`, ` rejected by clients: ${list}`]);
  const texts = codeVariants(codes).flatMap((list) => [` cert rejected by clients: ${list}. ${shortFixes(rejecting)}`, ` cert rejected by clients: ${list}`]);
  return {
    subject: fitFirst('[certwatch] INVALID ', view.asciiTarget, subjects, SUBJECT_MAX_CHARS),
    sms: fitFirst('CERTWATCH INVALID ', toSmsText(view.asciiTarget), texts.map(toSmsText), SMS_MAX_CHARS),
    email: lines(email),
    default: lines([headline, `Target: ${view.target}`, `Certificate id: ${notification.certificateId}`, `Acknowledge: ${ackCommand(notification)}`]),
  };
}

/** The finding codes as a list, then shorter: the first ones and how many more. */
function codeVariants(codes: readonly string[]): string[] {
  if (codes.length === 0) return ['see the findings'];
  return codes.map((_, index) => {
    const shown = codes.slice(0, codes.length - index).join(', ');
    return index === 0 ? shown : `${shown} +${index} more`;
  });
}
