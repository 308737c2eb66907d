import { Command, CommanderError, InvalidArgumentError, Option } from 'commander';
import { registerCheckCommand } from './check-command';
import { registerWatchCommands } from './watch-commands';
import { UsageError } from './usage-error';

/** Runs the certwatch CLI and resolves to the process exit code. Never throws for user mistakes. */
export async function main(argv: readonly string[], io: CliIo = processIo()): Promise<number> {
  let exitCode = 0;
  const program = new Command('certwatch')
    .description('Watch TLS certificates before they expire: check endpoints now, or run the escalating watcher.')
    .version(io.version, '-V, --version')
    // Usage mistakes: one line on stderr, pointing at --help.
    .configureOutput({ writeOut: io.out, writeErr: io.err, outputError: (text, write) => write(`${text.trimEnd()} (see --help)\n`) })
    .exitOverride();
  registerCheckCommand(program, io, (code) => (exitCode = code));
  registerWatchCommands(program, io, (code) => (exitCode = code));
  try {
    await program.parseAsync([...argv], { from: 'user' });
    return exitCode;
  } catch (error) {
    if (error instanceof CommanderError) {
      // --help and --version "fail" with exit code 0; everything else is a usage mistake.
      return error.exitCode === 0 ? 0 : 3;
    }
    if (error instanceof UsageError) {
      io.err(`certwatch: ${error.message}\n`);
      return 3;
    }
    // Anything else (an unreachable DynamoDB, a full disk) is reported in one line too; CERTWATCH_DEBUG=1 shows the stack.
    io.err(`certwatch: ${(error as Error)?.message ?? String(error)}\n`);
    if (process.env.CERTWATCH_DEBUG) io.err(`${(error as Error)?.stack ?? ''}\n`);
    return 3;
  }
}

export interface CliIo {
  readonly out: (text: string) => void;
  readonly err: (text: string) => void;
  readonly isTty: boolean;
  readonly version: string;
  /** A transient progress line (only when stderr is a terminal). */
  readonly progress?: (line: string) => void;
}

function processIo(): CliIo {
  return {
    out: (text) => process.stdout.write(text),
    err: (text) => process.stderr.write(text),
    isTty: Boolean(process.stdout.isTTY) && !process.env.NO_COLOR,
    version: (require('../../package.json') as { version: string }).version,
    progress: process.stderr.isTTY ? (line) => process.stderr.write(`\r${line}\u001b[K`) : undefined,
  };
}

/** A commander option whose value must be a whole number within [min, max]. */
export function integerOption(flags: string, description: string, min: number, max: number, defaultValue?: number): Option {
  const option = new Option(flags, description).argParser((value: string) => {
    if (!/^\d+$/.test(value.trim())) throw new InvalidArgumentError(`"${value}" is not a whole number`);
    const number = Number(value);
    if (number < min || number > max) throw new InvalidArgumentError(`${number} is outside ${min}-${max}`);
    return number;
  });
  return defaultValue === undefined ? option : option.default(defaultValue);
}
