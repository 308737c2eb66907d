/** When a certificate counts as expiring: the `warning` and `critical` statuses of `certwatch check`. */
export interface Thresholds {
  /** Warn when fewer than this many days remain. */
  readonly warningDays: number;
  /** Critical when fewer than this many days remain. */
  readonly criticalDays: number;
}

/** Check settings when none are given: `certwatch check`, the on-demand Lambda and the config's `check` block. */
export const CHECK_DEFAULTS: Thresholds & { readonly timeoutMs: number; readonly concurrency: number } = {
  warningDays: 30,
  criticalDays: 7,
  timeoutMs: 10_000,
  concurrency: 16,
};

/** The accepted range of each check setting, the same for the CLI, the on-demand Lambda and the config. */
export const CHECK_LIMITS = {
  days: { min: 0, max: 3650 },
  timeoutMs: { min: 1, max: 600_000 },
  concurrency: { min: 1, max: 1000 },
} as const;
