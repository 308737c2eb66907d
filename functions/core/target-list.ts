/** Parses a targets file: one target a line; blank lines and `#` comments (whole-line or trailing) are skipped. */
export function parseTargetList(text: string): string[] {
  return text
    .split(/\r?\n/)
    .map((line) => line.replace(/(^|\s)#.*$/, '').trim())
    .filter((line) => line !== '');
}
