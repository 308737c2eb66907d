import { CHECK_DEFAULTS } from '../../../functions/core/check-settings';
import { cloudSources } from '../../../functions/core/cloud-scope';
import { SdkCloudReaders } from '../../../functions/probes/cloud-readers';
import { listCloudCertificates } from '../../../functions/use-cases/list-cloud-certificates';
import { acmSummary, FakeAcm, realisticEstate, startAcmHttpFake } from '../../support/acm-fake';

// Tier 2, on the wire: the real ACM client (house configuration, adaptive retry) against ACM's JSON protocol on
// loopback, where retries and endpoint resolution are what is under test (aws-sdk-client-mock bypasses both).

const NOW = new Date();
const saved = process.env.AWS_ENDPOINT_URL_ACM;

afterEach(() => {
  if (saved === undefined) delete process.env.AWS_ENDPOINT_URL_ACM;
  else process.env.AWS_ENDPOINT_URL_ACM = saved;
});

function list(regions: string[]) {
  const sources = cloudSources({ regions, roles: [], ownAccount: true, acm: true, iam: false });
  return listCloudCertificates(sources, CHECK_DEFAULTS, { readers: new SdkCloudReaders(), now: () => NOW });
}

test('AWS_ENDPOINT_URL_ACM is honoured, and throttling that succeeds on retry loses no certificate', async () => {
  const estate = Array.from({ length: 1_500 }, (_, i) => ({ summary: acmSummary(`c${i}`, 200, NOW, { KeyAlgorithm: i % 2 ? 'EC_prime256v1' : 'RSA_2048' }) }));
  const model = new FakeAcm().add('eu-west-1', estate);
  const fake = await startAcmHttpFake(model, { throttleFirst: { list: 2 } });
  process.env.AWS_ENDPOINT_URL_ACM = fake.url;
  try {
    const { results } = await list(['eu-west-1']);
    expect(results).toHaveLength(1_500);
    expect(results.every((r) => r.error === null)).toBe(true);
    // Two pages; the first answered on its third attempt.
    expect(fake.received).toMatchObject({ list: 4, throttled: 2 });
  } finally {
    await fake.close();
  }
});

test('throttled throughout, a region is one AWS_REQUEST_FAILED result saying so, never a silently short listing', async () => {
  const model = new FakeAcm().add('eu-west-1', realisticEstate(10, 'eu-west-1', NOW));
  const fake = await startAcmHttpFake(model, { throttleFirst: { list: 1_000 } });
  process.env.AWS_ENDPOINT_URL_ACM = fake.url;
  try {
    const { results } = await list(['eu-west-1']);
    expect(results).toEqual([expect.objectContaining({ target: 'acm:eu-west-1', status: 'error' })]);
    expect(results[0].error).toEqual({ code: 'AWS_REQUEST_FAILED', message: 'acm:eu-west-1: ListCertificates failed: ThrottlingException: Rate exceeded (after 3 attempts)' });
  } finally {
    await fake.close();
  }
});

test('an endpoint that is down is AWS_REQUEST_FAILED for that region, after the retries', async () => {
  process.env.AWS_ENDPOINT_URL_ACM = 'http://127.0.0.1:9';
  const [result] = (await list(['eu-central-1'])).results;
  expect(result).toMatchObject({ target: 'acm:eu-central-1', status: 'error', error: { code: 'AWS_REQUEST_FAILED' } });
  expect(result.error?.message).toMatch(/ECONNREFUSED.*\(after 3 attempts\)/);
});
