// The LevelDB database dynalite is given on the embedded store's thread reads synchronously. classic-level runs an
// ordinary `get` on libuv's thread pool: a hand-off there and back that costs about 30-50 microseconds of CPU per
// read on a small machine, where the read itself takes 1-2 (classic-level's own `getSync`, one LevelDB lookup in
// its caches or a file). dynalite reads twice for every item it writes (the table's description, then the item it
// replaces), so a first run's 1,000 creates paid for 2,000 such hand-offs. A synchronous read blocks only the
// store's own thread, never the caller's probes. Reads only: writes stay asynchronous (coalescing them into batches
// was tried and measured no gain).

/** A LevelDB database as the store's thread uses it: opened, then closed by dynalite. */
export interface LevelDatabase {
  open(): Promise<void>;
  close(): Promise<void>;
}

/** The constructor of a LevelDB database (classic-level's `Level`, as dynalite's `level` module exports it). */
export type LevelConstructor = new (path: string, options: { valueEncoding: string }) => LevelDatabase;

/** What an abstract-level database offers its subclasses for reading (`_get` and `_getSync`: its implementer's interface). */
interface Readable extends LevelDatabase {
  readonly supports: { readonly getSync?: boolean };
  _get(key: unknown, options: unknown): Promise<unknown>;
  _getSync(key: unknown, options: unknown): unknown;
}

/**
 * `Level`, reading with its own synchronous read wherever it supports one (abstract-level 3: `supports.getSync`);
 * everything else, and reads where it does not, as `Level` does them. Same values, same errors (a read that throws
 * rejects `get`, as before), same options (snapshots, encodings).
 */
export function readingSynchronously(Level: LevelConstructor): LevelConstructor {
  const Base = Level as unknown as new (path: string, options: { valueEncoding: string }) => Readable;
  return class SynchronousReads extends Base {
    override async _get(key: unknown, options: unknown): Promise<unknown> {
      return this.supports.getSync === true ? this._getSync(key, options) : super._get(key, options);
    }
  };
}
