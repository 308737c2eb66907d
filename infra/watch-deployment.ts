import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { ConfigError, configInputFor, type CertwatchConfig, type ConfigInput } from '../functions/core/config';
import { isFileTarget } from '../functions/core/file-target';
import { planBatches, WATCH_PLAN_FILE, type WatchPlan } from '../functions/core/watch-plan';
import { TrustStore } from '../functions/probes/trust-store';

// At synth: the validated config becomes the files the functions ship with. The scheduled function gets the watch
// plan (targets in batches, no addresses); the workers get the CA files the config names, read now and named by
// their content, since the synth machine's paths mean nothing inside Lambda.

export interface WatchDeploymentOptions {
  /** Targets per SQS message (one worker invocation). */
  readonly batchSize: number;
  /** Handshakes at once in a worker: the batches' `check.concurrency`. */
  readonly concurrency: number;
  /** Where the config came from, for error messages. */
  readonly source: string;
}

export interface WatchDeployment {
  readonly plan: WatchPlan;
  /** Files for the scheduled function's bundle: the watch plan. */
  readonly scheduledFiles: Readonly<Record<string, string>>;
  /** Files for the workers' bundle: each CA file as `ca/<sha256>.pem`, as the plan's targets name them. */
  readonly workerFiles: Readonly<Record<string, string>>;
  /** Files for the inventory's bundle: the plan without its batches (the policy, the thresholds, the ACM and IAM scopes). */
  readonly inventoryFiles: Readonly<Record<string, string>>;
}

/** The directory of the CA files inside the worker's bundle. */
export const BUNDLED_CA_DIRECTORY = 'ca';

/**
 * The deployment's plan. Its config must name endpoint targets, and no certificate file (a Lambda has no file
 * system to watch): a ConfigError naming the field otherwise, as the config file's validator would.
 */
export function prepareWatchDeployment(config: CertwatchConfig, options: WatchDeploymentOptions): WatchDeployment {
  const refused = config.targets.flatMap((target, index) =>
    isFileTarget(target.target) ? [`targets.${index}: certificate files cannot be watched here (no file system to watch in Lambda): check them where they are built, with certwatch check --files`] : [],
  );
  if (refused.length > 0) throw new ConfigError(options.source, refused);
  const workerFiles: Record<string, string> = {};
  const bundledName = new Map<string, string>();
  const nameInBundle = (file: string): string => {
    let name = bundledName.get(file);
    if (name === undefined) {
      const pem = readCaFile(file, options.source);
      name = `${BUNDLED_CA_DIRECTORY}/${createHash('sha256').update(pem).digest('hex')}.pem`;
      workerFiles[name] = pem;
      bundledName.set(file, name);
    }
    return name;
  };
  const shipped: CertwatchConfig = {
    ...config,
    check: {
      ...config.check,
      concurrency: options.concurrency,
      givenConcurrency: options.concurrency,
      ...(config.check.caFile !== undefined ? { caFile: nameInBundle(config.check.caFile) } : {}),
    },
    targets: config.targets.map((target) => ({ ...target, caFiles: target.caFiles.map(nameInBundle) })),
    // The deployment publishes to its own topic (CERTWATCH_TOPIC_ARN), never to one named for the CLI.
    snsTopicArn: null,
  };
  const { targets, ...shared }: ConfigInput = configInputFor(shipped);
  const plan: WatchPlan = {
    version: 1,
    shared,
    batches: planBatches(targets ?? [], { maxTargets: options.batchSize }),
    batchLifetimeMs: config.schedule.probe.longestGapMs,
  };
  return { plan, scheduledFiles: { [WATCH_PLAN_FILE]: JSON.stringify(plan) }, workerFiles, inventoryFiles: { [WATCH_PLAN_FILE]: JSON.stringify({ ...plan, batches: [] }) } };
}

/**
 * A CA file's certificates, checked as the probe will load them (a file holding no certificate fails synth, not
 * every probe of every run).
 */
function readCaFile(file: string, source: string): string {
  try {
    TrustStore.withCaFiles([file]);
    return readFileSync(file, 'utf8');
  } catch (error) {
    throw new ConfigError(source, [(error as Error).message]);
  }
}
