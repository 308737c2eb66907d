import { PublishCommand } from '@aws-sdk/client-sns';
import { createSnsClient } from './functions/notify/sns-client';
import { startSnsFake } from './test/support/sns-fake';
(async () => {
  const fake = await startSnsFake();
  const client = createSnsClient({ endpoint: fake.endpoint, region: 'eu-west-1', credentials: { accessKeyId: 'x', secretAccessKey: 'y' }, requestTimeoutMs: 1000 });
  for (const kind of ['accept', 'throttle', 'server-error', 'bad-gateway', 'silent'] as const) {
    fake.received.length = 0; fake.otherwise = { kind };
    const t = Date.now();
    try { const r = await client.send(new PublishCommand({ TopicArn: 'arn:aws:sns:eu-west-1:123456789012:t', Message: 'm', MessageAttributes: { a: { DataType: 'String', StringValue: 'v' } } })); console.log(kind, 'ok', r.MessageId, fake.received.length); }
    catch (e: any) { console.log(kind, 'ERR', e.name, e.code, e.$fault, e.$metadata?.httpStatusCode, e.$metadata?.attempts, e.$retryable, 'received', fake.received.length, Date.now() - t, 'ms', e.message.slice(0, 80)); }
  }
  client.destroy(); await fake.close();
})();
