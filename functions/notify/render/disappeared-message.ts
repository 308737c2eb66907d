import { fitLine, SMS_MAX_CHARS, SUBJECT_MAX_CHARS, toSmsText } from '../text-limits';
import { checkCommand } from './certwatch-commands';
import { lines, numbered, section } from './email-layout';
import { certificateSections, footer } from './email-sections';
import type { MessageView, RenderedMessage } from './message-view';
import { leftClause, shortWhen, utcSeconds } from './time-format';

// An ACM or IAM certificate its listing no longer has, while it was in use and not expired (kind `error`, stage
// `disappeared`): the one notice about it. It may have been deleted by mistake, or the watcher lost sight of it.

export function renderDisappeared(view: MessageView): RenderedMessage {
  const { certificate } = view;
  const expiry = certificate ? ` It was in use and expires on ${utcSeconds(certificate.notAfter)}${leftClause(view)}.` : '';
  const headline = `GONE: ${view.target} is no longer listed.${expiry}`;
  const email = [
    headline,
    'It may have been deleted or replaced by mistake, or certwatch no longer sees it (a permission or a region removed).',
    '',
    ...certificateSections(view, 'LAST LISTED CERTIFICATE'),
    ...section(
      'WHAT TO DO',
      numbered([
        'Check that the resources that used it (load balancers, CloudFront distributions, API Gateway domains) still serve a valid certificate.',
        'If it was deleted by mistake, request or import it again and attach it where it was used.',
        "If it still exists, check the watcher's access to that account and region (acm:ListCertificates, iam:ListServerCertificates).",
        `List again: ${checkCommand(view.target)}`,
      ]),
    ),
    ...section('WHAT NEXT', ['certwatch stops watching it: this is the only notice about it. A certificate listed again under the same ARN is watched again from scratch.']),
    ...footer(view),
  ];
  const when = certificate ? `; was in use, ${shortWhen(view)}` : '';
  return {
    subject: fitLine('[certwatch] GONE ', view.asciiTarget, ' no longer listed while in use', SUBJECT_MAX_CHARS),
    sms: fitLine('CERTWATCH GONE ', toSmsText(view.asciiTarget), toSmsText(` no longer listed${when}`), SMS_MAX_CHARS),
    email: lines(email),
    default: lines([headline, `Certificate id: ${view.notification.certificateId}`]),
  };
}
