import type { Finding } from '../../functions/core/check-result';
import { foldObservation } from '../../functions/core/escalation/fold';
import { soonestExpiryFirst } from '../../functions/core/escalation/digest';
import { DEFAULT_POLICY } from '../../functions/core/escalation/policy';
import type { DigestLine, PlannedNotification } from '../../functions/core/watch-state';
import { EMAIL_MAX_BYTES, renderMessage, SMS_MAX_CHARS, SUBJECT_MAX_CHARS, type RenderedMessage } from '../../functions/notify/render-message';
import { at as simulated, leaf, served, TARGET } from '../core/escalation/harness';
import { at, certInfo, DAY, HOUR, intermediate, knownCertificate, NOW, planned } from '../support/notification-fixture';

const PRINTABLE_ASCII = /^[\x20-\x7E]*$/;
const LONE_SURROGATE = /[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/;

function digestLine(overrides: Partial<DigestLine> = {}): DigestLine {
  return {
    certificateId: 'tls:api.example.com:443',
    target: 'api.example.com:443',
    subject: 'CN=api.example.com',
    notAfter: at(2 * DAY),
    daysRemaining: 2,
    stage: 'critical',
    status: 'critical',
    acknowledged: false,
    ...overrides,
  };
}

function digest(lines: DigestLine[]): PlannedNotification {
  return planned({ id: `digest/${NOW.toISOString()}`, kind: 'digest', stage: 'digest', certificateId: 'digest', target: 'all targets', status: 'critical', daysRemaining: null, certificate: null, owner: null, digest: lines });
}

const probeError = (overrides: Partial<PlannedNotification> = {}) =>
  planned({ kind: 'error', stage: 'error', status: 'error', error: { code: 'TIMEOUT', message: 'no answer within 10000 ms' }, consecutiveFailures: 3, ...overrides });

/** The invalid alert: a certificate 89 days from expiry that clients refuse for a missing intermediate and the wrong name. */
const rejectedFindings: Finding[] = [
  { code: 'INCOMPLETE_CHAIN', severity: 'critical', message: 'the server does not send the intermediate certificate that issued the leaf: configure the full chain (UNABLE_TO_VERIFY_LEAF_SIGNATURE)' },
  { code: 'HOSTNAME_MISMATCH', severity: 'critical', message: 'the certificate does not cover "api.example.com"' },
  { code: 'WEAK_KEY', severity: 'warning', message: '"CN=api.example.com" has a weak RSA key of 1024 bits' },
];
const invalidNotice = (overrides: Partial<PlannedNotification> = {}) =>
  planned({
    id: `tls:api.example.com:443#error#invalid#${NOW.toISOString()}`,
    kind: 'error',
    stage: 'invalid',
    audiences: ['owners'],
    daysRemaining: 89,
    certificate: knownCertificate({ notAfter: at(89 * DAY + 2 * HOUR) }, { findings: rejectedFindings }),
    ...overrides,
  });

const recovery = (overrides: Partial<PlannedNotification> = {}) =>
  planned({
    kind: 'recovery',
    stage: 'critical',
    status: 'ok',
    daysRemaining: 89,
    certificate: knownCertificate({ notAfter: at(89 * DAY + 2 * HOUR), fingerprintSha256: '11:22' }, { findings: [] }),
    ...overrides,
  });

function expectWithinLimits(message: RenderedMessage): void {
  expect(message.subject.length).toBeLessThanOrEqual(SUBJECT_MAX_CHARS);
  expect(message.subject).toMatch(PRINTABLE_ASCII);
  expect(message.subject.length).toBeGreaterThan(10);
  expect(message.sms.length).toBeLessThanOrEqual(SMS_MAX_CHARS);
  expect(message.sms).toMatch(/^[\x20-\x5A\x5F\x61-\x7A]*$/); // printable ASCII without GSM escapes or backtick
  expect(Buffer.byteLength(message.email, 'utf8')).toBeLessThanOrEqual(EMAIL_MAX_BYTES);
  for (const text of Object.values(message)) expect(text).not.toMatch(LONE_SURROGATE);
}

const ALL_KINDS: [string, PlannedNotification][] = [
  ['expiry', planned()],
  ['recovery', recovery()],
  ['error', probeError()],
  ['invalid', invalidNotice()],
  ['digest', digest([digestLine(), digestLine({ target: 'b.example.com:443', certificateId: 'tls:b.example.com:443', notAfter: at(20 * DAY) })])],
];

describe('expiry notices, one per stage', () => {
  test.each([
    ['notice', 'warning', 44],
    ['warning', 'warning', 29],
    ['urgent', 'critical', 13],
    ['critical', 'critical', 2],
  ])('%s: the subject and SMS lead with the stage, the target and the time left', (stage, status, days) => {
    const notAfter = at(days * DAY + 5 * HOUR);
    const message = renderMessage(planned({ stage, status: status as PlannedNotification['status'], daysRemaining: days, certificate: knownCertificate({ notAfter }) }), NOW);
    const date = notAfter.slice(0, 16).replace('T', ' ');
    expect(message.subject).toBe(`[certwatch] ${stage.toUpperCase()} api.example.com:443 expires in ${days}d 5h (${date} UTC)`);
    expect(message.sms).toBe(`CERTWATCH ${stage.toUpperCase()} api.example.com:443 expires in ${days}d 5h (${date} UTC)`);
    expect(message.email).toContain(`${stage.toUpperCase()}: the certificate for api.example.com:443 expires in ${days} days 5 hours`);
    expectWithinLimits(message);
  });

  test('expired: negative days read as time since expiry', () => {
    const notAfter = at(-3 * DAY - 2 * HOUR);
    const message = renderMessage(planned({ stage: 'expired', status: 'expired', daysRemaining: -4, certificate: knownCertificate({ notAfter }) }), NOW);
    expect(message.subject).toBe(`[certwatch] EXPIRED api.example.com:443 expired 3d 2h ago (${notAfter.slice(0, 16).replace('T', ' ')} UTC)`);
    expect(message.sms.startsWith('CERTWATCH EXPIRED api.example.com:443 expired 3d 2h ago')).toBe(true);
    expect(message.email).toContain('expired 3 days 2 hours ago');
    expect(message.email).toContain('Time left:     none: expired 3 days 2 hours ago');
    expectWithinLimits(message);
  });

  test('less than a day left is shown in hours and minutes', () => {
    const message = renderMessage(planned({ daysRemaining: 0, certificate: knownCertificate({ notAfter: at(5 * HOUR + 20 * 60_000) }) }), NOW);
    expect(message.sms).toContain('expires in 5h 20m');
    expect(message.email).toContain('5 hours 20 minutes');
  });

  test('time left is counted from the rendering time, not the decision time', () => {
    const later = new Date(NOW.getTime() + DAY);
    expect(renderMessage(planned(), later).sms).toContain('expires in 1d 5h');
  });
});

describe('expiry email content', () => {
  const email = renderMessage(planned(), NOW).email;

  test('what: the certificate subject, its names, issuer, serial and fingerprint', () => {
    expect(email).toContain('Certificate:   CN=api.example.com');
    expect(email).toContain('Names (SANs):  api.example.com, www.example.com (2 in total)');
    expect(email).toContain('Issuer:        CN=Example Issuing CA 1, O=Example');
    expect(email).toContain('Serial:        0A1B2C');
    expect(email).toContain('SHA-256:       AB:CD:EF');
  });

  test('where: the target, the certificate id and the owner', () => {
    expect(email).toContain('Target:        api.example.com:443');
    expect(email).toContain('Certificate id: tls:api.example.com:443');
    expect(email).toContain('Owner:         team-payments');
  });

  test('when: days and hours left and the exact notAfter in UTC', () => {
    expect(email).toContain('Time left:     2 days 5 hours');
    expect(email).toContain('Expires:       2026-12-01 10:00:00 UTC (notAfter 2026-12-01T10:00:00.000Z)');
  });

  test('the chain lists each certificate with its notAfter and marks the one that expires first', () => {
    expect(email).toContain('CHAIN (leaf first)');
    expect(email).toContain('1. CN=api.example.com  notAfter 2026-12-01 10:00:00 UTC  <- expires first');
    expect(email).toContain(`2. CN=Example Issuing CA 1, O=Example  notAfter ${at(400 * DAY).slice(0, 19).replace('T', ' ')} UTC`);
  });

  test('findings are listed with severity, code and message', () => {
    expect(email).toContain('- [critical] EXPIRES_SOON: the certificate expires on 2026-12-01T10:00:00.000Z');
  });

  test('a certificate stored without findings (EXPIRES_SOON is not stored) still says the time left, and no other finding', () => {
    const message = renderMessage(planned({ certificate: knownCertificate({}, { findings: [] }) }), NOW);
    expect(message.email).toContain('FINDINGS\n  none besides the expiry (see WHEN)');
    expect(message.email).toContain('Time left:     2 days 5 hours');
    expect(message.subject).toContain('expires in 2d 5h');
  });

  test('SANs the engine did not store are counted from sanCount', () => {
    const stored = Array.from({ length: 100 }, (_, i) => `n${i}.example.com`);
    const message = renderMessage(planned({ certificate: knownCertificate({ sans: stored }, { sans: stored, sanCount: 5000 }) }), NOW);
    expect(message.email).toContain('n99.example.com, ... and 4900 more (5000 in total)');
  });

  test('what to do: renew, deploy, verify', () => {
    const whatToDo = email.slice(email.indexOf('WHAT TO DO'));
    expect(whatToDo).toContain('1. Renew the certificate');
    expect(whatToDo).toContain('2. Deploy it to every server behind api.example.com:443');
    expect(whatToDo).toContain('certwatch check api.example.com:443');
  });

  test('how to acknowledge: the CLI command and the Lambda payload', () => {
    expect(email).toContain('certwatch ack tls:api.example.com:443 --until 2026-11-30T05:00:00Z');
    const payload = /Lambda: .* with (\{.*\})$/m.exec(email)?.[1];
    expect(JSON.parse(payload ?? 'null')).toEqual({ action: 'ack', certificateId: 'tls:api.example.com:443', until: '2026-11-30T05:00:00Z' });
  });

  test('says who was told and which notification this is', () => {
    expect(email).toContain(`certwatch expiry notification tls:api.example.com:443/expiry/critical/${NOW.toISOString()}, stage critical, to owners, oncall`);
  });

  test('an intermediate that expires before the leaf is named, with chain advice', () => {
    const leaf = certInfo({ notAfter: at(80 * DAY) });
    const shortIntermediate = intermediate({ notAfter: at(2 * DAY + 5 * HOUR) });
    const certificate = knownCertificate({}, { chain: [leaf, shortIntermediate], notAfter: shortIntermediate.notAfter, findings: [] });
    const message = renderMessage(planned({ certificate }), NOW);
    expect(message.subject).toContain('api.example.com:443 intermediate expires in 2d 5h');
    expect(message.email).toContain('the intermediate certificate for api.example.com:443 expires in 2 days 5 hours');
    expect(message.email).toContain('2. CN=Example Issuing CA 1, O=Example  notAfter 2026-12-01 10:00:00 UTC  <- expires first');
    expect(message.email).toContain('install the current chain (intermediates) from your CA');
  });

  test('findings add their own advice', () => {
    const certificate = knownCertificate({}, {
      findings: [
        { code: 'INCOMPLETE_CHAIN', severity: 'warning', message: 'the server does not send the intermediate' },
        { code: 'RENEWAL_OVERDUE', severity: 'warning', message: 'not replaced after two thirds of its lifetime' },
      ],
    });
    const email = renderMessage(planned({ certificate }), NOW).email;
    expect(email).toContain('Incomplete chain: configure the server to send the intermediate certificates');
    expect(email).toContain('Renewal overdue:');
  });

  test('an ACM certificate gets ACM renewal advice', () => {
    const arn = 'arn:aws:acm:eu-west-1:123456789012:certificate/0f2d3c4b-1a2b-4c5d-8e9f-001122334455';
    const message = renderMessage(planned({ certificateId: arn, target: arn }), NOW);
    expect(message.email).toContain('ACM-issued: check the renewal status in ACM');
    expect(message.email).toContain(`certwatch ack ${arn}`);
    expectWithinLimits(message);
  });

  test('a certificate id a shell would mangle is quoted in the ack command', () => {
    const email = renderMessage(planned({ certificateId: 'tls:[2001:db8::1]:443', target: '[2001:db8::1]:443' }), NOW).email;
    expect(email).toContain("certwatch ack 'tls:[2001:db8::1]:443' --until");
  });
});

describe('recovery', () => {
  test('says the alert is over, with the new expiry, and that nothing needs doing', () => {
    const message = renderMessage(recovery(), NOW);
    const notAfter = at(89 * DAY + 2 * HOUR);
    expect(message.subject).toBe(`[certwatch] RESOLVED api.example.com:443 now expires ${notAfter.slice(0, 10)} (in 89d 2h)`);
    expect(message.sms.startsWith('CERTWATCH RESOLVED api.example.com:443 now expires')).toBe(true);
    expect(message.email).toContain('RESOLVED: the "critical" alert for api.example.com:443 is over');
    expect(message.email).toContain('Nothing. This closes the "critical" expiry alert');
    expect(message.email).not.toContain('certwatch ack');
    expectWithinLimits(message);
  });

  test('a probe that works again is reported as reachable', () => {
    const message = renderMessage(recovery({ stage: 'error' }), NOW);
    expect(message.subject).toBe('[certwatch] RESOLVED api.example.com:443 reachable again, expires 2027-02-26 (in 89d 2h)');
    expect(message.email).toContain('RESOLVED: certwatch can check api.example.com:443 again');
  });

  test('a notice decided before EXPIRES_SOON stopped being stored still reads as a plain recovery', () => {
    const legacy = knownCertificate({ notAfter: at(89 * DAY) }, { findings: [{ code: 'EXPIRES_SOON', severity: 'warning', message: '29 days left' }] });
    expect(renderMessage(recovery({ certificate: legacy }), NOW).subject).toMatch(/^\[certwatch\] RESOLVED api\.example\.com:443 now expires/);
  });
});

describe('recovery to a replacement with problems (a broken renewal)', () => {
  const refused: Finding[] = [
    { code: 'INCOMPLETE_CHAIN', severity: 'critical', message: 'the server does not send the intermediate certificate that issued the leaf: configure the full chain (UNABLE_TO_VERIFY_LEAF_SIGNATURE)' },
    { code: 'HOSTNAME_MISMATCH', severity: 'critical', message: 'the certificate does not cover "api.example.com"' },
  ];
  const broken = (findings: Finding[], overrides: Partial<PlannedNotification> = {}) =>
    recovery({ status: 'critical', replaced: true, certificate: knownCertificate({ notAfter: at(89 * DAY + 2 * HOUR), fingerprintSha256: '11:22' }, { findings }), ...overrides });

  test('subject and SMS say it was replaced but is broken, and name the findings; the SMS says what to do', () => {
    const message = renderMessage(broken(refused), NOW);
    expect(message.subject).toBe('[certwatch] REPLACED BUT BROKEN api.example.com:443: INCOMPLETE_CHAIN, HOSTNAME_MISMATCH');
    expect(message.sms).toBe('CERTWATCH REPLACED BUT BROKEN api.example.com:443: INCOMPLETE_CHAIN, HOSTNAME_MISMATCH. Fix: send intermediates; reissue for this name.');
    expectWithinLimits(message);
  });

  test('the email says the expiry alert is over but clients will refuse the new certificate, and what to do about each finding', () => {
    const { email } = renderMessage(broken(refused), NOW);
    expect(email).toContain('REPLACED BUT BROKEN: the "critical" alert for api.example.com:443 is over: the certificate was replaced and now expires on 2027-02-26 07:00:00 UTC');
    expect(email).toContain('But clients will refuse the certificate that replaced it: INCOMPLETE_CHAIN, HOSTNAME_MISMATCH.');
    const whatToDo = email.slice(email.indexOf('WHAT TO DO'));
    expect(whatToDo).toContain('1. Incomplete chain: configure the server to send the intermediate certificates');
    expect(whatToDo).toContain('2. Name mismatch: reissue the certificate');
    expect(whatToDo).toContain('3. Verify: certwatch check api.example.com:443');
    expect(whatToDo).toContain('certwatch also sends its "invalid" alert about a certificate clients refuse, and repeats it until the certificate is fixed or acknowledged.');
    expect(whatToDo).not.toContain('does not alert on these problems');
    expect(email).not.toContain('Nothing.');
    expect(email).toContain('- [critical] INCOMPLETE_CHAIN: the server does not send the intermediate');
    expect(renderMessage(broken(refused), NOW).default).toContain('But clients will refuse the certificate that replaced it');
  });

  test('warnings only (a weak key): replaced with problems', () => {
    const message = renderMessage(broken([{ code: 'WEAK_KEY', severity: 'warning', message: '"CN=api.example.com" has a weak RSA key of 1024 bits' }], { status: 'warning' }), NOW);
    expect(message.subject).toBe('[certwatch] REPLACED WITH PROBLEMS api.example.com:443: WEAK_KEY');
    expect(message.email).toContain('But the certificate that replaced it has problems: WEAK_KEY.');
    expect(message.email).toContain('Weak key: reissue');
    expect(message.email).toContain('certwatch does not alert on these problems by themselves');
  });

  test('without a replacement, it is resolved but broken; a probe answering again with a broken certificate says so too', () => {
    expect(renderMessage(broken(refused, { replaced: undefined }), NOW).subject).toBe('[certwatch] RESOLVED BUT BROKEN api.example.com:443: INCOMPLETE_CHAIN, HOSTNAME_MISMATCH');
    const probe = renderMessage(broken(refused, { stage: 'error', replaced: undefined }), NOW);
    expect(probe.subject).toBe('[certwatch] RESOLVED BUT BROKEN api.example.com:443: INCOMPLETE_CHAIN, HOSTNAME_MISMATCH');
    expect(probe.email).toContain('But clients will refuse the certificate it reads now: INCOMPLETE_CHAIN, HOSTNAME_MISMATCH.');
  });

  test('as the engine decides it: a renewal with a missing intermediate, after an urgent notice', () => {
    const first = foldObservation(undefined, { ...TARGET, result: served([leaf('AA:01', simulated(0), 398)], simulated(384)) }, DEFAULT_POLICY, simulated(384));
    const told = { ...first.state, pending: [], expiry: { ...first.state.expiry, audiencesTold: ['owners', 'oncall'] } };
    const renewal = served([leaf('EE:05', simulated(384, 6), 398)], simulated(384, 12), { chainProblem: 'INCOMPLETE_CHAIN', chainProblemDetail: 'UNABLE_TO_VERIFY_LEAF_SIGNATURE' });
    const [notice] = foldObservation(told, { ...TARGET, result: renewal }, DEFAULT_POLICY, simulated(384, 12)).planned;
    const message = renderMessage(notice, simulated(384, 12));
    expect(notice.audiences).toEqual(['owners', 'oncall']);
    expect(message.subject).toBe('[certwatch] REPLACED BUT BROKEN shop.example:443: INCOMPLETE_CHAIN');
    expect(message.sms).toContain('Fix: send intermediates');
    expect(message.email).not.toContain('Nothing.');
  });
});

describe('recovery to audiences a lower stage no longer notifies (de-escalation)', () => {
  const eased = recovery({ stage: 'critical', stageNow: 'notice', replaced: true, audiences: ['oncall'], certificate: knownCertificate({ notAfter: at(40 * DAY + 2 * HOUR), fingerprintSha256: '11:22' }, { findings: [] }) });
  const message = renderMessage(eased, NOW);

  test('the subject and SMS say it eased, to which stage, and when it expires', () => {
    expect(message.subject).toBe('[certwatch] EASED api.example.com:443 down to notice, expires 2027-01-08 (in 40d 2h)');
    expect(message.sms).toBe('CERTWATCH EASED api.example.com:443 down to notice, expires 2027-01-08 (in 40d 2h)');
    expectWithinLimits(message);
  });

  test('the email says the stage moved down, who is let go, and that nothing is needed from them', () => {
    expect(message.email).toContain('EASED: the certificate for api.example.com:443 was replaced and now expires on 2027-01-08 07:00:00 UTC (in 40 days 2 hours), so it has moved down from the "critical" stage to "notice", which does not notify oncall.');
    expect(message.email).toContain('Alert:         "critical", eased to "notice"');
    expect(message.email).toContain('Nothing for oncall. This closes the "critical" expiry alert sent earlier for api.example.com:443 to oncall: the "notice" stage\'s audiences keep getting its notices');
    expect(message.email).not.toContain('certwatch ack');
  });
});

describe('probe errors', () => {
  test('name the error, the failing runs and the last known expiry date', () => {
    const message = renderMessage(probeError(), NOW);
    expect(message.subject).toBe('[certwatch] ERROR api.example.com:443 cannot be checked: TIMEOUT (3 runs in a row)');
    expect(message.sms).toBe('CERTWATCH ERROR api.example.com:443 TIMEOUT, failing 3x; last cert expires in 2d 5h (2026-12-01 10:00 UTC)');
    expect(message.email).toContain('Error:         TIMEOUT: no answer within 10000 ms');
    expect(message.email).toContain('The last certificate it read expires on 2026-12-01 10:00:00 UTC (in 2 days 5 hours)');
    expect(message.email).toContain('LAST KNOWN CERTIFICATE');
    expectWithinLimits(message);
  });

  test('what to do: check reachability, with advice for the error code', () => {
    const email = renderMessage(probeError({ error: { code: 'CONNECTION_REFUSED', message: 'connect ECONNREFUSED' } }), NOW).email;
    const whatToDo = email.slice(email.indexOf('WHAT TO DO'));
    expect(whatToDo).toContain('1. Check that api.example.com:443 is reachable from the watcher');
    expect(whatToDo).toContain('Nothing accepts connections on that port');
    expect(email).toContain('certwatch ack tls:api.example.com:443 --alert error --until');
    expect(email).toContain('"action":"ack","certificateId":"tls:api.example.com:443","alert":"error"');
  });

  test('without any certificate read yet, says the expiry is unknown', () => {
    const message = renderMessage(probeError({ certificate: null, daysRemaining: null, error: { code: 'DNS_NOT_FOUND', message: 'getaddrinfo ENOTFOUND api.example.com' } }), NOW);
    expect(message.email).toContain('certwatch has not read a certificate from this target yet');
    expect(message.email).toContain('The name does not resolve');
    expect(message.sms).toBe('CERTWATCH ERROR api.example.com:443 DNS_NOT_FOUND, failing 3x');
  });
});

describe('a certificate clients reject (kind error, stage invalid)', () => {
  const message = renderMessage(invalidNotice(), NOW);

  test('the subject and SMS say clients reject it and name every rejecting finding, within their limits', () => {
    expect(message.subject).toBe('[certwatch] INVALID api.example.com:443 rejected by clients: INCOMPLETE_CHAIN, HOSTNAME_MISMATCH');
    expect(message.sms).toBe('CERTWATCH INVALID api.example.com:443 cert rejected by clients: INCOMPLETE_CHAIN, HOSTNAME_MISMATCH');
    expectWithinLimits(message);
  });

  test('one finding leaves room for what to do in the SMS', () => {
    const single = renderMessage(invalidNotice({ certificate: knownCertificate({ notAfter: at(89 * DAY) }, { findings: [rejectedFindings[1]] }) }), NOW);
    expect(single.subject).toBe('[certwatch] INVALID api.example.com:443 cert rejected by clients: HOSTNAME_MISMATCH');
    expect(single.sms).toBe('CERTWATCH INVALID api.example.com:443 cert rejected by clients: HOSTNAME_MISMATCH. Fix: reissue for this name.');
    expectWithinLimits(single);
  });

  test('every rejecting finding at once: the first ones and how many more, never a cut word', () => {
    const all: Finding[] = (['NOT_YET_VALID', 'HOSTNAME_MISMATCH', 'SELF_SIGNED', 'UNTRUSTED_ROOT', 'INCOMPLETE_CHAIN', 'CHAIN_INVALID'] as const).map((code) => ({ code, severity: 'critical', message: `${code} detail` }));
    const many = renderMessage(invalidNotice({ certificate: knownCertificate({}, { findings: all }) }), NOW);
    expect(many.subject).toMatch(/^\[certwatch\] INVALID api\.example\.com:443 (cert )?rejected by clients: NOT_YET_VALID(, [A-Z_, ]+)? \+\d more$/);
    expect(many.sms).toMatch(/^CERTWATCH INVALID api\.example\.com:443 cert rejected by clients: NOT_YET_VALID(, [A-Z_, ]+)? \+\d more(\. Fix: .*\.)?$/);
    expectWithinLimits(many);
  });

  test('the email says what is rejected and why, where, and that it is not about expiry, nor a probe failure', () => {
    const { email } = message;
    expect(email.startsWith('INVALID: clients reject the certificate served by api.example.com:443: INCOMPLETE_CHAIN, HOSTNAME_MISMATCH.\n')).toBe(true);
    expect(email).toContain('It is not about expiry: the certificate expires on 2027-02-26 07:00:00 UTC (in 89 days 2 hours), but browsers and API clients refuse the connection now.');
    expect(email).toContain('WHY CLIENTS REJECT IT\n  - INCOMPLETE_CHAIN: the server does not send the intermediate certificate');
    expect(email).toContain('  - HOSTNAME_MISMATCH: the certificate does not cover "api.example.com"\n\nWHAT\n');
    expect(email).toContain('Certificate:   CN=api.example.com');
    expect(email).toContain('Target:        api.example.com:443');
    expect(email).toContain('Stage:         invalid (status critical)');
    expect(email).toContain('- [warning] WEAK_KEY:'); // every finding under FINDINGS, the warnings too
    expect(email).not.toMatch(/cannot (be )?check|probe fail|unreachable/i);
  });

  test('what to do: advice for each rejecting finding, then how to verify', () => {
    const whatToDo = message.email.slice(message.email.indexOf('WHAT TO DO'), message.email.indexOf('HOW TO ACKNOWLEDGE'));
    expect(whatToDo).toContain('1. Incomplete chain: configure the server to send the intermediate certificates');
    expect(whatToDo).toContain('2. Name mismatch: reissue the certificate');
    expect(whatToDo).toContain('3. Verify: certwatch check api.example.com:443');
    expect(whatToDo).not.toContain('Weak key');
  });

  test('how to acknowledge: --alert invalid on the CLI, "alert": "invalid" for the Lambda, and how long it lasts', () => {
    const { email } = message;
    expect(email).toContain('certwatch ack tls:api.example.com:443 --alert invalid --until 2026-11-30T05:00:00Z');
    const payload = /Lambda: .* with (\{.*\})$/m.exec(email)?.[1];
    expect(JSON.parse(payload ?? 'null')).toEqual({ action: 'ack', certificateId: 'tls:api.example.com:443', alert: 'invalid', until: '2026-11-30T05:00:00Z' });
    expect(email).toContain('stay silent until another certificate is served or clients accept it again');
    expect(message.default).toContain('Acknowledge: certwatch ack tls:api.example.com:443 --alert invalid');
  });

  test('the footer names kind error and stage invalid, as the SNS attributes do', () => {
    expect(message.email).toContain(`certwatch error notification tls:api.example.com:443#error#invalid#${NOW.toISOString()}, stage invalid, to owners`);
  });

  test('as the engine decides it: a first-seen certificate with the wrong name, far from expiry', () => {
    const result = served([leaf('BB:01', simulated(0), 398, { sans: ['other.example'] })], simulated(10), { hostnameMismatch: '"shop.example" is not in the certificate\'s names: DNS:other.example' });
    const [notice] = foldObservation(undefined, { ...TARGET, result }, DEFAULT_POLICY, simulated(10)).planned;
    const rendered = renderMessage(notice, simulated(10));
    expect(rendered.subject).toBe('[certwatch] INVALID shop.example:443 cert rejected by clients: HOSTNAME_MISMATCH');
    expect(rendered.email).toContain('"shop.example" is not in the certificate\'s names: DNS:other.example');
  });

  test('its recovery says clients accept the certificate again and closes the invalid alert', () => {
    const over = renderMessage(recovery({ stage: 'invalid', audiences: ['owners'] }), NOW);
    expect(over.subject).toBe('[certwatch] RESOLVED api.example.com:443 accepted by clients again, expires 2027-02-26 (in 89d 2h)');
    expect(over.sms).toBe('CERTWATCH RESOLVED api.example.com:443 accepted by clients again, expires 2027-02-26 (in 89d 2h)');
    expect(over.email).toContain('RESOLVED: clients accept the certificate served by api.example.com:443 again; the certificate expires on 2027-02-26 07:00:00 UTC (in 89 days 2 hours).');
    expect(over.email).toContain('Nothing. This closes the "invalid" alert (certificate rejected by clients) sent earlier for api.example.com:443.');
    expect(over.email).toContain('Alert:         "invalid", resolved (status now ok)');
    expectWithinLimits(over);
  });

  test('its recovery to a certificate with warnings left says what to do about them', () => {
    const weak = recovery({ stage: 'invalid', status: 'warning', certificate: knownCertificate({ notAfter: at(89 * DAY) }, { findings: [rejectedFindings[2]] }) });
    const rendered = renderMessage(weak, NOW);
    expect(rendered.subject).toBe('[certwatch] RESOLVED WITH PROBLEMS api.example.com:443: WEAK_KEY');
    expect(rendered.email).toContain('Weak key: reissue');
    expect(rendered.email).toContain('certwatch does not alert on these problems by themselves');
  });
});

describe('digest', () => {
  // In planDigest's order: the renderer keeps the order it is given.
  const lines = [
    digestLine({ target: 'later.example.com:443', certificateId: 'tls:later.example.com:443', notAfter: at(40 * DAY), daysRemaining: 40, stage: 'notice', status: 'warning' }),
    digestLine({ target: 'never-read.example.com:443', certificateId: 'tls:never-read.example.com:443', notAfter: null, subject: null, daysRemaining: null, stage: null, status: 'error' }),
    digestLine({ target: 'soon.example.com:443', certificateId: 'tls:soon.example.com:443', notAfter: at(2 * DAY + 5 * HOUR), acknowledged: true }),
    digestLine({ target: 'gone.example.com:443', certificateId: 'tls:gone.example.com:443', notAfter: at(-DAY), daysRemaining: -1, stage: 'expired', status: 'expired' }),
  ].sort(soonestExpiryFirst);
  const message = renderMessage(digest(lines), NOW);

  test('lists every certificate in planDigest\'s order: soonest first, expired first and unknown dates last', () => {
    const order = ['gone', 'soon', 'later', 'never-read'].map((name) => message.email.indexOf(`. ${name}.example.com:443`));
    expect(order.every((position) => position > 0)).toBe(true);
    expect([...order].sort((a, b) => a - b)).toEqual(order);
    expect(message.email).toContain('4 certificates need attention (inside the first stage, failing, or rejected by clients), soonest first.');
    expect(message.email).toContain('EXPIRED 1d 0h ago');
    expect(message.email).toContain('[stage critical, status critical, acknowledged]');
    expect(message.email).toContain('(id tls:soon.example.com:443)');
    expect(message.email).toContain('certificate not read yet');
  });

  test('the subject names the soonest; the SMS lists targets in the same order', () => {
    expect(message.subject).toBe('[certwatch] Digest: 4 certificates, soonest gone.example.com:443 expired 1d 0h ago');
    expect(message.sms).toBe('CERTWATCH DIGEST 4 certs: gone.example.com:443 -1d, soon.example.com:443 2d, later.example.com:443 40d, never-read.example.com:443 ?');
    expectWithinLimits(message);
  });

  test('keeps the order it is given: no second sort with its own tie-break', () => {
    const sameExpiry = [
      digestLine({ certificateId: 'tls:a.example.com:443', target: 'z.example.com:443' }),
      digestLine({ certificateId: 'tls:b.example.com:443', target: 'y.example.com:443' }),
      digestLine({ certificateId: 'tls:c.example.com:443', target: 'x.example.com:443', notAfter: at(DAY) }),
    ];
    const rendered = renderMessage(digest(sameExpiry), NOW);
    const order = ['z', 'y', 'x'].map((name) => rendered.email.indexOf(`. ${name}.example.com:443`));
    expect([...order].sort((a, b) => a - b)).toEqual(order);
    expect(rendered.sms).toBe('CERTWATCH DIGEST 3 certs: z.example.com:443 2d, y.example.com:443 2d, x.example.com:443 1d');
  });

  test('a certificate listed because clients reject it says so on its line', () => {
    const rejected = digestLine({ stage: null, notAfter: at(200 * DAY), daysRemaining: 200, rejectedFor: ['HOSTNAME_MISMATCH', 'UNTRUSTED_ROOT'], acknowledged: true });
    expect(renderMessage(digest([rejected]), NOW).email).toContain('[stage -, status critical, rejected by clients: HOSTNAME_MISMATCH, UNTRUSTED_ROOT, acknowledged]');
  });

  test('explains how to acknowledge any one of them', () => {
    expect(message.email).toContain('certwatch ack <certificateId> [--until ISO-8601 time]');
    expect(message.email).toContain('{"action":"ack","certificateId":"<certificateId>","until":"<ISO-8601 time>"}');
  });

  test('the SMS says how many did not fit', () => {
    const many = Array.from({ length: 50 }, (_, i) => digestLine({ target: `host-${i}.example.com:443`, notAfter: at((i + 1) * DAY) }));
    const sms = renderMessage(digest(many), NOW).sms;
    expect(sms.startsWith('CERTWATCH DIGEST 50 certs: host-0.example.com:443 1d, host-1.example.com:443 2d')).toBe(true);
    expect(sms).toMatch(/\+\d+ more$/);
    expect(sms.length).toBeLessThanOrEqual(SMS_MAX_CHARS);
  });

  test('an empty digest says so', () => {
    const empty = renderMessage(digest([]), NOW);
    expect(empty.subject).toBe('[certwatch] Digest: no certificate needs attention');
    expect(empty.sms).toBe('CERTWATCH DIGEST 0 certs: none needs attention');
  });

  test('thousands of lines stay within the email limit and say how many were left out', () => {
    const many = Array.from({ length: 5000 }, (_, i) => digestLine({ target: `${'x'.repeat(200)}-${i}.example.com:443`, subject: `CN=${'ü'.repeat(100)}`, notAfter: at(i * HOUR) }));
    const big = renderMessage(digest(many), NOW);
    expectWithinLimits(big);
    expect(big.email).toMatch(/\.\.\. and \d+ more \(certwatch status lists them all\)/);
  });
});

describe('limits hold for every kind', () => {
  const longHost = `${'a'.repeat(63)}.${'b'.repeat(63)}.${'c'.repeat(63)}.${'d'.repeat(53)}.example`;
  const manySans = Array.from({ length: 1000 }, (_, i) => `${String(i).padStart(4, '0')}${'s'.repeat(245)}.example`);

  test('the long host name is 253 characters', () => {
    expect(longHost).toHaveLength(253);
  });

  test.each(ALL_KINDS)('%s with 1000 SANs of 253 characters', (_kind, notification) => {
    const certificate = notification.certificate && knownCertificate({ sans: manySans }, { sans: manySans, chain: [certInfo({ sans: manySans }), intermediate()] });
    const message = renderMessage({ ...notification, certificate }, NOW);
    expectWithinLimits(message);
    if (certificate) expect(message.email).toContain('... and 900 more (1000 in total)');
  });

  test.each(ALL_KINDS)('%s with a 253-character host name keeps the time and the port', (kind, notification) => {
    const target = `${longHost}:443`;
    const message = renderMessage({ ...notification, target, digest: notification.digest?.map((line) => ({ ...line, target })) }, NOW);
    expectWithinLimits(message);
    expect(message.sms).toContain('...');
    if (kind === 'expiry') {
      expect(message.subject.endsWith('.example:443 expires in 2d 5h (2026-12-01 10:00 UTC)')).toBe(true);
      expect(message.sms.endsWith('.example:443 expires in 2d 5h (2026-12-01 10:00 UTC)')).toBe(true);
    }
    expect(message.email).toContain(target);
  });

  test.each(ALL_KINDS)('%s with IDN and unicode text: subject and SMS are plain ASCII, the email keeps the text', (_kind, notification) => {
    const subject = 'CN=bücher.example, O=Ünïcödé 証明書 \u{1F600}';
    const certificate = notification.certificate && knownCertificate({ subject, sans: ['bücher.example', '証明書.example'] }, { subject });
    const message = renderMessage(
      { ...notification, target: 'bücher.example:443', certificate, digest: notification.digest?.map((line) => ({ ...line, target: 'bücher.example:443', subject })) },
      NOW,
    );
    expectWithinLimits(message);
    expect(message.subject).toContain('xn--bcher-kva.example:443');
    if (certificate) expect(message.email).toContain(subject);
  });

  test('control and bidi characters from a certificate never reach the message', () => {
    const hostile = 'CN=evil\u202Emoc.elgoog\u0007\r\nX-Injected: yes';
    const message = renderMessage(planned({ certificate: knownCertificate({ subject: hostile }, { subject: hostile }) }), NOW);
    expect(message.email).toContain('CN=evilmoc.elgoog X-Injected: yes');
    expect(message.email).not.toMatch(/[\u0000-\u0009\u000B-\u001F\u202E]/);
  });

  test('no password from a target or an error message is rendered', () => {
    const message = renderMessage(
      probeError({ target: 'smtp://bob:hunter2@mail.example.com:25', error: { code: 'STARTTLS_FAILED', message: 'smtp://bob:hunter2@mail.example.com:25 refused STARTTLS' } }),
      NOW,
    );
    for (const text of Object.values(message)) expect(text).not.toContain('hunter2');
    expect(message.email).toContain('smtp://***@mail.example.com:25');
  });

  test('default is a short text with the headline, the target and the certificate id', () => {
    for (const [, notification] of ALL_KINDS) {
      const message = renderMessage(notification, NOW);
      expect(Buffer.byteLength(message.default)).toBeLessThan(4_000);
      expect(message.default.length).toBeGreaterThan(20);
    }
    expect(renderMessage(planned(), NOW).default).toContain('Certificate id: tls:api.example.com:443');
  });
});
