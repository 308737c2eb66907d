import { DAY_MS, HOUR_MS, MINUTE_MS } from '../../functions/core/duration';
import { parseScheduleExpression, rateExpressionFor, ScheduleExpressionError } from '../../functions/core/schedule-expression';

const gap = (expression: string) => parseScheduleExpression(expression).longestGapMs;

describe('rate expressions', () => {
  test('a rate is its own period', () => {
    expect(parseScheduleExpression('rate(1 hour)')).toEqual({ expression: 'rate(1 hour)', longestGapMs: HOUR_MS });
    expect(gap('rate(15 minutes)')).toBe(15 * MINUTE_MS);
    expect(gap('rate(2 days)')).toBe(2 * DAY_MS);
  });

  test('singular and plural units as EventBridge Scheduler requires them', () => {
    expect(() => parseScheduleExpression('rate(1 hours)')).toThrow('write rate(1 hour)');
    expect(() => parseScheduleExpression('rate(2 hour)')).toThrow('write rate(2 hours)');
    expect(() => parseScheduleExpression('rate(0 minutes)')).toThrow('at least 1');
  });

  test('anything else is refused with the forms that work', () => {
    expect(() => parseScheduleExpression('hourly')).toThrow(ScheduleExpressionError);
    expect(() => parseScheduleExpression('at(2026-12-01T09:00:00)')).toThrow('must be rate(N minutes|hours|days) or cron(');
  });

  test('a duration becomes the rate of whole minutes, hours or days', () => {
    expect(rateExpressionFor(DAY_MS)).toBe('rate(1 day)');
    expect(rateExpressionFor(7 * DAY_MS)).toBe('rate(7 days)');
    expect(rateExpressionFor(6 * HOUR_MS)).toBe('rate(6 hours)');
    expect(rateExpressionFor(90 * MINUTE_MS)).toBe('rate(90 minutes)');
    expect(rateExpressionFor(30_000)).toBe('rate(1 minute)');
  });
});

describe('cron expressions', () => {
  test('hourly and every-15-minutes crons have those gaps', () => {
    expect(gap('cron(0 * * * ? *)')).toBe(HOUR_MS);
    expect(gap('cron(*/15 * * * ? *)')).toBe(15 * MINUTE_MS);
    expect(gap('cron(5,35 * * * ? *)')).toBe(30 * MINUTE_MS);
  });

  test('business hours on weekdays: the gap is the weekend', () => {
    // Friday 18:00 to Monday 08:00.
    expect(gap('cron(0 8-18 ? * MON-FRI *)')).toBe(62 * HOUR_MS);
  });

  test('a daily cron at 09:00 has a one-day gap; twice a day, the longer half', () => {
    expect(gap('cron(0 9 * * ? *)')).toBe(DAY_MS);
    expect(gap('cron(0 6,9 * * ? *)')).toBe(21 * HOUR_MS);
  });

  test('monthly forms: the last day, the nearest weekday, the third Friday, the last Friday', () => {
    expect(gap('cron(0 0 L * ? *)')).toBe(31 * DAY_MS);
    expect(gap('cron(0 0 1 * ? *)')).toBe(31 * DAY_MS);
    expect(gap('cron(0 0 15W * ? *)')).toBeGreaterThanOrEqual(28 * DAY_MS);
    expect(gap('cron(0 0 ? * 6#3 *)')).toBe(35 * DAY_MS);
    expect(gap('cron(0 0 ? * FRIL *)')).toBe(35 * DAY_MS);
  });

  test('leap years are inside the measured window: Feb 29 fires every four years', () => {
    expect(gap('cron(0 0 29 FEB ? *)')).toBe(Date.UTC(2028, 1, 29) - Date.UTC(2024, 1, 29));
  });

  test('malformed crons say which field is wrong', () => {
    expect(() => parseScheduleExpression('cron(0 * * * *)')).toThrow('6 fields');
    expect(() => parseScheduleExpression('cron(60 * * * ? *)')).toThrow('minutes "60" is not valid');
    expect(() => parseScheduleExpression('cron(0 * * * * *)')).toThrow('exactly one of day-of-month and day-of-week must be ?');
    expect(() => parseScheduleExpression('cron(0 * ? * FUNDAY *)')).toThrow('day-of-week "FUNDAY" is not valid');
    expect(() => parseScheduleExpression('cron(0 0 * * ? 2027)')).toThrow('year field');
    expect(() => parseScheduleExpression('cron(0 0 31 FEB ? *)')).toThrow('never fires');
  });
});
