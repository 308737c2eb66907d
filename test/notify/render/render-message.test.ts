import type { PlannedNotification } from '../../../functions/core/watch-state';
import { renderMessage } from '../../../functions/notify/render/render-message';
import { at, certInfo, DAY, intermediate, knownCertificate, NOW, planned } from '../../support/notification-fixture';
import { expectWithinLimits } from './expect-within-limits';
import { digest, digestLine, invalidNotice, probeError, recovery } from './kind-fixtures';

const ALL_KINDS: [string, PlannedNotification][] = [
  ['expiry', planned()],
  ['recovery', recovery()],
  ['error', probeError()],
  ['invalid', invalidNotice()],
  ['digest', digest([digestLine(), digestLine({ target: 'b.example.com:443', certificateId: 'tls:b.example.com:443', notAfter: at(20 * DAY) })])],
];

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

  test('a carriage return inside a password does not split it out of the redaction', () => {
    const message = renderMessage(probeError({ target: 'smtp://bob:hun\rter2@mail.example.com:25' }), NOW);
    for (const text of Object.values(message)) expect(text).not.toMatch(/bob|ter2/);
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
