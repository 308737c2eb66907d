import type { Finding } from '../../../functions/core/check-result';
import { foldObservation } from '../../../functions/core/escalation/fold';
import { DEFAULT_POLICY } from '../../../functions/core/escalation/policy';
import type { PlannedNotification } from '../../../functions/core/watch-state';
import { renderMessage } from '../../../functions/notify/render/render-message';
import { at as simulated, leaf, served, TARGET } from '../../core/escalation/harness';
import { at, DAY, HOUR, knownCertificate, NOW } from '../../support/notification-fixture';
import { expectWithinLimits } from './expect-within-limits';
import { recovery, rejectedFindings } from './kind-fixtures';

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

describe('a correction of what a clock that was ahead told', () => {
  const notAfter = at(22 * DAY + 2 * HOUR);
  const certificate = knownCertificate({ notAfter }, { findings: [] });
  const corrects = { stage: 'critical', decidedAt: at(20 * DAY) };
  const message = renderMessage(recovery({ stage: 'critical', stageNow: 'warning', audiences: ['owners', 'oncall'], corrects, certificate }), NOW);

  test('the subject and SMS say which stage it is not, the one it is, and when it expires', () => {
    expect(message.subject).toBe(`[certwatch] CORRECTED api.example.com:443 not critical: warning, expires ${notAfter.slice(0, 10)} (in 22d 2h)`);
    expect(message.sms).toBe(`CERTWATCH CORRECTED api.example.com:443 not critical: warning, expires ${notAfter.slice(0, 10)} (in 22d 2h)`);
    expectWithinLimits(message);
  });

  test('the email names the notice it corrects, its date, why it was wrong, and the stage the certificate is in', () => {
    expect(message.email).toContain(
      `CORRECTED: the "critical" notice for api.example.com:443 dated ${corrects.decidedAt.slice(0, 10)} was sent by a clock that was ahead (a host clock that jumped forward, or a run with --force-now): the certificate expires on ${notAfter.slice(0, 10)} ${notAfter.slice(11, 19)} UTC (in 22 days 2 hours), in the "warning" stage.`,
    );
    expect(message.email).toContain('Alert:         "critical" sent early, by a clock that was ahead; the stage is "warning" (status now');
    expect(message.email).toContain('Nothing for the "critical" notice: it came early. The "warning" stage\'s notices go on as usual, and a later stage notifies when the certificate really reaches it.');
  });

  test('outside every stage, it says so', () => {
    const over = renderMessage(recovery({ stage: 'expiry', audiences: ['owners'], corrects: { stage: 'warning', decidedAt: at(20 * DAY) } }), NOW);
    expect(over.subject).toMatch(/^\[certwatch\] CORRECTED api\.example\.com:443 not warning: expires /);
    expect(over.email).toContain(', outside every alert stage.');
    expect(over.email).toContain('Nothing for the "warning" notice: it came early. certwatch notifies again when the certificate nears expiry.');
  });
});

describe('recovery from the invalid alert (a certificate clients rejected)', () => {
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
