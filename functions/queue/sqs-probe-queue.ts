import { SendMessageBatchCommand, type SendMessageBatchRequestEntry, SQSClient } from '@aws-sdk/client-sqs';
import { sdkClientConfig, type SdkClientOverrides } from '../aws/sdk-client-config';
import type { ProbeBatchQueue } from '../core/ports';
import { groupBySize } from '../core/size-groups';
import type { ProbeBatchMessage } from '../core/watch-plan';

// The probe queue behind ProbeBatchQueue: a run's batches go out in SendMessageBatch requests (10 messages and
// 256 KiB at most each, SQS's limits), several at once; entries SQS refuses for a passing reason are sent again.

/** The one place that builds an SQSClient: the endpoint is the SDK's resolution (AWS_ENDPOINT_URL_SQS, ...). */
export function createSqsClient(overrides: SdkClientOverrides = {}): SQSClient {
  return new SQSClient(sdkClientConfig('SQS', overrides));
}

const ENTRIES_PER_REQUEST = 10;
const BYTES_PER_REQUEST = 256 * 1024;
const REQUESTS_AT_ONCE = 8;
const ATTEMPTS = 3;
const RETRY_DELAY_MS = 100;

export class ProbeQueueError extends Error {
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'ProbeQueueError';
  }
}

export interface SqsProbeBatchQueueOptions {
  /** @default a client built by createSqsClient */
  readonly client?: SQSClient;
}

export class SqsProbeBatchQueue implements ProbeBatchQueue {
  private readonly client: SQSClient;

  constructor(
    private readonly queueUrl: string,
    options: SqsProbeBatchQueueOptions = {},
  ) {
    this.client = options.client ?? createSqsClient();
  }

  async send(messages: readonly ProbeBatchMessage[]): Promise<void> {
    const entries: SendMessageBatchRequestEntry[] = messages.map((message) => ({ Id: `batch-${message.batch}`, MessageBody: JSON.stringify(message) }));
    const requests = groupBySize(entries, { maxCount: ENTRIES_PER_REQUEST, maxBytes: BYTES_PER_REQUEST }, (entry) => Buffer.byteLength(entry.MessageBody ?? ''));
    const failures: string[] = [];
    let next = 0;
    const sender = async () => {
      while (next < requests.length) {
        const failed = await this.sendRequest(requests[next++]);
        failures.push(...failed);
      }
    };
    await Promise.all(Array.from({ length: Math.min(REQUESTS_AT_ONCE, requests.length) }, sender));
    if (failures.length > 0) {
      throw new ProbeQueueError(`${failures.length} of ${messages.length} probe batches could not be sent to the probe queue: ${failures.slice(0, 3).join('; ')}`);
    }
  }

  /** Sends one request's entries, again for those SQS refused for a passing reason; returns why the rest failed. */
  private async sendRequest(entries: readonly SendMessageBatchRequestEntry[]): Promise<string[]> {
    const permanent: string[] = [];
    let left = entries;
    let reasons: string[] = [];
    for (let attempt = 1; attempt <= ATTEMPTS && left.length > 0; attempt++) {
      if (attempt > 1) await new Promise((resume) => setTimeout(resume, RETRY_DELAY_MS * 2 ** (attempt - 2)));
      let failed: { Id?: string; SenderFault?: boolean; Code?: string; Message?: string }[];
      try {
        ({ Failed: failed = [] } = await this.client.send(new SendMessageBatchCommand({ QueueUrl: this.queueUrl, Entries: [...left] })));
      } catch (error) {
        reasons = left.map((entry) => `${entry.Id}: ${error instanceof Error ? `${error.name}: ${error.message}` : String(error)}`);
        continue;
      }
      const reason = (entry: (typeof failed)[number]) => `${entry.Id}: ${entry.Code ?? 'failed'}${entry.Message ? ` (${entry.Message})` : ''}`;
      // A sender fault (a malformed entry) would fail again the same way: not retried.
      permanent.push(...failed.filter((entry) => entry.SenderFault).map(reason));
      const retryable = failed.filter((entry) => !entry.SenderFault);
      reasons = retryable.map(reason);
      left = left.filter((entry) => retryable.some((failure) => failure.Id === entry.Id));
    }
    return [...permanent, ...(left.length > 0 ? reasons : [])];
  }
}
