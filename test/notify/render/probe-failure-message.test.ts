import { renderMessage } from '../../../functions/notify/render/render-message';
import { NOW } from '../../support/notification-fixture';
import { expectWithinLimits } from './expect-within-limits';
import { probeError } from './kind-fixtures';

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
