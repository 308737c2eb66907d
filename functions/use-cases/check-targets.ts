import { judgeAddresses, type AddressProbe } from '../core/address-judgement';
import { chooseAddresses, type AddressChoice, type ChosenAddresses } from '../core/addresses';
import type { CheckError, CheckResult } from '../core/check-result';
import type { Thresholds } from '../core/check-settings';
import { fileCertificateTarget, filePathOf, fileTarget, isFileTarget } from '../core/file-target';
import { ipVersion } from '../core/ip-address';
import { judge } from '../core/judge';
import { failedResult, judgedResult, withoutEndpoint, type ResultIdentity } from '../core/judged-result';
import { InvalidTargetError, parseTarget, type Target } from '../core/target';
import { ProbeError, type CertificateFileSource, type CertificateProbe, type NameResolver, type ProbeSettings } from '../core/ports';
import { Slots } from './slots';

/** One thing to check, as a user wrote it, with optional per-target overrides. */
export interface CheckRequest {
  readonly target: string;
  readonly servername?: string;
  readonly caFiles?: readonly string[];
  /** Where a `file://` target is read when not where its text says (the config resolves it); results keep the text. */
  readonly filePath?: string;
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
  /** Opens PKCS#12 files (file targets); never part of any output. */
  readonly password?: string;
}

export interface CheckDependencies {
  readonly probe: CertificateProbe;
  /** Finds the addresses behind each host name (address targets are not looked up). */
  readonly resolver: NameResolver;
  /** Reads `file://` targets; without it (in Lambda, say) a file target is an INVALID_TARGET. */
  readonly files?: CertificateFileSource;
  readonly now: () => Date;
  /** Called after each target, for a progress line. */
  readonly onProgress?: (done: number, total: number) => void;
  /**
   * Called with each result as soon as it is judged (the watch run folds it while others are probed), with the
   * index of its request: a file target gives one result per certificate. A promise it returns holds that worker back
   * from its next target until it settles: a consumer that falls behind (a run waiting for its store) keeps results
   * from piling up.
   */
  readonly onResult?: (index: number, result: CheckResult) => void | PromiseLike<void>;
  /**
   * Once aborted, no further target is taken and the probes in flight are abandoned (each fails at once, and is
   * reported), then the check rejects with the signal's reason, having no result for the targets never taken.
   */
  readonly signal?: AbortSignal;
}

/**
 * Checks every target, each address behind a name with the name as SNI, `concurrency` handshakes at a time. Results
 * come back in input order: one per endpoint, one per certificate of a file target (or one error for the whole file).
 */
export async function checkTargets(requests: readonly CheckRequest[], settings: CheckSettings, deps: CheckDependencies): Promise<CheckResult[]> {
  const results: CheckResult[] = [];
  await checkTargetsInOrder(requests, settings, deps, (result) => results.push(result));
  return results;
}

/**
 * Checks every target as checkTargets does, handing each result to `emit` in input order as soon as it and every one
 * before it are judged. Only results that finished before an earlier target's are held meanwhile, so a caller that
 * does not keep them (a streamed `check --json`) holds nothing that grows with the list.
 */
export async function checkTargetsInOrder(
  requests: readonly CheckRequest[],
  settings: CheckSettings,
  deps: CheckDependencies,
  emit: (result: CheckResult, index: number) => void,
): Promise<void> {
  const handshakes = new Slots(settings.concurrency);
  const early = new Map<number, CheckResult[]>();
  let nextToEmit = 0;
  let next = 0;
  let done = 0;
  const worker = async () => {
    while (next < requests.length && !deps.signal?.aborted) {
      const index = next++;
      const request = requests[index];
      const results = isFileTarget(request.target) ? await checkFile(request, settings, deps) : [await checkOne(request, settings, deps, handshakes)];
      const consumed = results.flatMap((result) => deps.onResult?.(index, result) ?? []);
      deps.onProgress?.(++done, requests.length);
      early.set(index, results);
      for (let ready = early.get(nextToEmit); ready !== undefined; ready = early.get(nextToEmit)) {
        early.delete(nextToEmit);
        for (const result of ready) emit(result, nextToEmit);
        nextToEmit++;
      }
      await Promise.all(consumed);
    }
  };
  const workers = Math.max(1, Math.min(settings.concurrency, requests.length));
  await Promise.all(Array.from({ length: workers }, worker));
  if (next < requests.length) deps.signal?.throwIfAborted();
}

/** One target: its addresses found, each probed (through `handshakes`), and judged together. */
export async function checkOne(request: CheckRequest, settings: CheckSettings, deps: CheckDependencies, handshakes = new Slots(settings.concurrency)): Promise<CheckResult> {
  const started = performance.now();
  let target: Target;
  try {
    target = parseTarget(request.target, request.servername ?? settings.servername);
  } catch (error) {
    if (error instanceof InvalidTargetError) return failedResult(withoutEndpoint(error.input), { code: error.code, message: error.message }, 0);
    throw error;
  }
  const identity: ResultIdentity = { target: target.target, host: target.host, port: target.port, servername: target.servername, protocol: target.protocol };
  let chosen: ChosenAddresses;
  try {
    chosen = await addressesOf(target, settings, deps.resolver);
  } catch (error) {
    return failedResult(identity, asCheckError(error, target.target, 'PROTOCOL_ERROR'), elapsedSince(started));
  }
  const probeSettings: ProbeSettings = {
    timeoutMs: settings.timeoutMs,
    caFiles: [...(settings.caFiles ?? []), ...(request.caFiles ?? [])],
    ...(deps.signal ? { signal: deps.signal } : {}),
  };
  const probes = await Promise.all(chosen.probed.map((address) => handshakes.run(() => probeAddress(target, address, probeSettings, deps.probe))));
  return { ...identity, elapsedMs: elapsedSince(started), ...judgeAddresses(probes, chosen.notProbed, settings, deps.now()) };
}

/**
 * Every certificate of one file, judged with the chain the file gives it (no hostname to verify): `file://PATH#N`,
 * N from 1 in file order. A file that cannot be read at all is one error result, `file://PATH`.
 */
export async function checkFile(request: CheckRequest, settings: CheckSettings, deps: CheckDependencies): Promise<CheckResult[]> {
  const started = performance.now();
  let path: string;
  try {
    path = filePathOf(request.target);
    if (!deps.files) throw new InvalidTargetError(request.target, 'certificate files cannot be read here (no file system to watch)');
  } catch (error) {
    if (error instanceof InvalidTargetError) return [failedResult(withoutEndpoint(error.input), { code: error.code, message: error.message }, 0)];
    throw error;
  }
  try {
    const caFiles = [...(settings.caFiles ?? []), ...(request.caFiles ?? [])];
    const certificates = await deps.files.read(request.filePath ?? path, { password: settings.password, caFiles });
    const elapsedMs = elapsedSince(started);
    const now = deps.now();
    return certificates.map((certificate, index) => {
      const identity = withoutEndpoint(fileCertificateTarget(path, index + 1));
      if ('problem' in certificate) return failedResult(identity, { code: 'NOT_A_CERTIFICATE', message: `${path}: ${certificate.problem}` }, elapsedMs);
      return judgedResult(identity, certificate.observation, judge(certificate.observation, settings, now), elapsedMs);
    });
  } catch (error) {
    return [failedResult(withoutEndpoint(fileTarget(path)), asCheckError(error, fileTarget(path), 'FILE_UNREADABLE'), elapsedSince(started))];
  }
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
    return { address, error: asCheckError(error, target.target, 'PROTOCOL_ERROR') };
  }
}

/** A ProbeError as it is; anything else (a bug, a library's surprise) under the source's catch-all code. */
function asCheckError(error: unknown, where: string, otherwise: CheckError['code']): CheckError {
  return error instanceof ProbeError ? { code: error.code, message: error.message } : { code: otherwise, message: `${where}: ${(error as Error)?.message ?? String(error)}` };
}

function elapsedSince(started: number): number {
  return Math.round(performance.now() - started);
}
