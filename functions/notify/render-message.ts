import type { CertificateInfo } from '../core/certificate';
import type { CheckError, Finding, FindingCode } from '../core/check-result';
import { parseDuration } from '../core/duration';
import { EXPIRY_FINDING_CODES, INVALID_STAGE, rejectingCodes, rejectingFindings } from '../core/escalation/alerts';
import { DAY_MS } from '../core/duration';
import type { DigestLine, KnownCertificate, PlannedNotification } from '../core/watch-state';
import { redactCredentials } from '../core/target';
import { clipText, DETAIL_LIMITS, stripControls, truncateUtf8 } from '../core/safe-text';
import { fitLine, toAsciiLine, toAsciiTarget, toSmsText } from './text-limits';

// Renders one planned notification for every SNS channel: a subject (email), a long plain-text email, one SMS
// and a short `default` text for any other protocol (HTTPS, SQS, Lambda). Pure: takes `now`, does no I/O.
// Only what the notification carries is rendered: it holds no contact details and no secrets, and targets
// and error messages pass through `redactCredentials` in case a URL with a password ever reaches one.

/** SNS: "less than 100 characters", ASCII, no line breaks or control characters. */
export const SUBJECT_MAX_CHARS = 99;
/** One SMS segment of plain ASCII. */
export const SMS_MAX_CHARS = 140;
/** Leaves room in SNS's 256 KB message (email + sms + default, JSON-escaped) and its attributes. */
export const EMAIL_MAX_BYTES = 100_000;
export const DEFAULT_MAX_BYTES = 8_000;
/** Longer lists are cut with "... and N more": a 1000-name certificate must not flood a mailbox. */
const { sans: MAX_LISTED_SANS, chain: MAX_LISTED_CHAIN, findings: MAX_LISTED_FINDINGS } = DETAIL_LIMITS;

export interface RenderedMessage {
  readonly subject: string;
  readonly email: string;
  readonly sms: string;
  readonly default: string;
}

const HOUR_MS = parseDuration('1h');
const MINUTE_MS = parseDuration('1m');

/** Renders `notification` as seen at `now` (time left is counted from `now`, not from the decision). */
export function renderMessage(notification: PlannedNotification, now: Date): RenderedMessage {
  const view = toView(notification, now);
  const rendered = RENDERERS[notification.kind](view);
  // The renderers fit their own limits, keeping what matters most; these cuts are only a last guard.
  return {
    subject: cutEnd(toAsciiLine(rendered.subject), SUBJECT_MAX_CHARS),
    sms: cutEnd(toSmsText(rendered.sms).trim(), SMS_MAX_CHARS),
    email: truncateUtf8(rendered.email, EMAIL_MAX_BYTES),
    default: truncateUtf8(rendered.default, DEFAULT_MAX_BYTES),
  };
}

/** What the renderers share: sanitised, derived values, computed once. */
interface View {
  readonly n: PlannedNotification;
  readonly now: Date;
  /** ASCII target for subject and SMS; `target` keeps the original (redacted) for the email. */
  readonly asciiTarget: string;
  readonly target: string;
  readonly certificate: KnownCertificate | null;
  /** Milliseconds until the governing notAfter at `now` (negative once expired); null when unknown. */
  readonly remainingMs: number | null;
  /** The chain entry whose notAfter governs, when the certificate is known. */
  readonly governing: CertificateInfo | null;
  readonly governingIsLeaf: boolean;
}

function toView(n: PlannedNotification, now: Date): View {
  const target = clean(n.target);
  const certificate = n.certificate;
  const notAfterMs = certificate ? Date.parse(certificate.notAfter) : Number.NaN;
  const governingIndex = certificate ? certificate.chain.findIndex((cert) => cert.notAfter === certificate.notAfter) : -1;
  const governing = certificate && governingIndex >= 0 ? certificate.chain[governingIndex] : null;
  return {
    n,
    now,
    target,
    asciiTarget: toAsciiTarget(target),
    certificate,
    remainingMs: Number.isNaN(notAfterMs) ? (n.daysRemaining === null ? null : n.daysRemaining * DAY_MS) : notAfterMs - now.getTime(),
    governing,
    governingIsLeaf: governingIndex <= 0,
  };
}

interface Parts {
  readonly subject: string;
  readonly sms: string;
  readonly email: string;
  readonly default: string;
}

const RENDERERS: Readonly<Record<PlannedNotification['kind'], (view: View) => Parts>> = {
  expiry: renderExpiry,
  recovery: renderRecovery,
  // Kind `error` carries both alerts about something wrong now: a probe that fails, and a certificate clients reject.
  error: (view) => (view.n.stage === INVALID_STAGE ? renderInvalid(view) : renderError(view)),
  digest: renderDigest,
};

// ---- expiry ---------------------------------------------------------------------------------------

function renderExpiry(view: View): Parts {
  const { n, certificate } = view;
  const label = n.stage.toUpperCase();
  const when = `${view.governingIsLeaf ? '' : 'intermediate '}${shortWhen(view)}`;
  const which = view.governingIsLeaf ? 'certificate' : 'intermediate certificate';
  const headline = view.remainingMs !== null && view.remainingMs < 0
    ? `${label}: the ${which} for ${view.target} expired ${longDuration(-view.remainingMs)} ago, on ${utcSeconds(certificate?.notAfter)}.`
    : `${label}: the ${which} for ${view.target} expires in ${view.remainingMs === null ? 'an unknown time' : longDuration(view.remainingMs)}, on ${utcSeconds(certificate?.notAfter)}.`;
  const email = [
    headline,
    view.governingIsLeaf || !view.governing ? null : `It is the intermediate "${clip(view.governing.subject)}" that expires first, before the leaf.`,
    '',
    ...certificateSections(view),
    ...section('WHAT TO DO', renewalAdvice(view)),
    ...section('HOW TO ACKNOWLEDGE', acknowledgeLines(view)),
    ...footer(view),
  ];
  return {
    subject: fitLine(`[certwatch] ${label} `, view.asciiTarget, ` ${when}`, SUBJECT_MAX_CHARS),
    sms: fitLine(toSmsText(`CERTWATCH ${label} `), toSmsText(view.asciiTarget), toSmsText(` ${when}`), SMS_MAX_CHARS),
    email: lines(email),
    default: lines([headline, `Target: ${view.target}`, `Certificate id: ${n.certificateId}`, `Stage: ${n.stage}, status: ${n.status}`, `Acknowledge: ${ackCommand(view)}`]),
  };
}

function renewalAdvice(view: View): string[] {
  const { target, governing } = view;
  const advice: string[] = [];
  if (!view.governingIsLeaf && governing) {
    advice.push(`The intermediate "${clip(governing.subject)}" expires first: install the current chain (intermediates) from your CA on every server behind ${target}; renewing the leaf alone keeps the old intermediate if the server is configured with it.`);
  } else if (isAcm(view.n.certificateId)) {
    advice.push('ACM-issued: check the renewal status in ACM (the DNS validation records must still exist and the certificate must be in use). Imported: re-import the renewed certificate into the same ARN.');
  } else {
    advice.push('Renew the certificate, or find out why automated renewal (certbot, cert-manager, your CA) has not replaced it.');
    advice.push(`Deploy it to every server behind ${target} and reload them.`);
  }
  advice.push(...findingAdvice(view.certificate?.findings ?? []));
  advice.push(`Verify: certwatch check ${shellQuote(view.target)}`);
  return numbered(advice);
}

const FINDING_ADVICE: Partial<Record<FindingCode, string>> = {
  NOT_YET_VALID: 'Not yet valid: check the server clock, and do not deploy a certificate before its notBefore.',
  HOSTNAME_MISMATCH: 'Name mismatch: reissue the certificate with the name in its SANs, or check the SNI name (servername) the target uses.',
  SELF_SIGNED: 'Self-signed: clients refuse it unless they pin it; use a certificate from a trusted CA.',
  UNTRUSTED_ROOT: 'Untrusted root: if it is your private CA, give certwatch its root (--ca-file); otherwise use a publicly trusted CA.',
  INCOMPLETE_CHAIN: 'Incomplete chain: configure the server to send the intermediate certificates (the full chain file).',
  CHAIN_INVALID: 'Invalid chain: the served certificates do not verify; deploy the matching leaf, key and chain together.',
  WEAK_KEY: 'Weak key: reissue with RSA 2048 bits or more, or ECDSA P-256 or better.',
  WEAK_SIGNATURE: 'Weak signature: reissue with a SHA-256 (or stronger) signature.',
  RENEWAL_OVERDUE: 'Renewal overdue: two thirds of the lifetime have passed without a replacement; check the automated renewal (logs, DNS/HTTP validation).',
};

function findingAdvice(findings: readonly Finding[]): string[] {
  return [...new Set(findings.map((finding) => FINDING_ADVICE[finding.code]).filter((text): text is string => text !== undefined))];
}

// ---- recovery -------------------------------------------------------------------------------------

/**
 * Four shapes: a probe answering again (stage `error`), a certificate accepted by clients again (stage `invalid`),
 * an expiry alert over (left every stage), and one eased (`stageNow`: moved down to a stage that does not notify
 * these audiences). A certificate served now with problems of its own turns "nothing to do" into what to do about
 * them.
 */
function renderRecovery(view: View): Parts {
  const { n, certificate } = view;
  const fromError = n.stage === 'error';
  const fromInvalid = n.stage === INVALID_STAGE;
  const stageNow = fromError || fromInvalid ? undefined : n.stageNow;
  const problems = problemFindings(certificate);
  const broken = problems.some((finding) => finding.severity === 'critical');
  const codes = [...new Set(problems.map((finding) => finding.code))].join(', ');
  const expires = certificate ? `${utcDate(certificate.notAfter)}${view.remainingMs === null || view.remainingMs < 0 ? '' : ` (in ${shortDuration(view.remainingMs)})`}` : '';
  const nowExpires = certificate ? `${n.replaced ? 'was replaced and ' : ''}now expires on ${utcSeconds(certificate.notAfter)}${leftClause(view)}` : '';
  const told = n.audiences.join(', ') || 'nobody';

  // Over for the expiry, not for the endpoint: a replacement clients refuse must not read as "nothing to do".
  const label = `${stageNow !== undefined ? 'EASED' : n.replaced && problems.length > 0 ? 'REPLACED' : 'RESOLVED'}${problems.length === 0 ? '' : broken ? ' BUT BROKEN' : ' WITH PROBLEMS'}`;
  const expiresClause = certificate ? `; the certificate expires on ${utcSeconds(certificate.notAfter)}${leftClause(view)}` : '';
  const headline = fromError
    ? `${label}: certwatch can check ${view.target} again${expiresClause}.`
    : fromInvalid
      ? `${label}: clients accept the certificate served by ${view.target} again${expiresClause}.`
      : stageNow !== undefined
        ? `${label}: the certificate for ${view.target} ${nowExpires || 'expires later'}, so it has moved down from the "${n.stage}" stage to "${stageNow}", which does not notify ${told}.`
        : `${label}: the "${n.stage}" alert for ${view.target} is over${certificate ? `: the certificate ${nowExpires}` : ''}.`;
  const which = fromError ? 'it reads now' : n.replaced ? 'that replaced it' : 'served now';
  const problemLine = problems.length === 0 ? null : broken ? `But clients will refuse the certificate ${which}: ${codes}.` : `But the certificate ${which} has problems: ${codes}.`;

  const summary = problems.length > 0
    ? `: ${codes}`
    : fromError
      ? ` reachable again${expires ? `, expires ${expires}` : ''}`
      : fromInvalid
        ? ` accepted by clients again${expires ? `, expires ${expires}` : ''}`
        : stageNow !== undefined
          ? ` down to ${stageNow}${expires ? `, expires ${expires}` : ''}`
          : expires ? ` now expires ${expires}` : ' alert resolved';
  const smsSummary = problems.length > 0 ? `${summary}. ${shortFixes(problems)}` : summary;

  const alertName = fromError ? '"error" probe failure alert' : fromInvalid ? `"${INVALID_STAGE}" alert (certificate rejected by clients)` : `"${n.stage}" expiry alert`;
  const closes = `This closes the ${alertName} sent earlier for ${view.target}`;
  const closing = stageNow !== undefined
    ? `${closes} to ${told}: the "${stageNow}" stage's audiences keep getting its notices, and a later stage that notifies ${told} will notify them again.`
    : `${closes}.`;
  // A certificate clients refuse has its own alert; warnings (a weak key, an overdue renewal) do not.
  const whoAlerts = broken
    ? `certwatch also sends its "${INVALID_STAGE}" alert about a certificate clients refuse, and repeats it until the certificate is fixed or acknowledged.`
    : `certwatch does not alert on these problems by themselves${stageNow === undefined ? ': its next notice about this certificate comes when it nears expiry or cannot be checked' : ''}.`;
  const whatToDo = problems.length > 0
    ? [...numbered([...findingAdvice(problems), `Verify: certwatch check ${shellQuote(view.target)}`]), closing, whoAlerts]
    : [`${stageNow !== undefined ? `Nothing for ${told}.` : 'Nothing.'} ${closing}`];
  const email = [
    headline,
    problemLine,
    '',
    ...certificateSections(view),
    ...section('WHAT TO DO', whatToDo),
    ...footer(view),
  ];
  return {
    subject: fitLine(`[certwatch] ${label} `, view.asciiTarget, summary, SUBJECT_MAX_CHARS),
    sms: fitLine(`CERTWATCH ${label} `, toSmsText(view.asciiTarget), toSmsText(smsSummary), SMS_MAX_CHARS),
    email: lines(email),
    default: lines([headline, problemLine, `Target: ${view.target}`, `Certificate id: ${n.certificateId}`]),
  };
}

/**
 * The certificate's own problems: its findings except EXPIRES_SOON and EXPIRED (the time left is said apart, and
 * a notice decided before the engine stopped storing them may still carry them).
 */
function problemFindings(certificate: KnownCertificate | null): Finding[] {
  return (certificate?.findings ?? []).filter((finding) => !EXPIRY_FINDING_CODES.has(finding.code));
}

/** What to do about each problem, in a few words: an SMS has no room for the email's advice. */
const SHORT_FIX: Partial<Record<FindingCode, string>> = {
  NOT_YET_VALID: 'check clocks and notBefore',
  HOSTNAME_MISMATCH: 'reissue for this name',
  SELF_SIGNED: 'use a CA-issued cert',
  UNTRUSTED_ROOT: 'use a trusted CA',
  INCOMPLETE_CHAIN: 'send intermediates',
  CHAIN_INVALID: 'deploy the matching chain',
  WEAK_KEY: 'reissue with a stronger key',
  WEAK_SIGNATURE: 'reissue with SHA-256',
  RENEWAL_OVERDUE: 'check the renewal',
};

function shortFixes(findings: readonly Finding[]): string {
  const fixes = [...new Set(findings.map((finding) => SHORT_FIX[finding.code]).filter((text): text is string => text !== undefined))];
  return fixes.length === 0 ? 'Fix the certificate.' : `Fix: ${fixes.join('; ')}.`;
}

function leftClause(view: View): string {
  if (view.remainingMs === null) return '';
  return view.remainingMs < 0 ? ` (expired ${longDuration(-view.remainingMs)} ago)` : ` (in ${longDuration(view.remainingMs)})`;
}

// ---- invalid: a certificate clients reject ----------------------------------------------------------

/**
 * The certificate served is one clients refuse now (a wrong name, an untrusted or incomplete chain, ...),
 * whatever its expiry: what is wrong, in the findings' own words, and what to do about each.
 */
function renderInvalid(view: View): Parts {
  const { n, certificate } = view;
  const rejecting = rejectingFindings(certificate?.findings ?? []);
  const codes = rejectingCodes(rejecting);
  const codeList = codes.length > 0 ? codes.join(', ') : 'see the findings';
  const headline = `INVALID: clients reject the certificate served by ${view.target}: ${codeList}.`;
  const reasons = rejecting.slice(0, MAX_LISTED_FINDINGS).map((finding) => `- ${finding.code}: ${clip(clean(finding.message))}`);
  if (rejecting.length > MAX_LISTED_FINDINGS) reasons.push(`... and ${rejecting.length - MAX_LISTED_FINDINGS} more`);
  const email = [
    headline,
    certificate
      ? `It is not about expiry: the certificate ${view.remainingMs !== null && view.remainingMs < 0 ? 'expired' : 'expires'} on ${utcSeconds(certificate.notAfter)}${leftClause(view)}, but browsers and API clients refuse the connection now.`
      : 'Browsers and API clients refuse the connection now.',
    '',
    ...section('WHY CLIENTS REJECT IT', reasons.length > 0 ? reasons : ['see FINDINGS below']),
    ...certificateSections(view),
    ...section('WHAT TO DO', numbered([...findingAdvice(rejecting), `Verify: certwatch check ${shellQuote(view.target)}`])),
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
    default: lines([headline, `Target: ${view.target}`, `Certificate id: ${n.certificateId}`, `Acknowledge: ${ackCommand(view)}`]),
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

/**
 * The first of `afters` (most to least informative) that fits in `max` with the flexible part (the target) kept
 * whole or shortened no further than fitLine would; the last one, fitted, if none does.
 */
function fitFirst(before: string, flexible: string, afters: readonly string[], max: number, minFlexible = 24): string {
  const flexibleRoom = Math.min(flexible.length, minFlexible);
  const fitting = afters.find((after) => before.length + flexibleRoom + after.length <= max) ?? afters[afters.length - 1];
  return fitLine(before, flexible, fitting, max, minFlexible);
}

// ---- error ----------------------------------------------------------------------------------------

/** A probe failure as recorded, or a placeholder when none was. */
type ErrorDetail = Pick<CheckError, 'message'> & { readonly code: string };

function renderError(view: View): Parts {
  const { n, certificate } = view;
  const error: ErrorDetail = n.error ?? { code: 'UNKNOWN_ERROR', message: 'no error detail was recorded' };
  const code = toAsciiLine(error.code);
  const runs = n.consecutiveFailures === 1 ? '1 run' : `${n.consecutiveFailures} runs in a row`;
  const lastKnown = certificate ? `; last cert ${shortWhen(view)}` : '';
  const headline = `ERROR: certwatch cannot check ${view.target}: ${code} (${runs}).`;
  const email = [
    headline,
    certificate
      ? `The last certificate it read ${view.remainingMs !== null && view.remainingMs < 0 ? 'expired' : 'expires'} on ${utcSeconds(certificate.notAfter)}${leftClause(view)}.`
      : 'certwatch has not read a certificate from this target yet, so its expiry date is unknown.',
    '',
    ...section('WHAT FAILED', [
      `Error:         ${code}: ${clip(clean(error.message))}`,
      `Failing:       ${runs}`,
    ]),
    ...(certificate ? certificateSections(view, 'LAST KNOWN CERTIFICATE') : section('WHERE', whereLines(view))),
    ...section('WHAT TO DO', reachabilityAdvice(view, error)),
    ...section('HOW TO ACKNOWLEDGE', acknowledgeLines(view)),
    ...footer(view),
  ];
  return {
    subject: fitLine('[certwatch] ERROR ', view.asciiTarget, ` cannot be checked: ${code} (${runs})`, SUBJECT_MAX_CHARS),
    sms: fitLine('CERTWATCH ERROR ', toSmsText(view.asciiTarget), toSmsText(` ${code}, failing ${n.consecutiveFailures}x${lastKnown}`), SMS_MAX_CHARS),
    email: lines(email),
    default: lines([headline, `Target: ${view.target}`, `Certificate id: ${n.certificateId}`, `Acknowledge: ${ackCommand(view)}`]),
  };
}

function reachabilityAdvice(view: View, error: ErrorDetail): string[] {
  const { target } = view;
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
  };
  const advice = [
    `Check that ${target} is reachable from the watcher: DNS, firewalls and security groups, and that the service is running.`,
    specific[error.code] ?? (error.code.startsWith('DNS_') ? 'DNS resolution failed: check the record and the zone\'s name servers.' : null),
    `Reproduce it: certwatch check ${shellQuote(target)}`,
  ];
  return numbered(advice.filter((line): line is string => line !== null));
}

// ---- digest ---------------------------------------------------------------------------------------

interface DigestEntry {
  readonly line: DigestLine;
  readonly remainingMs: number | null;
}

/** The lines in the order given: planDigest's `soonestExpiryFirst` is the one order, not re-decided here. */
function digestEntries(lines: readonly DigestLine[], now: Date): DigestEntry[] {
  return lines.map((line) => {
    const parsed = line.notAfter === null ? Number.NaN : Date.parse(line.notAfter);
    const remainingMs = Number.isNaN(parsed) ? (line.daysRemaining === null ? null : line.daysRemaining * DAY_MS) : parsed - now.getTime();
    return { line, remainingMs };
  });
}

function renderDigest(view: View): Parts {
  const entries = digestEntries(view.n.digest ?? [], view.now);
  const count = entries.length;
  const noun = count === 1 ? 'certificate' : 'certificates';
  const first = entries[0];
  const headline = count === 0
    ? `certwatch digest for ${utcMinutes(view.now.toISOString())}: no certificate needs attention.`
    : `certwatch digest for ${utcMinutes(view.now.toISOString())}: ${count} ${noun} need${count === 1 ? 's' : ''} attention (inside the first stage, failing, or rejected by clients), soonest first.`;

  const body: string[] = [];
  let bytes = 0;
  for (const [index, entry] of entries.entries()) {
    const item = digestItem(index + 1, entry);
    bytes += Buffer.byteLength(item, 'utf8');
    if (bytes > EMAIL_MAX_BYTES - 8_000) {
      body.push(`  ... and ${count - index} more (certwatch status lists them all)`);
      break;
    }
    body.push(item);
  }
  const email = [
    headline,
    '',
    ...(count > 0 ? [...body, ''] : []),
    ...section('WHAT TO DO', count === 0 ? ['Nothing.'] : [
      'Renew (or fix) and deploy the certificates above, soonest first; each also has its own alerts.',
      'Acknowledge one: certwatch ack <certificateId> [--until ISO-8601 time]',
      `or invoke the certwatch on-demand function with ${JSON.stringify({ action: 'ack', certificateId: '<certificateId>', until: '<ISO-8601 time>' })}`,
    ]),
    ...footer(view),
  ];

  return {
    subject: first
      ? fitLine(`[certwatch] Digest: ${count} ${noun}, soonest `, entryTarget(first), ` ${entryWhen(first)}`, SUBJECT_MAX_CHARS)
      : '[certwatch] Digest: no certificate needs attention',
    sms: digestSms(entries),
    email: lines(email),
    default: lines([headline, ...body.slice(0, 20)]),
  };
}

/** As many "target days" pairs as fit in one SMS, soonest first, then how many were left out. */
function digestSms(entries: readonly DigestEntry[]): string {
  const count = entries.length;
  const head = `CERTWATCH DIGEST ${count} ${count === 1 ? 'cert' : 'certs'}`;
  if (count === 0) return `${head}: none needs attention`;
  let text = `${head}:`;
  for (const [index, entry] of entries.entries()) {
    const rest = count - index - 1;
    const more = rest > 0 ? ` +${rest} more` : '';
    const candidate = `${text} ${toSmsText(entryTarget(entry))} ${entryShort(entry)}${rest > 0 ? ',' : ''}`;
    if (candidate.length + more.length <= SMS_MAX_CHARS) {
      text = candidate;
      continue;
    }
    // The soonest one is always named, its host name shortened if it must be.
    if (index === 0) return fitLine(`${head}: `, toSmsText(entryTarget(entry)), ` ${entryShort(entry)}${more}`, SMS_MAX_CHARS);
    return `${text.replace(/,$/, '')} +${count - index} more`;
  }
  return text;
}

function entryTarget(entry: DigestEntry): string {
  return toAsciiTarget(clean(entry.line.target));
}

function digestItem(position: number, { line, remainingMs }: DigestEntry): string {
  const when = line.notAfter === null
    ? 'expiry unknown'
    : remainingMs !== null && remainingMs < 0
      ? `EXPIRED ${shortDuration(-remainingMs)} ago (${utcMinutes(line.notAfter)})`
      : `expires in ${shortDuration(remainingMs ?? 0)} (${utcMinutes(line.notAfter)})`;
  const rejected = line.rejectedFor && line.rejectedFor.length > 0 ? [`rejected by clients: ${line.rejectedFor.join(', ')}`] : [];
  const state = [`stage ${line.stage ?? '-'}`, `status ${line.status}`, ...rejected, ...(line.acknowledged ? ['acknowledged'] : [])].join(', ');
  return [
    `  ${position}. ${clip(clean(line.target))}  ${when}  [${state}]`,
    `     ${line.subject ? clip(clean(line.subject)) : 'certificate not read yet'}  (id ${clean(line.certificateId)})`,
  ].join('\n');
}

function entryWhen(entry: DigestEntry): string {
  if (entry.remainingMs === null) return '(expiry unknown)';
  return entry.remainingMs < 0 ? `expired ${shortDuration(-entry.remainingMs)} ago` : `in ${shortDuration(entry.remainingMs)}`;
}

function entryShort(entry: DigestEntry): string {
  if (entry.remainingMs === null) return '?';
  return entry.remainingMs < 0 ? `-${Math.ceil(-entry.remainingMs / DAY_MS)}d` : `${Math.floor(entry.remainingMs / DAY_MS)}d`;
}

// ---- shared sections ------------------------------------------------------------------------------

/** WHAT / WHERE / WHEN / CHAIN / FINDINGS for a known certificate. */
function certificateSections(view: View, title = 'WHAT'): string[] {
  const { certificate, n } = view;
  if (!certificate) return [...section('WHERE', whereLines(view)), ...section('WHEN', [`Days left:     ${n.daysRemaining ?? 'unknown'} (certificate details not recorded)`])];
  const sans = certificate.sans.slice(0, MAX_LISTED_SANS).map((name) => clip(clean(name)));
  // The engine stores the first names only; `sanCount` is how many the certificate has.
  const sanTotal = Math.max(certificate.sanCount ?? 0, certificate.sans.length);
  const listed = sans.join(', ');
  const more = sanTotal > sans.length ? `, ... and ${sanTotal - sans.length} more` : '';
  const chain = certificate.chain.slice(0, MAX_LISTED_CHAIN).map((cert, index) => {
    const mark = cert === view.governing ? '  <- expires first' : '';
    return `  ${index + 1}. ${clip(clean(cert.subject))}  notAfter ${utcSeconds(cert.notAfter)}${cert.selfIssued ? '  (self-issued)' : ''}${mark}`;
  });
  if (certificate.chain.length > MAX_LISTED_CHAIN) chain.push(`  ... and ${certificate.chain.length - MAX_LISTED_CHAIN} more`);
  const findings = certificate.findings.slice(0, MAX_LISTED_FINDINGS).map((finding) => `  - [${finding.severity}] ${finding.code}: ${clip(clean(finding.message))}`);
  if (certificate.findings.length > MAX_LISTED_FINDINGS) findings.push(`  ... and ${certificate.findings.length - MAX_LISTED_FINDINGS} more`);
  return [
    ...section(title, [
      `Certificate:   ${clip(clean(certificate.subject))}`,
      `Names (SANs):  ${sanTotal === 0 ? 'none' : `${listed}${more} (${sanTotal} in total)`}`,
      `Issuer:        ${clip(clean(certificate.issuer))}`,
      `Serial:        ${clip(clean(certificate.serialNumber))}`,
      `SHA-256:       ${clip(clean(certificate.fingerprintSha256))}`,
    ]),
    ...section('WHERE', whereLines(view)),
    ...section('WHEN', [
      `Expires:       ${utcSeconds(certificate.notAfter)} (notAfter ${clean(certificate.notAfter)})`,
      `Time left:     ${view.remainingMs === null ? 'unknown' : view.remainingMs < 0 ? `none: expired ${longDuration(-view.remainingMs)} ago` : longDuration(view.remainingMs)}`,
      `Valid from:    ${utcSeconds(certificate.notBefore)}`,
      n.kind !== 'recovery'
        ? `Stage:         ${n.stage} (status ${n.status})`
        : n.stageNow !== undefined && n.stage !== 'error'
          ? `Alert:         "${n.stage}", eased to "${n.stageNow}" (status now ${n.status})`
          : `Alert:         "${n.stage}", resolved (status now ${n.status})`,
      `As of:         ${utcSeconds(view.now.toISOString())}`,
    ]),
    ...(chain.length > 0 ? [`CHAIN (leaf first)`, ...chain, ''] : []),
    // EXPIRES_SOON and EXPIRED are not stored (WHEN says the time left), so an expiring certificate may list none.
    ...(findings.length > 0 ? ['FINDINGS', ...findings, ''] : section('FINDINGS', [n.kind === 'expiry' ? 'none besides the expiry (see WHEN)' : 'none'])),
  ];
}

function whereLines(view: View): string[] {
  return [
    `Target:        ${view.target}`,
    `Certificate id: ${clean(view.n.certificateId)}`,
    ...(view.n.owner ? [`Owner:         ${clip(clean(view.n.owner))}`] : []),
  ];
}

function acknowledgeLines(view: View): string[] {
  const until = snoozeExample(view.now);
  const alert = alertToAcknowledge(view.n);
  const payload = JSON.stringify({ action: 'ack', certificateId: view.n.certificateId, ...(alert ? { alert } : {}), until });
  const silences = {
    error: 'Acknowledging silences the reminders for this probe failure.',
    invalid: 'Acknowledging silences the reminders that clients reject this certificate (not the expiry notices); serving another certificate clears it.',
    expiry: `Acknowledging silences the "${view.n.stage}" reminders for this certificate; a later stage still notifies, and a replaced certificate clears it.`,
  };
  const lasting = { error: 'the probe recovers', invalid: 'another certificate is served or clients accept it again', expiry: 'the stage changes' };
  return [
    silences[alert ?? 'expiry'],
    `CLI:     ${ackCommand(view)} --until ${until}`,
    `Lambda:  invoke the certwatch on-demand function with ${payload}`,
    `Leave out --until (and "until") to stay silent until ${lasting[alert ?? 'expiry']}.`,
  ];
}

/** The `--alert` a notice's ack command names: its own, unless it is the expiry stage (the default). */
function alertToAcknowledge(n: PlannedNotification): 'error' | 'invalid' | null {
  if (n.kind !== 'error') return null;
  return n.stage === INVALID_STAGE ? 'invalid' : 'error';
}

function ackCommand(view: View): string {
  // A certificate may have several alerts at once (an expiry stage, a probe failure, a rejected certificate):
  // name the alert so the right one is silenced.
  const alert = alertToAcknowledge(view.n);
  return `certwatch ack ${shellQuote(view.n.certificateId)}${alert ? ` --alert ${alert}` : ''}`;
}

function footer(view: View): string[] {
  const { n } = view;
  return ['--', `certwatch ${n.kind} notification ${clean(n.id)}, stage ${n.stage}, to ${n.audiences.join(', ') || 'nobody'}, decided ${utcSeconds(n.decidedAt)}.`];
}

function section(title: string, body: readonly string[]): string[] {
  return [title, ...body.map((line) => (line.startsWith('  ') ? line : `  ${line}`)), ''];
}

function numbered(items: readonly string[]): string[] {
  return items.map((item, index) => `${index + 1}. ${item}`);
}

function lines(items: readonly (string | null)[]): string {
  return items.filter((line): line is string => line !== null).join('\n').trimEnd() + '\n';
}

// ---- small formatting -----------------------------------------------------------------------------

/** `expires in 2d 5h (2026-12-01 10:00 UTC)` or `expired 3d 2h ago (...)`, for subjects and SMS. */
function shortWhen(view: View): string {
  const at = view.certificate ? ` (${utcMinutes(view.certificate.notAfter)})` : '';
  if (view.remainingMs === null) return `expiry unknown${at}`;
  return view.remainingMs < 0 ? `expired ${shortDuration(-view.remainingMs)} ago${at}` : `expires in ${shortDuration(view.remainingMs)}${at}`;
}

/** `2d 5h`, `5h 20m`, `20m` (rounded down: never more time than there is). */
function shortDuration(ms: number): string {
  const days = Math.floor(ms / DAY_MS);
  const hours = Math.floor((ms % DAY_MS) / HOUR_MS);
  const minutes = Math.floor((ms % HOUR_MS) / MINUTE_MS);
  if (days > 0) return `${days}d ${hours}h`;
  if (hours > 0) return `${hours}h ${minutes}m`;
  return `${minutes}m`;
}

/** `2 days 5 hours`, `5 hours 20 minutes`, `20 minutes`. */
function longDuration(ms: number): string {
  const days = Math.floor(ms / DAY_MS);
  const hours = Math.floor((ms % DAY_MS) / HOUR_MS);
  const minutes = Math.floor((ms % HOUR_MS) / MINUTE_MS);
  const unit = (value: number, name: string) => `${value} ${name}${value === 1 ? '' : 's'}`;
  if (days > 0) return `${unit(days, 'day')} ${unit(hours, 'hour')}`;
  if (hours > 0) return `${unit(hours, 'hour')} ${unit(minutes, 'minute')}`;
  return unit(minutes, 'minute');
}

/** `2026-12-01`. */
function utcDate(iso: string | null | undefined): string {
  return formatUtc(iso, 10).replace(/ UTC$/, '');
}

/** `2026-12-01 10:00 UTC`; an unparseable value is shown as given (cleaned). */
function utcMinutes(iso: string | null | undefined): string {
  return formatUtc(iso, 16);
}

/** `2026-12-01 10:00:00 UTC`. */
function utcSeconds(iso: string | null | undefined): string {
  return formatUtc(iso, 19);
}

function formatUtc(iso: string | null | undefined, length: number): string {
  if (!iso) return 'an unknown date';
  const ms = Date.parse(iso);
  if (Number.isNaN(ms)) return clip(clean(iso));
  return `${new Date(ms).toISOString().slice(0, length).replace('T', ' ')} UTC`;
}

/** A suggested snooze for the ack example: one day from now, to the second. */
function snoozeExample(now: Date): string {
  return new Date(now.getTime() + DAY_MS).toISOString().replace(/\.\d{3}Z$/, 'Z');
}

/** Quotes for a POSIX shell when the id has characters a shell would interpret (IPv6 brackets, spaces). */
function shellQuote(text: string): string {
  return /^[A-Za-z0-9_:./@%+=,-]+$/.test(text) ? text : `'${text.replace(/'/g, `'\\''`)}'`;
}

/** Cuts plain ASCII at the end (one character is one code unit here). */
function cutEnd(text: string, max: number): string {
  return text.length <= max ? text : `${text.slice(0, max - 3).trimEnd()}...`;
}

function isAcm(certificateId: string): boolean {
  return /^arn:aws[a-z-]*:acm:/.test(certificateId);
}

/** Text from a certificate, a server or the configuration: no control or bidi characters, no line breaks, no URL passwords. */
function clean(text: string): string {
  return redactCredentials(stripControls(text).replace(/[\r\n\t]+/g, ' '));
}

function clip(text: string): string {
  return clipText(text);
}
