import type { Finding } from '../../core/check-result';
import { EXPIRY_FINDING_CODES, INVALID_STAGE } from '../../core/escalation/alerts';
import type { KnownCertificate } from '../../core/watch-state';
import { fitLine, SMS_MAX_CHARS, SUBJECT_MAX_CHARS, toSmsText } from '../text-limits';
import { checkCommand } from './certwatch-commands';
import { lines, numbered, section } from './email-layout';
import { acknowledgedSection, certificateSections, footer } from './email-sections';
import { findingAdvice, shortFixes } from './finding-advice';
import type { MessageView, RenderedMessage } from './message-view';
import { leftClause, shortDuration, utcDate, utcSeconds } from './time-format';

/**
 * An alert over. Five shapes: a probe answering again (stage `error`), a certificate accepted by clients again
 * (stage `invalid`), an expiry alert over (left every stage), one eased (`stageNow`: moved down to a stage that
 * does not notify these audiences), and a correction (`corrects`: a clock that was ahead told a stage the
 * certificate is not in). A certificate served now with problems of its own turns "nothing to do" into what to do
 * about them.
 */
export function renderRecovery(view: MessageView): RenderedMessage {
  const { notification, certificate } = view;
  const fromError = notification.stage === 'error';
  const fromInvalid = notification.stage === INVALID_STAGE;
  const stageNow = fromError || fromInvalid ? undefined : notification.stageNow;
  // A clock that was ahead told a stage the certificate is not in: this says so, and which stage it is in.
  const corrects = fromError || fromInvalid ? undefined : notification.corrects;
  const problems = problemFindings(certificate);
  const broken = problems.some((finding) => finding.severity === 'critical');
  const codes = [...new Set(problems.map((finding) => finding.code))].join(', ');
  const expires = certificate ? `${utcDate(certificate.notAfter)}${view.remainingMs === null || view.remainingMs < 0 ? '' : ` (in ${shortDuration(view.remainingMs)})`}` : '';
  const expiresAt = certificate ? `expires on ${utcSeconds(certificate.notAfter)}${leftClause(view)}` : null;
  const nowExpires = expiresAt ? `${notification.replaced ? 'was replaced and ' : ''}now ${expiresAt}` : '';
  const told = notification.audiences.join(', ') || 'nobody';
  const expiresOn = expiresAt ? `${notification.replaced ? 'was replaced and now ' : ''}${expiresAt}` : 'expires later';

  // Over for the expiry, not for the endpoint: a replacement clients refuse must not read as "nothing to do".
  // A correction says first what it corrects: the certificate's problems follow in the email, and have alerts of their own.
  const label = corrects ? 'CORRECTED' : `${stageNow !== undefined ? 'EASED' : notification.replaced && problems.length > 0 ? 'REPLACED' : 'RESOLVED'}${problems.length === 0 ? '' : broken ? ' BUT BROKEN' : ' WITH PROBLEMS'}`;
  const expiresClause = expiresAt ? `; the certificate ${expiresAt}` : '';
  const headline = corrects
    ? `${label}: the "${corrects.stage}" notice for ${view.target} dated ${utcDate(corrects.decidedAt)} was sent by a clock that was ahead (a host clock that jumped forward, or a run with --force-now): the certificate ${expiresOn}, ${stageNow !== undefined ? `in the "${stageNow}" stage` : 'outside every alert stage'}.`
    : fromError
    ? `${label}: certwatch can check ${view.target} again${expiresClause}.`
    : fromInvalid
      ? `${label}: clients accept the certificate served by ${view.target} again${expiresClause}.`
      : stageNow !== undefined
        ? `${label}: the certificate for ${view.target} ${nowExpires || 'expires later'}, so it has moved down from the "${notification.stage}" stage to "${stageNow}", which does not notify ${told}.`
        : `${label}: the "${notification.stage}" alert for ${view.target} is over${certificate ? `: the certificate ${nowExpires}` : ''}.`;
  const which = fromError ? 'it reads now' : notification.replaced ? 'that replaced it' : 'served now';
  const problemLine = problems.length === 0 ? null : broken ? `But clients will refuse the certificate ${which}: ${codes}.` : `But the certificate ${which} has problems: ${codes}.`;

  const summary = corrects
    ? ` not ${corrects.stage}: ${stageNow !== undefined ? `${stageNow}, ` : ''}${expires ? `expires ${expires}` : 'expires later'}`
    : problems.length > 0
      ? `: ${codes}`
      : fromError
      ? ` reachable again${expires ? `, expires ${expires}` : ''}`
      : fromInvalid
        ? ` accepted by clients again${expires ? `, expires ${expires}` : ''}`
        : stageNow !== undefined
          ? ` down to ${stageNow}${expires ? `, expires ${expires}` : ''}`
          : expires ? ` now expires ${expires}` : ' alert resolved';
  const smsSummary = problems.length > 0 && !corrects ? `${summary}. ${shortFixes(problems)}` : summary;

  const alertName = fromError ? '"error" probe failure alert' : fromInvalid ? `"${INVALID_STAGE}" alert (certificate rejected by clients)` : `"${notification.stage}" expiry alert`;
  const closes = `This closes the ${alertName} sent earlier for ${view.target}`;
  const closing = stageNow !== undefined
    ? `${closes} to ${told}: the "${stageNow}" stage's audiences keep getting its notices, and a later stage that notifies ${told} will notify them again.`
    : `${closes}.`;
  // A certificate clients refuse has its own alert; warnings (a weak key, an overdue renewal) do not.
  const whoAlerts = broken
    ? `certwatch also sends its "${INVALID_STAGE}" alert about a certificate clients refuse, and repeats it until the certificate is fixed or acknowledged.`
    : `certwatch does not alert on these problems by themselves${stageNow === undefined ? ': its next notice about this certificate comes when it nears expiry or cannot be checked' : ''}.`;
  const corrected = corrects
    ? `Nothing for the "${corrects.stage}" notice: it came early. ${
        stageNow !== undefined ? `The "${stageNow}" stage's notices go on as usual, and a later stage notifies when the certificate really reaches it.` : 'certwatch notifies again when the certificate nears expiry.'
      }`
    : null;
  const whatToDo = corrected
    ? [corrected]
    : problems.length > 0
    ? [...numbered([...findingAdvice(problems), `Verify: ${checkCommand(view.target)}`]), closing, whoAlerts]
    : [`${stageNow !== undefined ? `Nothing for ${told}.` : 'Nothing.'} ${closing}`];
  const addressLine = view.addressSummary ? `${view.addressSummary}.` : view.addresses ? `All ${view.addresses.total} addresses behind ${view.target} serve the same certificate now.` : null;
  const email = [
    headline,
    problemLine,
    addressLine,
    '',
    ...certificateSections(view),
    ...acknowledgedSection(view),
    ...section('WHAT TO DO', whatToDo),
    ...footer(view),
  ];
  return {
    subject: fitLine(`[certwatch] ${label} `, view.asciiTarget, summary, SUBJECT_MAX_CHARS),
    sms: fitLine(`CERTWATCH ${label} `, toSmsText(view.asciiTarget), toSmsText(smsSummary), SMS_MAX_CHARS),
    email: lines(email),
    default: lines([headline, problemLine, `Target: ${view.target}`, `Certificate id: ${notification.certificateId}`]),
  };
}

/**
 * The certificate's own problems: its findings except EXPIRES_SOON and EXPIRED (the time left is said apart, and
 * a notice decided before the engine stopped storing them may still carry them).
 */
function problemFindings(certificate: KnownCertificate | null): Finding[] {
  return (certificate?.findings ?? []).filter((finding) => !EXPIRY_FINDING_CODES.has(finding.code));
}
