import { randomUUID } from 'node:crypto';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { Socket } from 'node:net';

// A small SNS on loopback, speaking SNS's query protocol (a form-encoded body, XML answers), for what the SDK mock
// cannot show: time-outs, retries and a silent endpoint, on the wire. Point a client at it with
// AWS_ENDPOINT_URL_SNS. Each Publish it receives is recorded, then answered as the test says.

/** How the fake answers one Publish. */
export type SnsAnswer =
  | { readonly kind: 'accept'; readonly delayMs?: number }
  /** Takes the message (records it) and never answers. */
  | { readonly kind: 'silent' }
  | { readonly kind: 'throttle' }
  /** A 500 with SNS's InternalError body: the service says it did not take the message. */
  | { readonly kind: 'server-error' }
  /** A 502 with no body, as a proxy in front of the service would answer. */
  | { readonly kind: 'bad-gateway' };

export interface ReceivedPublish {
  readonly topicArn: string;
  readonly subject: string;
  readonly message: string;
  readonly attributes: Readonly<Record<string, string>>;
  /** What the fake did with it. */
  readonly answer: SnsAnswer['kind'];
}

export interface SnsFake {
  readonly endpoint: string;
  readonly received: ReceivedPublish[];
  /** Publish requests answered so far (accepted or refused). */
  readonly answered: () => number;
  /** How the next Publish requests are answered, in order; then `otherwise`. */
  answerNext(...answers: SnsAnswer[]): void;
  /** How Publish requests are answered once the queue is empty. @default accept */
  otherwise: SnsAnswer;
  close(): Promise<void>;
}

export async function startSnsFake(): Promise<SnsFake> {
  const queue: SnsAnswer[] = [];
  const received: ReceivedPublish[] = [];
  const sockets = new Set<Socket>();
  let answered = 0;
  const fake: SnsFake = {
    endpoint: '',
    received,
    answered: () => answered,
    answerNext: (...answers) => queue.push(...answers),
    otherwise: { kind: 'accept' },
    close: async () => {
      for (const socket of sockets) socket.destroy();
      await new Promise<void>((closed) => server.close(() => closed()));
    },
  };
  const server = createServer((request, response) => {
    void handle(request, response);
  });
  server.on('connection', (socket) => {
    sockets.add(socket);
    socket.on('close', () => sockets.delete(socket));
  });

  async function handle(request: IncomingMessage, response: ServerResponse): Promise<void> {
    let body = '';
    for await (const chunk of request) body += chunk;
    const form = new URLSearchParams(body);
    if (form.get('Action') !== 'Publish') return reply(response, 400, errorXml('Sender', 'InvalidAction', `the fake only knows Publish, not ${form.get('Action')}`));
    const answer = queue.shift() ?? fake.otherwise;
    received.push({ topicArn: form.get('TopicArn') ?? '', subject: form.get('Subject') ?? '', message: form.get('Message') ?? '', attributes: attributesOf(form), answer: answer.kind });
    switch (answer.kind) {
      case 'silent':
        return; // the socket stays open, unanswered, until the client gives up (or the fake closes)
      case 'throttle':
        return reply(response, 400, errorXml('Sender', 'Throttled', 'Rate exceeded'));
      case 'server-error':
        return reply(response, 500, errorXml('Receiver', 'InternalError', 'We encountered an internal error. Please try again.'));
      case 'bad-gateway':
        return reply(response, 502, '');
      case 'accept':
        if (answer.delayMs) await new Promise((resume) => setTimeout(resume, answer.delayMs).unref());
        return reply(
          response,
          200,
          `<PublishResponse xmlns="http://sns.amazonaws.com/doc/2010-03-31/"><PublishResult><MessageId>${randomUUID()}</MessageId></PublishResult><ResponseMetadata><RequestId>${randomUUID()}</RequestId></ResponseMetadata></PublishResponse>`,
        );
    }
  }

  function reply(response: ServerResponse, status: number, xml: string): void {
    answered++;
    response.writeHead(status, { 'content-type': 'text/xml', 'x-amzn-requestid': randomUUID() });
    response.end(xml);
  }

  await new Promise<void>((listening) => server.listen(0, '127.0.0.1', () => listening()));
  (fake as { endpoint: string }).endpoint = `http://127.0.0.1:${(server.address() as { port: number }).port}`;
  return fake;
}

function errorXml(type: string, code: string, message: string): string {
  return `<ErrorResponse xmlns="http://sns.amazonaws.com/doc/2010-03-31/"><Error><Type>${type}</Type><Code>${code}</Code><Message>${message}</Message></Error><RequestId>${randomUUID()}</RequestId></ErrorResponse>`;
}

/** `MessageAttributes.entry.N.Name` / `.Value.StringValue`, as the query protocol sends them. */
function attributesOf(form: URLSearchParams): Record<string, string> {
  const attributes: Record<string, string> = {};
  for (let n = 1; form.has(`MessageAttributes.entry.${n}.Name`); n++) {
    attributes[form.get(`MessageAttributes.entry.${n}.Name`) as string] = form.get(`MessageAttributes.entry.${n}.Value.StringValue`) ?? '';
  }
  return attributes;
}
