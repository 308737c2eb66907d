import { readFileSync } from 'node:fs';
import { exitCodeFor, worstStatus, type Status } from '../core/check-result';
import { ProbeError } from '../core/ports';
import { parseTargetList } from '../core/target-list';
import { TlsProbe } from '../probes/tls-probe';
import { checkTargetsInOrder, type CheckSettings } from '../use-cases/check-targets';
import type { CliIo } from './cli-io';
import { JsonArrayWriter } from './json-array-writer';
import type { CheckFlags } from './options';
import { checkTableRow, renderCheckTable, type CheckTableRow } from './render-table';
import { UsageError } from './usage-error';

/**
 * `certwatch check`: probes every target and prints the results in input order; resolves to the exit code. With
 * --json each result is printed as soon as it and those before it are in: nothing grows with the target list but
 * the list itself. The table holds one row of text per target (its columns are aligned over all of them).
 */
export async function checkCommand(targets: readonly string[], flags: CheckFlags, io: CliIo): Promise<number> {
  const requests = [...targets, ...readTargetsFile(flags.targetsFile)].map((target) => ({ target }));
  if (requests.length === 0) throw new UsageError('check: no targets given (name them, or use --targets-file FILE)');
  if (flags.criticalDays > flags.warningDays) {
    throw new UsageError(`check: --critical-days (${flags.criticalDays}) must not exceed --warning-days (${flags.warningDays})`);
  }
  const settings: CheckSettings = {
    warningDays: flags.warningDays,
    criticalDays: flags.criticalDays,
    timeoutMs: flags.timeoutMs,
    concurrency: flags.concurrency,
    servername: flags.servername,
    caFiles: flags.caFile ?? [],
  };
  const probe = new TlsProbe();
  validateCaFiles(probe, settings.caFiles ?? []);
  let worst: Status = 'ok';
  const json = flags.json ? new JsonArrayWriter(io.out) : null;
  const rows: CheckTableRow[] = [];
  await checkTargetsInOrder(requests, settings, { probe, now: () => new Date() }, (result) => {
    worst = worstStatus([worst, result.status]);
    if (json) json.add(result);
    else rows.push(checkTableRow(result));
  });
  if (json) json.end();
  else io.out(renderCheckTable(rows, io.isTty));
  return exitCodeFor(worst);
}

function readTargetsFile(file: string | undefined): string[] {
  if (file === undefined) return [];
  try {
    return parseTargetList(readFileSync(file, 'utf8'));
  } catch (error) {
    throw new UsageError(`check: cannot read --targets-file ${file}: ${(error as NodeJS.ErrnoException).code ?? String(error)}`);
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
