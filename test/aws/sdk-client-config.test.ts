import { PublishCommand } from '@aws-sdk/client-sns';
import { mayRetry, sdkFailure } from '../../functions/aws/sdk-client-config';
import { NoAnswerError } from '../../functions/core/ports';
import { createSnsClient } from '../../functions/notify/sns-client';
import { NotificationPublishError, SnsNotifier } from '../../functions/notify/sns-notifier';
import { planned } from '../support/notification-fixture';
import { closedPort } from '../support/servers';
import { startSnsFake, type SnsAnswer, type SnsFake } from '../support/sns-fake';

// What certwatch retries, on the wire: SNS on loopback (query protocol, form body, XML answers) answering each
// Publish as the test says. Only what proves SNS did not take a message is retried; a publish whose outcome is
// unknown is sent once, and left to the next run (at most one duplicate).

const TOPIC_ARN = 'arn:aws:sns:eu-west-1:123456789012:certwatch-alerts';
let sns: SnsFake;

beforeAll(async () => {
  sns = await startSnsFake();
});

afterAll(() => sns.close());

beforeEach(() => {
  sns.received.length = 0;
  sns.otherwise = { kind: 'accept' };
});

/** SNS's client as certwatch builds it, pointed at the fake, with a short time limit for the silent cases. */
const client = () => createSnsClient({ endpoint: sns.endpoint, requestTimeoutMs: 500 });

/** What one Publish ends with, and how many copies of it SNS received. */
async function publishOnce(answer: SnsAnswer): Promise<{ error: unknown; received: number }> {
  sns.otherwise = answer;
  const sending = client();
  try {
    await sending.send(new PublishCommand({ TopicArn: TOPIC_ARN, Message: 'm' }));
    return { error: null, received: sns.received.length };
  } catch (error) {
    return { error, received: sns.received.length };
  } finally {
    sending.destroy();
  }
}

test.each([
  [{ kind: 'throttle' }, 'refused', 3],
  [{ kind: 'server-error' }, 'refused', 3],
  [{ kind: 'bad-gateway' }, 'unknown', 1],
  [{ kind: 'silent' }, 'no-answer', 1],
] as const)('SNS answering %j: the failure is %s, and SNS receives it %i time(s)', async (answer, failure, copies) => {
  const { error, received } = await publishOnce(answer);
  expect(sdkFailure(error)).toBe(failure);
  expect(received).toBe(copies);
});

test('an endpoint that refuses connections: nothing was sent, so it is tried again', async () => {
  const port = await closedPort();
  const refusing = createSnsClient({ endpoint: `http://127.0.0.1:${port}` });
  try {
    const error = await refusing.send(new PublishCommand({ TopicArn: TOPIC_ARN, Message: 'm' })).catch((caught: unknown) => caught);
    expect(sdkFailure(error)).toBe('not-sent');
    expect((error as { $metadata?: { attempts?: number } }).$metadata?.attempts).toBe(3);
  } finally {
    refusing.destroy();
  }
});

test('a throttled publish that succeeds on a retry is delivered once', async () => {
  sns.answerNext({ kind: 'throttle' });
  const { error, received } = await publishOnce({ kind: 'accept' });
  expect(error).toBeNull();
  expect(sns.received.map((publish) => publish.answer)).toEqual(['throttle', 'accept']);
  expect(received).toBe(2);
});

test.each([
  ['not-sent', false, true],
  ['refused', false, true],
  ['unknown', false, false],
  ['unknown', true, true],
  ['no-answer', true, false],
  ['rejected', true, false],
] as const)('a %s failure is retried by a client whose requests are replay-safe=%s: %s', (failure, replaySafe, retried) => {
  expect(mayRetry(failure, replaySafe)).toBe(retried);
});

describe('SnsNotifier on the wire', () => {
  const notifier = () => new SnsNotifier(TOPIC_ARN, { client: client(), now: () => new Date('2026-11-29T05:00:00Z') });

  test('an SNS that accepts and never answers: one copy, a NoAnswerError saying the outcome is unknown, no retry', async () => {
    sns.otherwise = { kind: 'silent' };
    const error = await notifier().publish(planned()).catch((caught: unknown) => caught);
    expect(error).toBeInstanceOf(NoAnswerError);
    expect(error).toMatchObject({ dependency: 'SNS', message: expect.stringContaining('it may have published it; it is sent again next run, at most one duplicate') });
    expect(sns.received).toHaveLength(1);
  });

  test("a failed publish keeps the SDK's error name and message (here: no region), saying nothing went out", async () => {
    const region = process.env.AWS_REGION;
    delete process.env.AWS_REGION;
    let error: unknown;
    try {
      const regionless = new SnsNotifier(TOPIC_ARN, { client: createSnsClient({ endpoint: sns.endpoint }) });
      error = await regionless.publish(planned()).catch((caught: unknown) => caught);
    } finally {
      process.env.AWS_REGION = region;
    }
    expect(error).toBeInstanceOf(NotificationPublishError);
    expect((error as Error).message).toMatch(/^Error: Region is missing$/);
    expect(sns.received).toHaveLength(0);
  });

  test('a 502 without an SNS error: the outcome is unknown, said so, and not retried', async () => {
    sns.otherwise = { kind: 'bad-gateway' };
    const error = await notifier().publish(planned()).catch((caught: unknown) => caught);
    expect(error).toMatchObject({ name: 'NotificationPublishError', outcome: 'unknown', retryable: false });
    expect((error as Error).message).toBe('Unknown: Unknown (SNS may have published it: it is sent again next run, at most one duplicate)');
    expect(sns.received).toHaveLength(1);
  });
});
