import { exitCodeFor, worstStatus, type Status } from '../core/check-result';
import { fileTarget, isFileTarget } from '../core/file-target';
import { ProbeError } from '../core/ports';
import { parseTargetList } from '../core/target-list';
import { InputFileError, readInputText } from '../files/input-file';
import { createResolver } from '../probes/dns/create-resolver';
import type * as CertificateFilesModule from '../probes/files/certificate-files';
import type * as FileGlobs from '../probes/files/expand-file-globs';
import { TlsProbe } from '../probes/tls-probe';
import { checkTargetsInOrder, type CheckSettings } from '../use-cases/check-targets';
import type { CliIo } from './cli-io';
import { JsonArrayWriter } from './json-array-writer';
import { passwordFromEnvironment, thresholdsFromFlags, type CheckFlags } from './options';
import { checkTableRow, renderCheckTable, type CheckTableRow } from './render-table';
import { UsageError } from './usage-error';

/**
 * `certwatch check`: reads every target and prints the results in input order; resolves to the exit code. With
 * --json each result is printed as soon as it and those before it are in: nothing grows with the target list but
 * the list itself. The table holds one row of text per target (its columns are aligned over all of them).
 */
export async function checkCommand(targets: readonly string[], flags: CheckFlags, io: CliIo): Promise<number> {
  const thresholds = thresholdsFromFlags(flags, 'check');
  const password = passwordFromEnvironment(flags.passwordEnv, 'check');
  const matched = await matchedFiles(flags.files ?? []);
  const requests = [...targets, ...readTargetsFile(flags.targetsFile), ...matched.map(fileTarget)].map((target) => ({ target }));
  if (requests.length === 0) throw new UsageError('check: no targets given (name them, or use --targets-file FILE or --files GLOB)');
  const settings: CheckSettings = {
    ...thresholds,
    timeoutMs: flags.timeoutMs,
    concurrency: flags.concurrency,
    maxAddresses: flags.maxAddresses,
    firstAddress: flags.firstAddress,
    servername: flags.servername,
    caFiles: flags.caFile ?? [],
    password,
  };
  const probe = new TlsProbe();
  validateCaFiles(probe, settings.caFiles ?? []);
  const resolver = createResolver(flags.dnsServer ?? []);
  let worst: Status = 'ok';
  const json = flags.json ? new JsonArrayWriter(io.out) : null;
  const rows: CheckTableRow[] = [];
  // The file formats' parsers (asn1js, node-forge) load only when there is a file to read.
  const files = requests.some((request) => isFileTarget(request.target))
    ? new (require('../probes/files/certificate-files') as typeof CertificateFilesModule).CertificateFiles()
    : undefined;
  await checkTargetsInOrder(requests, settings, { probe, resolver, files, now: () => new Date() }, (result) => {
    worst = worstStatus([worst, result.status]);
    if (json) json.add(result);
    else rows.push(checkTableRow(result));
  });
  if (json) json.end();
  else io.out(renderCheckTable(rows, io.isTty));
  return exitCodeFor(worst);
}

/**
 * The files the `--files` globs match, each once, glob by glob in sorted path order. A glob that matches nothing is
 * a usage mistake: a typo must not let a release gate pass.
 */
async function matchedFiles(patterns: readonly string[]): Promise<string[]> {
  if (patterns.length === 0) return [];
  // The glob library loads only for --files.
  const { expandFileGlobs } = require('../probes/files/expand-file-globs') as typeof FileGlobs;
  const expanded = await expandFileGlobs(patterns);
  const empty = expanded.filter((glob) => glob.paths.length === 0).map((glob) => `'${glob.pattern}'`);
  if (empty.length > 0) throw new UsageError(`check: --files ${empty.join(', ')} ${empty.length === 1 ? 'matches' : 'match'} no file`);
  return [...new Set(expanded.flatMap((glob) => glob.paths))];
}

function readTargetsFile(file: string | undefined): string[] {
  if (file === undefined) return [];
  try {
    return parseTargetList(readInputText(file));
  } catch (error) {
    if (error instanceof InputFileError) throw new UsageError(`check: cannot read --targets-file ${file}: ${error.reason}`);
    throw error;
  }
}

/**
 * A CA file named on the command line is read up front: a typo is a usage mistake, not N target errors. The probe
 * keeps the trust store it builds for the targets.
 */
function validateCaFiles(probe: TlsProbe, files: readonly string[]): void {
  if (files.length === 0) return;
  try {
    probe.trustStore(files);
  } catch (error) {
    if (error instanceof ProbeError) throw new UsageError(`check: --ca-file: ${error.message}`);
    throw error;
  }
}
