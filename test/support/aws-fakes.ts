import { createHash, randomUUID } from 'node:crypto';
import * as http from 'node:http';
import type { AddressInfo } from 'node:net';

// Small fakes of the AWS services that have no local server here, on loopback, speaking the wire protocols the
// pinned SDK uses: SNS the query protocol (form body, XML answer), SQS JSON 1.0 (X-Amz-Target). The code under test
// finds them through the SDK's own endpoint resolution (AWS_ENDPOINT_URL_SNS, AWS_ENDPOINT_URL_SQS), as it would
// find AWS.

/** One Publish call as SNS received it. */
export interface PublishedMessage {
  readonly topicArn: string;
  readonly subject: string | undefined;
  readonly messageStructure: string | undefined;
  readonly message: string;
  readonly attributes: Readonly<Record<string, string>>;
}

/** One message SQS accepted in a SendMessageBatch. */
export interface QueuedMessage {
  readonly queueUrl: string;
  readonly messageId: string;
  readonly body: string;
  readonly sentAt: number;
}

export interface FakeAwsService {
  readonly endpoint: string;
  close(): Promise<void>;
}

export interface FakeSns extends FakeAwsService {
  readonly published: PublishedMessage[];
  /** Publish answers this error (e.g. `AuthorizationError`) while set. */
  failWith: string | null;
}

export interface FakeSqs extends FakeAwsService {
  readonly sent: QueuedMessage[];
  /** Entries whose id is listed are refused once each, as SQS refuses under pressure (not the sender's fault). */
  readonly refuseOnce: Set<string>;
  /** SendMessageBatch requests received. */
  requests: number;
}

export async function startFakeSns(): Promise<FakeSns> {
  const fake = {
    published: [] as PublishedMessage[],
    failWith: null as string | null,
  };
  const server = http.createServer((request, response) => {
    void readBody(request).then((body) => {
      const form = new URLSearchParams(body);
      if (form.get('Action') !== 'Publish') return answer(response, 400, 'text/xml', queryError('InvalidAction', `unsupported action ${form.get('Action')}`));
      if (fake.failWith) return answer(response, 403, 'text/xml', queryError(fake.failWith, 'refused by the fake'));
      const attributes: Record<string, string> = {};
      for (let index = 1; form.has(`MessageAttributes.entry.${index}.Name`); index++) {
        attributes[form.get(`MessageAttributes.entry.${index}.Name`)!] = form.get(`MessageAttributes.entry.${index}.Value.StringValue`) ?? '';
      }
      fake.published.push({
        topicArn: form.get('TopicArn') ?? '',
        subject: form.get('Subject') ?? undefined,
        messageStructure: form.get('MessageStructure') ?? undefined,
        message: form.get('Message') ?? '',
        attributes,
      });
      const messageId = randomUUID();
      answer(
        response,
        200,
        'text/xml',
        `<PublishResponse xmlns="http://sns.amazonaws.com/doc/2010-03-31/"><PublishResult><MessageId>${messageId}</MessageId></PublishResult><ResponseMetadata><RequestId>${randomUUID()}</RequestId></ResponseMetadata></PublishResponse>`,
      );
    });
  });
  const endpoint = await listen(server);
  return Object.assign(fake, { endpoint, close: () => close(server) });
}

export async function startFakeSqs(): Promise<FakeSqs> {
  const fake = { sent: [] as QueuedMessage[], refuseOnce: new Set<string>(), requests: 0 };
  const server = http.createServer((request, response) => {
    void readBody(request).then((body) => {
      const target = request.headers['x-amz-target'];
      if (target !== 'AmazonSQS.SendMessageBatch') return answer(response, 400, 'application/x-amz-json-1.0', JSON.stringify({ __type: 'com.amazonaws.sqs#InvalidAction', message: `unsupported ${String(target)}` }));
      fake.requests++;
      const input = JSON.parse(body) as { QueueUrl: string; Entries: { Id: string; MessageBody: string }[] };
      const successful: unknown[] = [];
      const failed: unknown[] = [];
      for (const entry of input.Entries) {
        if (fake.refuseOnce.delete(entry.Id)) {
          failed.push({ Id: entry.Id, Code: 'InternalError', Message: 'try again', SenderFault: false });
          continue;
        }
        const messageId = randomUUID();
        fake.sent.push({ queueUrl: input.QueueUrl, messageId, body: entry.MessageBody, sentAt: Date.now() });
        successful.push({ Id: entry.Id, MessageId: messageId, MD5OfMessageBody: createHash('md5').update(entry.MessageBody).digest('hex') });
      }
      answer(response, 200, 'application/x-amz-json-1.0', JSON.stringify({ Successful: successful, Failed: failed }));
    });
  });
  const endpoint = await listen(server);
  return Object.assign(fake, { endpoint, close: () => close(server) });
}

function queryError(code: string, message: string): string {
  return `<ErrorResponse xmlns="http://sns.amazonaws.com/doc/2010-03-31/"><Error><Type>Sender</Type><Code>${code}</Code><Message>${message}</Message></Error><RequestId>${randomUUID()}</RequestId></ErrorResponse>`;
}

function readBody(request: http.IncomingMessage): Promise<string> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    request.on('data', (chunk: Buffer) => chunks.push(chunk));
    request.on('end', () => resolve(Buffer.concat(chunks).toString('utf8')));
    request.on('error', reject);
  });
}

function answer(response: http.ServerResponse, status: number, contentType: string, body: string): void {
  response.writeHead(status, { 'content-type': contentType, 'x-amzn-requestid': randomUUID() });
  response.end(body);
}

async function listen(server: http.Server): Promise<string> {
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
}

function close(server: http.Server): Promise<void> {
  server.closeAllConnections();
  return new Promise((resolve) => server.close(() => resolve()));
}
