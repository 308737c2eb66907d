import type { CheckResult, Status } from '../core/check-result';
import { terminalSafe } from '../core/safe-text';

const COLOURS: Record<Status, string> = { ok: '32', warning: '33', critical: '31', expired: '31;1', error: '35' };

/** Aligned columns, two spaces apart, header first; the last column is not padded. Every cell is made terminal-safe. */
export function renderColumns(header: readonly string[], rows: readonly (readonly string[])[]): string[] {
  const cells = [header, ...rows].map((row) => row.map(terminalSafe));
  const widths = header.map((_, column) => Math.max(...cells.map((row) => row[column].length)));
  return cells.map((row) => row.map((cell, column) => (column === row.length - 1 ? cell : cell.padEnd(widths[column]))).join('  ').trimEnd());
}

/** One line of the check table, kept instead of the whole result (a long target list holds only these). */
export interface CheckTableRow {
  readonly status: Status;
  readonly cells: readonly string[];
}

export function checkTableRow(r: CheckResult): CheckTableRow {
  return {
    status: r.status,
    cells: [r.status.toUpperCase(), r.daysRemaining === null ? '-' : String(r.daysRemaining), r.notAfter ? r.notAfter.slice(0, 16).replace('T', ' ') : '-', r.target, detail(r)],
  };
}

/** A readable table of check results; ANSI colour only when asked (the caller knows whether stdout is a TTY). */
export function renderCheckTable(rows: readonly CheckTableRow[], colour: boolean): string {
  const [header, ...body] = renderColumns(
    ['STATUS', 'DAYS', 'NOT AFTER (UTC)', 'TARGET', 'DETAIL'],
    rows.map((row) => row.cells),
  );
  const coloured = body.map((text, index) => {
    if (!colour) return text;
    const status = rows[index].cells[0];
    return `\u001b[${COLOURS[rows[index].status]}m${status}\u001b[0m${text.slice(status.length)}`;
  });
  return [header, ...coloured].join('\n') + '\n';
}

function detail(result: CheckResult): string {
  if (result.error) return `${result.error.code}: ${result.error.message}`;
  if (result.findings.length === 0) return result.leaf ? result.leaf.subject : '';
  return result.findings.map((f) => f.code).join(', ') + ` - ${result.findings[0].message}`;
}
