import type { PlannedNotification } from '../../../functions/core/watch-state';
import { renderMessage } from '../../../functions/notify/render/render-message';
import { at, certInfo, DAY, HOUR, intermediate, knownCertificate, NOW, planned } from '../../support/notification-fixture';
import { expectWithinLimits } from './expect-within-limits';

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
});

describe('expiry advice', () => {
  const email = renderMessage(planned(), NOW).email;

  test('what to do: renew, deploy, verify', () => {
    const whatToDo = email.slice(email.indexOf('WHAT TO DO'));
    expect(whatToDo).toContain('1. Renew the certificate');
    expect(whatToDo).toContain('2. Deploy it to every server behind api.example.com:443');
    expect(whatToDo).toContain('certwatch check api.example.com:443');
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

  test('control and bidi characters in an intermediate that expires first never reach the message', () => {
    const hostile = intermediate({ subject: 'CN=evil\u202Emoc.elgoog\u0007\r\nX-Injected: yes', notAfter: at(2 * DAY) });
    const certificate = knownCertificate({}, { chain: [certInfo({ notAfter: at(80 * DAY) }), hostile], notAfter: hostile.notAfter, findings: [] });
    const message = renderMessage(planned({ certificate }), NOW);
    expect(message.email).toContain('It is the intermediate "CN=evilmoc.elgoog X-Injected: yes" that expires first');
    expect(message.email).toContain('The intermediate "CN=evilmoc.elgoog X-Injected: yes" expires first: install the current chain');
    expect(message.email).not.toMatch(/[\u0000-\u0009\u000B-\u001F\u202E]/);
  });

  test('an ACM certificate gets ACM renewal advice', () => {
    const arn = 'arn:aws:acm:eu-west-1:123456789012:certificate/0f2d3c4b-1a2b-4c5d-8e9f-001122334455';
    const message = renderMessage(planned({ certificateId: arn, target: arn }), NOW);
    expect(message.email).toContain('ACM-issued: check the renewal status in ACM');
    expect(message.email).toContain(`certwatch ack ${arn}`);
    expectWithinLimits(message);
  });
});

describe('acknowledgements in a notice', () => {
  test('the acknowledgement of the stage it left: who, when, until when and the note', () => {
    const acknowledgements = [{ stage: 'warning', at: at(-3 * DAY), until: at(-DAY), note: 'renewal in OPS-42', by: 'alice', fingerprintSha256: 'AB:CD:EF' }];
    const { email } = renderMessage(planned({ acknowledgements }), NOW);
    expect(email).toContain('ACKNOWLEDGED\n  The "warning" stage: acknowledged by alice on 2026-11-26 05:00 UTC until 2026-11-28 05:00 UTC (over): renewal in OPS-42\n');
  });

  test('none: no section', () => {
    expect(renderMessage(planned(), NOW).email).not.toContain('ACKNOWLEDGED');
  });
});
