import { App } from 'aws-cdk-lib';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { loadConfigFile } from '../../functions/config-file/load-config-file';
import type { ProbeCapacity } from '../../functions/core/watch-plan';
import type { CertWatchProps } from '../../infra/certwatch';
import { CertwatchStack } from '../../infra/certwatch-stack';

/** The deployed functions' code as `cdk deploy` would upload it: each one's asset directory (index.js beside its files). */
export interface SynthesizedDeployment {
  readonly outdir: string;
  /** The inventory's only when the config lists ACM or IAM. */
  readonly assets: { readonly scheduled: string; readonly worker: string; readonly onDemand: string; readonly inventory?: string };
  /** The run's arithmetic as deployed: the worker's timeout, the queue's visibility timeout, retries within a period. */
  readonly capacity: ProbeCapacity;
}

/** Synthesizes certwatch's stack for `configFile` with real bundling (esbuild), into a new directory; `sizing`: the construct's own props. */
export function synthesizeDeployment(configFile: string, sizing: Pick<CertWatchProps, 'batchSize' | 'maxWorkers' | 'workerMemoryMb'> = {}): SynthesizedDeployment {
  const outdir = mkdtempSync(join(tmpdir(), 'certwatch-synth-'));
  const app = new App({ outdir, context: { 'aws:cdk:enable-asset-metadata': true } });
  const stack = new CertwatchStack(app, 'Deployed', { env: { account: '111111111111', region: 'eu-west-1' }, certwatch: { config: loadConfigFile(configFile), configSource: configFile, ...sizing } });
  const assembly = app.synth();
  const template = assembly.getStackByName(stack.stackName).template as { Resources: Record<string, { Type: string; Properties: { Description?: string }; Metadata?: Record<string, string> }> };
  const assetsOf = (description: RegExp): string[] =>
    Object.values(template.Resources)
      .filter((r) => r.Type === 'AWS::Lambda::Function' && description.test(r.Properties.Description ?? ''))
      .map((r) => join(outdir, r.Metadata!['aws:asset:path']));
  const assetOf = (description: RegExp): string => {
    const found = assetsOf(description);
    if (found.length !== 1) throw new Error(`expected one function described ${description}, found ${found.length}`);
    return found[0];
  };
  const [inventory] = assetsOf(/list ACM and IAM/);
  return {
    outdir,
    assets: { scheduled: assetOf(/start a probe run/), worker: assetOf(/probe one batch/), onDemand: assetOf(/check TLS endpoints now/), ...(inventory ? { inventory } : {}) },
    capacity: stack.certwatch.capacity,
  };
}
