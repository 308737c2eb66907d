import type { CertwatchConfig } from '../core/config';
import type { CertificateProbe, CloudCertificateReaders, NameResolver } from '../core/ports';
import { watchCycle, type RunDependencies, type RunSummary } from './run-watch';

export interface InventoryDependencies extends Pick<RunDependencies, 'store' | 'notifier' | 'now' | 'deadline'> {
  readonly cloud: CloudCertificateReaders;
}

/**
 * The deployed ACM and IAM inventory, on its own schedule: `certwatch run`'s own cycle with no endpoint to probe,
 * every scope of the config listed and folded as a run folds them (a failed listing is its own error alert, a
 * certificate gone from a working listing is retired). It reads the table (a Scan: a scope's earlier certificates
 * are found by their state); the ledger and the digest are the probe runs' business.
 */
export async function watchInventory(config: CertwatchConfig, deps: InventoryDependencies): Promise<RunSummary> {
  const { summary } = await watchCycle(
    { ...config, targets: [] },
    { ...deps, probe: NO_PROBE, resolver: NO_RESOLVER },
    { recordRun: false },
  );
  return summary;
}

// A cycle with no endpoint target calls neither: they are there for the cycle's shape, and say so if ever called.
const NO_PROBE: CertificateProbe = { probe: () => Promise.reject(new Error('the inventory probes no endpoint')) };
const NO_RESOLVER: NameResolver = { resolve: () => Promise.reject(new Error('the inventory resolves no name')) };
