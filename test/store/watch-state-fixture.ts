import type { KnownCertificate, PlannedNotification, StoredCertificateInfo, WatchState } from '../../functions/core/watch-state';
import { knownCertificate } from '../support/notification-fixture';

// WatchStates that exercise every shape the store must keep: nested maps, empty and non-empty lists, nulls.

const leaf: StoredCertificateInfo = {
  subject: 'CN=shop.example',
  issuer: 'CN=Example Issuing CA',
  sans: ['shop.example', 'www.shop.example'],
  notBefore: '2026-01-01T00:00:00.000Z',
  notAfter: '2026-03-31T23:59:59.000Z',
  serialNumber: '0A1B2C',
  fingerprintSha256: 'AB:CD:EF:01',
  keyAlgorithm: 'EC P-256',
  keySize: 256,
  signatureAlgorithm: 'ecdsa-with-SHA256',
  selfIssued: false,
};

const certificate: KnownCertificate = knownCertificate(leaf, {
  chain: [
    leaf,
    {
      subject: 'CN=Example Issuing CA',
      issuer: 'CN=Example Root',
      sans: [],
      notBefore: '2025-01-01T00:00:00.000Z',
      notAfter: '2030-01-01T00:00:00.000Z',
      serialNumber: '01',
      fingerprintSha256: '99:88:77:66',
      keyAlgorithm: 'Ed25519',
      keySize: null,
      signatureAlgorithm: 'ecdsa-with-SHA384',
      selfIssued: false,
    },
  ],
  findings: [{ code: 'EXPIRES_SOON', severity: 'warning', message: 'expires in 12 days' }],
  firstSeenAt: '2026-01-02T08:00:00.000Z',
});

const pendingNotice: PlannedNotification = {
  id: 'tls:shop.example:443/expiry/urgent/2026-03-19T08:00:00.000Z',
  kind: 'expiry',
  stage: 'urgent',
  audiences: ['owners', 'oncall'],
  certificateId: 'tls:shop.example:443',
  target: 'shop.example:443',
  decidedAt: '2026-03-19T08:00:00.000Z',
  status: 'warning',
  daysRemaining: 12,
  certificate,
  error: null,
  consecutiveFailures: 0,
  owner: 'team-shop@example.com',
};

const digest: PlannedNotification = {
  ...pendingNotice,
  id: 'digest/2026-03-19',
  kind: 'digest',
  stage: 'digest',
  certificate: null,
  daysRemaining: null,
  owner: null,
  digest: [
    {
      certificateId: 'tls:shop.example:443',
      target: 'shop.example:443',
      subject: 'CN=shop.example',
      notAfter: '2026-03-31T23:59:59.000Z',
      daysRemaining: 12.5,
      stage: 'urgent',
      status: 'warning',
      acknowledged: false,
    },
    { certificateId: 'tls:gone.example:443', target: 'gone.example:443', subject: null, notAfter: null, daysRemaining: null, stage: null, status: 'error', acknowledged: true },
  ],
};

/** Everything filled in: a certificate in the `urgent` stage with an outbox, history and an acknowledgement. */
export function fullState(certificateId = 'tls:shop.example:443'): WatchState {
  return {
    certificateId,
    source: 'tls',
    target: 'shop.example:443',
    owner: 'team-shop@example.com',
    tags: { team: 'shop', 'cost-centre': '42', empty: '' },
    lastCheckedAt: '2026-03-19T08:00:00.000Z',
    status: 'warning',
    certificate,
    lastError: { code: 'TIMEOUT', message: 'no answer within 5000 ms' },
    consecutiveFailures: 0,
    expiry: { stage: 'urgent', stageEnteredAt: '2026-03-17T08:00:00.000Z', lastNotifiedAt: null, audiencesTold: ['owners'] },
    errorAlert: { active: false, lastNotifiedAt: '2026-02-01T08:00:00.000Z', audiencesTold: [] },
    acknowledgement: { stage: 'warning', at: '2026-03-10T09:00:00.000Z', until: null, note: 'renewal ticket OPS-12', fingerprintSha256: 'AB:CD:EF:01' },
    pending: [pendingNotice, digest],
    sent: [
      {
        id: 'tls:shop.example:443/expiry/warning/2026-03-05T08:00:00.000Z',
        kind: 'expiry',
        stage: 'warning',
        audiences: ['owners'],
        decidedAt: '2026-03-05T08:00:00.000Z',
        sentAt: '2026-03-05T08:00:01.000Z',
        messageId: null,
      },
    ],
    history: [
      { at: '2026-01-02T08:00:00.000Z', event: 'first-seen', detail: 'CN=shop.example until 2026-03-31' },
      { at: '2026-03-17T08:00:00.000Z', event: 'stage-changed', detail: 'warning -> urgent' },
    ],
    version: 0,
  };
}

/** A target never reached: no certificate, no stage, empty collections. */
export function unreachableState(certificateId = 'tls:down.example:443'): WatchState {
  return {
    certificateId,
    source: 'tls',
    target: 'down.example:443',
    owner: null,
    tags: {},
    lastCheckedAt: '2026-03-19T08:00:00.000Z',
    status: 'error',
    certificate: null,
    lastError: { code: 'CONNECTION_REFUSED', message: 'connect ECONNREFUSED' },
    consecutiveFailures: 3,
    expiry: { stage: null, stageEnteredAt: null, lastNotifiedAt: null, audiencesTold: [] },
    errorAlert: { active: true, lastNotifiedAt: null, audiencesTold: [] },
    acknowledgement: null,
    pending: [],
    sent: [],
    history: [],
    version: 0,
  };
}
