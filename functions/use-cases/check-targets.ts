import { judgeAddresses, type AddressProbe } from '../core/address-judgement';
import { chooseAddresses, type AddressChoice, type ChosenAddresses } from '../core/addresses';
import type { CheckError, CheckResult } from '../core/check-result';
import type { Thresholds } from '../core/check-settings';
import { ipVersion } from '../core/ip-address';
import { InvalidTargetError, parseTarget, type Target } from '../core/target';
import { ProbeError, type CertificateProbe, type NameResolver, type ProbeSettings } from '../core/ports';
import { Slots } from './slots';

/** One thing to check, as a user wrote it, with optional per-target overrides. */
export interface CheckRequest {
  readonly target: string;
  readonly servername?: string;
  readonly caFiles?: readonly string[];
}

export interface CheckSettings extends Thresholds, AddressChoice {
  /** The lookup of a name, and the probe of each of its addresses. */
  readonly timeoutMs: number;
  /** Handshakes at once: each address behind a name is one. */
  readonly concurrency: number;
  /** Applied to every target that has no servername of its own. */
  readonly servername?: string;
  /** Extra trust anchors for every target, on top of a target's own. */
  readonly caFiles?: readonly string[];
}

export interface CheckDependencies {
  readonly probe: CertificateProbe;
  /** Finds the addresses behind each host name (address targets are not looked up). */
  readonly resolver: NameResolver;
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
}

/**
 * Checks every target, each address behind a name with the name as SNI, `concurrency` handshakes at a time; results
 * come back in input order, one per target.
 */
export async function checkTargets(requests: readonly CheckRequest[], settings: CheckSettings, deps: CheckDependencies): Promise<CheckResult[]> {
  const results: CheckResult[] = new Array(requests.length);
  const handshakes = new Slots(settings.concurrency);
  let next = 0;
  let done = 0;
  const worker = async () => {
    while (next < requests.length && !deps.signal?.aborted) {
      const index = next++;
      results[index] = await checkOne(requests[index], settings, deps, handshakes);
      deps.onResult?.(index, results[index]);
      deps.onProgress?.(++done, requests.length);
    }
  };
  const workers = Math.max(1, Math.min(settings.concurrency, requests.length));
  await Promise.all(Array.from({ length: workers }, worker));
  if (next < requests.length) deps.signal?.throwIfAborted();
  return results;
}

/** One target: its addresses found, each probed (through `handshakes`), and judged together. */
export async function checkOne(request: CheckRequest, settings: CheckSettings, deps: CheckDependencies, handshakes = new Slots(settings.concurrency)): Promise<CheckResult> {
  const started = performance.now();
  let target: Target;
  try {
    target = parseTarget(request.target, request.servername ?? settings.servername);
  } catch (error) {
    if (error instanceof InvalidTargetError) return failed(error.input, null, { code: error.code, message: error.message }, 0);
    throw error;
  }
  let chosen: ChosenAddresses;
  try {
    chosen = await addressesOf(target, settings, deps.resolver);
  } catch (error) {
    return failed(target.target, target, asCheckError(error, target), elapsedSince(started));
  }
  const probeSettings: ProbeSettings = { timeoutMs: settings.timeoutMs, caFiles: [...(settings.caFiles ?? []), ...(request.caFiles ?? [])] };
  const probes = await Promise.all(chosen.probed.map((address) => handshakes.run(() => probeAddress(target, address, probeSettings, deps.probe))));
  return {
    target: target.target,
    host: target.host,
    port: target.port,
    servername: target.servername,
    protocol: target.protocol,
    elapsedMs: elapsedSince(started),
    ...judgeAddresses(probes, chosen.notProbed, settings, deps.now()),
  };
}

/** An address target is its one address; a name is looked up. Throws what the resolver throws. */
async function addressesOf(target: Target, settings: CheckSettings, resolver: NameResolver): Promise<ChosenAddresses> {
  if (ipVersion(target.host) !== 0) return { probed: [target.host], notProbed: [] };
  return chooseAddresses(await resolver.resolve(target.host, { timeoutMs: settings.timeoutMs }), settings);
}

async function probeAddress(target: Target, address: string, settings: ProbeSettings, probe: CertificateProbe): Promise<AddressProbe> {
  try {
    const observation = await probe.probe(target, settings, address);
    if (observation.chain.length === 0) return { address, error: { code: 'PROTOCOL_ERROR', message: `${target.target}: the server sent no certificate` } };
    return { address, observation };
  } catch (error) {
    return { address, error: asCheckError(error, target) };
  }
}

function asCheckError(error: unknown, target: Target): CheckError {
  return error instanceof ProbeError
    ? { code: error.code, message: error.message }
    : { code: 'PROTOCOL_ERROR', message: `${target.target}: ${(error as Error)?.message ?? String(error)}` };
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
    addresses: [],
    error,
  };
}

function elapsedSince(started: number): number {
  return Math.round(performance.now() - started);
}
