import type { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import type { DnsServer } from '../core/dns-server';
import type { BatchSummaryStore, CertificateProbe, ChangeJournalStore, CloudCertificateReaders, NameResolver, Notifier, ProbeBatchQueue, ProbeRunTracker, StateBatchReader, StateStore } from '../core/ports';
import type * as CloudReadersModule from '../probes/cloud-readers';
import type * as SnsNotifierModule from '../notify/sns-notifier';
import type * as ResolverModule from '../probes/dns/create-resolver';
import type * as TlsProbeModule from '../probes/tls-probe';
import type * as SqsProbeQueueModule from '../queue/sqs-probe-queue';
import type * as DynamoDbBatchSummariesModule from '../store/dynamodb-batch-summaries';
import type * as DynamoDbClientModule from '../store/dynamodb-client';
import type * as RunTrackerModule from '../store/dynamodb-probe-run-tracker';
import type * as StateStoreModule from '../store/dynamodb-state-store';
import { readRuntimeConfig } from './runtime-config';

// The adapters a Lambda uses, each built on first use and kept for the container's life (warm invocations reuse
// its parsed trust stores and its SDK clients' connections). Handlers take them from here; tests reach the same
// code through the standard environment (CERTWATCH_TABLE, AWS_ENDPOINT_URL_DYNAMODB, AWS_ENDPOINT_URL_SNS, ...).
// Each reads the settings it needs when first built: a missing one is a RuntimeConfigError naming the variable.
// Each adapter's module (an SDK client, the TLS probe and its X.509 parser) loads when first built, not when the
// handler loads: a function initialises only what its invocations use (the scheduled function never probes, the
// on-demand check never publishes).

let probe: CertificateProbe | undefined;
let systemResolver: NameResolver | undefined;
let dynamoDb: DynamoDBClient | undefined;
let store: (StateStore & StateBatchReader) | undefined;
let tracker: ProbeRunTracker | undefined;
let summaries: (BatchSummaryStore & ChangeJournalStore) | undefined;
let notifier: Notifier | undefined;
let queue: ProbeBatchQueue | undefined;
let cloud: CloudCertificateReaders | undefined;

export function tlsProbe(): CertificateProbe {
  probe ??= new (require('../probes/tls-probe') as typeof TlsProbeModule).TlsProbe();
  return probe;
}

/**
 * The system's resolver, kept for the container's life (its answers expire: see SYSTEM_ANSWER_TTL_MS); a resolver
 * for DNS servers an event or a batch names is its own.
 */
export function nameResolver(dnsServers: readonly DnsServer[] = []): NameResolver {
  const { createResolver } = require('../probes/dns/create-resolver') as typeof ResolverModule;
  if (dnsServers.length > 0) return createResolver(dnsServers);
  systemResolver ??= createResolver();
  return systemResolver;
}

function dynamoDbClient(): DynamoDBClient {
  dynamoDb ??= (require('../store/dynamodb-client') as typeof DynamoDbClientModule).createDynamoDbClient();
  return dynamoDb;
}

/** The state table named by CERTWATCH_TABLE. */
export function stateStore(): StateStore & StateBatchReader {
  store ??= new (require('../store/dynamodb-state-store') as typeof StateStoreModule).DynamoDbStateStore({
    client: dynamoDbClient(),
    tableName: readRuntimeConfig(['tableName']).tableName,
  });
  return store;
}

/** The probe run's progress, in the state table. */
export function probeRunTracker(): ProbeRunTracker {
  tracker ??= new (require('../store/dynamodb-probe-run-tracker') as typeof RunTrackerModule).DynamoDbProbeRunTracker({
    client: dynamoDbClient(),
    tableName: readRuntimeConfig(['tableName']).tableName,
  });
  return tracker;
}

/** The batches' summaries and the change journal, in the state table. */
export function batchSummaries(): BatchSummaryStore & ChangeJournalStore {
  summaries ??= new (require('../store/dynamodb-batch-summaries') as typeof DynamoDbBatchSummariesModule).DynamoDbBatchSummaries({
    client: dynamoDbClient(),
    tableName: readRuntimeConfig(['tableName']).tableName,
  });
  return summaries;
}

/** The alert topic named by CERTWATCH_TOPIC_ARN. */
export function alertNotifier(): Notifier {
  notifier ??= new (require('../notify/sns-notifier') as typeof SnsNotifierModule).SnsNotifier(readRuntimeConfig(['topicArn']).topicArn);
  return notifier;
}

/** The probe queue named by CERTWATCH_PROBE_QUEUE_URL. */
export function probeBatchQueue(): ProbeBatchQueue {
  queue ??= new (require('../queue/sqs-probe-queue') as typeof SqsProbeQueueModule).SqsProbeBatchQueue(readRuntimeConfig(['probeQueueUrl']).probeQueueUrl);
  return queue;
}

/** ACM and IAM readers for every scope of the config (roles assumed with the function's own credentials). */
export function cloudReaders(): CloudCertificateReaders {
  cloud ??= new (require('../probes/cloud-readers') as typeof CloudReadersModule).SdkCloudReaders();
  return cloud;
}
