import type { MessagePort } from 'node:worker_threads';
import type { StoredDocument } from '../../core/ports';
import { createDynamoDbClient } from '../../store/dynamodb-client';
import { DynamoDbStateStore } from '../../store/dynamodb-state-store';
import { ensureTable } from '../../store/dynamodb-table';
import { TableShapeError } from '../../store/state-store-error';
import { PagePacker } from '../../core/stored-states';
import { describeFailure, type StoreCall, type StoreRequest, type StoreThreadMessage } from './store-thread-client';

// Runs on the embedded store's server thread: the DynamoDB adapter, talking to the dynalite server beside it
// through the SDK like to the real service, serving ThreadStateStore's calls from the caller's thread.

/**
 * Writes come one message at a time, as the caller's probes finish: without a wait, most batches would hold one
 * item. 10 ms gathers a first run's 1,000 creates, or a run's 1,000 updates, into about 60 requests, not 500
 * (bench/run-overhead.mjs); sparse updates (a few failing targets among many) still go one or two to a request,
 * and a longer wait (50 ms) measured no faster.
 */
const WRITE_LINGER_MS = 10;

export interface ServeOptions {
  /** The dynalite server on this thread. */
  readonly endpoint: string;
  readonly tableName: string;
  /** See DynamoDbStateStoreOptions.exclusive. */
  readonly exclusive: boolean;
}

/**
 * Builds the store, checks its table (creating it in a fresh store), answers `ready` or why not on `port`, then
 * answers every call until `close`.
 */
export function serveStateStore(port: MessagePort, options: ServeOptions): void {
  // The embedded server needs credentials in the SigV4 shape only; nothing leaves loopback.
  const client = createDynamoDbClient({ endpoint: options.endpoint, region: 'local', credentials: { accessKeyId: 'local', secretAccessKey: 'local' } });
  const store = new DynamoDbStateStore({ client, tableName: options.tableName, exclusive: options.exclusive, batchLingerMs: WRITE_LINGER_MS });
  const send = (message: StoreThreadMessage) => port.postMessage(message);
  const end = () => {
    client.destroy();
    port.close();
  };
  ensureTable(client, options.tableName).then(
    () => {
      port.on('message', (request: StoreRequest) => {
        if ('close' in request) return end();
        const packer = new PagePacker();
        const sendPage = (documents: readonly StoredDocument[]) => {
          const page = packer.pack(documents);
          port.postMessage({ id: request.id, page } satisfies StoreThreadMessage, [page.bytes]);
        };
        invoke(store, request, sendPage).then(
          (value) => send({ id: request.id, writes: store.writeCount, value: written(request, value) }),
          (error: unknown) => send({ id: request.id, writes: store.writeCount, failure: describeFailure(error) }),
        );
      });
      send({ ready: true });
    },
    (error: unknown) => {
      send({ failed: (error as Error).message, tableShape: error instanceof TableShapeError });
      end();
    },
  );
}

/** `sendPage`: a `listStored` call's pages, sent as the Scan reads them; its answer is the items it skipped. */
function invoke(store: DynamoDbStateStore, call: StoreCall, sendPage: (page: readonly StoredDocument[]) => void): Promise<unknown> {
  switch (call.method) {
    case 'get':
      return store.get(call.certificateId);
    case 'list':
      return store.list();
    case 'listStored':
      return store.scanStored(sendPage);
    case 'put':
      return store.put(call.state, call.expected);
    case 'delete':
      return store.delete(call.certificateId, call.expected);
    case 'getLedger':
      return store.getLedger();
    case 'putLedger':
      return store.putLedger(call.ledger, call.expectedVersion);
  }
}

/** A put's answer is its new version: the caller has the rest. */
function written(call: StoreCall, value: unknown): unknown {
  return call.method === 'put' || call.method === 'putLedger' ? { version: (value as { version: number }).version } : value;
}
