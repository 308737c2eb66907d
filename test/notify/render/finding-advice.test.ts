import { renderMessage } from '../../../functions/notify/render/render-message';
import { knownCertificate, NOW, planned } from '../../support/notification-fixture';

describe('finding advice', () => {
  test('findings add their own advice', () => {
    const certificate = knownCertificate({}, {
      findings: [
        { code: 'INCOMPLETE_CHAIN', severity: 'warning', message: 'the server does not send the intermediate' },
        { code: 'RENEWAL_OVERDUE', severity: 'warning', message: 'not replaced after two thirds of its lifetime' },
      ],
    });
    const email = renderMessage(planned({ certificate }), NOW).email;
    expect(email).toContain('Incomplete chain: configure the server to send the intermediate certificates');
    expect(email).toContain('Renewal overdue:');
  });
});
