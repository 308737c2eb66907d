import type { CliIo } from '../../functions/cli/cli-io';
import { main } from '../../functions/cli/main';

/** Runs the certwatch CLI in-process, as a user would type it, capturing stdout, stderr and the exit code. */
export async function cli(...argv: string[]): Promise<{ code: number; out: string; err: string }> {
  let out = '';
  let err = '';
  const io: CliIo = { out: (t) => (out += t), err: (t) => (err += t), isTty: false, version: '0.0.0-test' };
  const code = await main(argv, io);
  return { code, out, err };
}
