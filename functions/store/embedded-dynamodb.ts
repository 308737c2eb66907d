import { mkdir } from 'node:fs/promises';
import { createRequire } from 'node:module';
import type { AddressInfo } from 'node:net';
import { join, resolve } from 'node:path';
import dynalite from 'dynalite';

// The local run's DynamoDB: dynalite in this process, on loopback, persisting to a directory (`.certwatch/` or
// `--store DIR`) or, for tests, in memory. The DynamoDB adapter talks to it like to the real service.

export interface EmbeddedDynamoDbOptions {
  /** Directory for the LevelDB files, created if missing. @default in memory, gone on close (tests) */
  readonly path?: string;
}

export interface EmbeddedDynamoDb {
  /** `http://127.0.0.1:<port>`, for the client's endpoint override. */
  readonly endpoint: string;
  /** Absolute store directory; null in memory. */
  readonly path: string | null;
  /** Stops the server and closes the store (releasing the directory). Idempotent. */
  close(): Promise<void>;
}

/** The store directory is held by another process (or another server in this one). */
export class StoreDirectoryLockedError extends Error {
  constructor(readonly directory: string) {
    super(
      `the local store ${directory} is in use by another running certwatch (LevelDB lock ${join(directory, 'LOCK')} is held): ` +
        'wait for it to finish, or pass another directory with --store',
    );
    this.name = 'StoreDirectoryLockedError';
  }
}

export async function startEmbeddedDynamoDb(options: EmbeddedDynamoDbOptions = {}): Promise<EmbeddedDynamoDb> {
  const path = options.path === undefined ? null : resolve(options.path);
  if (path !== null) {
    await mkdir(path, { recursive: true });
    // dynalite opens its store lazily and throws from its request handler when the lock is taken, which would end
    // this process: find out first, with the LevelDB dynalite itself uses.
    await assertNotLocked(path);
  }
  const server = dynalite({ ...(path !== null ? { path } : {}), createTableMs: 0, deleteTableMs: 0, updateTableMs: 0 });
  await new Promise<void>((ready, failed) => {
    server.once('error', failed);
    server.listen(0, '127.0.0.1', () => {
      server.off('error', failed);
      ready();
    });
  });
  const { port } = server.address() as AddressInfo;
  let closing: Promise<void> | undefined;
  return {
    endpoint: `http://127.0.0.1:${port}`,
    path,
    close: () =>
      (closing ??= new Promise<void>((closed, failed) => {
        server.close((error) => (error ? failed(error) : closed()));
        // Keep-alive sockets of SDK clients would hold the close until they time out.
        server.closeIdleConnections();
      })),
  };
}

interface LevelDatabase {
  open(): Promise<void>;
  close(): Promise<void>;
}
type LevelModule = { Level: new (location: string) => LevelDatabase };

async function assertNotLocked(directory: string): Promise<void> {
  // dynalite's own `level`, resolved from dynalite: the same LevelDB build and lock semantics.
  const { Level } = createRequire(require.resolve('dynalite'))('level') as LevelModule;
  const database = new Level(directory);
  try {
    await database.open();
  } catch (error) {
    if (errorCode(error) === 'LEVEL_LOCKED' || errorCode((error as { cause?: unknown }).cause) === 'LEVEL_LOCKED') {
      throw new StoreDirectoryLockedError(directory);
    }
    const reason = error instanceof Error ? ((error.cause as Error | undefined)?.message ?? error.message) : String(error);
    throw new Error(`cannot open the local store ${directory}: ${reason}`, { cause: error });
  }
  await database.close();
}

function errorCode(error: unknown): unknown {
  return typeof error === 'object' && error !== null ? (error as { code?: unknown }).code : undefined;
}
