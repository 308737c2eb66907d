import { existsSync, mkdtempSync, readdirSync, readFileSync, renameSync, statSync, truncateSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { basename, join } from 'node:path';
import { certwatchProcess } from '../support/certwatch-process';
import { chainFor, daysFromNow, issue } from '../support/pki';
import { startTcpServer, startTlsServer, type RunningServer } from '../support/servers';

// The embedded store under faults, through the real process: two runs started at the same instant (the lock is one
// step), and a store whose LevelDB files are damaged (one line: what, where, what to do).

let dir: string;
let expiring: RunningServer;
let silent: RunningServer;

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'certwatch-store-faults-'));
  const { root, intermediate } = await chainFor(['unused.test']);
  const leaf = await issue({ subject: 'CN=shop.test', sans: ['shop.test'], issuer: intermediate, notBefore: daysFromNow(-388), notAfter: daysFromNow(10) });
  expiring = await startTlsServer({ key: leaf, chain: [leaf, intermediate] });
  // Accepts and never answers: holds a run (and so its store) for the probe's whole timeout.
  silent = await startTcpServer(() => undefined);
  writeFileSync(join(dir, 'ca.pem'), root.certPem);
  writeFileSync(
    join(dir, 'certwatch.config.json'),
    JSON.stringify({
      // More silent targets than an AbortSignal's default listener limit (10), all in flight at once: no leak warning.
      targets: [
        { target: `127.0.0.1:${expiring.port}`, servername: 'shop.test' },
        ...Array.from({ length: 12 }, (_, i) => ({ target: `127.0.0.1:${silent.port}`, servername: `silent-${i + 1}.test` })),
      ],
      check: { caFile: 'ca.pem', timeoutMs: 1500 },
      audiences: { owners: { emails: ['owners@example.com'] }, oncall: { emails: ['oncall@example.com'] } },
    }),
  );
  writeFileSync(
    join(dir, 'quick.json'),
    JSON.stringify({ targets: [{ target: `127.0.0.1:${expiring.port}`, servername: 'shop.test' }], check: { caFile: 'ca.pem' }, audiences: { owners: {}, oncall: {} } }),
  );
});

afterAll(async () => {
  await Promise.all([expiring?.close(), silent?.close()]);
});

const certwatch = (...args: string[]) => certwatchProcess(args, { cwd: dir });

const notices = (file: string) => (existsSync(file) ? readFileSync(file, 'utf8').trim().split('\n').filter(Boolean) : []);

test('two runs started at the same instant on one store: one runs, the other is refused at once with the documented message and sends nothing; the winner, with more probes in flight than an AbortSignal takes listeners by default, prints no warning', async () => {
  for (const round of [1, 2]) {
    const store = join(dir, `race-${round}`);
    const sent = join(dir, `race-${round}.jsonl`);
    const args = ['run', '--store', store, '--notify', `file:${sent}`];
    const finished: (number | null)[] = [];
    const outcomes = await Promise.all(
      [certwatch(...args), certwatch(...args)].map((running) => running.then((outcome) => (finished.push(outcome.code), outcome))),
    );
    const winners = outcomes.filter((outcome) => outcome.code !== 3);
    const losers = outcomes.filter((outcome) => outcome.code === 3);
    expect(winners).toHaveLength(1);
    // The refused run is refused before its first probe: it ends while the winner still waits out the silent targets.
    expect(finished).toEqual([3, winners[0].code]);
    expect(winners[0].out).toContain(`state in local store ${store}`);
    expect(winners[0].err).toBe('');
    expect(losers).toEqual([
      {
        code: 3,
        out: '',
        err: `certwatch: the local store ${store} is in use by another running certwatch (LevelDB lock ${join(store, 'LOCK')} is held): wait for it to finish, or pass another directory with --store\n`,
      },
    ]);
    // The one notice decided (the expiring certificate's stage) was sent once, by the winner.
    expect(notices(sent)).toHaveLength(1);
  }
});

describe('a damaged local store is named, with what to do and what is lost', () => {
  const levelModule = () => require(require.resolve('level', { paths: [require.resolve('dynalite')] })) as { Level: new (path: string) => { open(): Promise<void>; compactRange(a: string, b: string): Promise<void>; close(): Promise<void> } };

  /** A store a run wrote, with its data compacted into a table file (.ldb), as a long-lived store has it. */
  async function writtenStore(name: string): Promise<string> {
    const store = join(dir, name);
    const run = await certwatch('run', '--config', 'quick.json', '--store', store, '--notify', `file:${join(dir, `${name}.jsonl`)}`);
    expect(run.out).toContain(`state in local store ${store}`);
    const database = new (levelModule().Level)(store);
    await database.open();
    await database.compactRange('\u0000', '\uffff');
    await database.close();
    return store;
  }

  const fileOf = (store: string, pattern: RegExp) => join(store, readdirSync(store).find((name) => pattern.test(name)) as string);

  const damage = {
    'a bad magic number': (store: string) => {
      const table = fileOf(store, /\.ldb$/);
      const bytes = readFileSync(table);
      bytes.fill(0x41, bytes.length - 48);
      writeFileSync(table, bytes);
    },
    'a bad block': (store: string) => {
      const table = fileOf(store, /\.ldb$/);
      const bytes = readFileSync(table);
      bytes.fill(0x41, 100, Math.min(bytes.length - 100, 4000));
      writeFileSync(table, bytes);
    },
    'a truncated manifest': (store: string) => truncateSync(fileOf(store, /^MANIFEST-/), 10),
    'a truncated table file': (store: string) => truncateSync(fileOf(store, /\.ldb$/), 200),
  };

  test.each(Object.keys(damage) as (keyof typeof damage)[])('%s', async (kind) => {
    const store = await writtenStore(kind.replace(/ /g, '-'));
    damage[kind](store);
    for (const command of [['status'], ['run', '--config', 'quick.json', '--notify', `file:${join(dir, 'damaged.jsonl')}`]]) {
      const { code, out, err } = await certwatch(...command, '--store', store);
      expect({ code, out }).toEqual({ code: 1, out: '' });
      expect(err.split('\n')).toEqual([expect.any(String), '']);
      expect(err).toMatch(new RegExp(`^certwatch: the local store ${store} is damaged \\(LevelDB: (Corruption|IO error): .+\\): move it aside \\(mv ${store} ${store}\\.damaged\\) and run certwatch again; `));
      expect(err).toContain('the acknowledgements and the record of what was sent are lost with it');
      expect(err.split('the local store')).toHaveLength(2); // named once, not "cannot open ...: cannot open ..."
    }
    if (kind !== 'a bad magic number') return;
    // Doing what it says works: the next run starts afresh.
    renameSync(store, `${store}.damaged`);
    expect((await certwatch('run', '--config', 'quick.json', '--store', store, '--notify', `file:${join(dir, 'afresh.jsonl')}`)).out).toContain(`state in local store ${store}`);
  });
});

test("a store whose log was cut in the middle of a write: the next command warns once, naming the store and what is lost, and goes on", async () => {
  const store = join(dir, 'torn');
  const sent = join(dir, 'torn.jsonl');
  const first = await certwatch('run', '--config', 'quick.json', '--store', store, '--notify', `file:${sent}`);
  expect(first).toMatchObject({ code: 0, err: '' });
  const log = join(store, readdirSync(store).find((name) => /^\d+\.log$/.test(name)) as string);
  truncateSync(log, statSync(log).size - 10); // inside the run's last write (its ledger)

  const status = await certwatch('status', '--store', store);
  expect(status.code).toBe(0);
  expect(status.err).toBe(
    `certwatch: warning: the local store ${store} lost writes: its LevelDB log ${basename(log)} ends in the middle of a write (a crash or a full disk while certwatch wrote it, or a copy cut short), which LevelDB drops without a word; what they recorded is gone: a notice recorded as sent may be sent again, an acknowledgement may need giving again, and a certificate whose state is lost is watched afresh\n`,
  );
  expect(status.out).toContain('tls:127.0.0.1:');
  // Said once: the open that found it rewrote the log.
  const next = await certwatch('run', '--config', 'quick.json', '--store', store, '--notify', `file:${sent}`);
  expect(next).toMatchObject({ code: 0, err: '' });
});

test('a run on a store whose log was cut warns on stderr and still runs', async () => {
  const store = join(dir, 'torn-run');
  const sent = join(dir, 'torn-run.jsonl');
  expect((await certwatch('run', '--config', 'quick.json', '--store', store, '--notify', `file:${sent}`)).code).toBe(0);
  const log = join(store, readdirSync(store).find((name) => /^\d+\.log$/.test(name)) as string);
  truncateSync(log, statSync(log).size - 10);
  const { code, out, err } = await certwatch('run', '--config', 'quick.json', '--store', store, '--notify', `file:${sent}`, '--json');
  expect(code).toBe(0);
  expect(err.split('\n')).toEqual([expect.stringMatching(new RegExp(`^certwatch: warning: the local store ${store} lost writes: its LevelDB log \\d+\\.log ends in the middle of a write `)), '']);
  expect(JSON.parse(out)).toMatchObject({ targets: 1 });
});

test('a store whose log has a damaged record: the next command names how much LevelDB dropped, once, and goes on', async () => {
  const store = join(dir, 'bad-log-record');
  const sent = join(dir, 'bad-log-record.jsonl');
  expect((await certwatch('run', '--config', 'quick.json', '--store', store, '--notify', `file:${sent}`)).code).toBe(0);
  const log = join(store, readdirSync(store).find((name) => /^\d+\.log$/.test(name)) as string);
  const bytes = readFileSync(log);
  bytes[100] ^= 0xff; // the first record: LevelDB drops the rest of the block, here every write of the run
  writeFileSync(log, bytes);

  const status = await certwatch('status', '--store', store);
  expect(status.code).toBe(0);
  expect(status.err).toMatch(
    new RegExp(`^certwatch: warning: the local store ${store} lost writes: LevelDB dropped \\d+ bytes of its log ${basename(log)} as damaged \\(Corruption: checksum mismatch\\); what they recorded is gone: .+\n$`),
  );
  expect((await certwatch('status', '--store', store)).err).toBe('');
});
