import type { Finding } from '../check-result';
import { DAY_MS, parseDuration } from '../duration';

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
  /**
   * Caps every `daysBefore` threshold at this fraction of the certificate's lifetime, so that short-lived
   * certificates are not alarmed about while their renewal is not even due. 1 turns the cap off.
   * @default DEFAULT_LIFETIME_CAP (0.3)
   */
  readonly lifetimeCap?: number;
}

/**
 * Why 0.3: automated renewers (certbot, cert-manager, Caddy, ACME ARI windows) replace a certificate once two
 * thirds of its lifetime has passed, which is also when RENEWAL_OVERDUE is raised. Starting day-based stages
 * no earlier than 70% of the lifetime leaves a renewer a tenth of the lifetime to act (9 days of a 90-day
 * certificate, 4.7 days of a 47-day one), so a renewal that works never alerts. Long certificates keep the
 * familiar thresholds (the cap is 119 days of a 398-day certificate, 60 of a 200-day one). With the default
 * policy a 100-day certificate starts at `warning` 30 days out (notice and warning are both capped to 30 days,
 * the more severe wins) and a 47-day one at `warning` 14.1 days out, with `urgent` at 14 days.
 */
export const DEFAULT_LIFETIME_CAP = 0.3;

/** Renewers act once this fraction of the lifetime has passed; still not replaced then: RENEWAL_OVERDUE. */
export const RENEWAL_DUE_FRACTION = 2 / 3;

export const DEFAULT_POLICY: EscalationPolicy = {
  stages: [
    { name: 'notice', daysBefore: 45, notify: ['owners'], repeatEveryMs: parseDuration('7d') },
    { name: 'warning', daysBefore: 30, notify: ['owners'], repeatEveryMs: parseDuration('3d') },
    { name: 'urgent', daysBefore: 14, notify: ['owners', 'oncall'], repeatEveryMs: parseDuration('1d') },
    { name: 'critical', daysBefore: 3, notify: ['owners', 'oncall'], repeatEveryMs: parseDuration('6h') },
    { name: 'expired', daysBefore: 0, notify: ['owners', 'oncall'], repeatEveryMs: parseDuration('12h') },
  ],
  errorAfterFailures: 3,
  errorNotify: ['owners'],
  errorRepeatEveryMs: parseDuration('1d'),
  lifetimeCap: DEFAULT_LIFETIME_CAP,
};

/** The validity of the certificate being escalated (KnownCertificate and CertificateInfo both fit). */
export interface Validity {
  /** The leaf's notBefore. */
  readonly notBefore: string;
  /** The governing notAfter: the earliest among the served certificates. */
  readonly notAfter: string;
  /** Served certificates, leaf first: when present, the leaf's own notAfter sets the lifetime. */
  readonly chain?: readonly { readonly notAfter: string }[];
}

/**
 * The leaf's lifetime (notAfter - notBefore), or null when the dates are missing or out of order. The leaf's own,
 * not up to the governing notAfter: an intermediate expiring first must not shrink the lifetime and, through the
 * cap, silence the stages (renewing the leaf is the cadence the cap and RENEWAL_OVERDUE are about).
 */
export function lifetimeMs(validity: Validity): number | null {
  const leafNotAfter = validity.chain?.[0]?.notAfter ?? validity.notAfter;
  const lifetime = Date.parse(leafNotAfter) - Date.parse(validity.notBefore);
  return Number.isFinite(lifetime) && lifetime > 0 ? lifetime : null;
}

/**
 * How long before notAfter the stage starts, for a certificate with this lifetime. A `daysBefore` stage is capped
 * at `lifetimeCap` of the lifetime; a `lifetimeFraction` stage is that fraction of it (null: lifetime unknown,
 * the stage cannot apply).
 */
export function stageThresholdMs(stage: Stage, lifetime: number | null, lifetimeCap = DEFAULT_LIFETIME_CAP): number | null {
  if (stage.daysBefore !== undefined) {
    const threshold = stage.daysBefore * DAY_MS;
    return lifetime === null ? threshold : Math.min(threshold, lifetime * lifetimeCap);
  }
  if (stage.lifetimeFraction !== undefined) return lifetime === null ? null : lifetime * stage.lifetimeFraction;
  throw new Error(`escalation stage "${stage.name}" sets neither daysBefore nor lifetimeFraction`);
}

/**
 * The most severe stage that applies at `now`: the last in policy order whose threshold the time left has
 * reached (times compared, not rounded days, so a missed run cannot skip a stage). null outside every stage.
 */
export function stageAt(policy: EscalationPolicy, validity: Validity, now: Date): Stage | null {
  const remainingMs = Date.parse(validity.notAfter) - now.getTime();
  if (Number.isNaN(remainingMs)) return null;
  const lifetime = lifetimeMs(validity);
  for (let index = policy.stages.length - 1; index >= 0; index--) {
    const stage = policy.stages[index];
    const threshold = stageThresholdMs(stage, lifetime, policy.lifetimeCap ?? DEFAULT_LIFETIME_CAP);
    if (threshold !== null && remainingMs <= threshold) return stage;
  }
  return null;
}

/** The stage the known certificate is in at `now` (null without one). */
export function stageFor(policy: EscalationPolicy, certificate: Validity | null, now: Date): Stage | null {
  return certificate ? stageAt(policy, certificate, now) : null;
}

/**
 * RENEWAL_OVERDUE once two thirds of the lifetime have passed and the certificate is still served: automated
 * renewers replace it by then, so the renewal is failing or was never automated.
 */
export function renewalOverdue(validity: Validity, now: Date): Finding | null {
  const lifetime = lifetimeMs(validity);
  if (lifetime === null) return null;
  const dueAt = Date.parse(validity.notBefore) + lifetime * RENEWAL_DUE_FRACTION;
  if (now.getTime() < dueAt) return null;
  const lifetimeDays = Math.round((lifetime / DAY_MS) * 10) / 10;
  return {
    code: 'RENEWAL_OVERDUE',
    severity: 'warning',
    message:
      `the certificate has passed two thirds of its ${lifetimeDays}-day lifetime without being replaced ` +
      `(renewal was due by ${new Date(dueAt).toISOString()}, it expires on ${validity.notAfter}): check the renewal automation`,
  };
}
