import type { CheckError, CheckResult } from '../core/check-result';
import type { Thresholds } from '../core/check-settings';
import { judge } from '../core/judge';
import { InvalidTargetError, parseTarget, type Target } from '../core/target';
import { ProbeError, type CertificateProbe } from '../core/ports';

/** One thing to check, as a user wrote it, with optional per-target overrides. */
export interface CheckRequest {
  readonly target: string;
  readonly servername?: string;
  readonly caFiles?: readonly string[];
}

export interface CheckSettings extends Thresholds {
  readonly timeoutMs: number;
  readonly concurrency: number;
  /** Applied to every target that has no servername of its own. */
  readonly servername?: string;
  /** Extra trust anchors for every target, on top of a target's own. */
  readonly caFiles?: readonly string[];
}

export interface CheckDependencies {
  readonly probe: CertificateProbe;
  readonly now: () => Date;
  /** Called after each target, for a progress line. */
  readonly onProgress?: (done: number, total: number) => void;
  /** Called with each result as soon as it is judged (the watch run folds it while others are probed). */
  readonly onResult?: (index: number, result: CheckResult) => void;
  /**
   * Once aborted, no further target is taken: the probes in flight finish (and are reported), then the check
   * rejects with the signal's reason, having no result for the targets never taken.
   */
  readonly signal?: AbortSignal;
  /** Once aborted, the probes in flight are abandoned too (each fails at once): the run's time is up. */
  readonly abortProbes?: AbortSignal;
}

/** Checks every target, `concurrency` at a time; results come back in input order, one per target. */
export async function checkTargets(requests: readonly CheckRequest[], settings: CheckSettings, deps: CheckDependencies): Promise<CheckResult[]> {
  const results: CheckResult[] = new Array(requests.length);
  let next = 0;
  let done = 0;
  const worker = async () => {
    while (next < requests.length && !deps.signal?.aborted) {
      const index = next++;
      results[index] = await checkOne(requests[index], settings, deps);
      deps.onResult?.(index, results[index]);
      deps.onProgress?.(++done, requests.length);
    }
  };
  const workers = Math.max(1, Math.min(settings.concurrency, requests.length));
  await Promise.all(Array.from({ length: workers }, worker));
  if (next < requests.length) deps.signal?.throwIfAborted();
  return results;
}

export async function checkOne(request: CheckRequest, settings: CheckSettings, deps: CheckDependencies): Promise<CheckResult> {
  const started = performance.now();
  let target: Target;
  try {
    target = parseTarget(request.target, request.servername ?? settings.servername);
  } catch (error) {
    if (error instanceof InvalidTargetError) return failed(error.input, null, { code: error.code, message: error.message }, 0);
    throw error;
  }
  try {
    const caFiles = [...(settings.caFiles ?? []), ...(request.caFiles ?? [])];
    const observation = await deps.probe.probe(target, { timeoutMs: settings.timeoutMs, caFiles, ...(deps.abortProbes ? { signal: deps.abortProbes } : {}) });
    const judgement = judge(observation, settings, deps.now());
    return {
      target: target.target,
      host: target.host,
      port: target.port,
      servername: target.servername,
      protocol: target.protocol,
      elapsedMs: elapsedSince(started),
      status: judgement.status,
      daysRemaining: judgement.daysRemaining,
      notAfter: judgement.notAfter,
      leaf: observation.chain[0],
      chain: observation.chain,
      trusted: judgement.trusted,
      findings: judgement.findings,
      error: null,
    };
  } catch (error) {
    const checkError: CheckError =
      error instanceof ProbeError
        ? { code: error.code, message: error.message }
        : { code: 'PROTOCOL_ERROR', message: `${target.target}: ${(error as Error)?.message ?? String(error)}` };
    return failed(target.target, target, checkError, elapsedSince(started));
  }
}

function failed(input: string, target: Target | null, error: CheckError, elapsedMs: number): CheckResult {
  return {
    target: target?.target ?? input,
    host: target?.host ?? null,
    port: target?.port ?? null,
    servername: target?.servername ?? null,
    protocol: target?.protocol ?? null,
    elapsedMs,
    status: 'error',
    daysRemaining: null,
    notAfter: null,
    leaf: null,
    chain: [],
    trusted: false,
    findings: [],
    error,
  };
}

function elapsedSince(started: number): number {
  return Math.round(performance.now() - started);
}
