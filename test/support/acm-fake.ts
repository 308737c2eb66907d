import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { CertificateDetail, CertificateSummary, ListCertificatesRequest } from '@aws-sdk/client-acm';

// A fake of ACM that behaves as ACM does where certwatch depends on it: certificates per account and region,
// ListCertificates pages (MaxItems, NextToken) listing only RSA_2048 certificates unless Includes.keyTypes names
// others, the status filter, DescribeCertificate with a renewal summary, a denied or failing region, and throttling.
// The same model answers aws-sdk-client-mock (`listCertificates`, `describeCertificate`) and, on loopback, the real
// SDK client over HTTP (`startAcmHttpFake`, speaking ACM's JSON 1.1, with per-call latency and rate limits like ACM's)
// where retries and throttling are what is under test, and in bench/.

export interface FakeCertificate {
  readonly summary: CertificateSummary;
  readonly renewalStatus?: 'PENDING_AUTO_RENEWAL' | 'PENDING_VALIDATION' | 'SUCCESS' | 'FAILED';
  readonly renewalStatusReason?: string;
}

/** An AWS error as ACM returns it: the SDK turns `name` into the error class. */
export interface FakeAwsError {
  readonly name: string;
  readonly message: string;
  readonly status: number;
}

export const ACCESS_DENIED: FakeAwsError = { name: 'AccessDeniedException', message: 'User is not authorized to perform: acm:ListCertificates', status: 400 };
export const THROTTLED: FakeAwsError = { name: 'ThrottlingException', message: 'Rate exceeded', status: 400 };

/** Thrown by the model for aws-sdk-client-mock (which bypasses the SDK's wire and retries). */
export class FakeAwsException extends Error {
  readonly $metadata = { httpStatusCode: 400, attempts: 1 };
  constructor(error: FakeAwsError) {
    super(error.message);
    this.name = error.name;
  }
}

export const DEFAULT_ACCOUNT = '111122223333';

export class FakeAcm {
  private readonly certificates = new Map<string, FakeCertificate[]>();
  private readonly failures = new Map<string, FakeAwsError>();
  /** Calls answered, by operation and `account/region`. */
  readonly calls = { list: new Map<string, number>(), describe: new Map<string, number>() };

  add(region: string, certificates: readonly FakeCertificate[], account = DEFAULT_ACCOUNT): this {
    const key = `${account}/${region}`;
    this.certificates.set(key, [...(this.certificates.get(key) ?? []), ...certificates]);
    return this;
  }

  /** Every call in that account and region fails so. */
  fail(region: string, error: FakeAwsError, account = DEFAULT_ACCOUNT): this {
    this.failures.set(`${account}/${region}`, error);
    return this;
  }

  listCertificates(input: ListCertificatesRequest, region: string, account = DEFAULT_ACCOUNT): { CertificateSummaryList: CertificateSummary[]; NextToken?: string } {
    const key = this.answer('list', region, account);
    const keyTypes = input.Includes?.keyTypes ?? ['RSA_2048']; // ACM's default: a blind spot
    const statuses = input.CertificateStatuses;
    const matching = (this.certificates.get(key) ?? [])
      .map((certificate) => certificate.summary)
      .filter((summary) => keyTypes.includes(summary.KeyAlgorithm!) && (!statuses || statuses.includes(summary.Status!)));
    const pageSize = Math.min(input.MaxItems ?? 1000, 1000);
    const offset = input.NextToken ? Number(Buffer.from(input.NextToken, 'base64').toString()) : 0;
    const page = matching.slice(offset, offset + pageSize);
    const next = offset + pageSize < matching.length ? Buffer.from(String(offset + pageSize)).toString('base64') : undefined;
    return { CertificateSummaryList: page, ...(next ? { NextToken: next } : {}) };
  }

  describeCertificate(arn: string, region: string, account = DEFAULT_ACCOUNT): { Certificate: CertificateDetail } {
    const key = this.answer('describe', region, account);
    const found = (this.certificates.get(key) ?? []).find((certificate) => certificate.summary.CertificateArn === arn);
    if (!found) throw new FakeAwsException({ name: 'ResourceNotFoundException', message: `Could not find certificate ${arn}.`, status: 400 });
    const { summary } = found;
    return {
      Certificate: {
        CertificateArn: arn,
        DomainName: summary.DomainName,
        SubjectAlternativeNames: summary.SubjectAlternativeNameSummaries,
        Subject: `CN=${summary.DomainName}`,
        Issuer: summary.Type === 'AMAZON_ISSUED' ? 'Amazon' : 'Example Private CA',
        Serial: '0a:1b:2c:3d',
        SignatureAlgorithm: summary.KeyAlgorithm?.startsWith('EC') ? 'SHA256WITHECDSA' : 'SHA256WITHRSA',
        Status: summary.Status,
        Type: summary.Type,
        NotBefore: summary.NotBefore,
        NotAfter: summary.NotAfter,
        KeyAlgorithm: summary.KeyAlgorithm,
        RenewalEligibility: summary.RenewalEligibility,
        ...(found.renewalStatus
          ? { RenewalSummary: { RenewalStatus: found.renewalStatus, RenewalStatusReason: found.renewalStatusReason as never, DomainValidationOptions: [], UpdatedAt: new Date() } }
          : {}),
      },
    };
  }

  private answer(operation: 'list' | 'describe', region: string, account: string): string {
    const key = `${account}/${region}`;
    const failure = this.failures.get(key);
    if (failure) throw new FakeAwsException(failure);
    this.calls[operation].set(key, (this.calls[operation].get(key) ?? 0) + 1);
    return key;
  }
}

/** A summary as ACM lists it; `days` left at `now` and the rest realistic defaults. */
export function acmSummary(id: string, daysLeft: number, now: Date, overrides: Partial<CertificateSummary> = {}, region = 'eu-west-1', account = DEFAULT_ACCOUNT): CertificateSummary {
  const notAfter = new Date(now.getTime() + daysLeft * 86_400_000);
  return {
    CertificateArn: `arn:aws:acm:${region}:${account}:certificate/${id}`,
    DomainName: `${id}.example.com`,
    SubjectAlternativeNameSummaries: [`${id}.example.com`],
    HasAdditionalSubjectAlternativeNames: false,
    Status: daysLeft < 0 ? 'EXPIRED' : 'ISSUED',
    Type: 'AMAZON_ISSUED',
    KeyAlgorithm: 'RSA_2048',
    InUse: true,
    RenewalEligibility: 'ELIGIBLE',
    NotBefore: new Date(notAfter.getTime() - 395 * 86_400_000),
    NotAfter: notAfter,
    ...overrides,
  };
}

/**
 * `count` certificates as a large estate holds them, the same for a seed: most key types, Amazon-issued ones
 * renewed on time (60 to 395 days left), imported and private ones spread over their lifetime, about 1% of the
 * Amazon-issued stuck inside the renewal window (the at-risk few), some not in use.
 */
export function realisticEstate(count: number, region: string, now: Date, seed = 1, account = DEFAULT_ACCOUNT): FakeCertificate[] {
  let state = seed;
  const random = () => ((state = (state * 1103515245 + 12345) % 2 ** 31) / 2 ** 31);
  const keyTypes = ['RSA_2048', 'RSA_2048', 'RSA_2048', 'EC_prime256v1', 'EC_prime256v1', 'RSA_4096', 'EC_secp384r1', 'RSA_3072'] as const;
  return Array.from({ length: count }, (_, index) => {
    const roll = random();
    const type = roll < 0.8 ? 'AMAZON_ISSUED' : roll < 0.95 ? 'IMPORTED' : 'PRIVATE';
    const inUse = random() < 0.85;
    const managed = type !== 'IMPORTED' && inUse;
    const stuck = managed && random() < 0.01;
    const daysLeft = managed ? (stuck ? 20 + random() * 35 : 61 + random() * 334) : 1 + random() * 394;
    const summary = acmSummary(`${region}-${String(index).padStart(6, '0')}`, daysLeft, now, {
      Type: type,
      KeyAlgorithm: keyTypes[Math.floor(random() * keyTypes.length)],
      InUse: inUse,
      RenewalEligibility: managed ? 'ELIGIBLE' : 'INELIGIBLE',
    }, region, account);
    return { summary, ...(stuck ? { renewalStatus: random() < 0.5 ? 'PENDING_VALIDATION' : 'PENDING_AUTO_RENEWAL' } : {}) } as FakeCertificate;
  });
}

export interface AcmHttpFakeOptions {
  /** Added to every answer, as a remote service's round trip. */
  readonly latencyMs?: number;
  /** Calls a second per account, region and operation before ThrottlingException (ACM: about 8 and 10). */
  readonly rateLimits?: { readonly list: number; readonly describe: number };
  /** The first N calls of an operation are throttled whatever the rate. */
  readonly throttleFirst?: { readonly list?: number; readonly describe?: number };
}

export interface AcmHttpFake {
  readonly url: string;
  /** Calls received, throttled ones included, and how many were throttled. */
  readonly received: { list: number; describe: number; throttled: number };
  close(): Promise<void>;
}

/**
 * ACM on loopback for the real SDK client (AWS_ENDPOINT_URL_ACM or an endpoint override): the region is the one the
 * request was signed for, the account is the default one.
 */
export async function startAcmHttpFake(acm: FakeAcm, options: AcmHttpFakeOptions = {}): Promise<AcmHttpFake> {
  const received = { list: 0, describe: 0, throttled: 0 };
  const buckets = new Map<string, { tokens: number; at: number }>();
  const takeToken = (key: string, rate: number): boolean => {
    const now = Date.now();
    const bucket = buckets.get(key) ?? { tokens: rate, at: now };
    bucket.tokens = Math.min(rate, bucket.tokens + ((now - bucket.at) / 1000) * rate);
    bucket.at = now;
    buckets.set(key, bucket);
    if (bucket.tokens < 1) return false;
    bucket.tokens -= 1;
    return true;
  };
  const server: Server = createServer((request, response) => {
    void answer(request, response);
  });
  const answer = async (request: IncomingMessage, response: ServerResponse) => {
    const body = await readBody(request);
    if (options.latencyMs) await new Promise((resolve) => setTimeout(resolve, options.latencyMs));
    const operation = String(request.headers['x-amz-target'] ?? '').replace('CertificateManager.', '');
    const region = /Credential=[^/]+\/\d+\/([^/]+)\//.exec(String(request.headers.authorization ?? ''))?.[1] ?? 'us-east-1';
    const kind = operation === 'ListCertificates' ? 'list' : 'describe';
    received[kind]++;
    const rate = options.rateLimits?.[kind];
    if (received[kind] <= (options.throttleFirst?.[kind] ?? 0) || (rate !== undefined && !takeToken(`${region}/${kind}`, rate))) {
      received.throttled++;
      return sendError(response, THROTTLED);
    }
    try {
      const input = JSON.parse(body || '{}');
      const output = kind === 'list' ? acm.listCertificates(input, region) : acm.describeCertificate(input.CertificateArn, region);
      response.writeHead(200, { 'content-type': 'application/x-amz-json-1.1' });
      // JSON 1.1 timestamps are epoch seconds.
      response.end(JSON.stringify(output).replace(/"(\d{4}-\d\d-\d\dT[^"]+Z)"/g, (_match, iso: string) => String(Date.parse(iso) / 1000)));
    } catch (error) {
      if (error instanceof FakeAwsException) return sendError(response, { name: error.name, message: error.message, status: 400 });
      return sendError(response, { name: 'InternalFailure', message: String(error), status: 500 });
    }
  };
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    received,
    close: () => new Promise((resolve) => server.close(() => resolve())),
  };
}

function sendError(response: ServerResponse, error: FakeAwsError): void {
  response.writeHead(error.status, { 'content-type': 'application/x-amz-json-1.1', 'x-amzn-errortype': error.name });
  response.end(JSON.stringify({ __type: error.name, message: error.message }));
}

function readBody(request: IncomingMessage): Promise<string> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    request.on('data', (chunk: Buffer) => chunks.push(chunk));
    request.on('end', () => resolve(Buffer.concat(chunks).toString('utf8')));
    request.on('error', reject);
  });
}
