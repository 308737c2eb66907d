/** Where the CLI writes, and what it knows of its terminal: the process's own, or a test's capture. */
export interface CliIo {
  readonly out: (text: string) => void;
  readonly err: (text: string) => void;
  readonly isTty: boolean;
  readonly version: string;
  /** A transient progress line (only when stderr is a terminal). */
  readonly progress?: (line: string) => void;
  /**
   * Turns SIGINT and SIGTERM into a stop of the command's work (its signal aborts, with the signal's name as reason)
   * until disposed; a second signal ends the process at once. Absent: nothing listens (tests in one process).
   */
  readonly stopOnSignals?: () => { readonly signal: AbortSignal; dispose(): void };
}

export function processIo(): CliIo {
  return {
    out: (text) => process.stdout.write(text),
    err: (text) => process.stderr.write(text),
    isTty: Boolean(process.stdout.isTTY) && !process.env.NO_COLOR,
    version: (require('../../package.json') as { version: string }).version,
    progress: process.stderr.isTTY ? (line) => process.stderr.write(`\r${line}\u001b[K`) : undefined,
    stopOnSignals,
  };
}

/** See CliIo.stopOnSignals. */
function stopOnSignals(): { signal: AbortSignal; dispose(): void } {
  const controller = new AbortController();
  const onSignal = (name: NodeJS.Signals) => {
    if (controller.signal.aborted) {
      process.stderr.write(`certwatch: ${name} again: stopping at once\n`);
      process.exit(1);
    }
    process.stderr.write(`certwatch: ${name}: starting no more work; releasing claims and recording deliveries (at most 10 s; ${name} again stops at once)\n`);
    controller.abort(`${name} was received`);
  };
  process.on('SIGINT', onSignal);
  process.on('SIGTERM', onSignal);
  return {
    signal: controller.signal,
    dispose: () => {
      process.off('SIGINT', onSignal);
      process.off('SIGTERM', onSignal);
    },
  };
}
