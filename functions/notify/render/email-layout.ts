// How an email is laid out: titled sections with their lines indented, numbered steps, lists bounded in length.

/** A title, its lines indented by two spaces (unless they are already), then a blank line. */
export function section(title: string, body: readonly string[]): string[] {
  return [title, ...body.map((line) => (line.startsWith('  ') ? line : `  ${line}`)), ''];
}

export function numbered(items: readonly string[]): string[] {
  return items.map((item, index) => `${index + 1}. ${item}`);
}

/**
 * The first `max` items, each formatted, then `... and N more` when there are more: a 1000-name certificate must
 * not flood a mailbox.
 */
export function boundedList<T>(items: readonly T[], max: number, format: (item: T, index: number) => string, indent = ''): string[] {
  const listed = items.slice(0, max).map(format);
  if (items.length > max) listed.push(`${indent}... and ${items.length - max} more`);
  return listed;
}

/** The lines of a text (null ones left out), ending with one line break. */
export function lines(items: readonly (string | null)[]): string {
  return items.filter((line): line is string => line !== null).join('\n').trimEnd() + '\n';
}
