import { acmNeedsDescription, judgeAcmCertificate, type AcmCertificateDetail, type AcmCertificateSummary } from '../core/acm-certificate';
import type { CheckError, CheckResult } from '../core/check-result';
import type { Thresholds } from '../core/check-settings';
import { scopeId, type AwsScope, type CloudSources } from '../core/cloud-scope';
import { judgeIamServerCertificate } from '../core/iam-server-certificate';
import { failedResult, withoutEndpoint } from '../core/judged-result';
import { ProbeError, type AcmCertificateReader, type CloudCertificateReaders } from '../core/ports';

// ACM in every region and account asked for, and IAM server certificates: one result per certificate (target: its
// ARN), judged like a TLS probe's. Each scope (account and region) is listed on its own and at once: one that fails
// is one error result for that scope, the others reported in full. The scheduled Lambda calls this with its own
// readers, as `certwatch acm` and `certwatch run` do.

export interface CloudListingSettings extends Thresholds {
  /** DescribeCertificate calls in flight per scope (ACM allows about 10 a second per account and region). */
  readonly describeConcurrency?: number;
}

export interface CloudListingDependencies {
  readonly readers: CloudCertificateReaders;
  readonly now: () => Date;
}

/** What one scope's listing came to. */
export interface ScopeListing {
  /** `acm:eu-west-1`, `iam:arn:aws:iam::111122223333:role/reader`, ... (scopeId) */
  readonly id: string;
  readonly service: 'acm' | 'iam';
  readonly scope: AwsScope;
  /** null when the whole scope was listed; then `certificateIds` is every certificate it holds. */
  readonly error: CheckError | null;
  readonly certificateIds: readonly string[];
}

export interface CloudListing {
  /** Each scope's certificates (by ARN), then an error result for each scope that failed, in scope order. */
  readonly results: readonly CheckResult[];
  readonly scopes: readonly ScopeListing[];
}

const DEFAULT_DESCRIBE_CONCURRENCY = 4;

export async function listCloudCertificates(sources: CloudSources, settings: CloudListingSettings, deps: CloudListingDependencies): Promise<CloudListing> {
  const listings = await Promise.all([
    ...sources.acm.map((scope) => listAcmScope(scope, settings, deps)),
    ...sources.iam.map((scope) => listIamScope(scope, settings, deps)),
  ]);
  // One account reached twice (own credentials and a role into it) lists its certificates twice: keep the first.
  const seen = new Set<string>();
  const results: CheckResult[] = [];
  for (const listing of listings) {
    for (const result of listing.results) {
      if (seen.has(result.target)) continue;
      seen.add(result.target);
      results.push(result);
    }
  }
  return { results, scopes: listings.map((listing) => listing.scope) };
}

interface ScopeOutcome {
  readonly scope: ScopeListing;
  readonly results: readonly CheckResult[];
}

async function listAcmScope(scope: AwsScope, settings: CloudListingSettings, deps: CloudListingDependencies): Promise<ScopeOutcome> {
  const started = performance.now();
  const reader = deps.readers.acm(scope);
  let region: string | null = scope.region;
  try {
    region = await reader.region();
    const summaries = await reader.listCertificates();
    const now = deps.now();
    const details = await describeTheFew(reader, summaries.filter((summary) => acmNeedsDescription(summary, now)), settings.describeConcurrency ?? DEFAULT_DESCRIBE_CONCURRENCY);
    const elapsedMs = Math.round(performance.now() - started);
    const results = summaries
      .map((summary) => {
        const detail = details.get(summary.arn);
        if (detail instanceof ProbeError) return failedResult(withoutEndpoint(summary.arn), { code: detail.code, message: detail.message }, elapsedMs);
        return judgeAcmCertificate(summary, detail ?? null, settings, now, elapsedMs);
      })
      .filter((result): result is CheckResult => result !== null)
      .sort(byTarget);
    return { scope: { id: scopeId('acm', region, scope.role), service: 'acm', scope, error: null, certificateIds: results.map((r) => r.target) }, results };
  } catch (error) {
    return scopeFailed('acm', scopeId('acm', region, scope.role), scope, error, started);
  }
}

/**
 * DescribeCertificate for the few inside ACM's renewal window, a few at a time. One that fails (after the SDK's
 * retries) fails that certificate's result, not the scope.
 */
async function describeTheFew(reader: AcmCertificateReader, summaries: readonly AcmCertificateSummary[], concurrency: number): Promise<Map<string, AcmCertificateDetail | ProbeError>> {
  const details = new Map<string, AcmCertificateDetail | ProbeError>();
  let next = 0;
  const worker = async () => {
    while (next < summaries.length) {
      const { arn } = summaries[next++];
      try {
        details.set(arn, await reader.describeCertificate(arn));
      } catch (error) {
        if (!(error instanceof ProbeError)) throw error;
        details.set(arn, new ProbeError(error.code, `${arn}: renewal status unreadable: ${error.message}`));
      }
    }
  };
  await Promise.all(Array.from({ length: Math.min(concurrency, summaries.length) }, worker));
  return details;
}

async function listIamScope(scope: AwsScope, settings: CloudListingSettings, deps: CloudListingDependencies): Promise<ScopeOutcome> {
  const started = performance.now();
  const id = scopeId('iam', null, scope.role);
  try {
    const certificates = await deps.readers.iam(scope).listServerCertificates();
    const now = deps.now();
    const elapsedMs = Math.round(performance.now() - started);
    const results = certificates
      .map((certificate) =>
        'error' in certificate
          ? failedResult(withoutEndpoint(certificate.arn), certificate.error, elapsedMs)
          : judgeIamServerCertificate(certificate.arn, certificate.observation, settings, now, elapsedMs),
      )
      .sort(byTarget);
    return { scope: { id, service: 'iam', scope, error: null, certificateIds: results.map((r) => r.target) }, results };
  } catch (error) {
    return scopeFailed('iam', id, scope, error, started);
  }
}

/** A scope that could not be listed: one error result, target the scope's id. Anything but a ProbeError is a bug. */
function scopeFailed(service: 'acm' | 'iam', id: string, scope: AwsScope, error: unknown, started: number): ScopeOutcome {
  if (!(error instanceof ProbeError)) throw error;
  const checkError: CheckError = { code: error.code, message: `${id}: ${error.message}` };
  return {
    scope: { id, service, scope, error: checkError, certificateIds: [] },
    results: [failedResult(withoutEndpoint(id), checkError, Math.round(performance.now() - started))],
  };
}

function byTarget(a: CheckResult, b: CheckResult): number {
  return a.target < b.target ? -1 : a.target > b.target ? 1 : 0;
}
