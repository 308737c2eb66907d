import { spawn, type ChildProcess } from 'node:child_process';
import { join } from 'node:path';

// The real `certwatch` process (bin/certwatch.js, the built CLI), for what only a process shows: exit statuses, signals,
// locks held across processes, a process that must not hang or grow.

const bin = join(__dirname, '..', '..', 'bin', 'certwatch.js');

export interface Ended {
  readonly code: number | null;
  readonly out: string;
  readonly err: string;
}

export interface ProcessOptions {
  readonly cwd: string;
  /** Added to this process's environment. */
  readonly env?: Readonly<Record<string, string>>;
  /** Called once it has started (to signal it, say). */
  readonly whenRunning?: (child: ChildProcess) => void;
  /** Killed after this long, failing the test: a command that must end, did not. @default 30 s */
  readonly timeoutMs?: number;
}

/** Runs `certwatch ...args` to its end: its exit status and what it wrote. */
export function certwatchProcess(args: readonly string[], options: ProcessOptions): Promise<Ended> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [bin, ...args], { cwd: options.cwd, env: { ...process.env, ...options.env }, stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    let err = '';
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
      reject(new Error(`certwatch ${args.join(' ')} did not end within ${options.timeoutMs ?? 30_000} ms`));
    }, options.timeoutMs ?? 30_000);
    child.stdout.setEncoding('utf8').on('data', (text: string) => (out += text));
    child.stderr.setEncoding('utf8').on('data', (text: string) => (err += text));
    child.once('error', reject);
    child.once('close', (code) => {
      clearTimeout(timer);
      resolve({ code, out, err });
    });
    options.whenRunning?.(child);
  });
}
