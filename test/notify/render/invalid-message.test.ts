import type { Finding } from '../../../functions/core/check-result';
import { foldObservation } from '../../../functions/core/escalation/fold';
import { DEFAULT_POLICY } from '../../../functions/core/escalation/policy';
import { renderMessage } from '../../../functions/notify/render/render-message';
import { at as simulated, leaf, served, TARGET } from '../../core/escalation/harness';
import { at, DAY, knownCertificate, NOW } from '../../support/notification-fixture';
import { expectWithinLimits } from './expect-within-limits';
import { invalidNotice, rejectedFindings } from './kind-fixtures';

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
});
