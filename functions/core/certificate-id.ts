import type { CheckResult } from './check-result';
import { parseTarget, type Target } from './target';

// The identity of a watched TLS certificate. Two targets on one address with different servernames are two
// certificates (SNI picks one), so the servername is part of the identity whenever it differs from the host.

/** `tls:<canonical target>`, plus `/<servername>` when a servername other than the host is sent. Pure. */
export function certificateIdFor(target: Pick<Target, 'target' | 'host' | 'servername'>): string {
  return target.servername === null || target.servername === target.host ? `tls:${target.target}` : `tls:${target.target}/${target.servername}`;
}

/** The same identity for a check result (host and servername are null when the target did not parse). */
export function certificateIdForResult(result: Pick<CheckResult, 'target' | 'host' | 'servername'>): string {
  return certificateIdFor({ target: result.target, host: result.host ?? '', servername: result.servername });
}

/**
 * The certificate id for a target as a user writes it (`10.0.0.5:443`, `https://a.example`, `smtp://mail:587`),
 * with an optional servername. Throws InvalidTargetError.
 */
export function certificateIdForTarget(input: string, servername?: string): string {
  return certificateIdFor(parseTarget(input, servername));
}
