import type { CheckResult, Finding, Observation } from './check-result';
import type { Thresholds } from './check-settings';
import { judge } from './judge';
import { judgedResult, withoutEndpoint } from './judged-result';

// IAM server certificates (the legacy store load balancers and CloudFront can still use): each read whole with its
// uploaded chain, judged like a certificate file, target its ARN. Nothing ever renews one.

export const IAM_NOT_RENEWED: Finding = {
  code: 'IMPORTED_NO_AUTO_RENEWAL',
  severity: 'info',
  message: 'an IAM server certificate: nothing renews it, a person must upload its replacement',
};

/** Judges an IAM server certificate (its body first, then the chain uploaded with it). Pure. */
export function judgeIamServerCertificate(arn: string, observation: Observation, thresholds: Thresholds, now: Date, elapsedMs: number): CheckResult {
  const judgement = judge(observation, thresholds, now);
  return judgedResult(withoutEndpoint(arn), observation, { ...judgement, findings: [...judgement.findings, IAM_NOT_RENEWED] }, elapsedMs);
}
