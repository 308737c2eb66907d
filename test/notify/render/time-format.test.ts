import { renderMessage } from '../../../functions/notify/render/render-message';
import { remainingAt } from '../../../functions/notify/render/message-view';
import { shortDuration } from '../../../functions/notify/render/time-format';
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

describe('remainingAt without a readable notAfter: only what the whole days prove', () => {
  const now = new Date('2026-11-21T12:00:00Z');
  test.each([
    [2, '2d 0h left: at least two days remain'],
    [-3, 'expired 2d 0h ago: daysRemaining -3 means more than 2 days, not 3'],
    [-1, 'expired 0m ago: daysRemaining -1 means less than a day'],
  ])('daysRemaining %i', (days, said) => {
    const ms = remainingAt('not a date', days, now) as number;
    expect(ms < 0 ? `expired ${shortDuration(-ms)} ago` : `${shortDuration(ms)} left`).toBe(said.split(':')[0]);
  });
});
