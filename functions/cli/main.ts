import { Command, CommanderError } from 'commander';
import { registerAcmCommand } from './acm-command';
import { registerCheckCommand } from './check-command';
import { registerWatchCommands } from './watch-commands';
import { type CliIo, processIo } from './cli-io';
import { UsageError } from './usage-error';
import { terminalSafe } from '../core/safe-text';

/** Runs the certwatch CLI and resolves to the process exit code. Never throws for user mistakes. */
/**
 * The watch commands fail with 1 when the work itself failed (a store that does not answer, a conflict that outlasted
 * its retries); 3 is for usage mistakes only. `check` documents 3 for any error.
 */
const FAILURE_EXIT_CODES: Readonly<Record<string, number>> = { run: 1, status: 1, ack: 1, forget: 1 };

export async function main(argv: readonly string[], io: CliIo = processIo()): Promise<number> {
  let exitCode = 0;
  let failureExitCode = 3;
  const program = new Command('certwatch')
    .description('Watch certificates before they expire: check endpoints and certificate files now, list ACM and IAM, or run the escalating watcher.')
    .version(io.version, '-V, --version')
    // Usage mistakes: one line on stderr, pointing at --help.
    .configureOutput({ writeOut: io.out, writeErr: io.err, outputError: (text, write) => write(`${text.trimEnd()} (see --help)\n`) })
    .exitOverride()
    .hook('preAction', (_program, command) => {
      failureExitCode = FAILURE_EXIT_CODES[command.name()] ?? 3;
    });
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
      io.err(`certwatch: ${safeLines(error.message)}\n`);
      return 3;
    }
    // Anything else (an unreachable DynamoDB, a full disk) is reported in one line too; CERTWATCH_DEBUG=1 shows the stack.
    // Made safe: a message may quote an item id or a server's words.
    io.err(`certwatch: ${safeLines((error as Error)?.message ?? String(error))}\n`);
    if (process.env.CERTWATCH_DEBUG) io.err(`${(error as Error)?.stack ?? ''}\n`);
    return failureExitCode;
  }
}

/** Each line made safe for a terminal (a config's list of problems keeps its lines). */
function safeLines(text: string): string {
  return text.split('\n').map(terminalSafe).join('\n');
}
