import { soonestExpiryFirst } from '../../../functions/core/escalation/digest';
import { renderMessage } from '../../../functions/notify/render/render-message';
import { SMS_MAX_CHARS } from '../../../functions/notify/text-limits';
import { at, DAY, HOUR, NOW } from '../../support/notification-fixture';
import { expectWithinLimits } from './expect-within-limits';
import { digest, digestLine } from './kind-fixtures';

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

describe('an acknowledged line says who, until when and why', () => {
  test('acknowledged by alice until 2026-11-30 05:00 UTC: OPS-42', () => {
    const acknowledgement = { stage: 'critical', at: at(-HOUR), until: at(DAY), note: 'renewal in OPS-42\u001b[2J', by: 'alice', fingerprintSha256: 'AB:CD:EF' };
    const line = digestLine({ target: 'soon.example.com:443', certificateId: 'tls:soon.example.com:443', notAfter: at(2 * DAY), acknowledged: true, acknowledgement });
    expect(renderMessage(digest([line]), NOW).email).toContain('[stage critical, status critical, acknowledged by alice until 2026-11-30 05:00 UTC: renewal in OPS-42[2J]');
  });
});
