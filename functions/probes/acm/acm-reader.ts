import { type ACMClient, CertificateStatus, DescribeCertificateCommand, KeyAlgorithm, ListCertificatesCommand, type CertificateSummary } from '@aws-sdk/client-acm';
import type { AcmCertificateDetail, AcmCertificateSummary } from '../../core/acm-certificate';
import { ProbeError, type AcmCertificateReader } from '../../core/ports';
import { toAwsProbeError } from '../../aws/aws-error';

// One account's ACM certificates in one region, through the SDK client it is given (built with the house
// configuration: adaptive retry absorbs ACM's throttling of about 8 ListCertificates and 10 DescribeCertificate calls
// a second). Its summaries are enough for almost every certificate: DescribeCertificate is called only by the use
// case, for the few inside ACM's renewal window.

/** ListCertificates' largest page. */
export const ACM_PAGE_SIZE = 1000;

/**
 * Every key type ACM has: without `Includes.keyTypes`, ListCertificates returns RSA_2048 certificates only, a silent
 * blind spot for every ECDSA and RSA-4096 certificate.
 */
export const ALL_KEY_TYPES = Object.values(KeyAlgorithm);

/** The statuses of certificates that have a validity to judge (requests never issued have none). */
export const LISTED_STATUSES = [CertificateStatus.ISSUED, CertificateStatus.EXPIRED, CertificateStatus.REVOKED, CertificateStatus.INACTIVE];

export class AcmSdkReader implements AcmCertificateReader {
  constructor(private readonly client: ACMClient) {}

  async region(): Promise<string> {
    try {
      return await this.client.config.region();
    } catch {
      throw new ProbeError('AWS_REQUEST_FAILED', 'no AWS region: give --region (or acm.regions in the config), or set AWS_REGION');
    }
  }

  async listCertificates(): Promise<AcmCertificateSummary[]> {
    const summaries: AcmCertificateSummary[] = [];
    let nextToken: string | undefined;
    do {
      try {
        const page = await this.client.send(
          new ListCertificatesCommand({ MaxItems: ACM_PAGE_SIZE, NextToken: nextToken, Includes: { keyTypes: ALL_KEY_TYPES }, CertificateStatuses: LISTED_STATUSES }),
        );
        summaries.push(...(page.CertificateSummaryList ?? []).filter((summary) => summary.CertificateArn).map(toSummary));
        nextToken = page.NextToken || undefined;
      } catch (error) {
        throw toAwsProbeError(error, 'ListCertificates');
      }
    } while (nextToken);
    return summaries;
  }

  async describeCertificate(arn: string): Promise<AcmCertificateDetail> {
    try {
      const { Certificate: certificate } = await this.client.send(new DescribeCertificateCommand({ CertificateArn: arn }));
      return {
        renewalStatus: certificate?.RenewalSummary?.RenewalStatus ?? null,
        renewalStatusReason: certificate?.RenewalSummary?.RenewalStatusReason ?? null,
        subject: certificate?.Subject ?? null,
        issuer: certificate?.Issuer ?? null,
        serial: certificate?.Serial ?? null,
        signatureAlgorithm: certificate?.SignatureAlgorithm ?? null,
      };
    } catch (error) {
      throw toAwsProbeError(error, 'DescribeCertificate');
    }
  }
}

function toSummary(summary: CertificateSummary): AcmCertificateSummary {
  return {
    arn: summary.CertificateArn!,
    domainName: summary.DomainName ?? null,
    subjectAlternativeNames: summary.SubjectAlternativeNameSummaries ?? (summary.DomainName ? [summary.DomainName] : []),
    hasAdditionalNames: summary.HasAdditionalSubjectAlternativeNames ?? false,
    status: summary.Status ?? 'UNKNOWN',
    type: summary.Type ?? 'UNKNOWN',
    keyAlgorithm: summary.KeyAlgorithm ?? null,
    inUse: summary.InUse ?? null,
    renewalEligibility: summary.RenewalEligibility ?? null,
    notBefore: summary.NotBefore?.toISOString() ?? null,
    notAfter: summary.NotAfter?.toISOString() ?? null,
    revokedAt: summary.RevokedAt?.toISOString() ?? null,
  };
}
