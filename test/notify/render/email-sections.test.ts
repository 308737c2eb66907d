import { renderMessage } from '../../../functions/notify/render/render-message';
import { at, DAY, knownCertificate, NOW, planned } from '../../support/notification-fixture';

describe('the certificate sections', () => {
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
});

describe('how to acknowledge, and the footer', () => {
  const email = renderMessage(planned(), NOW).email;

  test('how to acknowledge: the CLI command and the Lambda payload', () => {
    expect(email).toContain('certwatch ack tls:api.example.com:443 --until 2026-11-30T05:00:00Z');
    const payload = /Lambda: .* with (\{.*\})$/m.exec(email)?.[1];
    expect(JSON.parse(payload ?? 'null')).toEqual({ action: 'ack', certificateId: 'tls:api.example.com:443', until: '2026-11-30T05:00:00Z' });
  });

  test('says who was told and which notification this is', () => {
    expect(email).toContain(`certwatch expiry notification tls:api.example.com:443/expiry/critical/${NOW.toISOString()}, stage critical, to owners, oncall`);
  });

  test('a certificate id a shell would mangle is quoted in the ack command', () => {
    const email = renderMessage(planned({ certificateId: 'tls:[2001:db8::1]:443', target: '[2001:db8::1]:443' }), NOW).email;
    expect(email).toContain("certwatch ack 'tls:[2001:db8::1]:443' --until");
  });
});
