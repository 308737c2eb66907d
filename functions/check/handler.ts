import { Logger } from '@aws-lambda-powertools/logger';
import type { CheckResult } from '../core/check-result';
import { TlsProbe } from '../probes/tls-probe';
import { InvalidEventError, parseCheckEvent } from './check-event';
import { checkTargets } from './check-targets';

const logger = new Logger({ serviceName: 'certwatch' });
// One probe per container: trust stores (and their parsed roots) are reused across invocations.
const probe = new TlsProbe();

/** On-demand check: `{ "targets": [...], "options": {...} }` returns the same array as `certwatch check --json`. */
export async function handler(event: unknown): Promise<CheckResult[]> {
  let parsed: ReturnType<typeof parseCheckEvent>;
  try {
    parsed = parseCheckEvent(event);
  } catch (error) {
    if (error instanceof InvalidEventError) logger.warn('rejected a malformed event', { reason: error.message });
    throw error;
  }
  const results = await checkTargets(parsed.requests, parsed.settings, { probe, now: () => new Date() });
  for (const result of results) {
    logger.info('checked', { target: result.target, status: result.status, daysRemaining: result.daysRemaining, errorCode: result.error?.code ?? null });
  }
  return results;
}
