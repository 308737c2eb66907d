import type { CheckError } from '../../core/check-result';
import { fitLine, SMS_MAX_CHARS, SUBJECT_MAX_CHARS, toAsciiLine, toSmsText } from '../text-limits';
import { ackCommand, checkCommand } from './certwatch-commands';
import { lines, numbered, section } from './email-layout';
import { acknowledgedSection, acknowledgeLines, addressesSection, certificateSections, footer, whereLines } from './email-sections';
import type { MessageView, RenderedMessage } from './message-view';
import { leftClause, shortWhen, utcSeconds } from './time-format';
import { safeField } from './untrusted-text';

// A probe that fails (kind `error`, stage `error`): what failed, for how many runs, the last certificate read,
// and how to find out why the target cannot be reached.

/** A probe failure as recorded, or a placeholder when none was. */
type ErrorDetail = Pick<CheckError, 'message'> & { readonly code: string };

export function renderProbeFailure(view: MessageView): RenderedMessage {
  const { notification, certificate } = view;
  const error: ErrorDetail = notification.error ?? { code: 'UNKNOWN_ERROR', message: 'no error detail was recorded' };
  const code = toAsciiLine(error.code);
  const runs = notification.consecutiveFailures === 1 ? '1 run' : `${notification.consecutiveFailures} runs in a row`;
  const lastKnown = certificate ? `; last cert ${shortWhen(view)}` : '';
  const headline = `ERROR: certwatch cannot check ${view.target}: ${code} (${runs}).`;
  const email = [
    headline,
    certificate
      ? `The last certificate it read ${view.remainingMs !== null && view.remainingMs < 0 ? 'expired' : 'expires'} on ${utcSeconds(certificate.notAfter)}${leftClause(view)}.`
      : 'certwatch has not read a certificate from this target yet, so its expiry date is unknown.',
    '',
    ...section('WHAT FAILED', [
      `Error:         ${code}: ${safeField(error.message)}`,
      `Failing:       ${runs}`,
    ]),
    ...(certificate ? certificateSections(view, 'LAST KNOWN CERTIFICATE') : [...section('WHERE', whereLines(view)), ...addressesSection(view)]),
    ...section('WHAT TO DO', reachabilityAdvice(view.target, error)),
    ...acknowledgedSection(view),
    ...section('HOW TO ACKNOWLEDGE', acknowledgeLines(view)),
    ...footer(view),
  ];
  return {
    subject: fitLine('[certwatch] ERROR ', view.asciiTarget, ` cannot be checked: ${code} (${runs})`, SUBJECT_MAX_CHARS),
    sms: fitLine('CERTWATCH ERROR ', toSmsText(view.asciiTarget), toSmsText(` ${code}, failing ${notification.consecutiveFailures}x${lastKnown}`), SMS_MAX_CHARS),
    email: lines(email),
    default: lines([headline, `Target: ${view.target}`, `Certificate id: ${notification.certificateId}`, `Acknowledge: ${ackCommand(notification)}`]),
  };
}

function reachabilityAdvice(target: string, error: ErrorDetail): string[] {
  const specific: Record<string, string> = {
    DNS_NOT_FOUND: `The name does not resolve: check its DNS record, or remove ${target} from the targets if it was retired.`,
    DNS_FAILED: 'DNS resolution failed: check the resolver the watcher uses and the zone\'s name servers.',
    CONNECTION_REFUSED: 'Nothing accepts connections on that port: check that the service is running and listening.',
    CONNECTION_RESET: 'The connection was reset: check load balancers, proxies and the service\'s TLS configuration.',
    TIMEOUT: 'No answer in time: check firewalls and security groups between the watcher and the target, and that the host is up.',
    TLS_HANDSHAKE_FAILED: 'The TLS handshake failed: check protocol versions, ciphers and the SNI name the server expects.',
    STARTTLS_FAILED: 'STARTTLS failed: check that the server offers STARTTLS on that port (or use direct TLS).',
    PROTOCOL_ERROR: 'The server answered something unexpected: check that the port and the scheme match the service.',
    CA_FILE_UNREADABLE: 'The CA file configured for this target cannot be read: check its path in the configuration.',
    INVALID_TARGET: 'The target is not valid: fix it in the configuration.',
    FILE_NOT_FOUND: 'The certificate file is gone: restore it, or remove its target from the configuration.',
    FILE_UNREADABLE: 'The certificate file cannot be read: check its permissions and that it is a file.',
    NOT_A_CERTIFICATE: 'The file holds no certificate certwatch can read: check that the right file is deployed.',
    PASSWORD_REQUIRED: 'The PKCS#12 file needs a password certwatch does not have (or has a wrong one).',
    ACCESS_DENIED: 'AWS refused the listing: grant the watcher acm:ListCertificates and acm:DescribeCertificate (iam:ListServerCertificates and iam:GetServerCertificate for IAM) in that account.',
    ASSUME_ROLE_FAILED: 'The role could not be assumed: check its trust policy (the watcher\'s principal, the external id) and that it exists.',
    AWS_REQUEST_FAILED: 'AWS did not answer the listing (throttled throughout, unreachable, or failing): check the service health and the watcher\'s network.',
  };
  const advice = [
    `Check that ${target} is reachable from the watcher: DNS, firewalls and security groups, and that the service is running.`,
    specific[error.code] ?? (error.code.startsWith('DNS_') ? 'DNS resolution failed: check the record and the zone\'s name servers.' : null),
    `Reproduce it: ${checkCommand(target)}`,
  ];
  return numbered(advice.filter((line): line is string => line !== null));
}
