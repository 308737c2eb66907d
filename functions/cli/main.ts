import { Command, CommanderError } from 'commander';
import { registerAcmCommand } from './acm-command';
import { registerCheckCommand } from './check-command';
import { registerWatchCommands } from './watch-commands';
import { type CliIo, processIo } from './cli-io';
import { UsageError } from './usage-error';

/** Runs the certwatch CLI and resolves to the process exit code. Never throws for user mistakes. */
export async function main(argv: readonly string[], io: CliIo = processIo()): Promise<number> {
  let exitCode = 0;
  const program = new Command('certwatch')
    .description('Watch certificates before they expire: check endpoints and certificate files now, list ACM and IAM, or run the escalating watcher.')
    .version(io.version, '-V, --version')
    // Usage mistakes: one line on stderr, pointing at --help.
    .configureOutput({ writeOut: io.out, writeErr: io.err, outputError: (text, write) => write(`${text.trimEnd()} (see --help)\n`) })
    .exitOverride();
  registerCheckCommand(program, io, (code) => (exitCode = code));
  registerAcmCommand(program, io, (code) => (exitCode = code));
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
