/** Where the CLI writes, and what it knows of its terminal: the process's own, or a test's capture. */
export interface CliIo {
  readonly out: (text: string) => void;
  readonly err: (text: string) => void;
  readonly isTty: boolean;
  readonly version: string;
  /** A transient progress line (only when stderr is a terminal). */
  readonly progress?: (line: string) => void;
}

export function processIo(): CliIo {
  return {
    out: (text) => process.stdout.write(text),
    err: (text) => process.stderr.write(text),
    isTty: Boolean(process.stdout.isTTY) && !process.env.NO_COLOR,
    version: (require('../../package.json') as { version: string }).version,
    progress: process.stderr.isTTY ? (line) => process.stderr.write(`\r${line}\u001b[K`) : undefined,
  };
}
