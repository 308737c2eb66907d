import type { CheckResult, Status } from '../core/check-result';

const COLOURS: Record<Status, string> = { ok: '32', warning: '33', critical: '31', expired: '31;1', error: '35' };

/**
 * C0 and C1 controls, DEL, and bidi marks, embeddings, overrides and isolates: a certificate subject or a server's
 * words must not move the cursor, retitle the terminal or reorder what is shown.
 */
const CONTROL_OR_BIDI = /[\u0000-\u001F\u007F-\u009F\u061C\u200E\u200F\u202A-\u202E\u2066-\u2069]/g;

/** A table cell made safe for a terminal: line breaks and tabs become spaces, other controls go. */
export function terminalSafe(text: string): string {
  return text.replace(/[\t\n\r]+/g, ' ').replace(CONTROL_OR_BIDI, '');
}

/** Aligned columns, two spaces apart, header first; the last column is not padded. Every cell is made terminal-safe. */
export function renderColumns(header: readonly string[], rows: readonly (readonly string[])[]): string[] {
  const cells = [header, ...rows].map((row) => row.map(terminalSafe));
  const widths = header.map((_, column) => Math.max(...cells.map((row) => row[column].length)));
  return cells.map((row) => row.map((cell, column) => (column === row.length - 1 ? cell : cell.padEnd(widths[column]))).join('  ').trimEnd());
}

/** A readable table of check results; ANSI colour only when asked (the caller knows whether stdout is a TTY). */
export function renderCheckTable(results: readonly CheckResult[], colour: boolean): string {
  const rows = results.map((r) => [
    r.status.toUpperCase(),
    r.daysRemaining === null ? '-' : String(r.daysRemaining),
    r.notAfter ? r.notAfter.slice(0, 16).replace('T', ' ') : '-',
    r.target,
    detail(r),
  ]);
  const [header, ...body] = renderColumns(['STATUS', 'DAYS', 'NOT AFTER (UTC)', 'TARGET', 'DETAIL'], rows);
  const coloured = body.map((text, index) => {
    if (!colour) return text;
    const status = rows[index][0];
    return `\u001b[${COLOURS[results[index].status]}m${status}\u001b[0m${text.slice(status.length)}`;
  });
  return [header, ...coloured].join('\n') + '\n';
}

function detail(result: CheckResult): string {
  if (result.error) return `${result.error.code}: ${result.error.message}`;
  if (result.findings.length === 0) return result.leaf ? result.leaf.subject : '';
  return result.findings.map((f) => f.code).join(', ') + ` - ${result.findings[0].message}`;
}
