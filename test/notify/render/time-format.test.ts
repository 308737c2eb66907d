import { renderMessage } from '../../../functions/notify/render/render-message';
import { at, DAY, HOUR, knownCertificate, NOW, planned } from '../../support/notification-fixture';

describe('time left', () => {
  test('less than a day left is shown in hours and minutes', () => {
    const message = renderMessage(planned({ daysRemaining: 0, certificate: knownCertificate({ notAfter: at(5 * HOUR + 20 * 60_000) }) }), NOW);
    expect(message.sms).toContain('expires in 5h 20m');
    expect(message.email).toContain('5 hours 20 minutes');
  });

  test('time left is counted from the rendering time, not the decision time', () => {
    const later = new Date(NOW.getTime() + DAY);
    expect(renderMessage(planned(), later).sms).toContain('expires in 1d 5h');
  });
});
