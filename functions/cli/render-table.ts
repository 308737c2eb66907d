import type { CheckResult, Status } from '../core/check-result';

const COLOURS: Record<Status, string> = { ok: '32', warning: '33', critical: '31', expired: '31;1', error: '35' };

/** A readable table of check results; ANSI colour only when asked (the caller knows whether stdout is a TTY). */
export function renderCheckTable(results: readonly CheckResult[], colour: boolean): string {
  const rows = results.map((r) => [
    r.status.toUpperCase(),
    r.daysRemaining === null ? '-' : String(r.daysRemaining),
    r.notAfter ? r.notAfter.slice(0, 16).replace('T', ' ') : '-',
    r.target,
    detail(r),
  ]);
  const header = ['STATUS', 'DAYS', 'NOT AFTER (UTC)', 'TARGET', 'DETAIL'];
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((row) => row[i].length)));
  const line = (cells: string[]) => cells.map((cell, i) => (i === cells.length - 1 ? cell : cell.padEnd(widths[i]))).join('  ').trimEnd();
  const body = rows.map((row, index) => {
    const text = line(row);
    if (!colour) return text;
    const status = row[0];
    return `\u001b[${COLOURS[results[index].status]}m${status}\u001b[0m${text.slice(status.length)}`;
  });
  return [line(header), ...body].join('\n') + '\n';
}

function detail(result: CheckResult): string {
  if (result.error) return `${result.error.code}: ${result.error.message}`;
  if (result.findings.length === 0) return result.leaf ? result.leaf.subject : '';
  return result.findings.map((f) => f.code).join(', ') + ` - ${result.findings[0].message}`;
}
