import type { DnsServer } from '../core/dns-server';
import type { CertificateProbe, NameResolver, StateStore } from '../core/ports';
import { createResolver } from '../probes/dns/create-resolver';
import { TlsProbe } from '../probes/tls-probe';
import { createDynamoDbClient } from '../store/dynamodb-client';
import { DynamoDbStateStore } from '../store/dynamodb-state-store';
import { readRuntimeConfig } from './runtime-config';

// The adapters a Lambda uses, each built on first use and kept for the container's life (warm invocations reuse
// its parsed trust stores and its SDK client's connections). Handlers take them from here; tests reach the same
// code through the standard environment (CERTWATCH_TABLE, AWS_ENDPOINT_URL_DYNAMODB).

let probe: CertificateProbe | undefined;
let systemResolver: NameResolver | undefined;
let store: StateStore | undefined;

export function tlsProbe(): CertificateProbe {
  probe ??= new TlsProbe();
  return probe;
}

/**
 * The system's resolver, kept for the container's life (its answers expire: see SYSTEM_ANSWER_TTL_MS); a resolver
 * for DNS servers an event names is the event's own.
 */
export function nameResolver(dnsServers: readonly DnsServer[] = []): NameResolver {
  if (dnsServers.length > 0) return createResolver(dnsServers);
  systemResolver ??= createResolver();
  return systemResolver;
}

/** The state table named by CERTWATCH_TABLE; a RuntimeConfigError when it is not set. */
export function stateStore(): StateStore {
  store ??= new DynamoDbStateStore({ client: createDynamoDbClient(), tableName: readRuntimeConfig().tableName });
  return store;
}
