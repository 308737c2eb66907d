import { resolveThresholds, ThresholdsError } from '../../functions/core/check-settings';

describe('thresholds from what was given', () => {
  test('nothing given: the defaults', () => {
    expect(resolveThresholds({})).toEqual({ warningDays: 30, criticalDays: 7 });
  });

  test('a critical threshold above the default warning one raises the warning threshold with it', () => {
    expect(resolveThresholds({ criticalDays: 90 })).toEqual({ warningDays: 90, criticalDays: 90 });
    expect(resolveThresholds({ criticalDays: 14 })).toEqual({ warningDays: 30, criticalDays: 14 });
  });

  test('a warning threshold below the default critical one lowers that', () => {
    expect(resolveThresholds({ warningDays: 5 })).toEqual({ warningDays: 5, criticalDays: 5 });
    expect(resolveThresholds({ warningDays: 60 })).toEqual({ warningDays: 60, criticalDays: 7 });
  });

  test('only both given, warning below critical, is a mistake', () => {
    expect(resolveThresholds({ warningDays: 90, criticalDays: 90 })).toEqual({ warningDays: 90, criticalDays: 90 });
    expect(() => resolveThresholds({ warningDays: 60, criticalDays: 90 })).toThrow(new ThresholdsError(60, 90));
  });
});
