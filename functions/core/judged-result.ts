import type { CheckError, CheckResult, Observation } from './check-result';
import type { Judgement } from './judge';

// A CheckResult of one certificate read, whatever the source: a certificate file, an ACM or IAM listing (an endpoint
// behind several addresses is judged in address-judgement.ts). Sources without an endpoint (files, ACM, IAM) leave
// host, port, servername and protocol null, and list no addresses.

export type ResultIdentity = Pick<CheckResult, 'target' | 'host' | 'port' | 'servername' | 'protocol'>;

/** The identity of a result that comes from no endpoint: the target alone. */
export function withoutEndpoint(target: string): ResultIdentity {
  return { target, host: null, port: null, servername: null, protocol: null };
}

/** The result for what a source observed, as judged. */
export function judgedResult(identity: ResultIdentity, observation: Observation, judgement: Judgement, elapsedMs: number): CheckResult {
  return {
    ...identity,
    elapsedMs,
    status: judgement.status,
    daysRemaining: judgement.daysRemaining,
    notAfter: judgement.notAfter,
    leaf: observation.chain[0],
    chain: observation.chain,
    trusted: judgement.trusted,
    findings: judgement.findings,
    addresses: [],
    error: null,
  };
}

/** The result for a target whose certificate could not be read. */
export function failedResult(identity: ResultIdentity, error: CheckError, elapsedMs: number): CheckResult {
  return {
    ...identity,
    elapsedMs,
    status: 'error',
    daysRemaining: null,
    notAfter: null,
    leaf: null,
    chain: [],
    trusted: false,
    findings: [],
    addresses: [],
    error,
  };
}
