import { PublishCommand, type MessageAttributeValue, type PublishCommandInput, type SNSClient } from '@aws-sdk/client-sns';
import { NoAnswerError, type Notifier, type PublishResult } from '../core/ports';
import { sdkFailure } from '../aws/sdk-client-config';
import type { PlannedNotification } from '../core/watch-state';
import { renderMessage } from './render/render-message';
import { createSnsClient } from './sns-client';

// One SNS topic carries every alert. Each notification is published once, with `audiences` as a
// String.Array message attribute; every subscription (an email address, a phone number) belongs to one
// audience and carries the filter policy {"audiences": ["<its audience>"]}. SNS matches a String.Array
// attribute when any element matches, so one publish reaches exactly the audiences it names, and nobody
// else. kind, stage, status and certificateId are attributes too, for subscribers that filter further.

/** SNS rejects messages over 256 KB (262,144 bytes), attributes included. */
export const SNS_MESSAGE_MAX_BYTES = 262_144;

/**
 * A publish that failed. Its message is the SDK's error name and message (`ThrottledException: Rate exceeded`,
 * `Error: Region is missing`), and says so when SNS may have taken it all the same; the caller names the notification.
 */
export class NotificationPublishError extends Error {
  constructor(
    readonly notificationId: string,
    /** The SNS error name (`ThrottledException`, `AuthorizationErrorException`, ...) or a local reason. */
    readonly code: string,
    /** Whether trying again later may succeed (throttling, a server-side fault, a request that never left). */
    readonly retryable: boolean,
    /** What SNS said or what went wrong, in the SDK's words. */
    readonly detail: string,
    /** `unknown`: the connection broke after the request went out, so SNS may have published it (sent again next run). */
    readonly outcome: 'not-published' | 'unknown' = 'not-published',
    options?: { cause?: unknown },
  ) {
    super(`${code}: ${detail}${outcome === 'unknown' ? ' (SNS may have published it: it is sent again next run, at most one duplicate)' : ''}`, options);
    this.name = 'NotificationPublishError';
  }
}

export interface SnsNotifierOptions {
  /** @default a client built by createSnsClient (the SDK's endpoint resolution): build the notifier once per container */
  readonly client?: SNSClient;
  /** The clock used to count the time left in the message. */
  readonly now?: () => Date;
}

export class SnsNotifier implements Notifier {
  private readonly client: SNSClient;
  private readonly now: () => Date;

  constructor(
    private readonly topicArn: string,
    options: SnsNotifierOptions = {},
  ) {
    this.client = options.client ?? createSnsClient();
    this.now = options.now ?? (() => new Date());
  }

  async publish(notification: PlannedNotification): Promise<PublishResult> {
    const input = publishInput(this.topicArn, notification, this.now());
    let messageId: string | undefined;
    try {
      ({ MessageId: messageId } = await this.client.send(new PublishCommand(input)));
    } catch (error) {
      const failure = sdkFailure(error);
      if (failure === 'no-answer') {
        // Taken or not, nobody knows: left pending, it is sent again by the next run (at most one duplicate), and
        // this run publishes no more (the caller's circuit).
        throw new NoAnswerError('SNS', `SNS got no answer in time (${describeError(error)}): it may have published it; it is sent again next run, at most one duplicate`, { cause: error });
      }
      throw new NotificationPublishError(notification.id, errorName(error), failure === 'refused' || failure === 'not-sent', errorMessage(error), failure === 'unknown' ? 'unknown' : 'not-published', { cause: error });
    }
    if (!messageId) throw new NotificationPublishError(notification.id, 'NoMessageId', true, 'SNS answered without a MessageId', 'unknown');
    return { messageId };
  }
}

/** The exact Publish request for one notification (exported for tests and for inspection). */
export function publishInput(topicArn: string, notification: PlannedNotification, now: Date): PublishCommandInput {
  const rendered = renderMessage(notification, now);
  const input: PublishCommandInput = {
    TopicArn: topicArn,
    Subject: rendered.subject,
    MessageStructure: 'json',
    Message: JSON.stringify({ default: rendered.default, email: rendered.email, sms: rendered.sms }),
    MessageAttributes: {
      kind: text(notification.kind),
      stage: text(notification.stage),
      status: text(notification.status),
      certificateId: text(notification.certificateId),
      audiences: { DataType: 'String.Array', StringValue: JSON.stringify(notification.audiences) },
    },
  };
  // The renderer bounds every part well below the limit; failing here beats SNS rejecting it later.
  const size = Buffer.byteLength(input.Message ?? '', 'utf8') + attributeBytes(input.MessageAttributes ?? {});
  if (size > SNS_MESSAGE_MAX_BYTES) throw new NotificationPublishError(notification.id, 'MessageTooLarge', false, `${size} bytes, over SNS's ${SNS_MESSAGE_MAX_BYTES}`);
  return input;
}

/** SNS rejects an empty attribute value, which would leave the notification pending for ever: never send one. */
function text(value: string): MessageAttributeValue {
  return { DataType: 'String', StringValue: value === '' ? '-' : value };
}

function attributeBytes(attributes: Record<string, MessageAttributeValue>): number {
  return Object.entries(attributes).reduce(
    (sum, [name, value]) => sum + Buffer.byteLength(name) + Buffer.byteLength(value.DataType ?? '') + Buffer.byteLength(value.StringValue ?? ''),
    0,
  );
}

function errorName(error: unknown): string {
  return error instanceof Error && error.name ? error.name : 'UnknownError';
}

function errorMessage(error: unknown): string {
  return error instanceof Error ? error.message || '(no message)' : String(error);
}

function describeError(error: unknown): string {
  return `${errorName(error)}: ${errorMessage(error)}`;
}
