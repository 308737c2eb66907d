import type { CertificateProbe, StateStore } from '../core/ports';
import { TlsProbe } from '../probes/tls-probe';
import { createDynamoDbClient } from '../store/dynamodb-client';
import { DynamoDbStateStore } from '../store/dynamodb-state-store';
import { readRuntimeConfig } from './runtime-config';

// The adapters a Lambda uses, each built on first use and kept for the container's life (warm invocations reuse
// its parsed trust stores and its SDK client's connections). Handlers take them from here; tests reach the same
// code through the standard environment (CERTWATCH_TABLE, AWS_ENDPOINT_URL_DYNAMODB).

let probe: CertificateProbe | undefined;
let store: StateStore | undefined;

export function tlsProbe(): CertificateProbe {
  probe ??= new TlsProbe();
  return probe;
}

/** The state table named by CERTWATCH_TABLE; a RuntimeConfigError when it is not set. */
export function stateStore(): StateStore {
  store ??= new DynamoDbStateStore({ client: createDynamoDbClient(), tableName: readRuntimeConfig().tableName });
  return store;
}
