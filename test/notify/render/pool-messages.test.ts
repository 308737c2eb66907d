import type { AddressSeen } from '../../../functions/core/watch-state';
import { renderMessage } from '../../../functions/notify/render/render-message';
import { at, DAY, HOUR, NOW, planned } from '../../support/notification-fixture';
import { expectWithinLimits } from './expect-within-limits';

// Messages about a name served by several addresses name the ones still serving the old certificate.

const OLD = at(2 * DAY + 5 * HOUR);
const NEW = at(90 * DAY);

const node = (address: string, notAfter: string, errorCode: AddressSeen['errorCode'] = null): AddressSeen => ({
  address,
  fingerprintSha256: notAfter === OLD ? 'AB:CD:EF' : '12:34:56:78:9A:BC',
  notAfter,
  errorCode,
});

const staleNode = [node('10.0.0.5', NEW), node('10.0.0.6', NEW), node('10.0.0.7', OLD)];

describe('an expiry notice with one node still serving the old certificate', () => {
  const message = renderMessage(planned({ addresses: staleNode }), NOW);

  test('the email says how many serve the renewed certificate and which still serves the old one, and lists every address', () => {
    expect(message.email).toContain('\n2 of 3 addresses serve the renewed certificate; 10.0.0.7 still serves the one expiring 2026-12-01.\n');
    expect(message.email).toContain('Addresses:     2 of 3 addresses serve the renewed certificate; 10.0.0.7 still serves the one expiring 2026-12-01');
    const section = message.email.slice(message.email.indexOf('ADDRESSES (3 probed)'));
    expect(section.split('\n').slice(1, 4)).toEqual([
      '  10.0.0.5  serves SHA-256 12:34:56:78... expiring 2027-02-27 05:00 UTC',
      '  10.0.0.6  serves SHA-256 12:34:56:78... expiring 2027-02-27 05:00 UTC',
      '  10.0.0.7  serves SHA-256 AB:CD:EF... expiring 2026-12-01 10:00 UTC  <- older than the others',
    ]);
  });

  test('what to do: deploy the renewed certificate to the stale node, not renew it', () => {
    const whatToDo = message.email.slice(message.email.indexOf('WHAT TO DO'));
    expect(whatToDo).toContain('1. The renewed certificate is deployed on 2 of 3 addresses behind api.example.com:443: deploy it to 10.0.0.7 too and reload it');
    expect(whatToDo).not.toContain('Renew the certificate');
  });

  test('the SMS names the stale address, the subject how many are stale when it has room, within their limits', () => {
    expect(message.sms).toBe('CERTWATCH CRITICAL api.example.com:443 expires in 2d 5h (2026-12-01 10:00 UTC) on 10.0.0.7 (1 of 3)');
    // 100 characters with the count: one too many for a subject, which keeps the time left whole.
    expect(message.subject).toBe('[certwatch] CRITICAL api.example.com:443 expires in 2d 5h (2026-12-01 10:00 UTC)');
    const urgent = renderMessage(planned({ stage: 'urgent', addresses: staleNode }), NOW);
    expect(urgent.subject).toBe('[certwatch] URGENT api.example.com:443 expires in 2d 5h (2026-12-01 10:00 UTC) on 1 of 3 addresses');
    expectWithinLimits(message);
    expectWithinLimits(urgent);
  });

  test('a long name and many stale nodes: the SMS keeps the time left and shortens what it must', () => {
    const many = [node('10.0.0.5', NEW), ...Array.from({ length: 12 }, (_, index) => node(`10.200.100.${index + 10}`, OLD))];
    const long = renderMessage(planned({ addresses: many, target: 'payments-gateway.eu-west-1.internal.example.com:443' }), NOW);
    expect(long.sms).toContain('expires in 2d 5h');
    expectWithinLimits(long);
  });
});

test('an unreachable node that last served the old certificate is named so', () => {
  const message = renderMessage(planned({ addresses: [node('10.0.0.5', NEW), node('10.0.0.6', NEW), node('10.0.0.7', OLD, 'TIMEOUT')] }), NOW);
  expect(message.email).toContain('2 of 3 addresses serve the renewed certificate; 10.0.0.7 could not be checked (TIMEOUT) and last served the one expiring 2026-12-01.');
  expect(message.email).toContain('  10.0.0.7  could not be checked (TIMEOUT); last served SHA-256 AB:CD:EF... expiring 2026-12-01 10:00 UTC  <- older than the others');
});

test('the recovery after the last node is renewed says every address serves it now', () => {
  const all = [node('10.0.0.5', NEW), node('10.0.0.6', NEW), node('10.0.0.7', NEW)];
  const message = renderMessage(planned({ kind: 'recovery', stage: 'urgent', status: 'ok', replaced: true, addresses: all }), NOW);
  expect(message.email).toContain('All 3 addresses behind api.example.com:443 serve the same certificate now.');
  expect(message.email).toContain('Addresses:     all 3 serve the same certificate');
});

test('the digest names the stale addresses under their certificate', () => {
  const digest = planned({
    kind: 'digest',
    stage: 'digest',
    certificateId: 'digest',
    target: '1 certificate needing attention',
    certificate: null,
    digest: [
      {
        certificateId: 'tls:api.example.com:443',
        target: 'api.example.com:443',
        subject: 'CN=api.example.com',
        notAfter: OLD,
        daysRemaining: 2,
        stage: 'critical',
        status: 'critical',
        acknowledged: false,
        addressSummary: '2 of 3 addresses serve the renewed certificate; 10.0.0.7 still serves the one expiring 2026-12-01',
      },
    ],
  });
  const message = renderMessage(digest, NOW);
  expect(message.email).toContain('     2 of 3 addresses serve the renewed certificate; 10.0.0.7 still serves the one expiring 2026-12-01\n');
  expectWithinLimits(message);
});
