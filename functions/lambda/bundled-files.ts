import { readFileSync } from 'node:fs';
import { isAbsolute, join } from 'node:path';
import { ConfigError, type CertwatchConfig } from '../core/config';
import { parseWatchPlan, planConfig, WATCH_PLAN_FILE, type WatchPlan } from '../core/watch-plan';
import { RuntimeConfigError } from './runtime-config';

// Files the deployment ships beside a handler (CertwatchFunction's bundledFiles): the scheduled function's watch
// plan, the workers' CA files. Bundled, this module's directory is the bundle's (/var/task in Lambda).

const bundleDirectory = __dirname;

let plan: { readonly plan: WatchPlan; config?: CertwatchConfig } | undefined;

/** The watch plan, read and checked once per container. */
export function watchPlan(): WatchPlan {
  if (!plan) {
    const file = join(bundleDirectory, WATCH_PLAN_FILE);
    let text: string;
    try {
      text = readFileSync(file, 'utf8');
    } catch (error) {
      throw new RuntimeConfigError(`the watch plan ${file} cannot be read (${(error as NodeJS.ErrnoException).code ?? String(error)}): deploy the function with the CertWatch construct, which ships it`);
    }
    try {
      plan = { plan: parseWatchPlan(JSON.parse(text), file) };
    } catch (error) {
      throw new RuntimeConfigError(error instanceof ConfigError ? error.message : `${file}: not JSON`);
    }
  }
  return plan.plan;
}

/** The whole config of the watch plan (every batch's targets), validated once per container. */
export function watchPlanConfig(): CertwatchConfig {
  const { batches } = watchPlan();
  plan!.config ??= planConfig(plan!.plan, `${WATCH_PLAN_FILE} (${batches.length} batches)`);
  return plan!.config;
}

/** The config with its targets' CA files (`ca/<sha256>.pem`, as the plan names them) inside this bundle. */
export function withBundledCaFiles(config: CertwatchConfig): CertwatchConfig {
  const inBundle = (file: string) => (isAbsolute(file) ? file : join(bundleDirectory, file));
  return { ...config, targets: config.targets.map((target) => ({ ...target, caFiles: target.caFiles.map(inBundle) })) };
}
