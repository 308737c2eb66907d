import { existsSync, mkdtempSync, readdirSync, readFileSync } from 'node:fs';
import { execFile } from 'node:child_process';
import { getPriority, setPriority } from 'node:os';
import { promisify } from 'node:util';
import { rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createDynamoDbClient } from '../../../functions/store/dynamodb-client';
import { DynamoDbStateStore } from '../../../functions/store/dynamodb-state-store';
import { ensureTable } from '../../../functions/store/dynamodb-table';
import { type EmbeddedDynamoDb, type EmbeddedDynamoDbOptions, startEmbeddedDynamoDb, StoreDirectoryLockedError, StoreOpeningCancelledError } from '../../../functions/cli/local-store/embedded-dynamodb';
import { LOOPBACK_CLIENT_SETTINGS } from '../../support/dynalite';
import { fullState } from '../../store/watch-state-fixture';

// The local run's store: dynalite in process, persisting to a directory.

const tableName = 'certwatch-state';
let parent: string;
const running: EmbeddedDynamoDb[] = [];

async function start(pathOrOptions?: string | EmbeddedDynamoDbOptions): Promise<EmbeddedDynamoDb> {
  const server = await startEmbeddedDynamoDb(typeof pathOrOptions === 'string' ? { path: pathOrOptions } : (pathOrOptions ?? {}));
  running.push(server);
  return server;
}

async function withStore<T>(server: EmbeddedDynamoDb, use: (store: DynamoDbStateStore) => Promise<T>): Promise<T> {
  const client = createDynamoDbClient({ endpoint: server.endpoint, ...LOOPBACK_CLIENT_SETTINGS, maxAttempts: 1 });
  try {
    const store = new DynamoDbStateStore({ client, tableName });
    await ensureTable(client, tableName);
    return await use(store);
  } finally {
    client.destroy();
  }
}

beforeAll(() => {
  parent = mkdtempSync(join(tmpdir(), 'certwatch-store-'));
});

afterAll(async () => {
  await Promise.all(running.map((server) => server.close()));
  await rm(parent, { recursive: true, force: true });
});

test('state written before a restart is there after it, and versions carry on', async () => {
  const directory = join(parent, 'restart', '.certwatch');
  const first = await start(directory);
  expect(first.path).toBe(directory);
  const written = await withStore(first, (store) => store.put(fullState(), 0));
  await first.close();

  const second = await start(directory);
  await withStore(second, async (store) => {
    expect(await store.get(written.certificateId)).toStrictEqual(written);
    expect((await store.list()).states).toHaveLength(1);
    await expect(store.put(written, written.version)).resolves.toMatchObject({ version: 2 });
  });
  await second.close();
});

test('the caller is told once the directory is held, before the server listens; a store in memory holds none', async () => {
  const directory = join(parent, 'held-early');
  const events: string[] = [];
  let refusedWhenHeld: Promise<unknown> | undefined;
  const starting = startEmbeddedDynamoDb({
    path: directory,
    onHeld: () => {
      events.push('held');
      // Another certwatch on the directory at that moment is refused: the lock is taken.
      refusedWhenHeld = startEmbeddedDynamoDb({ path: directory }).then((other) => other.close().then(() => 'opened'), (error: unknown) => error);
    },
  });
  const holder = await starting;
  running.push(holder);
  events.push('listening');
  expect(events).toEqual(['held', 'listening']);
  expect(await refusedWhenHeld).toBeInstanceOf(StoreDirectoryLockedError);

  let heldInMemory = false;
  const inMemory = await start({ onHeld: () => (heldInMemory = true) });
  expect(inMemory.path).toBeNull();
  expect(heldInMemory).toBe(false);
});

test('a deferred open touches nothing before its word, and takes the lock while the caller is still busy', async () => {
  const directory = join(parent, 'deferred');
  let tell: (open: boolean) => void = () => undefined;
  const starting = startEmbeddedDynamoDb({ path: directory, deferOpen: (told) => (tell = told) });
  try {
    await new Promise((resume) => setTimeout(resume, 200)); // the thread has booted meanwhile, and waits
    expect(existsSync(directory)).toBe(false);
    tell(true);
    tell(false); // only the first word counts
    // This task does not yield: the word must reach the thread at once (as a promise's reaction it would wait for this
    // task's end), for the lock to be taken while the caller builds its trust stores.
    const giveUp = Date.now() + 10_000;
    while (!existsSync(join(directory, 'LOCK')) && Date.now() < giveUp);
    expect(existsSync(join(directory, 'LOCK'))).toBe(true);
  } finally {
    running.push(await starting);
  }

  const cancelled = join(parent, 'deferred-cancelled');
  const cancelling = startEmbeddedDynamoDb({ path: cancelled, deferOpen: (told) => told(false) });
  await expect(cancelling).rejects.toBeInstanceOf(StoreOpeningCancelledError);
  expect(existsSync(cancelled)).toBe(false);
});

test('a directory held by another running server is refused, naming it; free again once closed', async () => {
  const directory = join(parent, 'locked');
  const holder = await start(directory);
  const second = startEmbeddedDynamoDb({ path: directory });
  await expect(second).rejects.toBeInstanceOf(StoreDirectoryLockedError);
  await expect(second).rejects.toThrow(`the local store ${directory} is in use by another running certwatch`);
  await expect(second).rejects.toMatchObject({ directory });

  await holder.close();
  const next = await start(directory);
  await next.close();
});

test('without a path the store lives in memory, separate per server', async () => {
  const [a, b] = await Promise.all([start(), start()]);
  expect(a.path).toBeNull();
  expect(a.endpoint).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/);
  await withStore(a, (store) => store.put(fullState(), 0));
  await withStore(b, async (store) => expect(await store.list()).toEqual({ states: [], unreadable: [] }));
});

test('close is idempotent', async () => {
  const server = await start();
  await withStore(server, (store) => store.list());
  await Promise.all([server.close(), server.close()]);
  await server.close();
});

describe('the server thread yields to the caller on a busy machine', () => {
  /** Nice values of this process's threads by thread id (Linux: /proc/self/task/<tid>/stat, field 19). */
  const threadNiceValues = (): Map<string, number> =>
    new Map(
      readdirSync('/proc/self/task').flatMap((tid): [string, number][] => {
        try {
          const stat = readFileSync(`/proc/self/task/${tid}/stat`, 'utf8');
          return [[tid, Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[16])]];
        } catch {
          return []; // a thread that ended meanwhile
        }
      }),
    );
  /** The nice values of the threads started since `before` was taken. */
  const startedSince = (before: Map<string, number>): number[] => [...threadNiceValues()].filter(([tid]) => !before.has(tid)).map(([, nice]) => nice);
  const onLinux = process.platform === 'linux' ? test : test.skip;

  /**
   * Runs `use` with this thread (and so the threads it starts) at a niceness below 19: a suite run under `nice -n 19`
   * (as beside benches) leaves the server thread no room to be lowered, and it could not be told from the rest. 18
   * then (raising a priority takes root or CAP_SYS_NICE), and back after. Linux sets niceness per thread.
   */
  async function withRoomToLower<T>(use: (own: number) => Promise<T>): Promise<T> {
    const original = getPriority();
    if (original < 19) return use(original);
    try {
      setPriority(18);
    } catch (error) {
      throw new Error(`this test needs a niceness below 19, or the right to raise it (root, CAP_SYS_NICE): run it at nice 18 or lower (${String(error)})`);
    }
    try {
      return await use(18);
    } finally {
      setPriority(original);
    }
  }

  onLinux('its thread runs 10 nice steps below the process, or as asked', () =>
    withRoomToLower(async (own) => {
      const lowered = Math.min(19, own + 10);
      const before = threadNiceValues();
      const server = await start();
      // Its thread, lowered; any other thread it started (a TypeScript transformer's, from source) keeps the caller's.
      expect(startedSince(before).filter((nice) => nice !== own)).toEqual([lowered]);
      await server.close();
      expect(startedSince(before).filter((nice) => nice !== own)).toEqual([]);

      const asked = threadNiceValues();
      await start({ niceness: 0 });
      expect(startedSince(asked).filter((nice) => nice !== own)).toEqual([]);
      expect(startedSince(asked).length).toBeGreaterThanOrEqual(1);
    }));

  onLinux("Node's thread pool, shared by the process, keeps the process's priority", () =>
    withRoomToLower(async (own) => {
      // A fresh process (started at `own`), so that nothing has started the pool before the server's thread could.
      const script = `
        require('tsx/cjs');
        const { startEmbeddedDynamoDb } = require(${JSON.stringify(join(__dirname, '..', '..', '..', 'functions', 'cli', 'local-store', 'embedded-dynamodb.ts'))});
        const { readdirSync, readFileSync } = require('node:fs');
        const niceOf = (tid) => { try { const stat = readFileSync('/proc/self/task/' + tid + '/stat', 'utf8'); return [Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[16])]; } catch { return []; } };
        (async () => {
          const server = await startEmbeddedDynamoDb();
          const store = await server.openStateStore({ tableName: 'pool' });
          await store.list();
          const nice = readdirSync('/proc/self/task').flatMap(niceOf);
          await store.close();
          await server.close();
          process.stdout.write(JSON.stringify(nice));
        })();
      `;
      const { stdout } = await promisify(execFile)(process.execPath, ['-e', script], { env: { ...process.env, UV_THREADPOOL_SIZE: '4' } });
      const nice = JSON.parse(stdout) as number[];
      expect(Math.min(...nice)).toBe(own);
      // The server's thread alone is lowered: not the 4 threads of the pool its SDK client's file reads would start.
      expect(nice.filter((value) => value !== own)).toEqual([Math.min(19, own + 10)]);
      expect(nice.length).toBeGreaterThanOrEqual(6);
    }),
    // A process of its own: tsx, dynalite and the SDK load from cold, on a thread at nice 10: under 1 s alone, 6-15 s
    // beside two busy processes, once over 30 s.
    90_000,
  );
});
