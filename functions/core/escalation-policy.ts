import { DAY_MS } from './judge';

/** One escalation level. A stage applies while the time left is at most its threshold. */
export interface Stage {
  readonly name: string;
  /** Threshold as days before the governing notAfter (compared as times, not rounded days). */
  readonly daysBefore?: number;
  /** Or: threshold as a fraction of the certificate's lifetime (notAfter - notBefore) still remaining. */
  readonly lifetimeFraction?: number;
  /** Audience names (keys of the config's `audiences`). */
  readonly notify: readonly string[];
  /** Repeat the notice within the stage when this long has passed since the last one. */
  readonly repeatEveryMs: number;
}

export interface EscalationPolicy {
  /** Least to most severe. */
  readonly stages: readonly Stage[];
  /** Consecutive failed runs before an `error` alert. */
  readonly errorAfterFailures: number;
  /** Who hears about probe failures, and how often. Defaults: the first stage's audiences, daily. */
  readonly errorNotify: readonly string[];
  readonly errorRepeatEveryMs: number;
}

const HOUR_MS = 3_600_000;

export const DEFAULT_POLICY: EscalationPolicy = {
  stages: [
    { name: 'notice', daysBefore: 45, notify: ['owners'], repeatEveryMs: 7 * DAY_MS },
    { name: 'warning', daysBefore: 30, notify: ['owners'], repeatEveryMs: 3 * DAY_MS },
    { name: 'urgent', daysBefore: 14, notify: ['owners', 'oncall'], repeatEveryMs: DAY_MS },
    { name: 'critical', daysBefore: 3, notify: ['owners', 'oncall'], repeatEveryMs: 6 * HOUR_MS },
    { name: 'expired', daysBefore: 0, notify: ['owners', 'oncall'], repeatEveryMs: 12 * HOUR_MS },
  ],
  errorAfterFailures: 3,
  errorNotify: ['owners'],
  errorRepeatEveryMs: DAY_MS,
};
