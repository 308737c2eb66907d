/** When a certificate counts as expiring: the `warning` and `critical` statuses of `certwatch check`. */
export interface Thresholds {
  /** Warn when fewer than this many days remain. */
  readonly warningDays: number;
  /** Critical when fewer than this many days remain. */
  readonly criticalDays: number;
}

/** Check settings when none are given: `certwatch check`, the on-demand Lambda and the config's `check` block. */
export const CHECK_DEFAULTS: Thresholds & { readonly timeoutMs: number; readonly concurrency: number; readonly maxAddresses: number } = {
  warningDays: 30,
  criticalDays: 7,
  timeoutMs: 10_000,
  concurrency: 16,
  /** Addresses of one name probed (the rest are counted in ADDRESSES_NOT_PROBED). */
  maxAddresses: 16,
};

/**
 * Probes one deployed worker runs at once, whatever `check.concurrency` says: a Lambda has 1,024 file descriptors, and
 * its SDK clients need some of them too.
 */
export const MAX_PROBES_PER_WORKER = 256;

/**
 * A deployed worker's handshakes at once when the config sets no `check.concurrency`: a worker mostly waits on the
 * network, and it pays for memory while it waits, so its batch goes in one wave (see probeCapacity and the
 * arithmetic in docs/benchmarks.md); a machine running `certwatch run` shares its network and CPU with others.
 */
export const DEPLOYED_PROBES_PER_WORKER = 256;

/** The accepted range of each check setting, the same for the CLI, the on-demand Lambda and the config. */
export const CHECK_LIMITS = {
  days: { min: 0, max: 3650 },
  timeoutMs: { min: 1, max: 600_000 },
  concurrency: { min: 1, max: 1000 },
  maxAddresses: { min: 1, max: 256 },
  /** DNS servers given at once (`check.dnsServers`, `--dns-server`). */
  dnsServers: { min: 1, max: 8 },
} as const;

/** An explicit warning threshold below the critical one; each caller names the two in its own terms. */
export class ThresholdsError extends Error {
  constructor(
    readonly warningDays: number,
    readonly criticalDays: number,
  ) {
    super(`the critical threshold (${criticalDays} days) must not exceed the warning threshold (${warningDays} days)`);
    this.name = 'ThresholdsError';
  }
}

/**
 * The thresholds from what was given, each optional: a critical threshold above the default warning one raises the
 * warning threshold with it (`--critical-days 90` alone means "critical within 90 days"), and a warning threshold
 * below the default critical one lowers that; only both given, warning below critical, is a mistake
 * (ThresholdsError). Pure.
 */
export function resolveThresholds(given: { readonly warningDays?: number; readonly criticalDays?: number }): Thresholds {
  const { warningDays, criticalDays } = given;
  if (warningDays === undefined) {
    const critical = criticalDays ?? CHECK_DEFAULTS.criticalDays;
    return { warningDays: Math.max(CHECK_DEFAULTS.warningDays, critical), criticalDays: critical };
  }
  if (criticalDays === undefined) return { warningDays, criticalDays: Math.min(CHECK_DEFAULTS.criticalDays, warningDays) };
  if (criticalDays > warningDays) throw new ThresholdsError(warningDays, criticalDays);
  return { warningDays, criticalDays };
}
