import { DAY_MS, HOUR_MS, MINUTE_MS } from './duration';

// EventBridge Scheduler expressions as the config writes them (`schedule.probe`, `schedule.digest`): `rate(1 hour)`
// or `cron(0 * * * ? *)` (UTC). Validated here, pure, so that a typo fails `certwatch run` and `cdk synth` alike,
// and measured: the dead-man's switch alarms when no probe run completed for two of the schedule's longest gaps.

export interface ScheduleExpression {
  /** As EventBridge Scheduler takes it, e.g. `rate(1 hour)`. */
  readonly expression: string;
  /** The longest time between two consecutive runs (a rate's period; a cron's widest gap, e.g. over a weekend). */
  readonly longestGapMs: number;
}

export class ScheduleExpressionError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'ScheduleExpressionError';
  }
}

const RATE_UNITS: Readonly<Record<string, number>> = { minute: MINUTE_MS, hour: HOUR_MS, day: DAY_MS };

/** Parses `rate(N unit)` or `cron(min hour day-of-month month day-of-week year)`; throws ScheduleExpressionError. */
export function parseScheduleExpression(text: string): ScheduleExpression {
  const expression = text.trim();
  const rate = /^rate\((\d+)\s+(minute|minutes|hour|hours|day|days)\)$/.exec(expression);
  if (rate) {
    const value = Number(rate[1]);
    const unit = rate[2].replace(/s$/, '');
    if (value < 1) throw new ScheduleExpressionError('a rate must be at least 1');
    // EventBridge Scheduler refuses `rate(1 hours)` and `rate(2 hour)`.
    if ((value === 1) !== (rate[2] === unit)) throw new ScheduleExpressionError(`write rate(${value} ${value === 1 ? unit : `${unit}s`})`);
    return { expression, longestGapMs: value * RATE_UNITS[unit] };
  }
  const cron = /^cron\((.*)\)$/.exec(expression);
  if (cron) return { expression, longestGapMs: cronLongestGapMs(cron[1]) };
  throw new ScheduleExpressionError('must be rate(N minutes|hours|days) or cron(minutes hours day-of-month month day-of-week year), e.g. rate(1 hour)');
}

/** The rate expression for a duration, in whole minutes (rounded up): how `digest.every` becomes a schedule. */
export function rateExpressionFor(durationMs: number): string {
  const minutes = Math.max(1, Math.ceil(durationMs / MINUTE_MS));
  if (minutes % (24 * 60) === 0) return plural(minutes / (24 * 60), 'day');
  if (minutes % 60 === 0) return plural(minutes / 60, 'hour');
  return plural(minutes, 'minute');
}

function plural(value: number, unit: string): string {
  return `rate(${value} ${value === 1 ? unit : `${unit}s`})`;
}

const MONTHS = ['JAN', 'FEB', 'MAR', 'APR', 'MAY', 'JUN', 'JUL', 'AUG', 'SEP', 'OCT', 'NOV', 'DEC'];
const WEEKDAYS = ['SUN', 'MON', 'TUE', 'WED', 'THU', 'FRI', 'SAT'];

/** A numeric field's accepted values and names (names map to min, min + 1, ...). */
interface FieldRange {
  readonly name: string;
  readonly min: number;
  readonly max: number;
  readonly names?: readonly string[];
}

const MINUTES: FieldRange = { name: 'minutes', min: 0, max: 59 };
const HOURS: FieldRange = { name: 'hours', min: 0, max: 23 };
const DAYS_OF_MONTH: FieldRange = { name: 'day-of-month', min: 1, max: 31 };
const MONTH_FIELD: FieldRange = { name: 'month', min: 1, max: 12, names: MONTHS };
const DAYS_OF_WEEK: FieldRange = { name: 'day-of-week', min: 1, max: 7, names: WEEKDAYS };

/** Whether a day (UTC) matches the day-of-month or day-of-week field. */
type DayMatcher = (day: Date) => boolean;

/**
 * The widest gap between consecutive firings over five years (two leap days included), found by listing them.
 * The year field must be `*`: a watcher that stops in some year is not what certwatch schedules.
 */
function cronLongestGapMs(body: string): number {
  const fields = body.trim().split(/\s+/);
  if (fields.length !== 6) throw new ScheduleExpressionError(`a cron expression has 6 fields (minutes hours day-of-month month day-of-week year), got ${fields.length}`);
  const [minuteField, hourField, domField, monthField, dowField, yearField] = fields;
  if (yearField !== '*') throw new ScheduleExpressionError('the year field of a probe or digest schedule must be * (it runs every year)');
  if ((domField === '?') === (dowField === '?')) throw new ScheduleExpressionError('exactly one of day-of-month and day-of-week must be ?');
  const minutes = [...values(minuteField, MINUTES)].sort((a, b) => a - b);
  const hours = [...values(hourField, HOURS)].sort((a, b) => a - b);
  const months = values(monthField, MONTH_FIELD);
  const dayMatches = domField === '?' ? dayOfWeekMatcher(dowField) : dayOfMonthMatcher(domField);

  const start = Date.UTC(2024, 0, 1);
  const end = Date.UTC(2029, 0, 1);
  let previous: number | null = null;
  let longest = 0;
  for (let dayStart = start; dayStart < end; dayStart += DAY_MS) {
    const day = new Date(dayStart);
    if (!months.has(day.getUTCMonth() + 1) || !dayMatches(day)) continue;
    for (const hour of hours) {
      for (const minute of minutes) {
        const at = dayStart + hour * HOUR_MS + minute * MINUTE_MS;
        if (previous !== null) longest = Math.max(longest, at - previous);
        previous = at;
      }
    }
  }
  if (previous === null || longest === 0) throw new ScheduleExpressionError('the cron expression never fires, or fires only once');
  return longest;
}

/** `*`, `?` (day fields), `5`, `1-5`, `MON-FRI`, `*\/15`, `0/15`, `10-50/10`, and lists of these. */
function values(field: string, range: FieldRange): Set<number> {
  const result = new Set<number>();
  for (const part of field.split(',')) {
    const [span, stepText] = part.split('/');
    const step = stepText === undefined ? 1 : Number(stepText);
    if (!Number.isInteger(step) || step < 1 || part.split('/').length > 2) throw invalidField(range, field);
    let from: number;
    let to: number;
    if (span === '*' || span === '?') {
      [from, to] = [range.min, range.max];
    } else if (span.includes('-')) {
      const [low, high] = span.split('-');
      [from, to] = [number(low, range, field), number(high, range, field)];
      if (from > to) throw invalidField(range, field);
    } else {
      from = number(span, range, field);
      to = stepText === undefined ? from : range.max;
    }
    for (let value = from; value <= to; value += step) result.add(value);
  }
  return result;
}

function number(text: string, range: FieldRange, field: string): number {
  const byName = range.names?.indexOf(text.toUpperCase()) ?? -1;
  const value = byName >= 0 ? range.min + byName : /^\d+$/.test(text) ? Number(text) : NaN;
  if (!Number.isInteger(value) || value < range.min || value > range.max) throw invalidField(range, field);
  return value;
}

function invalidField(range: FieldRange, field: string): ScheduleExpressionError {
  const names = range.names ? ` or ${range.names[0]}-${range.names.at(-1)}` : '';
  return new ScheduleExpressionError(`${range.name} "${field}" is not valid (${range.min}-${range.max}${names}, with , - * /)`);
}

/** Day-of-month: the values above, `L` (the last day) and `W` (the weekday nearest a day, `15W`, `LW`). */
function dayOfMonthMatcher(field: string): DayMatcher {
  const nearestWeekday = /^(\d{1,2}|L)W$/.exec(field);
  if (nearestWeekday) {
    return (day) => {
      const last = lastDayOfMonth(day);
      const wanted = nearestWeekday[1] === 'L' ? last : number(nearestWeekday[1], DAYS_OF_MONTH, field);
      return wanted <= last && day.getUTCDate() === weekdayNearest(day, wanted, last);
    };
  }
  if (field === 'L') return (day) => day.getUTCDate() === lastDayOfMonth(day);
  const days = values(field, DAYS_OF_MONTH);
  return (day) => days.has(day.getUTCDate());
}

/** Day-of-week: the values above (1 = SUN), `5L` (the last Friday of the month) and `6#3` (the third Friday). */
function dayOfWeekMatcher(field: string): DayMatcher {
  const last = /^(\w+)L$/.exec(field);
  if (last) {
    const weekday = number(last[1], DAYS_OF_WEEK, field);
    return (day) => awsWeekday(day) === weekday && day.getUTCDate() + 7 > lastDayOfMonth(day);
  }
  const nth = /^(\w+)#([1-5])$/.exec(field);
  if (nth) {
    const weekday = number(nth[1], DAYS_OF_WEEK, field);
    return (day) => awsWeekday(day) === weekday && Math.ceil(day.getUTCDate() / 7) === Number(nth[2]);
  }
  const weekdays = values(field, DAYS_OF_WEEK);
  return (day) => weekdays.has(awsWeekday(day));
}

/** EventBridge numbers weekdays 1 (Sunday) to 7 (Saturday). */
function awsWeekday(day: Date): number {
  return day.getUTCDay() + 1;
}

function lastDayOfMonth(day: Date): number {
  return new Date(Date.UTC(day.getUTCFullYear(), day.getUTCMonth() + 1, 0)).getUTCDate();
}

/** The weekday nearest day `wanted` of the month, never crossing into another month (cron's W). */
function weekdayNearest(day: Date, wanted: number, last: number): number {
  const weekday = new Date(Date.UTC(day.getUTCFullYear(), day.getUTCMonth(), wanted)).getUTCDay();
  if (weekday === 6) return wanted === 1 ? 3 : wanted - 1;
  if (weekday === 0) return wanted === last ? wanted - 2 : wanted + 1;
  return wanted;
}
