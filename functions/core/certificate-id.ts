import type { CheckResult } from './check-result';
import { isFileTarget } from './file-target';
import { parseTarget, type Target } from './target';
import type { CertificateSource } from './watch-state';

// The identity of a watched TLS certificate. Two targets on one address with different servernames are two
// certificates (SNI picks one), so the servername is part of the identity whenever it differs from the host.

/** `tls:<canonical target>`, plus `/<servername>` when a servername other than the host is sent. Pure. */
export function certificateIdFor(target: Pick<Target, 'target' | 'host' | 'servername'>): string {
  return target.servername === null || target.servername === target.host ? `tls:${target.target}` : `tls:${target.target}/${target.servername}`;
}

/**
 * Where a result's certificate came from, by its target: `file://PATH#N` (or `file://PATH` for a whole file),
 * an ACM or IAM ARN (or an `acm:`/`iam` listing's scope), else an endpoint.
 */
export function certificateSourceOf(target: string): CertificateSource {
  if (isFileTarget(target)) return 'file';
  // A listing's scope (scopeId) never reads as an endpoint's canonical target, which always ends in `:port`.
  if (/^arn:aws[a-z-]*:acm:/.test(target) || /^acm:([a-z]{2}(-[a-z]+)+-\d{1,2}|\(no region\))(:arn:|$)/.test(target)) return 'acm';
  if (/^arn:aws[a-z-]*:iam:/.test(target) || /^iam(:arn:|$)/.test(target)) return 'iam';
  return 'tls';
}

/**
 * The identity of a check result's certificate: `tls:...` for an endpoint (host and servername are null when the
 * target did not parse); for a file, ACM and IAM the target itself (`file://PATH#N`, the ARN, a listing's scope).
 */
export function certificateIdForResult(result: Pick<CheckResult, 'target' | 'host' | 'servername'>): string {
  if (certificateSourceOf(result.target) !== 'tls') return result.target;
  return certificateIdFor({ target: result.target, host: result.host ?? '', servername: result.servername });
}

/**
 * The certificate id for a target as a user writes it (`10.0.0.5:443`, `https://a.example`, `smtp://mail:587`),
 * with an optional servername. Throws InvalidTargetError.
 */
export function certificateIdForTarget(input: string, servername?: string): string {
  return certificateIdFor(parseTarget(input, servername));
}
