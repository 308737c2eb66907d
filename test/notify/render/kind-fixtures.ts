import type { Finding } from '../../../functions/core/check-result';
import type { DigestLine, PlannedNotification } from '../../../functions/core/watch-state';
import { at, DAY, HOUR, knownCertificate, NOW, planned } from '../../support/notification-fixture';

// One notification of each kind besides the expiry notice (test/support/notification-fixture's `planned`), about the
// same certificate and target; every factory takes overrides.

export function digestLine(overrides: Partial<DigestLine> = {}): DigestLine {
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

export function digest(lines: DigestLine[]): PlannedNotification {
  return planned({ id: `digest/${NOW.toISOString()}`, kind: 'digest', stage: 'digest', certificateId: 'digest', target: 'all targets', status: 'critical', daysRemaining: null, certificate: null, owner: null, digest: lines });
}

export const probeError = (overrides: Partial<PlannedNotification> = {}) =>
  planned({ kind: 'error', stage: 'error', status: 'error', error: { code: 'TIMEOUT', message: 'no answer within 10000 ms' }, consecutiveFailures: 3, ...overrides });

/** The invalid alert: a certificate 89 days from expiry that clients refuse for a missing intermediate and the wrong name. */
export const rejectedFindings: Finding[] = [
  { code: 'INCOMPLETE_CHAIN', severity: 'critical', message: 'the server does not send the intermediate certificate that issued the leaf: configure the full chain (UNABLE_TO_VERIFY_LEAF_SIGNATURE)' },
  { code: 'HOSTNAME_MISMATCH', severity: 'critical', message: 'the certificate does not cover "api.example.com"' },
  { code: 'WEAK_KEY', severity: 'warning', message: '"CN=api.example.com" has a weak RSA key of 1024 bits' },
];
export const invalidNotice = (overrides: Partial<PlannedNotification> = {}) =>
  planned({
    id: `tls:api.example.com:443#error#invalid#${NOW.toISOString()}`,
    kind: 'error',
    stage: 'invalid',
    audiences: ['owners'],
    daysRemaining: 89,
    certificate: knownCertificate({ notAfter: at(89 * DAY + 2 * HOUR) }, { findings: rejectedFindings }),
    ...overrides,
  });

export const recovery = (overrides: Partial<PlannedNotification> = {}) =>
  planned({
    kind: 'recovery',
    stage: 'critical',
    status: 'ok',
    daysRemaining: 89,
    certificate: knownCertificate({ notAfter: at(89 * DAY + 2 * HOUR), fingerprintSha256: '11:22' }, { findings: [] }),
    ...overrides,
  });
