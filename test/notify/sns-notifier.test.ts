import { PublishCommand, SNSClient, ThrottledException } from '@aws-sdk/client-sns';
import { mockClient } from 'aws-sdk-client-mock';
import type { CertificateInfo } from '../../functions/core/certificate';
import type { PlannedNotification } from '../../functions/core/watch-state';
import { renderMessage } from '../../functions/notify/render/render-message';
import { createSnsClient } from '../../functions/notify/sns-client';
import { NotificationPublishError, SNS_MESSAGE_MAX_BYTES, SnsNotifier } from '../../functions/notify/sns-notifier';
import { SMS_MAX_CHARS, SUBJECT_MAX_CHARS } from '../../functions/notify/text-limits';
import { at, DAY, knownCertificate, NOW, planned as criticalNotice } from '../support/notification-fixture';

const TOPIC_ARN = 'arn:aws:sns:eu-west-1:123456789012:certwatch-alerts';

/** Exactly two days left at NOW, so that the SMS reads "expires in 2d 0h". */
const twoDaysLeft = (leaf: Partial<CertificateInfo> = {}) => knownCertificate({ notAfter: at(2 * DAY), ...leaf });
const planned = (overrides: Partial<PlannedNotification> = {}) => criticalNotice({ certificate: twoDaysLeft(), ...overrides });

describe('SnsNotifier', () => {
  const sns = mockClient(SNSClient);
  const notifier = () => new SnsNotifier(TOPIC_ARN, { client: new SNSClient({}), now: () => NOW });

  beforeEach(() => sns.reset());
  afterAll(() => sns.restore());

  test('publishes once, as a JSON message structure with subject and filterable attributes, and returns the MessageId', async () => {
    sns.on(PublishCommand).resolves({ MessageId: 'message-1' });
    const notification = planned();

    await expect(notifier().publish(notification)).resolves.toEqual({ messageId: 'message-1' });

    const calls = sns.commandCalls(PublishCommand);
    expect(calls).toHaveLength(1);
    const rendered = renderMessage(notification, NOW);
    expect(calls[0].args[0].input).toEqual({
      TopicArn: TOPIC_ARN,
      Subject: rendered.subject,
      MessageStructure: 'json',
      Message: JSON.stringify({ default: rendered.default, email: rendered.email, sms: rendered.sms }),
      MessageAttributes: {
        kind: { DataType: 'String', StringValue: 'expiry' },
        stage: { DataType: 'String', StringValue: 'critical' },
        status: { DataType: 'String', StringValue: 'critical' },
        certificateId: { DataType: 'String', StringValue: 'tls:api.example.com:443' },
        audiences: { DataType: 'String.Array', StringValue: '["owners","oncall"]' },
      },
    });
  });

  test('a certificate clients reject is published as kind error, stage invalid, to its audiences', async () => {
    sns.on(PublishCommand).resolves({ MessageId: 'message-invalid' });
    const findings = [{ code: 'UNTRUSTED_ROOT' as const, severity: 'critical' as const, message: 'the chain ends at a root that is not trusted' }];
    await notifier().publish(planned({ kind: 'error', stage: 'invalid', audiences: ['owners'], certificate: knownCertificate({ notAfter: at(200 * DAY) }, { findings }) }));
    const input = sns.commandCalls(PublishCommand)[0].args[0].input;
    expect(input.MessageAttributes).toMatchObject({
      kind: { DataType: 'String', StringValue: 'error' },
      stage: { DataType: 'String', StringValue: 'invalid' },
      audiences: { DataType: 'String.Array', StringValue: '["owners"]' },
    });
    expect(input.Subject).toBe('[certwatch] INVALID api.example.com:443 cert rejected by clients: UNTRUSTED_ROOT');
  });

  test('the message is JSON with exactly default, email and sms, each a string within its limits', async () => {
    sns.on(PublishCommand).resolves({ MessageId: 'message-2' });
    await notifier().publish(planned());

    const input = sns.commandCalls(PublishCommand)[0].args[0].input;
    const message = JSON.parse(input.Message ?? '{}') as Record<string, unknown>;
    expect(Object.keys(message).sort()).toEqual(['default', 'email', 'sms']);
    for (const value of Object.values(message)) expect(typeof value).toBe('string');
    expect((message.sms as string).length).toBeLessThanOrEqual(SMS_MAX_CHARS);
    expect(message.sms).toBe('CERTWATCH CRITICAL api.example.com:443 expires in 2d 0h (2026-12-01 05:00 UTC)');
    expect((input.Subject ?? '').length).toBeLessThanOrEqual(SUBJECT_MAX_CHARS);
    expect(input.Subject).toMatch(/^[\x20-\x7E]+$/);
  });

  test('the audiences attribute is a JSON array that a filter policy on "audiences" matches element by element', async () => {
    sns.on(PublishCommand).resolves({ MessageId: 'message-3' });
    await notifier().publish(planned({ kind: 'error', stage: 'error', status: 'error', audiences: ['owners'], error: { code: 'TIMEOUT', message: 'timed out' }, consecutiveFailures: 3 }));

    const attributes = sns.commandCalls(PublishCommand)[0].args[0].input.MessageAttributes ?? {};
    expect(JSON.parse(attributes.audiences.StringValue ?? '')).toEqual(['owners']);
    expect(attributes.kind.StringValue).toBe('error');
    expect(attributes.stage.StringValue).toBe('error');
    expect(attributes.status.StringValue).toBe('error');
  });

  test('a certificate with 1000 long SANs still fits in one SNS message', async () => {
    sns.on(PublishCommand).resolves({ MessageId: 'message-4' });
    const sans = Array.from({ length: 1000 }, (_, i) => `${String(i).padStart(4, '0')}${'s'.repeat(245)}.example`);
    await notifier().publish(planned({ certificate: twoDaysLeft({ sans }) }));

    const input = sns.commandCalls(PublishCommand)[0].args[0].input;
    expect(Buffer.byteLength(input.Message ?? '', 'utf8')).toBeLessThan(SNS_MESSAGE_MAX_BYTES / 2);
    expect((input.Subject ?? '').length).toBeLessThanOrEqual(SUBJECT_MAX_CHARS);
  });

  test('a throttled publish fails with a typed error naming the notification and the SNS error code', async () => {
    sns.on(PublishCommand).rejects(new ThrottledException({ message: 'Rate exceeded', $metadata: {} }));
    const notification = planned();

    const failure = notifier().publish(notification);
    await expect(failure).rejects.toBeInstanceOf(NotificationPublishError);
    await expect(failure).rejects.toMatchObject({ notificationId: notification.id, code: 'ThrottledException', retryable: true });
    // The SDK's name and message, once: the caller names the notification.
    await expect(failure).rejects.toMatchObject({ message: 'ThrottledException: Rate exceeded' });
  });

  test('a rejected publish that is not worth retrying says so', async () => {
    const denied = Object.assign(new Error('not authorised'), { name: 'AuthorizationErrorException', $fault: 'client' });
    sns.on(PublishCommand).rejects(denied);

    await expect(notifier().publish(planned())).rejects.toMatchObject({ code: 'AuthorizationErrorException', retryable: false });
  });

  test('an answer without a MessageId is a failure, never a success', async () => {
    sns.on(PublishCommand).resolves({});

    await expect(notifier().publish(planned())).rejects.toMatchObject({ name: 'NotificationPublishError', code: 'NoMessageId' });
  });

  test('without an injected client it builds its own with createSnsClient', async () => {
    sns.on(PublishCommand).resolves({ MessageId: 'message-shared' });

    await expect(new SnsNotifier(TOPIC_ARN, { now: () => NOW }).publish(planned())).resolves.toEqual({ messageId: 'message-shared' });
    expect(sns.commandCalls(PublishCommand)).toHaveLength(1);
  });
});

describe('createSnsClient endpoint resolution', () => {
  // No mock here: a request handler captures the request the SDK would send, so nothing leaves the process.
  const saved = { sns: process.env.AWS_ENDPOINT_URL_SNS, all: process.env.AWS_ENDPOINT_URL };

  afterEach(() => {
    restore('AWS_ENDPOINT_URL_SNS', saved.sns);
    restore('AWS_ENDPOINT_URL', saved.all);
  });

  async function requestedUrl(client: SNSClient): Promise<string> {
    let captured: { protocol: string; hostname: string; port?: number } | undefined;
    client.config.requestHandler = {
      handle: async (request: { protocol: string; hostname: string; port?: number }) => {
        captured = request;
        throw new Error('request captured, not sent');
      },
    } as unknown as SNSClient['config']['requestHandler'];
    await expect(client.send(new PublishCommand({ TopicArn: TOPIC_ARN, Message: 'm' }))).rejects.toThrow('request captured, not sent');
    if (!captured) throw new Error('no request was made');
    return `${captured.protocol}//${captured.hostname}${captured.port ? `:${captured.port}` : ''}`;
  }

  test('honours AWS_ENDPOINT_URL_SNS from the environment when no endpoint is passed', async () => {
    delete process.env.AWS_ENDPOINT_URL;
    process.env.AWS_ENDPOINT_URL_SNS = 'http://127.0.0.1:4575';
    const client = createSnsClient({ maxAttempts: 1 });

    expect(client.config.endpoint).toBeUndefined();
    await expect(requestedUrl(client)).resolves.toBe('http://127.0.0.1:4575');
  });

  test('falls back to AWS_ENDPOINT_URL', async () => {
    delete process.env.AWS_ENDPOINT_URL_SNS;
    process.env.AWS_ENDPOINT_URL = 'http://127.0.0.1:4566';

    await expect(requestedUrl(createSnsClient({ maxAttempts: 1 }))).resolves.toBe('http://127.0.0.1:4566');
  });

  test('an explicit endpoint override wins', async () => {
    process.env.AWS_ENDPOINT_URL_SNS = 'http://127.0.0.1:4575';

    await expect(requestedUrl(createSnsClient({ maxAttempts: 1, endpoint: 'http://127.0.0.1:9911' }))).resolves.toBe('http://127.0.0.1:9911');
  });
});

function restore(name: string, value: string | undefined): void {
  if (value === undefined) delete process.env[name];
  else process.env[name] = value;
}
